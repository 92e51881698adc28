"""NodePorts: a pod's host ports must be free on the node (0.0.0.0 conflicts with every IP).

Mirrors pkg/scheduler/framework/plugins/nodeports/node_ports.go and HostPortInfo.CheckConflict.
Conflicting nodes are found from the cluster's port index (only nodes using the port are
visited); the kernel then reads one flag per node.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kbench.cluster.state import ClusterState, HostPort, host_ports
from kbench.scheduler.framework import (
    SKIP,
    SUCCESS,
    Code,
    CycleState,
    Plugin,
    PodInfo,
    PreFilterResult,
    Status,
)

NAME = "NodePorts"
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
ALL_IPS = "0.0.0.0"
PRE_FILTER_KEY = "PreFilter" + NAME


def conflicting_rows(cluster: ClusterState, wanted: tuple[HostPort, ...]) -> np.ndarray:
    """Boolean per node row: does any wanted (ip, protocol, port) conflict with a bound pod's?"""
    out = np.zeros(cluster.capacity, np.bool_)
    for ip, proto, port in wanted:
        for row, ips in cluster.ports.get((proto, port), {}).items():
            if ip == ALL_IPS or ip in ips or ALL_IPS in ips:
                out[row] = True
    return out


@njit(cache=True)
def _filter(idx, failed_by, codes, me, conflict):  # pragma: no cover
    for k in range(len(idx)):
        if failed_by[k] < 0 and conflict[idx[k]]:
            failed_by[k] = me
            codes[k] = 1


class NodePorts(Plugin):
    NAME = NAME

    def pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterResult | None]:
        wanted = host_ports(pi.pod)
        if not wanted:
            return SKIP, None
        state.write(PRE_FILTER_KEY, conflicting_rows(cluster, wanted))
        return SUCCESS, None

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        conflict = state.get(PRE_FILTER_KEY)
        if conflict is None:
            conflict = conflicting_rows(cluster, host_ports(pi.pod))
            state.write(PRE_FILTER_KEY, conflict)
        _filter(idx, failed_by, codes, me, conflict)

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        return Status.of(Code.UNSCHEDULABLE, ERR_REASON)
