"""A pod's QoS class, as kubelet and the API server compute it (pkg/apis/core/v1/helper/qos, ComputePodQOS)."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from kbench.api.objects import Pod
from kbench.api.resources import container_requests

QOSClass = Literal["Guaranteed", "Burstable", "BestEffort"]
_COMPUTE = ("cpu", "memory")


def qos_class(pod: Pod) -> QOSClass:
    """Mirrors ComputePodQOS: BestEffort without cpu/memory requests or limits; Guaranteed when every
    container limits cpu and memory and requests equal limits; Burstable otherwise.

    Examples
    --------
    >>> from kbench.api.objects import Pod
    >>> qos_class(Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}))
    'BestEffort'
    """
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for c in list(pod.spec.containers) + list(pod.spec.init_containers):
        for name, q in container_requests(c).items():
            if name in _COMPUTE and q.amount > 0:
                requests[name] = requests.get(name, Fraction(0)) + q.amount
        found = set()
        for name, q in c.resources.limits.items():
            if name in _COMPUTE and q.amount > 0:
                found.add(name)
                limits[name] = limits.get(name, Fraction(0)) + q.amount
        if not found >= set(_COMPUTE):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(n) == v for n, v in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
