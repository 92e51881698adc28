"""nodesWhereThePreemptionMightHelp and GetOffsetAndNumCandidates: which nodes a preemption
dry-runs, from where, and how many candidates it looks for.

Only nodes the cycle rejected as Unschedulable qualify (NodeToStatus.NodesForStatusCode);
UnschedulableAndUnresolvable ones (taints, node affinity, nodes a PreFilterResult excluded) do
not. A PreFilter that rejects the pod gives every node its status, as kube-scheduler does. The
nodes are taken in cluster order, from a random offset.
"""

from __future__ import annotations

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.scheduler.cycle import CycleResult, Framework
from kbench.scheduler.framework import SUCCESS, Code, CycleState, PodInfo, Status


def row_codes(fw: Framework, state: CycleState, pi: PodInfo, cluster: ClusterState, res: CycleResult) -> np.ndarray:
    """Per node row, the Code of its status in the cycle (SUCCESS for rows not rejected).

    Rows rejected by one filter share a status per (plugin, reason code), so each distinct pair
    is described once."""
    codes = np.full(cluster.n_nodes, int(Code.SUCCESS), np.int64)
    for row, st in res.rejected.items():
        codes[row] = int(st.code)
    fb = res.failed_by
    rows = res.evaluated
    fail = fb >= 0
    if res.rejected:
        fail &= ~np.isin(rows, np.fromiter(res.rejected, np.int64, len(res.rejected)))
    for j in np.unique(fb[fail]):
        mine = fail & (fb == j)
        p = fw.filter[int(j)]
        reasons = res.codes[mine]
        for c in np.unique(reasons):
            st = p.filter_status(state, pi, cluster, int(c))  # type: ignore[attr-defined]
            codes[rows[mine][reasons == c]] = int(st.code)
    return codes


def potential_rows(codes: np.ndarray) -> np.ndarray:
    """The rows whose cycle status is Unschedulable, in cluster order."""
    return np.flatnonzero(codes == int(Code.UNSCHEDULABLE)).astype(np.int64)


def status_of_row(fw: Framework, state: CycleState, pi: PodInfo, cluster: ClusterState, res: CycleResult,
                  row: int) -> Status | None:
    """The cycle's status of one node row (SUCCESS if it was feasible, None if not evaluated)."""
    if row in res.rejected:
        return res.rejected[row]
    hits = np.flatnonzero(res.evaluated == row)
    if len(hits) == 0:
        return None
    k = int(hits[0])
    return SUCCESS if res.failed_by[k] < 0 else fw.status_of(state, pi, cluster, res, k)


def walk_order(rows: np.ndarray, offset: int) -> np.ndarray:
    """The rows starting at ``offset`` and wrapping around (DryRunPreemption's (offset+i) % n)."""
    return rows if offset == 0 else np.concatenate((rows[offset:], rows[:offset]))
