"""PodTopologySpread: spread pods across topology domains; DoNotSchedule constraints filter,
ScheduleAnyway constraints (or the system defaults) score.

Mirrors pkg/scheduler/framework/plugins/podtopologyspread (plugin.go, common.go, filtering.go,
scoring.go) with every feature gate at its kube-scheduler default (minDomains, node inclusion
policies and matchLabelKeys all on).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import SKIP, SUCCESS, CycleState, Plugin, PodInfo, PreFilterResult, Status
from kbench.scheduler.plugins.pod_topology_spread.common import (
    DO_NOT_SCHEDULE,
    NAME,
    SCHEDULE_ANYWAY,
    Compiled,
    SpreadArgs,
    compile_constraints,
    compile_key,
    parse_args,
    pod_constraints,
)
from kbench.scheduler.plugins.pod_topology_spread.filtering import (
    PRE_FILTER_STATE_KEY,
    PreFilterState,
    cal_pre_filter_state,
    filter_rows,
    filter_status,
)
from kbench.scheduler.plugins.pod_topology_spread.scoring import (
    PRE_SCORE_STATE_KEY,
    PreScoreState,
    normalize_scores,
    pre_score_state,
    score_rows,
)

__all__ = ["NAME", "PodTopologySpread"]


class PodTopologySpread(Plugin):
    """The PodTopologySpread plugin (PreFilter, Filter, PreScore, Score with NormalizeScore)."""

    NAME = NAME

    SHARED_CACHE_SIZE = 1024

    def __init__(self, args: dict[str, Any] | None = None) -> None:
        super().__init__(args)
        self.spread: SpreadArgs = parse_args(self.args)
        self._shared: WeakKeyDictionary[ClusterState, tuple[int, dict[Hashable, Compiled]]] = WeakKeyDictionary()

    def compiled(self, pi: PodInfo, cluster: ClusterState, action: str) -> Compiled:
        """The pod's constraints of ``action`` (getConstraints) compiled, cached per cluster epoch,
        per pod and across pods whose constraints compile alike (a workload's replicas)."""

        def build() -> Compiled:
            constraints = pod_constraints(self.spread, pi.pod, cluster, action)
            key = (action, compile_key(pi.pod, constraints))
            epoch, shared = self._shared.get(cluster, (-1, {}))
            if epoch != cluster.epoch or len(shared) >= self.SHARED_CACHE_SIZE:
                shared = {}
                self._shared[cluster] = (cluster.epoch, shared)
            cc = shared.get(key)
            if cc is None:
                cc = shared[key] = compile_constraints(pi.pod, constraints, cluster)
            return cc

        return pi.compiled(f"{NAME}/{action}", cluster.epoch, build)

    def cal_pre_filter_state(self, pi: PodInfo, cluster: ClusterState) -> PreFilterState:
        """Mirrors calPreFilterState over all nodes of the cluster."""
        return cal_pre_filter_state(self.compiled(pi, cluster, DO_NOT_SCHEDULE), pi.pod.namespace, cluster)

    def pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterResult | None]:
        """Mirrors PreFilter: Skip when the pod has no hard constraints."""
        if not self.compiled(pi, cluster, DO_NOT_SCHEDULE).constraints:
            return SKIP, None
        s = self.cal_pre_filter_state(pi, cluster)
        state.write(PRE_FILTER_STATE_KEY, s)
        return SUCCESS, None

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        """Mirrors Filter for the rows ``idx``."""
        s = state.get(PRE_FILTER_STATE_KEY)
        if not isinstance(s, PreFilterState):
            s = self.cal_pre_filter_state(pi, cluster)
            state.write(PRE_FILTER_STATE_KEY, s)
        filter_rows(s, idx, failed_by, codes, me)

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        """The Status Filter returned for reason ``code``."""
        return filter_status(code)

    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status:
        """Mirrors PreScore: Skip without nodes or without soft constraints."""
        if cluster.n_nodes == 0:
            return SKIP
        cc = self.compiled(pi, cluster, SCHEDULE_ANYWAY)
        if not cc.constraints:
            return SKIP
        require_all = bool(pi.pod.spec.topology_spread_constraints) or not self.spread.system_defaulted
        s = pre_score_state(cc, pi.pod.namespace, require_all, cluster, np.asarray(idx, np.int64))
        state.write(PRE_SCORE_STATE_KEY, s)
        return SUCCESS

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        """Mirrors Score for the rows ``idx``."""
        s = state.read(PRE_SCORE_STATE_KEY, PreScoreState)
        return score_rows(s, np.asarray(idx, np.int64))

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        """Mirrors NormalizeScore, in place."""
        normalize_scores(state.read(PRE_SCORE_STATE_KEY, PreScoreState), scores)
