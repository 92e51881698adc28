"""RunFilterPluginsWithNominatedPods for one node on the cluster as it is now.

kube clones the cycle state and updates it with its PreFilter extensions (AddPod/RemovePod);
kbench reruns PreFilter on the changed ClusterState instead, which gives the same state. Plugins
the cycle's PreFilter skipped stay skipped, as in a cloned state; a PreFilterResult is ignored
(kube does not look at it again either: the node was already among its nodes). Nominated pods of equal or
higher priority are bound to the node for a first pass; if it passes, the filters run again
without them (both must pass).
"""

from __future__ import annotations

from collections.abc import Set

import numpy as np

from kbench.api.objects import Pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import SUCCESS, CycleState, PodInfo, Status
from kbench.scheduler.preemption.nominated import NominatedPods
from kbench.scheduler.preemption.priority import pod_priority


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


def fits(fw: Framework, skip: Set[str], pi: PodInfo, cluster: ClusterState, row: int,
         nominated: NominatedPods | None) -> Status:
    """RunFilterPluginsWithNominatedPods: the filters pass with and without the nominated pods."""
    extra = nominated_to_add(pi, cluster.node_names[row], nominated)
    if not extra:
        return run_filters(fw, skip, pi, cluster, row)
    uids = []
    try:
        for p in extra:
            cluster.add_pod(p, row)
            uids.append(pod_uid(p))
        status = run_filters(fw, skip, pi, cluster, row)
    finally:
        for uid in reversed(uids):
            cluster.remove_pod(uid)
    if not status.ok:
        return status
    return run_filters(fw, skip, pi, cluster, row)
