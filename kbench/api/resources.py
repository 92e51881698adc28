"""A pod's effective resource requests, as k8s.io/component-helpers/resource.PodRequests computes them.

Requests are summed over containers, maxed with each init container (sidecar init containers,
`restartPolicy: Always`, accumulate), then pod overhead is added. Sums are exact (Fractions)
and rounded once at the end, as Quantity arithmetic is in Go.

A pod's requests are computed once per PodSpec object (pods and their specs are frozen, and a
pod's container resources are immutable in the API): copies of a pod that keep its spec (the
metadata and status updates of its life) share the result; a copy with a new spec object (a
binding sets spec.nodeName) computes it afresh.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

from kbench.api.objects import Container, Node, Pod, PodSpec
from kbench.api.quantity import Quantity, _round_up

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"

DEFAULT_MILLI_CPU_REQUEST = 100
"""schedutil.DefaultMilliCPURequest: 0.1 core assumed for scoring when a container requests none."""
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
"""schedutil.DefaultMemoryRequest: 200 MiB assumed for scoring when a container requests none."""

NON_ZERO_DEFAULTS: dict[str, Fraction] = {
    CPU: Fraction(DEFAULT_MILLI_CPU_REQUEST, 1000),
    MEMORY: Fraction(DEFAULT_MEMORY_REQUEST),
}
"""NonMissingContainerRequests of the scheduler's scoring; a constant (results are memoized on it)."""

Amounts = dict[str, Fraction]


def is_scalar_resource(name: str) -> bool:
    """Mirrors schedutil.IsScalarResourceName: extended, hugepages, prefixed-native, attachable-volumes."""
    if name.startswith("hugepages-") or name.startswith("attachable-volumes-"):
        return True
    if "kubernetes.io/" in name:
        return True
    return "/" in name and not name.startswith("requests.")


def is_tracked_resource(name: str) -> bool:
    """True for resources the scheduler's Resource type keeps (cpu, memory, storage, pods, scalars)."""
    return name in (CPU, MEMORY, EPHEMERAL_STORAGE, PODS) or is_scalar_resource(name)


def container_requests(c: Container) -> dict[str, Quantity]:
    """Requests after API defaulting: a limit without a request defaults the request to the limit."""
    reqs = dict(c.resources.requests)
    for name, q in c.resources.limits.items():
        reqs.setdefault(name, q)
    return reqs


def _zero_plus(v: Fraction) -> Fraction:
    """``Fraction(0) + v`` (the value of v as a Fraction), without the arithmetic when v is one."""
    return v if type(v) is Fraction else Fraction(0) + v


def _apply(reqs: Mapping[str, Quantity], non_missing: Mapping[str, Fraction] | None) -> Amounts:
    out = {k: q.amount for k, q in reqs.items()}
    if non_missing:
        for k, v in non_missing.items():
            if k not in reqs:
                out[k] = _zero_plus(v)
    return out


def _add(into: Amounts, more: Mapping[str, Fraction]) -> None:
    for k, v in more.items():
        cur = into.get(k)
        into[k] = _zero_plus(v) if cur is None else cur + v


def _max(into: Amounts, other: Mapping[str, Fraction]) -> None:
    for k, v in other.items():
        if k not in into or v > into[k]:
            into[k] = v


class _Ref(weakref.ref):  # type: ignore[type-arg]
    """A weak reference to a PodSpec that knows its memo key."""

    __slots__ = ("key",)
    key: int


_MEMO: dict[int, list[Any]] = {}
"""id(spec) -> [_Ref(spec), then per memo slot the computed value or None]: pod_requests without
and with the non-zero defaults (slots 1, 2), pod_int_requests likewise (slots 3, 4), the QoS class
(slot 5, see spec_memoized)."""

_PLAIN, _NON_ZERO = 1, 2
_INT = 2
"""Offset from a pod_requests slot to the pod_int_requests slot of the same argument."""


def _forget(ref: _Ref) -> None:
    """Weakref callback: drop the memo of a PodSpec that no longer exists."""
    m = _MEMO.get(ref.key)
    if m is not None and m[0] is ref:
        del _MEMO[ref.key]


