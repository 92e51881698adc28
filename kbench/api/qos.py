"""A pod's QoS class, as kubelet and the API server compute it (pkg/apis/core/v1/helper/qos, ComputePodQOS)."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from kbench.api.objects import Pod
from kbench.api.resources import QOS_SLOT, container_requests, spec_memoized

QOSClass = Literal["Guaranteed", "Burstable", "BestEffort"]
_COMPUTE = ("cpu", "memory")


def qos_class(pod: Pod) -> QOSClass:
    """Mirrors ComputePodQOS: BestEffort without cpu/memory requests or limits; Guaranteed when every
    container limits cpu and memory and requests equal limits; Burstable otherwise. Computed once
    per spec object (specs are immutable).

    Examples
    --------
    >>> from kbench.api.objects import Pod
    >>> qos_class(Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}))
    'BestEffort'
    """
    return spec_memoized(pod.spec, QOS_SLOT, lambda: _compute(pod))  # type: ignore[no-any-return]


def _compute(pod: Pod) -> QOSClass:
    """ComputePodQOS itself (qos_class memoizes it per spec)."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for c in list(pod.spec.containers) + list(pod.spec.init_containers):
        for name, q in container_requests(c).items():
            if name in _COMPUTE and q.amount > 0:
                requests[name] = requests[name] + q.amount if name in requests else q.amount
        found = set()
        for name, q in c.resources.limits.items():
            if name in _COMPUTE and q.amount > 0:
                found.add(name)
                limits[name] = limits[name] + q.amount if name in limits else q.amount
        if not found >= set(_COMPUTE):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(n) == v for n, v in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
