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
    Compiled,
    Constraint,
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
    ``present`` says whether the domain is a key of TpValueToMatchNum[c]. ``critical_min[c]`` is
    CriticalPaths[c][0].MatchNum (MaxInt32 without domains), ``domains[c]`` the number of domains
    and ``min_match[c]`` minMatchNum (0 while there are fewer domains than minDomains).
    """

    constraints: tuple[Constraint, ...]
    cols: np.ndarray
    values: np.ndarray
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
def _count_domains(n, vals, eligible, counts, lo, hi, match_num, present):  # pragma: no cover
    """calPreFilterState for one constraint: the processNode loop, the sums per domain, then
    criticalPaths[0].MatchNum (MaxInt32 without domains) and the number of domains."""
    for row in range(n):
        if eligible[row]:
            v = vals[row]
            match_num[lo + v] += counts[row]
            present[lo + v] = True
    best = MAX_INT32
    num = 0
    for i in range(lo, hi):
        if present[i]:
            num += 1
            if match_num[i] < best:
                best = match_num[i]
    return best, num


def cal_pre_filter_state(cc: Compiled, namespace: str, cluster: ClusterState) -> PreFilterState:
    """Mirrors calPreFilterState over all the cluster's nodes, for compiled constraints."""
    n = cluster.n_nodes
    k = len(cc.constraints)
    ptr = cc.filter_ptr
    match_num = np.zeros(int(ptr[-1]), np.int64)
    present = np.zeros(int(ptr[-1]), np.bool_)
    critical_min = np.full(k, MAX_INT32, np.int64)
    domains = np.zeros(k, np.int64)
    for i, c in enumerate(cc.constraints):
        col = int(cc.cols[i])
        if col >= 0:
            counts = node_pod_counts(cluster, namespace, c.selector)
            critical_min[i], domains[i] = _count_domains(
                n, cc.values[i], cc.eligible[i], counts, int(ptr[i]), int(ptr[i + 1]), match_num, present
            )
    return PreFilterState(
        constraints=cc.constraints,
        cols=cc.cols,
        values=cc.values,
        ptr=ptr,
        match_num=match_num,
        present=present,
        critical_min=critical_min,
        domains=domains,
        min_match=np.where(domains < cc.min_domains, 0, critical_min),
        max_skew=cc.max_skew,
        self_match=cc.self_match,
    )


@njit(cache=True)
def _filter(idx, failed_by, codes, me, values, ptr, match_num, min_match, max_skew, self_match):  # pragma: no cover
    """Filter for each row of ``idx`` not yet failed, constraint by constraint as Go does."""
    for k in range(len(idx)):
        if failed_by[k] >= 0:
            continue
        row = idx[k]
        for c in range(values.shape[0]):
            v = values[c, row]
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


def filter_rows(s: PreFilterState, idx: np.ndarray, failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
    """Mirrors Filter for the rows ``idx``: writes reason codes where a node fails."""
    if not s.constraints:
        return
    _filter(idx, failed_by, codes, me, s.values, s.ptr, s.match_num, s.min_match, s.max_skew, s.self_match)


def filter_status(code: int) -> Status:
    """The Status Filter returns for a reason code."""
    if code == CODE_NODE_LABEL_NOT_MATCH:
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_NODE_LABEL_NOT_MATCH)
    return Status.of(Code.UNSCHEDULABLE, ERR_REASON_CONSTRAINTS_NOT_MATCH)
