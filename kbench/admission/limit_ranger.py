"""The LimitRanger admission plugin (plugin/pkg/admission/limitranger/admission.go) for pods.

Mutating phase (:meth:`LimitRanger.admit`): for each LimitRange of the pod's namespace, every
container and init container gets the Container item's ``default`` as the limit and
``defaultRequest`` as the request of each resource it does not set, and the pod is annotated
``kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container c; ...``.
(The LimitRange's own defaulting fills ``defaultRequest`` from ``default`` and ``min``.)

Validating phase (:meth:`LimitRanger.validate`): each container against the Container item's
``min``, ``max`` and ``maxLimitRequestRatio``, and the pod's summed requests and limits against
the Pod item's, with Kubernetes' messages (``minimum cpu usage per Container is 100m, but request
is 50m``); all failures of one LimitRange are reported together, Forbidden.

kube-apiserver runs every mutating plugin before any validating one, so the chain holds the two
phases as two callables. Simplified: LimitRanges are read from the store (kube's informer cache
and live lookup); Go iterates a LimitRange's resource maps in random order, kbench in name order,
which fixes the order of several messages in one error.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from kbench.admission.errors import forbidden
from kbench.api.label_validation import aggregate
from kbench.api.objects import Container, Pod
from kbench.api.quantity_format import Amount
from kbench.api.quota import LimitRange, LimitRangeItem
from kbench.api.resources import container_requests
from kbench.quota.pods import pod_limits, pod_requests
from kbench.quota.resources import Usage, amounts
from kbench.sim.apiserver import APIServer

LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
MAX_MILLI_VALUE = ((1 << 63) - 1) // 1000
"""resource.MaxMilliValue: above it a comparison uses whole units, not thousandths."""


class LimitRanger:
    """The plugin's two phases; ``admit`` and ``validate`` are the chain's callables."""

    def __init__(self, api: APIServer) -> None:
        self.api = api

    def _ranges(self, pod: Pod) -> list[LimitRange]:
        return [lr for lr in self.api.list("LimitRange", pod.namespace)[0] if isinstance(lr, LimitRange)]

    def admit(self, obj: BaseModel) -> BaseModel:
        """PodMutateLimitFunc for each LimitRange of the pod's namespace."""
        if not isinstance(obj, Pod):
            return obj
        for lr in self._ranges(obj):
            obj = mutate_pod(lr, obj)
        return obj

    def validate(self, obj: BaseModel) -> BaseModel:
        """PodValidateLimitFunc for each LimitRange; the first that fails makes the create Forbidden."""
        if isinstance(obj, Pod):
            for lr in self._ranges(obj):
                errs = pod_limit_errors(lr, obj)
                if errs:
                    raise forbidden(obj, aggregate(errs))
        return obj


def _defaults(lr: LimitRange) -> tuple[Usage, Usage]:
    """defaultContainerResourceRequirements: (default requests, default limits) of the Container items."""
    requests: Usage = {}
    limits: Usage = {}
    for item in lr.spec.limits:
        if item.type == "Container":
            requests.update(amounts(item.default_request))
            limits.update(amounts(item.default))
    return requests, limits


def _merge(c: Container, requests: Usage, limits: Usage, prefix: str, notes: list[str]) -> Container:
    """mergeContainerResources: fill missing limits and requests, noting which were set."""
    have = container_requests(c)
    new_limits = dict(c.resources.limits)
    new_requests = dict(c.resources.requests)
    set_limits = sorted(k for k in limits if k not in new_limits)
    set_requests = sorted(k for k in requests if k not in have)
    for k in set_limits:
        new_limits[k] = limits[k].to_quantity()
    for k in set_requests:
        new_requests[k] = requests[k].to_quantity()
    if set_requests:
        notes.append(f"{', '.join(set_requests)} request for {prefix} {c.name}")
    if set_limits:
        notes.append(f"{', '.join(set_limits)} limit for {prefix} {c.name}")
    if not set_limits and not set_requests:
        return c
    res = c.resources.model_copy(update={"limits": new_limits, "requests": new_requests})
    return c.model_copy(update={"resources": res})


