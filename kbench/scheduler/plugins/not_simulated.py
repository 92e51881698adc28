"""Default plugins kbench accepts in a configuration but whose work it does not model.

- Volume plugins (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone): kbench has
  no volumes (DESIGN.md §3), so their PreFilter returns Skip exactly as kube-scheduler's does for
  a pod without volumes, and they filter nothing.
- PrioritySort, SchedulingGates, DefaultBinder and DynamicResources act outside the filter/score
  cycle that `kbench explain` shows (DefaultPreemption is modelled: default_preemption.py).
"""

from __future__ import annotations

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import SKIP, CycleState, Plugin, PodInfo, PreFilterResult, Status


class _VolumePlugin(Plugin):
    ALWAYS_SKIP = True
    """PreFilter always returns Skip, so the cycle need not call it at all."""

    def pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterResult | None]:
        return SKIP, None

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        return None

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        raise AssertionError("volume plugins reject no node")


class VolumeRestrictions(_VolumePlugin):
    NAME = "VolumeRestrictions"


class NodeVolumeLimits(_VolumePlugin):
    NAME = "NodeVolumeLimits"


class VolumeBinding(_VolumePlugin):
    NAME = "VolumeBinding"
    OTHER_POINTS = ("reserve", "preBind")


class VolumeZone(_VolumePlugin):
    NAME = "VolumeZone"


class PrioritySort(Plugin):
    NAME = "PrioritySort"
    OTHER_POINTS = ("queueSort",)


class SchedulingGates(Plugin):
    NAME = "SchedulingGates"
    OTHER_POINTS = ("preEnqueue",)


class DefaultBinder(Plugin):
    NAME = "DefaultBinder"
    OTHER_POINTS = ("bind",)


class DynamicResources(Plugin):
    NAME = "DynamicResources"
    OTHER_POINTS = ("preEnqueue", "reserve", "preBind", "postFilter")
