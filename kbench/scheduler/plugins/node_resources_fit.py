"""NodeResourcesFit: the node must have room for the pod's requests; scores by a strategy
(LeastAllocated, MostAllocated or RequestedToCapacityRatio).

Mirrors pkg/scheduler/framework/plugins/noderesources/fit.go (fitsRequest) and the scorers of
least_allocated.go, most_allocated.go and requested_to_capacity_ratio.go.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.api.resources import is_scalar_resource, pod_int_requests
from kbench.cluster.state import R_PODS, ClusterState
from kbench.config.plugin_args import NodeResourcesFitArgs
from kbench.scheduler.framework import (
    MAX_NODE_SCORE,
    SUCCESS,
    Code,
    CycleState,
    Plugin,
    PodInfo,
    PreFilterResult,
    Status,
)
from kbench.scheduler.plugins.resource_allocation import (
    LEAST,
    MOST,
    RTCR,
    PodResourceVector,
    ResourceSpec,
    pod_vector,
    resource_scores,
)

NAME = "NodeResourcesFit"
STRATEGIES = {"LeastAllocated": LEAST, "MostAllocated": MOST, "RequestedToCapacityRatio": RTCR}
MAX_CUSTOM_PRIORITY_SCORE = 10
"""config.MaxCustomPriorityScore: RTCR shape scores are 0..10 and scaled by MaxNodeScore/10."""


@dataclass(frozen=True)
class _FitRequest:
    """The pod's non-zero requests by resource column (the preFilterState of fit.go)."""

    cols: np.ndarray
    vals: np.ndarray


@njit(cache=True)
def _filter(idx, failed_by, codes, me, alloc, requested, cols, vals):  # pragma: no cover
    """fitsRequest as a bit set per node: bit 0 "Too many pods", bit c+1 "Insufficient <column c>".
    Column by column over contiguous memory; rows already rejected keep their first reason."""
    n = len(idx)
    bits = np.zeros(n, np.int64)
    pods_alloc = alloc[:, R_PODS]
    pods_used = requested[:, R_PODS]
    for k in range(n):
        row = idx[k]
        bits[k] = np.int64(pods_used[row] + 1 > pods_alloc[row])
    for j in range(len(cols)):
        c = cols[j]
        a = alloc[:, c]
        r = requested[:, c]
        v = vals[j]
        bit = np.int64(1) << (c + 1)
        for k in range(n):
            row = idx[k]
            bits[k] |= bit * np.int64(v > a[row] - r[row])
    for k in range(n):
        if failed_by[k] < 0 and bits[k] != 0:
            failed_by[k] = me
            codes[k] = bits[k]


class NodeResourcesFit(Plugin):
    NAME = NAME

    def __init__(self, args: dict | None = None) -> None:
        super().__init__(args)
        parsed = NodeResourcesFitArgs.parse(args)
        self.ignored = set(parsed.ignoredResources)
        self.ignored_groups = set(parsed.ignoredResourceGroups)
        strategy = parsed.scoringStrategy
        self.strategy = STRATEGIES[strategy.type]
        self.resources = tuple(ResourceSpec(r.name, r.weight) for r in strategy.resources)
        self.shape: tuple[np.ndarray, np.ndarray] | None = None
        if strategy.requestedToCapacityRatio is not None and self.strategy == RTCR:
            points = strategy.requestedToCapacityRatio.shape
            self.shape = (
                np.array([p.utilization for p in points], np.int64),
                np.array([p.score * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE) for p in points], np.int64),
            )

    def _ignored(self, name: str) -> bool:
        return is_scalar_resource(name) and "/" in name and (
            name in self.ignored or name.split("/")[0] in self.ignored_groups
        )

    def _fit_request(self, pi: PodInfo, cluster: ClusterState) -> _FitRequest:
        def build() -> _FitRequest:
            reqs = pod_int_requests(pi.pod)
            items = sorted(
                (cluster.resource_column(k), v) for k, v in reqs.items() if v > 0 and k != "pods" and not self._ignored(k)
            )
            return _FitRequest(np.array([c for c, _ in items], np.int64), np.array([v for _, v in items], np.int64))

        return pi.compiled(NAME, cluster.epoch, build)

    def pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterResult | None]:
        self._fit_request(pi, cluster)
        return SUCCESS, None

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        fr = self._fit_request(pi, cluster)
        _filter(idx, failed_by, codes, me, cluster.alloc, cluster.requested, fr.cols, fr.vals)

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        reasons = ["Too many pods"] if code & 1 else []
        for col in range(cluster.n_resources):
            if col != R_PODS and code & (1 << (col + 1)):
                reasons.append(f"Insufficient {cluster.resources.values[col]}")
        return Status(Code.UNSCHEDULABLE, tuple(reasons))

    def _vector(self, pi: PodInfo, cluster: ClusterState) -> PodResourceVector:
        return pi.compiled(NAME + "/score", cluster.epoch, lambda: pod_vector(pi.pod, cluster, self.resources, False))

    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status:
        self._vector(pi, cluster)
        return SUCCESS

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        return resource_scores(cluster, idx, self._vector(pi, cluster), self.strategy, self.shape)

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        return None
