"""PodTopologySpread PreFilter and Filter: hard (DoNotSchedule) constraints.

Mirrors pkg/scheduler/framework/plugins/podtopologyspread/filtering.go. PreFilter counts, per
constraint and topology domain, the matching pods on every node that carries all the constraints'
topology keys and passes the constraint's node inclusion policies (TpValueToMatchNum), and keeps
the global minimum (CriticalPaths[i][0]) and the number of domains. Filter then rejects a node
where ``matchNum + selfMatch - minMatchNum > maxSkew``, the minimum being 0 while there are fewer
domains than minDomains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import Code, Status
from kbench.scheduler.plugins.pod_topology_spread.common import (
    ERR_REASON_CONSTRAINTS_NOT_MATCH,
    ERR_REASON_NODE_LABEL_NOT_MATCH,
    Constraint,
    NodeTables,
    node_pod_counts,
)

PRE_FILTER_STATE_KEY = "PreFilterPodTopologySpread"
"""preFilterStateKey."""
CODE_CONSTRAINTS_NOT_MATCH = 1
CODE_NODE_LABEL_NOT_MATCH = 2
MAX_INT32 = (1 << 31) - 1


@dataclass
class PreFilterState:
    """preFilterState: per constraint, the match number of each domain (indexed by label value id).

    Domain ``v`` of constraint ``c`` lives at ``ptr[c] + v`` of ``match_num`` / ``present``;
    ``present`` says whether the domain is a key of TpValueToMatchNum[c].
    """

    constraints: tuple[Constraint, ...]
    cols: np.ndarray
    ptr: np.ndarray
    match_num: np.ndarray
    present: np.ndarray
    critical_min: np.ndarray
    domains: np.ndarray
    min_match: np.ndarray
    max_skew: np.ndarray
    self_match: np.ndarray

    def tp_value_to_match_num(self, cluster: ClusterState, c: int) -> dict[str, int]:
        """TpValueToMatchNum[c] with value strings (for tests and explanations)."""
        col = int(self.cols[c])
        if col < 0:
            return {}
        values = cluster.labels.values[col].values
        lo = int(self.ptr[c])
        return {values[v]: int(self.match_num[lo + v]) for v in range(int(self.ptr[c + 1]) - lo) if self.present[lo + v]}


@njit(cache=True)
def _count_domains(n, label_val, col, eligible, counts, lo, match_num, present):  # pragma: no cover
    """The processNode loop of calPreFilterState for one constraint, then the sums per domain."""
    for row in range(n):
        if eligible[row]:
            v = label_val[row, col]
            match_num[lo + v] += counts[row]
            present[lo + v] = True


@njit(cache=True)
def _min_domain(match_num, present, lo, hi):  # pragma: no cover
    """criticalPaths[0].MatchNum (MaxInt32 when there is no domain) and the number of domains."""
    best = MAX_INT32
    num = 0
    for i in range(lo, hi):
        if present[i]:
            num += 1
            if match_num[i] < best:
                best = match_num[i]
    return best, num


def cal_pre_filter_state(
    constraints: tuple[Constraint, ...], tables: NodeTables, namespace: str, pod_labels: dict[str, str],
    cluster: ClusterState,
) -> PreFilterState:
    """Mirrors calPreFilterState over all the cluster's nodes, for already built constraints."""
    n = cluster.n_nodes
    k = len(constraints)
    sizes = [cluster.labels.n_values(int(col)) if col >= 0 else 0 for col in tables.cols]
    ptr = np.zeros(k + 1, np.int64)
    ptr[1:] = np.cumsum(sizes)
    match_num = np.zeros(int(ptr[-1]), np.int64)
    present = np.zeros(int(ptr[-1]), np.bool_)
    critical_min = np.zeros(k, np.int64)
    domains = np.zeros(k, np.int64)
    min_match = np.zeros(k, np.int64)
    for i, c in enumerate(constraints):
        col = int(tables.cols[i])
        lo, hi = int(ptr[i]), int(ptr[i + 1])
        if col >= 0:
            eligible = tables.has_all & tables.included[i]
            counts = node_pod_counts(cluster, namespace, c.selector)
            _count_domains(n, cluster.label_val, col, eligible, counts, lo, match_num, present)
        critical_min[i], domains[i] = _min_domain(match_num, present, lo, hi)
        min_match[i] = 0 if domains[i] < c.min_domains else critical_min[i]
    return PreFilterState(
        constraints=constraints,
        cols=tables.cols,
        ptr=ptr,
        match_num=match_num,
        present=present,
        critical_min=critical_min,
        domains=domains,
        min_match=min_match,
        max_skew=np.array([c.max_skew for c in constraints], np.int64),
        self_match=np.array([1 if c.selector.matches(pod_labels) else 0 for c in constraints], np.int64),
    )


@njit(cache=True)
def _filter(idx, failed_by, codes, me, label_val, cols, ptr, match_num, min_match, max_skew, self_match):  # pragma: no cover
    """Filter for each row of ``idx`` not yet failed, constraint by constraint as Go does."""
    for k in range(len(idx)):
        if failed_by[k] >= 0:
            continue
        row = idx[k]
        for c in range(len(cols)):
            col = cols[c]
            v = label_val[row, col] if col >= 0 else -1
            if v < 0:
                failed_by[k] = me
                codes[k] = CODE_NODE_LABEL_NOT_MATCH
                break
            num = 0
            if v < ptr[c + 1] - ptr[c]:
                num = match_num[ptr[c] + v]
            if num + self_match[c] - min_match[c] > max_skew[c]:
                failed_by[k] = me
                codes[k] = CODE_CONSTRAINTS_NOT_MATCH
                break


def filter_rows(
    s: PreFilterState, cluster: ClusterState, idx: np.ndarray, failed_by: np.ndarray, codes: np.ndarray, me: int
) -> None:
    """Mirrors Filter for the rows ``idx``: writes reason codes where a node fails."""
    if not s.constraints:
        return
    _filter(idx, failed_by, codes, me, cluster.label_val, s.cols, s.ptr, s.match_num, s.min_match, s.max_skew,
            s.self_match)


def filter_status(code: int) -> Status:
    """The Status Filter returns for a reason code."""
    if code == CODE_NODE_LABEL_NOT_MATCH:
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_NODE_LABEL_NOT_MATCH)
    return Status.of(Code.UNSCHEDULABLE, ERR_REASON_CONSTRAINTS_NOT_MATCH)
