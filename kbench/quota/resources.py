"""Resource list arithmetic of k8s.io/apiserver/pkg/quota/v1/resources.go on Go-valued quantities.

A usage is a dict resource name -> :class:`Amount`; the functions return new dicts and keep the
quantity formats as Go's do, so that sums print as Kubernetes prints them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kbench.api.quantity import Quantity
from kbench.api.quantity_format import Amount

Usage = dict[str, Amount]


def amounts(resources: Mapping[str, Quantity] | None) -> Usage:
    """A ResourceList read from an object (nil is empty)."""
    return {k: Amount.of(q) for k, q in (resources or {}).items()}


def quantities(usage: Mapping[str, Amount]) -> dict[str, Quantity]:
    """A usage as a stored object holds it (each quantity as its canonical text)."""
    return {k: a.to_quantity() for k, a in usage.items()}


def add(a: Mapping[str, Amount], b: Mapping[str, Amount]) -> Usage:
    """quota.Add: a + b per resource, keys of either."""
    out = {k: v + b[k] if k in b else v for k, v in a.items()}
    for k, v in b.items():
        out.setdefault(k, v)
    return out


def add_into(into: Usage, more: Mapping[str, Amount]) -> None:
    """resourcehelper's addResourceList: add ``more`` into ``into`` in place."""
    for k, v in more.items():
        into[k] = into[k] + v if k in into else v


def max_into(into: Usage, other: Mapping[str, Amount]) -> None:
    """resourcehelper's maxResourceList: keep the greater quantity per resource (the first on ties)."""
    for k, v in other.items():
        if k not in into or v.value > into[k].value:
            into[k] = v


def mask(a: Mapping[str, Amount], names: Iterable[str]) -> Usage:
    """quota.Mask: only the resources in ``names``."""
    keep = set(names)
    return {k: v for k, v in a.items() if k in keep}


def remove_zeros(a: Mapping[str, Amount]) -> Usage:
    """quota.RemoveZeros."""
    return {k: v for k, v in a.items() if v.value != 0}


def negative(a: Mapping[str, Amount]) -> list[str]:
    """quota.IsNegative: the resources with a negative quantity."""
    return [k for k, v in a.items() if v.value < 0]


def less_than_or_equal(a: Mapping[str, Amount], b: Mapping[str, Amount]) -> tuple[bool, list[str]]:
    """quota.LessThanOrEqual: whether every resource of ``a`` that ``b`` has is within it, and those that are not."""
    exceeded = [k for k, v in a.items() if k in b and v.value > b[k].value]
    return not exceeded, exceeded


def equals(a: Mapping[str, Amount], b: Mapping[str, Amount]) -> bool:
    """quota.Equals: the same resources with equal values (formats aside)."""
    return a.keys() == b.keys() and all(v.value == b[k].value for k, v in a.items())


def pretty(a: Mapping[str, Amount]) -> str:
    """The quota admission's prettyPrint: ``name=quantity`` sorted by name, joined by commas."""
    return ",".join(f"{k}={a[k]}" for k in sorted(a))
