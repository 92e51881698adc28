"""One scheduling cycle: PreFilter, Filter (with early stop), PreScore, Score, NormalizeScore,
weights, and host selection, as kube-scheduler's schedulePod does.

Mirrors pkg/scheduler/schedule_one.go (findNodesThatFitPod, findNodesThatPassFilters,
numFeasibleNodesToFind, prioritizeNodes, selectHost) and the framework's Run*Plugins. Filters run
as kernels over chunks of node rows in round-robin order from where the last cycle stopped; the
result is the one a sequential kube-scheduler would reach (its parallel filter may check a few
nodes past the stop point, which only moves the next start).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kbench.api.objects import Pod
from kbench.cluster.state import ClusterState
from kbench.config.scheduler_config import ProfileConfig
from kbench.scheduler.cycle_kernels import accumulate, best, feasible_rows, first_feasible, nth_best
from kbench.scheduler.framework import (
    MAX_NODE_SCORE,
    SUCCESS,
    Code,
    CycleState,
    FilterPlugin,
    Plugin,
    PodInfo,
    PreFilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.nominated_filters import filters_with, rows_with_nominated

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """Mirrors Scheduler.numFeasibleNodesToFind (adaptive when percentage is 0)."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND or percentage >= 100:
        return num_all_nodes
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        if percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    n = num_all_nodes * percentage // 100
    return max(n, MIN_FEASIBLE_NODES_TO_FIND)


@dataclass
class CycleResult:
    """What one cycle found: statuses of rejected rows, scores of feasible rows, the chosen row."""

    evaluated: np.ndarray
    """Rows whose filters ran (or were rejected before filtering), in evaluation order."""
    failed_by: np.ndarray
    """Per evaluated row: index into ``filter_names`` of the rejecting plugin, or -1."""
    codes: np.ndarray
    feasible: np.ndarray
    """Feasible rows, in evaluation order."""
    scores: dict[str, np.ndarray] = field(default_factory=dict)
    """Per score plugin that ran: normalized scores aligned with ``feasible``."""
    totals: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    selected: int = -1
    filter_names: list[str] = field(default_factory=list)
    rejected: dict[int, Status] = field(default_factory=dict)
    """Rows rejected outside the filter kernels (PreFilter failure, PreFilterResult, or filters
    run with the node's nominated pods)."""
    pre_filter: Status | None = None
    """The PreFilter rejection that rejected every node, if one did."""
    error: Status | None = None

    @property
    def n_feasible(self) -> int:
        return len(self.feasible)


