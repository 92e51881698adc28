"""RunFilterPluginsWithNominatedPods for one node on the cluster as it is now.

Both the scheduling cycle and preemption's dry run filter a node with the pods nominated to it
(priority equal to or above the pod's, not the pod itself) treated as running there: a first pass
with them, and if it passes (and pods were added) a second pass without them; the node fits only
if both pass, and a failing first pass gives the node's status.

kube clones the cycle state and updates it with its PreFilter extensions (AddPod); kbench binds
the nominated pods to the ClusterState, reruns PreFilter and takes them off again, which gives the
same state. Plugins the cycle's PreFilter skipped stay skipped, as in a cloned state; a
PreFilterResult is ignored (kube does not look at it again either: the node was already among its
nodes).
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

import numpy as np

from kbench.api.objects import Pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import SUCCESS, CycleState, PodInfo, Status
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.queue.types import pod_priority

if TYPE_CHECKING:
    from kbench.scheduler.cycle import Framework


def pod_uid(pod: Pod) -> str:
    """The key ClusterState binds a pod under."""
    return pod.metadata.uid or pod.key


def run_filters(fw: Framework, skip: Set[str], pi: PodInfo, cluster: ClusterState, row: int) -> Status:
    """PreFilter (fresh state, ``skip`` kept skipped) then the filters on ``row``, stopping at the
    first rejection; its Status carries the plugin name."""
    state = CycleState()
    state.skip_filter |= skip
    for p in fw.pre_filter:
        if p.NAME in skip:
            continue
        st, _ = p.pre_filter(state, pi, cluster)  # type: ignore[attr-defined]
        if st.skip:
            state.skip_filter.add(p.NAME)
        elif not st.ok:
            return Status(st.code, st.reasons, p.NAME)
    idx = np.array([row], np.int64)
    failed_by = np.full(1, -1, np.int16)
    codes = np.zeros(1, np.int64)
    for j, p in enumerate(fw.filter):
        if p.NAME in state.skip_filter:
            continue
        p.filter(state, pi, cluster, idx, failed_by, codes, j)  # type: ignore[attr-defined]
        if failed_by[0] >= 0:
            st = p.filter_status(state, pi, cluster, int(codes[0]))  # type: ignore[attr-defined]
            return Status(st.code, st.reasons, p.NAME)
    return SUCCESS


def nominated_to_add(pi: PodInfo, node: str, nominated: NominatedPods | None) -> list[Pod]:
    """addGENominatedPods' pods: nominated to ``node``, priority >= the pod's, not the pod itself."""
    if nominated is None:
        return []
    me, uid = pod_priority(pi.pod), pod_uid(pi.pod)
    return [p for p in nominated.pods_for_node(node) if pod_priority(p) >= me and pod_uid(p) != uid]


def rows_with_nominated(pi: PodInfo, cluster: ClusterState, nominated: NominatedPods | None) -> dict[int, list[Pod]]:
    """Node row -> the pods addGENominatedPods adds there, for the nodes where it adds any."""
    out: dict[int, list[Pod]] = {}
    if nominated is None:
        return out
    for name in nominated.node_names():
        row = cluster.node_index.get(name)
        if row is not None:
            extra = nominated_to_add(pi, name, nominated)
            if extra:
                out[row] = extra
    return out


def filters_with(fw: Framework, skip: Set[str], pi: PodInfo, cluster: ClusterState, row: int,
                 extra: list[Pod]) -> Status:
    """The first pass: the filters on ``row`` with ``extra`` bound there (taken off afterwards)."""
    uids = []
    try:
        for p in extra:
            cluster.add_pod(p, row)
            uids.append(pod_uid(p))
        return run_filters(fw, skip, pi, cluster, row)
    finally:
        for uid in reversed(uids):
            cluster.remove_pod(uid)


def fits(fw: Framework, skip: Set[str], pi: PodInfo, cluster: ClusterState, row: int,
         nominated: NominatedPods | None) -> Status:
    """RunFilterPluginsWithNominatedPods: the filters pass with and without the nominated pods."""
    extra = nominated_to_add(pi, cluster.node_names[row], nominated)
    if not extra:
        return run_filters(fw, skip, pi, cluster, row)
    status = filters_with(fw, skip, pi, cluster, row, extra)
    if not status.ok:
        return status
    return run_filters(fw, skip, pi, cluster, row)
