"""The pod quota evaluator (pkg/quota/v1/evaluator/core/pods.go) and the pod-level requests and
limits it charges (k8s.io/component-helpers resource.PodRequests and PodLimits).

A pod is charged ``count/pods`` always, and while it is not terminal (QuotaV1Pod: not Succeeded or
Failed, and not past its deletion time plus grace) also ``pods``, ``cpu``/``requests.cpu``,
``memory``/``requests.memory``, ``ephemeral-storage``/``requests.ephemeral-storage``, the
matching ``limits.*``, ``hugepages-*``/``requests.hugepages-*`` and ``requests.<extended>``, from
its effective requests and limits (containers summed, init containers maxed, sidecars added,
overhead added). Requests are after API defaulting (a limit without a request is also the request).

Simplified: pod-level ``spec.resources`` and in-place resize (allocated resources in the status)
are not modelled; kbench pods carry container resources only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kbench.api.objects import Container, Pod, PodAffinityTerm, WeightedPodAffinityTerm
from kbench.api.qos import qos_class
from kbench.api.quantity_format import Amount
from kbench.api.quota import ResourceQuota, ScopedResourceSelectorRequirement
from kbench.api.resources import container_requests
from kbench.quota.resources import Usage, add, add_into, amounts, max_into

POD_OBJECT_COUNT = "count/pods"
POD_RESOURCES = frozenset({
    POD_OBJECT_COUNT, "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
})
"""podResources: what the pod evaluator tracks besides hugepages and extended resources."""
VALIDATION_SET = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"})
"""The resources a quota makes every container specify (the "mistake" pods.go keeps for compatibility)."""
_REQUESTS = "requests."
_HUGEPAGES = "hugepages-"


def is_native(name: str) -> bool:
    """helper.IsNativeResource: unprefixed, or in the kubernetes.io/ domain."""
    return "/" not in name or "kubernetes.io/" in name


def is_extended(name: str) -> bool:
    """helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io, not a quota name."""
    return not is_native(name) and not name.startswith(_REQUESTS)


def matching_resources(names: Iterable[str]) -> list[str]:
    """MatchingResources: the quota resource names among ``names`` that pods consume."""
    return sorted({n for n in names if n in POD_RESOURCES or n.startswith((_HUGEPAGES, _REQUESTS + _HUGEPAGES))
                   or (not is_native(n) and n.startswith(_REQUESTS))})


def pod_requests(pod: Pod, overhead: bool = True) -> Usage:
    """resource.PodRequests (and the LimitRanger's podRequests, without overhead)."""
    return _aggregate(pod, [amounts(container_requests(c)) for c in pod.spec.containers],
                      [amounts(container_requests(c)) for c in pod.spec.init_containers],
                      amounts(pod.spec.overhead) if overhead else {}, only_present=False)


def pod_limits(pod: Pod, overhead: bool = True) -> Usage:
    """resource.PodLimits: overhead is added only to resources some container limits."""
    return _aggregate(pod, [amounts(c.resources.limits) for c in pod.spec.containers],
                      [amounts(c.resources.limits) for c in pod.spec.init_containers],
                      amounts(pod.spec.overhead) if overhead else {}, only_present=True)


def _aggregate(pod: Pod, containers: Sequence[Usage], inits: Sequence[Usage], extra: Usage,
               only_present: bool) -> Usage:
    total: Usage = {}
    for r in containers:
        add_into(total, r)
    restartable: Usage = {}
    init_max: Usage = {}
    for c, r in zip(pod.spec.init_containers, inits, strict=True):
        if c.restart_policy == "Always":
            add_into(total, r)
            add_into(restartable, r)
            current = restartable
        else:
            current = {}
            add_into(current, r)
            add_into(current, restartable)
        max_into(init_max, current)
    max_into(total, init_max)
    add_into(total, {k: v for k, v in extra.items() if k in total} if only_present else extra)
    return total


def compute_usage(requests: Usage, limits: Usage) -> Usage:
    """podComputeUsageHelper: the quota resources a set of requests and limits charges."""
    out: Usage = {"pods": Amount.of_int(1)}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[name] = out[_REQUESTS + name] = requests[name]
        if name in limits:
            out["limits." + name] = limits[name]
    for name, q in requests.items():
        if name.startswith(_HUGEPAGES):
            out[name] = out[_REQUESTS + name] = q
        if is_extended(name):
            out[_REQUESTS + name] = q
    return out


def is_quota_pod(pod: Pod, now: float) -> bool:
    """QuotaV1Pod: not terminal, and not past deletionTimestamp + deletionGracePeriodSeconds."""
    if pod.status.get("phase") in ("Succeeded", "Failed"):
        return False
    meta = pod.metadata
    if meta.deletion_timestamp is not None and meta.deletion_grace_period_seconds is not None:
        return not now > float(meta.deletion_timestamp) + meta.deletion_grace_period_seconds
    return True


def pod_usage(pod: Pod, now: float) -> Usage:
    """PodUsageFunc: ``count/pods`` always, compute resources while the pod is not terminal."""
    out: Usage = {POD_OBJECT_COUNT: Amount.of_int(1)}
    if not is_quota_pod(pod, now):
        return out
    return add(out, compute_usage(pod_requests(pod), pod_limits(pod)))


def _container_usage(c: Container) -> set[str]:
    return set(compute_usage(amounts(container_requests(c)), amounts(c.resources.limits)))


def constraint_error(required: Iterable[str], pod: Pod) -> str | None:
    """Constraints: "must specify ..." naming, per resource, the containers that do not set it."""
    required_set = set(required) & VALIDATION_SET
    missing: dict[str, set[str]] = {}
    for c in [*pod.spec.containers, *pod.spec.init_containers]:
        for name in required_set - _container_usage(c):
            missing.setdefault(name, set()).add(c.name)
    if not missing:
        return None
    return "must specify " + "; ".join(f"{r} for: {','.join(sorted(missing[r]))}" for r in sorted(missing))


def _cross_namespace(terms: Iterable[PodAffinityTerm]) -> bool:
    return any(t.namespaces or t.namespace_selector is not None for t in terms)


def _weighted(terms: Iterable[WeightedPodAffinityTerm]) -> list[PodAffinityTerm]:
    return [t.pod_affinity_term for t in terms]


def uses_cross_namespace_pod_affinity(pod: Pod) -> bool:
    """usesCrossNamespacePodAffinity: an (anti-)affinity term naming namespaces or a namespace selector."""
    aff = pod.spec.affinity
    if aff is None:
        return False
    return any(_cross_namespace(a.required_during_scheduling_ignored_during_execution)
               or _cross_namespace(_weighted(a.preferred_during_scheduling_ignored_during_execution))
               for a in (aff.pod_affinity, aff.pod_anti_affinity) if a is not None)


def is_terminating(pod: Pod) -> bool:
    """isTerminating: the pod has an activeDeadlineSeconds (the Terminating scope)."""
    return pod.spec.active_deadline_seconds is not None and pod.spec.active_deadline_seconds >= 0


def matches_scope(req: ScopedResourceSelectorRequirement, pod: Pod) -> bool:
    """podMatchesScopeFunc; the PriorityClass scope matches the label set {PriorityClass: class}."""
    scope = req.scope_name
    if scope in ("Terminating", "NotTerminating"):
        return is_terminating(pod) == (scope == "Terminating")
    if scope in ("BestEffort", "NotBestEffort"):
        return (qos_class(pod) == "BestEffort") == (scope == "BestEffort")
    if scope == "CrossNamespacePodAffinity":
        return uses_cross_namespace_pod_affinity(pod)
    if scope == "PriorityClass":
        name = pod.spec.priority_class_name
        if req.operator == "Exists":
            return bool(name)
        if req.operator == "DoesNotExist":
            return not name
        if req.operator == "In":
            return bool(name) and name in req.values
        if req.operator == "NotIn":
            return not name or name not in req.values
    return False


def scope_selectors(rq: ResourceQuota) -> list[ScopedResourceSelectorRequirement]:
    """getScopeSelectorsFromQuota: each scope as an Exists requirement, then the scope selector's."""
    out = [ScopedResourceSelectorRequirement(scope_name=s, operator="Exists") for s in rq.spec.scopes]
    if rq.spec.scope_selector is not None:
        out += rq.spec.scope_selector.match_expressions
    return out


def matches(rq: ResourceQuota, pod: Pod) -> bool:
    """generic.Matches: the quota limits (in status.hard) a pod resource and every scope matches."""
    hard = rq.status.hard or {}
    return bool(matching_resources(hard)) and all(matches_scope(s, pod) for s in scope_selectors(rq))