class Framework:
    """A profile's plugins wired into the cycle; keeps the round-robin start between cycles."""

    def __init__(self, profile: ProfileConfig, seed: int = 0) -> None:
        self.profile = profile
        self.rng = np.random.default_rng(seed)
        self.next_start = 0

        def of(point: str, proto: type) -> list[Plugin]:
            out = [profile.plugins[n] for n in profile.points.get(point, [])]
            assert all(isinstance(p, proto) for p in out)
            return [p for p in out if not getattr(p, "ALWAYS_SKIP", False)]

        self.pre_filter = of("preFilter", PreFilterPlugin)
        self.filter = of("filter", FilterPlugin)
        self.pre_score = of("preScore", PreScorePlugin)
        self.score = of("score", ScorePlugin)
        self.weight_list = [profile.weights[p.NAME] for p in self.score]
        self.filter_names = [p.NAME for p in self.filter]
        self.filter_index = {name: j for j, name in enumerate(self.filter_names)}

    # ---- filtering ---------------------------------------------------------------------------

    def _run_pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status | None, frozenset[str] | None, list[str]]:
        names: frozenset[str] | None = None
        narrowed_by: list[str] = []
        for p in self.pre_filter:
            status, result = p.pre_filter(state, pi, cluster)  # type: ignore[attr-defined]
            if status.skip:
                state.skip_filter.add(p.NAME)
                continue
            if not status.ok:
                return Status(status.code, status.reasons, p.NAME), None, narrowed_by
            if result is not None and result.node_names is not None:
                names = result.node_names if names is None else names & result.node_names
                narrowed_by.append(p.NAME)
        return None, names, narrowed_by

    def _with_nominated(self, state: CycleState, pi: PodInfo, cluster: ClusterState, rows: np.ndarray,
                        failed_by: np.ndarray, extra: dict[int, list[Pod]], rejected: dict[int, Status]) -> Status:
        """RunFilterPluginsWithNominatedPods' first pass for the rows of a filtered chunk that have
        nominated pods to add: a row it rejects takes that status (the second pass, without them,
        is the chunk's own filtering). A rejection outside the filters is an Error, as an AddPod
        failure is in kube."""
        for k, row in enumerate(rows.tolist()):
            pods = extra.get(row)
            if pods is None:
                continue
            st = filters_with(self, state.skip_filter, pi, cluster, row, pods)
            if st.ok:
                continue
            j = self.filter_index.get(st.plugin or "")
            if j is None:
                return Status.of(Code.ERROR, f"running filters with nominated pods: {'; '.join(st.reasons)}")
            failed_by[k] = j
            rejected[row] = st
        return SUCCESS

    def find_feasible(self, state: CycleState, pi: PodInfo, cluster: ClusterState, all_nodes: bool,
                      only: np.ndarray | None = None, nominated: NominatedPods | None = None) -> CycleResult:
        """PreFilter then Filter, stopping once enough feasible nodes are found (unless all_nodes).
        With ``only`` (node rows), just those nodes are filtered and the round-robin start stays
        (evaluateNominatedNode). Nodes with ``nominated`` pods of equal or higher priority are
        filtered with them too (RunFilterPluginsWithNominatedPods)."""
        n_all = cluster.n_nodes
        empty = np.zeros(0, np.int64)
        status, names, narrowed_by = self._run_pre_filter(state, pi, cluster)
        if status is not None:
            rows = cluster.node_indices()
            return CycleResult(rows, np.full(n_all, -1, np.int16), np.zeros(n_all, np.int64), empty,
                               filter_names=self.filter_names, rejected={int(r): status for r in rows},
                               pre_filter=status)
        rejected: dict[int, Status] = {}
        if names is not None:
            keep = np.array([n in names for n in cluster.node_names], np.bool_)
            absent = Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                               f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(narrowed_by))}]")
            rejected = {int(r): absent for r in np.flatnonzero(~keep)}
            nodes = np.flatnonzero(keep).astype(np.int64)
        else:
            nodes = cluster.node_indices()
        if only is not None:
            nodes = nodes[np.isin(nodes, only)]
            all_nodes = True
        n = len(nodes)
        if n == 0:
            return CycleResult(empty, np.zeros(0, np.int16), empty, empty, filter_names=self.filter_names, rejected=rejected)
        want = n if all_nodes else num_feasible_nodes_to_find(self.profile.percentage_of_nodes_to_score, n)
        start = 0 if all_nodes else self.next_start % n
        order = nodes if start == 0 else np.concatenate((nodes[start:], nodes[:start]))
        active = [(j, p) for j, p in enumerate(self.filter) if p.NAME not in state.skip_filter]
        extra = rows_with_nominated(pi, cluster, nominated)
        failed_chunks, code_chunks, row_chunks = [], [], []
        found = 0
        pos = 0
        chunk = want
        while pos < n and found < want:
            rows = order[pos : pos + chunk]
            failed_by = np.full(len(rows), -1, np.int16)
            codes = np.zeros(len(rows), np.int64)
            for j, p in active:
                p.filter(state, pi, cluster, rows, failed_by, codes, j)  # type: ignore[attr-defined]
            if extra:
                err = self._with_nominated(state, pi, cluster, rows, failed_by, extra, rejected)
                if not err.ok:
                    return CycleResult(rows, failed_by, codes, empty, filter_names=self.filter_names,
                                       rejected=rejected, error=err)
            n_ok, cut = first_feasible(failed_by, want - found)
            if cut < len(rows):
                rows, failed_by, codes = rows[:cut], failed_by[:cut], codes[:cut]
            row_chunks.append(rows)
            failed_chunks.append(failed_by)
            code_chunks.append(codes)
            found += n_ok
            pos += len(rows)
            chunk = max(chunk, 2 * (want - found))
        if len(row_chunks) == 1:
            evaluated, failed, codes = row_chunks[0], failed_chunks[0], code_chunks[0]
        else:
            evaluated, failed, codes = np.concatenate(row_chunks), np.concatenate(failed_chunks), np.concatenate(code_chunks)
        if not all_nodes and only is None:
            self.next_start = (self.next_start + len(evaluated)) % n
        return CycleResult(evaluated, failed, codes, feasible_rows(evaluated, failed, found),
                           filter_names=self.filter_names, rejected=rejected)

    def status_of(self, state: CycleState, pi: PodInfo, cluster: ClusterState, res: CycleResult, k: int) -> Status:
        """The rejection Status of evaluated row position ``k`` (plugin name attached)."""
        row = int(res.evaluated[k])
        if row in res.rejected:
            return res.rejected[row]
        j = int(res.failed_by[k])
        p = self.filter[j]
        st = p.filter_status(state, pi, cluster, int(res.codes[k]))  # type: ignore[attr-defined]
        return Status(st.code, st.reasons, p.NAME)

    # ---- scoring -----------------------------------------------------------------------------

    def prioritize(self, state: CycleState, pi: PodInfo, cluster: ClusterState, res: CycleResult) -> None:
        """PreScore, Score, NormalizeScore and weights over ``res.feasible``; fills scores and totals."""
        idx = res.feasible
        skipped: set[str] = set()
        for p in self.pre_score:
            st = p.pre_score(state, pi, cluster, idx)  # type: ignore[attr-defined]
            if st.skip:
                skipped.add(p.NAME)
            elif not st.ok:
                res.error = Status(st.code, st.reasons, p.NAME)
                return
        totals = np.zeros(len(idx), np.int64)
        for p, w in zip(self.score, self.weight_list):
            if p.NAME in skipped:
                continue
            s = p.score(state, pi, cluster, idx)  # type: ignore[attr-defined]
            p.normalize(state, pi, s)  # type: ignore[attr-defined]
            if not accumulate(totals, s, w):
                res.error = Status.of(
                    Code.ERROR, f"plugin {p.NAME!r} returns an invalid score, it should be in [0, {MAX_NODE_SCORE}]")
                return
            res.scores[p.NAME] = s
        res.totals = totals

    def select_host(self, res: CycleResult) -> int:
        """A row with the highest total, uniformly at random among ties (selectHost's reservoir)."""
        first, count = best(res.totals)
        pick = first if count == 1 else nth_best(res.totals, int(self.rng.integers(count)))
        return int(res.feasible[pick])

    def schedule(self, cluster: ClusterState, pi: PodInfo, all_nodes: bool = False, score_single: bool = False,
                 only: np.ndarray | None = None, nominated: NominatedPods | None = None
                 ) -> tuple[CycleState, CycleResult]:
        """Run one cycle for ``pi``. With ``all_nodes`` every node is filtered and (if
        ``score_single``) a lone feasible node is scored too, as ``kbench explain`` shows; with
        ``only``, just those node rows are considered (a nominated node, tried first); the
        ``nominated`` pods take part in filtering, not in scoring (as in kube)."""
        state = CycleState()
        res = self.find_feasible(state, pi, cluster, all_nodes, only, nominated)
        if res.n_feasible == 0:
            return state, res
        if res.n_feasible == 1 and not score_single:
            res.totals = np.zeros(1, np.int64)
            res.selected = int(res.feasible[0])
            return state, res
        if not self.score:
            res.totals = np.ones(res.n_feasible, np.int64)
        else:
            self.prioritize(state, pi, cluster, res)
            if res.error is not None:
                return state, res
        res.selected = self.select_host(res)
        return state, res
