"""A pod's effective resource requests, as k8s.io/component-helpers/resource.PodRequests computes them.

Requests are summed over containers, maxed with each init container (sidecar init containers,
`restartPolicy: Always`, accumulate), then pod overhead is added. Sums are exact (Fractions)
and rounded once at the end, as Quantity arithmetic is in Go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from kbench.api.objects import Container, Node, Pod
from kbench.api.quantity import Quantity

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


def _apply(reqs: Mapping[str, Quantity], non_missing: Mapping[str, Fraction] | None) -> Amounts:
    out = {k: q.amount for k, q in reqs.items()}
    if non_missing:
        for k, v in non_missing.items():
            if k not in reqs:
                out[k] = out.get(k, Fraction(0)) + v
    return out


def _add(into: Amounts, more: Mapping[str, Fraction]) -> None:
    for k, v in more.items():
        into[k] = into.get(k, Fraction(0)) + v


def _max(into: Amounts, other: Mapping[str, Fraction]) -> None:
    for k, v in other.items():
        if k not in into or v > into[k]:
            into[k] = v


def pod_requests(pod: Pod, non_missing: Mapping[str, Fraction] | None = None) -> Amounts:
    """Mirrors resource.PodRequests (AggregateContainerRequests plus overhead).

    ``non_missing`` is NonMissingContainerRequests: amounts added per container where the
    container's request for that resource is missing (not where it is an explicit zero).
    """
    reqs: Amounts = {}
    for c in pod.spec.containers:
        _add(reqs, _apply(container_requests(c), non_missing))
    restartable: Amounts = {}
    init_max: Amounts = {}
    for c in pod.spec.init_containers:
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
    _add(reqs, {k: q.amount for k, q in pod.spec.overhead.items()})
    return reqs


def to_int(name: str, amount: Fraction) -> int:
    """Milli-units for cpu (MilliValue), whole units (Value) for everything else; both round up."""
    q = Quantity(amount, "")
    return q.milli_value() if name == CPU else q.value()


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