def mutate_pod(lr: LimitRange, pod: Pod) -> Pod:
    """PodMutateLimitFunc: apply one LimitRange's container defaults to a pod."""
    requests, limits = _defaults(lr)
    if not requests and not limits:
        return pod
    notes: list[str] = []
    containers = [_merge(c, requests, limits, "container", notes) for c in pod.spec.containers]
    inits = [_merge(c, requests, limits, "init container", notes) for c in pod.spec.init_containers]
    if not notes:
        return pod
    spec = pod.spec.model_copy(update={"containers": containers, "init_containers": inits})
    ann = {**pod.metadata.annotations, LIMIT_RANGER_ANNOTATION: "LimitRanger plugin set: " + "; ".join(notes)}
    return pod.model_copy(update={"spec": spec, "metadata": pod.metadata.model_copy(update={"annotations": ann})})


def _values(req: Amount | None, lim: Amount | None, enforced: Amount) -> tuple[int, int, int]:
    """requestLimitEnforcedValues: thousandths when all three fit, else whole units (missing is 0)."""
    zero = Amount.of_int(0)
    qs = (req or zero, lim or zero, enforced)
    if all(q.int_value() <= MAX_MILLI_VALUE for q in qs):
        r, li, e = (q.milli_value() for q in qs)
    else:
        r, li, e = (q.int_value() for q in qs)
    return r, li, e


def _min(kind: str, name: str, enforced: Amount, requests: Mapping[str, Amount],
         limits: Mapping[str, Amount]) -> str | None:
    """minConstraint."""
    req, lim = requests.get(name), limits.get(name)
    r, li, e = _values(req, lim, enforced)
    if req is None:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified"
    if r < e:
        return f"minimum {name} usage per {kind} is {enforced}, but request is {req}"
    if lim is not None and li < e:
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {lim}"
    return None


def _max(kind: str, name: str, enforced: Amount, requests: Mapping[str, Amount],
         limits: Mapping[str, Amount]) -> str | None:
    """maxConstraint."""
    req, lim = requests.get(name), limits.get(name)
    r, li, e = _values(req, lim, enforced)
    if lim is None:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified"
    if li > e:
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {lim}"
    if req is not None and r > e:
        return f"maximum {name} usage per {kind} is {enforced}, but request is {req}"
    return None


def _ratio(kind: str, name: str, enforced: Amount, requests: Mapping[str, Amount],
           limits: Mapping[str, Amount]) -> str | None:
    """limitRequestRatioConstraint."""
    req, lim = requests.get(name), limits.get(name)
    r, li, _ = _values(req, lim, enforced)
    if req is None or r == 0:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but no request is specified or request is 0"
    if lim is None or li == 0:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but no limit is specified or limit is 0"
    observed = float(li) / float(r)
    shown = observed
    allowed = float(enforced.int_value())
    if enforced.int_value() <= MAX_MILLI_VALUE:
        observed *= 1000
        allowed = float(enforced.milli_value())
    if observed > allowed:
        return f"{name} max limit to request ratio per {kind} is {enforced}, but provided ratio is {shown:f}"
    return None


def _check(item: LimitRangeItem, requests: Mapping[str, Amount], limits: Mapping[str, Amount]) -> list[str]:
    """min, max, then maxLimitRequestRatio constraints of one item, each in resource-name order."""
    errs = []
    for bounds, fn in ((item.min, _min), (item.max, _max), (item.max_limit_request_ratio, _ratio)):
        for name in sorted(bounds):
            err = fn(item.type, name, Amount.of(bounds[name]), requests, limits)
            if err is not None:
                errs.append(err)
    return errs


def pod_limit_errors(lr: LimitRange, pod: Pod) -> list[str]:
    """PodValidateLimitFunc: the messages of every constraint of ``lr`` the pod breaks."""
    errs: list[str] = []
    for item in lr.spec.limits:
        if item.type == "Container":
            for c in [*pod.spec.containers, *pod.spec.init_containers]:
                errs += _check(item, amounts(container_requests(c)), amounts(c.resources.limits))
        elif item.type == "Pod":
            errs += _check(item, pod_requests(pod, overhead=False), pod_limits(pod, overhead=False))
    return errs
