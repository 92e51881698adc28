"""NodeName: a pod with spec.nodeName fits only the node of that name.

Mirrors pkg/scheduler/framework/plugins/nodename/node_name.go.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import Code, CycleState, Plugin, PodInfo, Status

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"


@njit(cache=True)
def _filter(idx, failed_by, codes, me, want):  # pragma: no cover
    for k in range(len(idx)):
        if failed_by[k] < 0 and idx[k] != want:
            failed_by[k] = me
            codes[k] = 1


class NodeName(Plugin):
    NAME = NAME

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        name = pi.pod.spec.node_name
        if name:
            _filter(idx, failed_by, codes, me, cluster.node_index.get(name, -1))

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON)
