"""PodEligibleToPreemptOthers: may this pod preempt at all? (default_preemption.go)"""

from __future__ import annotations

from kbench.api.conditions import find
from kbench.api.objects import Pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import Code, Status
from kbench.scheduler.preemption.priority import pod_priority

DISRUPTION_TARGET = "DisruptionTarget"
PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


def terminating_by_preemption(pod: Pod) -> bool:
    """podTerminatingByPreemption: being deleted, with DisruptionTarget=True for PreemptionByScheduler."""
    if pod.metadata.deletion_timestamp is None:
        return False
    c = find(pod.status.get("conditions"), DISRUPTION_TARGET)
    return c is not None and c.get("status") == "True" and c.get("reason") == PREEMPTION_BY_SCHEDULER


def eligible_to_preempt_others(pod: Pod, cluster: ClusterState, nominated_node_status: Status | None) -> bool:
    """False for ``preemptionPolicy: Never``, and for a pod nominated to a node (not rejected there
    as UnschedulableAndUnresolvable) where a lower-priority pod is terminating by preemption: it
    already preempted there and waits for its victims to go."""
    if pod.spec.preemption_policy == "Never":
        return False
    nominated = pod.status.get("nominatedNodeName")
    if not nominated:
        return True
    if nominated_node_status is not None and nominated_node_status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
        return True
    row = cluster.node_index.get(str(nominated))
    if row is None:
        return True
    me = pod_priority(pod)
    return not any(pod_priority(r.pod) < me and terminating_by_preemption(r.pod)
                   for r in cluster.pods_on_node[row].values())
