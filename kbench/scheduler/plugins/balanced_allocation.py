"""NodeResourcesBalancedAllocation: favours nodes whose resource fractions stay balanced.

Mirrors pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go: actual requests
(no non-zero defaults), fractions capped at 1, best-effort pods skipped in PreScore.
"""

from __future__ import annotations

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.config.plugin_args import NodeResourcesBalancedAllocationArgs
from kbench.scheduler.framework import SKIP, SUCCESS, CycleState, Plugin, PodInfo, Status
from kbench.scheduler.plugins.resource_allocation import (
    BALANCED,
    PodResourceVector,
    ResourceSpec,
    pod_vector,
    resource_scores,
)

NAME = "NodeResourcesBalancedAllocation"


class BalancedAllocation(Plugin):
    NAME = NAME

    def __init__(self, args: dict | None = None) -> None:
        super().__init__(args)
        parsed = NodeResourcesBalancedAllocationArgs.parse(args)
        self.resources = tuple(ResourceSpec(r.name, r.weight) for r in parsed.resources)

    def _vector(self, pi: PodInfo, cluster: ClusterState) -> PodResourceVector:
        return pi.compiled(NAME, cluster.epoch, lambda: pod_vector(pi.pod, cluster, self.resources, True))

    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status:
        return SKIP if self._vector(pi, cluster).best_effort else SUCCESS

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        return resource_scores(cluster, idx, self._vector(pi, cluster), BALANCED)

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        return None
