"""Pod priority and importance as kube-scheduler compares them (corev1helpers.PodPriority,
util.MoreImportantPod, util.GetEarliestPodStartTime)."""

from __future__ import annotations

from collections.abc import Sequence

from kbench.cluster.state import PodRecord
from kbench.scheduler.queue.types import pod_priority

PRIORITY_OFFSET = 2**31
"""math.MaxInt32 + 1: added to each victim's priority in pickOneNodeForPreemption's sum."""


def importance_key(rec: PodRecord) -> tuple[int, float, int]:
    """Sort key putting more important pods first (MoreImportantPod: higher priority, then earlier
    start). Equal pods keep their binding order, as kube's insertion sort keeps NodeInfo's order."""
    return -pod_priority(rec.pod), rec.start_time, rec.seq


def earliest_start_of_highest(victims: Sequence[PodRecord]) -> float:
    """GetEarliestPodStartTime: the earliest start among the victims of the highest priority."""
    top = max(pod_priority(v.pod) for v in victims)
    return min(v.start_time for v in victims if pod_priority(v.pod) == top)