def _memo(spec: PodSpec) -> list[Any] | None:
    """The memo of ``spec`` (created empty on first use); None if spec cannot be weakly referenced.

    Keyed on id(spec) and checked by identity through the weak reference, so a new object that
    reuses a dead spec's address never sees the dead spec's values."""
    key = id(spec)
    m = _MEMO.get(key)
    if m is not None and m[0]() is spec:
        return m
    try:
        ref = _Ref(spec, _forget)
    except TypeError:
        return None
    ref.key = key
    m = [ref, None, None, None, None, None]
    _MEMO[key] = m
    return m


QOS_SLOT = 5


def spec_memoized(spec: PodSpec, slot: int, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per PodSpec object for memo ``slot`` (specs are immutable)."""
    m = _memo(spec)
    if m is None:
        return compute()
    got = m[slot]
    if got is None:
        got = m[slot] = compute()
    return got


def _slot(non_missing: Mapping[str, Fraction] | None) -> int:
    """The memo slot of a ``non_missing`` argument (0: not memoized)."""
    if non_missing is None:
        return _PLAIN
    if non_missing is NON_ZERO_DEFAULTS:
        return _NON_ZERO
    return 0


def pod_requests(pod: Pod, non_missing: Mapping[str, Fraction] | None = None) -> Amounts:
    """Mirrors resource.PodRequests (AggregateContainerRequests plus overhead).

    ``non_missing`` is NonMissingContainerRequests: amounts added per container where the
    container's request for that resource is missing (not where it is an explicit zero).
    The result is a new dict on every call (callers may change it).
    """
    slot = _slot(non_missing)
    m = _memo(pod.spec) if slot else None
    if m is None:
        return _pod_requests(pod.spec, non_missing)
    got = m[slot]
    if got is None:
        got = m[slot] = _pod_requests(pod.spec, non_missing)
    return dict(got)


def pod_int_requests(pod: Pod, non_missing: Mapping[str, Fraction] | None = None) -> dict[str, int]:
    """``int_requests(pod_requests(pod, non_missing))``, memoized per spec like pod_requests.

    The result is a new dict on every call (callers may change it)."""
    slot = _slot(non_missing)
    m = _memo(pod.spec) if slot else None
    if m is None:
        return int_requests(pod_requests(pod, non_missing))
    got = m[slot + _INT]
    if got is None:
        got = m[slot + _INT] = int_requests(pod_requests(pod, non_missing))
    return dict(got)


def _pod_requests(spec: PodSpec, non_missing: Mapping[str, Fraction] | None) -> Amounts:
    """pod_requests, computed."""
    reqs: Amounts = {}
    for c in spec.containers:
        _add(reqs, _apply(container_requests(c), non_missing))
    restartable: Amounts = {}
    init_max: Amounts = {}
    for c in spec.init_containers:
        creq = _apply(container_requests(c), non_missing)
        if c.restart_policy == "Always":
            _add(reqs, creq)
            _add(restartable, creq)
            creq = dict(restartable)
        else:
            tmp: Amounts = {}
            _add(tmp, creq)
            _add(tmp, restartable)
            creq = tmp
        _max(init_max, creq)
    _max(reqs, init_max)
    _add(reqs, {k: q.amount for k, q in spec.overhead.items()})
    return reqs


def to_int(name: str, amount: Fraction) -> int:
    """Milli-units for cpu (MilliValue), whole units (Value) for everything else; both round up."""
    return _round_up(amount, 1000 if name == CPU else 1)


def node_allocatable(node: Node) -> dict[str, int]:
    """The node's allocatable resources the scheduler tracks, as integers (milli-cpu, bytes, counts)."""
    return {k: to_int(k, q.amount) for k, q in node.allocatable.items() if is_tracked_resource(k)}


def int_requests(amounts: Mapping[str, Fraction]) -> dict[str, int]:
    """Integer requests of the resources the scheduler tracks."""
    return {k: to_int(k, v) for k, v in amounts.items() if is_tracked_resource(k)}


def image_names(pod: Pod) -> Iterable[str]:
    """Images of init containers then containers, in pod order."""
    for c in pod.spec.init_containers:
        yield c.image
    for c in pod.spec.containers:
        yield c.image
