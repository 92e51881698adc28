"""Which active pods a controller deletes first when it scales down: controller.ActivePodsWithRanks
(pkg/controller/controller_utils.go) with the PodDeletionCost and LogarithmicScaleDown features
on (their defaults since Kubernetes 1.22).

A pod sorts before (is deleted before) another when, in order:

1. it is unassigned and the other is assigned;
2. its phase is earlier in Pending < Unknown < Running;
3. it is not ready and the other is;
4. its ``controller.kubernetes.io/pod-deletion-cost`` is lower;
5. its rank (the number of related active pods on its node) is higher;
6. both ready: it became ready more recently, compared in log2 buckets of the time since
   (ties in a bucket broken by uid);
7. it has a higher container restart count (regular containers, then sidecars);
8. it was created more recently, compared in log2 buckets of its age (ties broken by uid).

Timestamps compare at whole seconds, as metav1.Time is serialized; "now" is exact.

Simplified: Kubernetes uids are random UUIDs, so its uid tie-breaks are random; kbench's uids
count up with creation, so the tie-break compares an FNV-32a hash of the uid instead, which keeps
it uncorrelated with age. Go's sort is not stable; equal pods keep their listing order here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cmp_to_key
from typing import Any

from kbench.api.objects import Pod
from kbench.controllers.base import is_pod_active, is_pod_ready

DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"
PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
"""podPhaseToOrdinal; any other phase (or none) counts as 0."""
_INT32 = (-(2 ** 31), 2 ** 31 - 1)
_COST = re.compile(r"^(-[0-9]+|0|[1-9][0-9]*)$")
"""validFirstDigit then strconv.ParseInt: no plus sign, no leading zeros."""


def fnv32a(data: bytes) -> int:
    """The 32-bit FNV-1a hash (hash/fnv New32a)."""
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def deletion_cost(pod: Pod) -> int:
    """GetDeletionCostFromPodAnnotations: the annotation as an int32; 0 when unset or invalid."""
    raw = pod.metadata.annotations.get(DELETION_COST_ANNOTATION)
    if raw is None or not _COST.match(raw):
        return 0
    v = int(raw)
    return v if _INT32[0] <= v <= _INT32[1] else 0


def _seconds(t: Any) -> float | None:
    """A metav1.Time as the API serializes it: whole seconds; None for the zero time."""
    return None if t is None else float(math.floor(float(t)))


def ready_time(pod: Pod) -> float | None:
    """podReadyTime: lastTransitionTime of a true Ready condition, at whole seconds."""
    for c in pod.status.get("conditions", ()):
        if c.get("type") == "Ready" and c.get("status") == "True":
            return _seconds(c.get("lastTransitionTime"))
    return None


def max_restarts(pod: Pod) -> tuple[int, int]:
    """maxContainerRestarts: the highest restart count of regular containers and of sidecars
    (restartable init containers)."""
    regular = max((int(s.get("restartCount", 0)) for s in pod.status.get("containerStatuses", ())), default=0)
    sidecars = {c.name for c in pod.spec.init_containers if c.restart_policy == "Always"}
    sidecar = max((int(s.get("restartCount", 0)) for s in pod.status.get("initContainerStatuses", ())
                   if s.get("name") in sidecars), default=0)
    return regular, sidecar


def _log_rank_diff(t1: float, t2: float, now: float) -> int:
    """logarithmicRankDiff: floor(log2) of each duration since now in nanoseconds (-1 if not positive)."""
    def rank(t: float) -> int:
        d = round((now - t) * 1e9)
        return int(math.log2(d)) if d > 0 else -1
    return rank(t1) - rank(t2)


def _uid_key(pod: Pod) -> int:
    return fnv32a((pod.metadata.uid or pod.key).encode())


def _after_or_zero(t1: float | None, t2: float | None) -> bool:
    """afterOrZero: t1 is after t2; a zero time counts as after any other."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _time_less(t1: float | None, t2: float | None, a: Pod, b: Pod, now: float) -> bool:
    if t1 is None or t2 is None:
        return _after_or_zero(t1, t2)
    diff = _log_rank_diff(t1, t2, now)
    if diff == 0:
        return _uid_key(a) < _uid_key(b)
    return diff < 0


def pod_less(a: Pod, rank_a: int, b: Pod, rank_b: int, now: float) -> bool:
    """ActivePodsWithRanks.Less: whether ``a`` should be deleted before ``b``."""
    if a.spec.node_name != b.spec.node_name and (not a.spec.node_name or not b.spec.node_name):
        return not a.spec.node_name
    pa, pb = PHASE_ORDINAL.get(a.status.get("phase", ""), 0), PHASE_ORDINAL.get(b.status.get("phase", ""), 0)
    if pa != pb:
        return pa < pb
    ra, rb = is_pod_ready(a), is_pod_ready(b)
    if ra != rb:
        return not ra
    ca, cb = deletion_cost(a), deletion_cost(b)
    if ca != cb:
        return ca < cb
    if rank_a != rank_b:
        return rank_a > rank_b
    if ra and rb:
        ta, tb = ready_time(a), ready_time(b)
        if ta != tb:
            return _time_less(ta, tb, a, b, now)
    xa, xb = max_restarts(a), max_restarts(b)
    if xa[0] != xb[0]:
        return xa[0] > xb[0]
    if xa[1] != xb[1]:
        return xa[1] > xb[1]
    sa, sb = _seconds(a.metadata.creation_timestamp), _seconds(b.metadata.creation_timestamp)
    if sa != sb:
        return _time_less(sa, sb, a, b, now)
    return False


def ranks_on_same_node(pods: Sequence[Pod], related: Sequence[Pod]) -> list[int]:
    """getPodsRankedByRelatedPodsOnSameNode: for each pod, the active related pods on its node."""
    on_node: dict[str, int] = {}
    for p in related:
        if is_pod_active(p):
            on_node[p.spec.node_name] = on_node.get(p.spec.node_name, 0) + 1
    return [on_node.get(p.spec.node_name, 0) for p in pods]


def sort_for_deletion(pods: Sequence[Pod], ranks: Sequence[int], now: float) -> list[Pod]:
    """The pods ordered by ActivePodsWithRanks, first to delete first."""
    def cmp(x: tuple[Pod, int], y: tuple[Pod, int]) -> int:
        if pod_less(x[0], x[1], y[0], y[1], now):
            return -1
        return 1 if pod_less(y[0], y[1], x[0], x[1], now) else 0
    return [p for p, _ in sorted(zip(pods, ranks), key=cmp_to_key(cmp))]


def pods_to_delete(pods: Sequence[Pod], related: Sequence[Pod], diff: int, now: float) -> list[Pod]:
    """getPodsToDelete (replica_set.go): the first ``diff`` pods in deletion order (no sort when
    all go)."""
    if diff < len(pods):
        return sort_for_deletion(pods, ranks_on_same_node(pods, related), now)[:diff]
    return list(pods[:diff])
