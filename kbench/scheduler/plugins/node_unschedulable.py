"""NodeUnschedulable: nodes with spec.unschedulable reject pods that do not tolerate it.

Mirrors pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kbench.api.objects import Taint
from kbench.api.selectors import tolerated
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import Code, CycleState, Plugin, PodInfo, Status

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")


@njit(cache=True)
def _filter(idx, failed_by, codes, me, unschedulable):  # pragma: no cover
    for k in range(len(idx)):
        if failed_by[k] < 0 and unschedulable[idx[k]]:
            failed_by[k] = me
            codes[k] = 1


class NodeUnschedulable(Plugin):
    NAME = NAME

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        if cluster.n_unschedulable == 0 or tolerated(pi.pod.spec.tolerations, UNSCHEDULABLE_TAINT):
            return
        _filter(idx, failed_by, codes, me, cluster.unschedulable)

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_UNSCHEDULABLE)
