"""TestPostFilter of kube's default_preemption_test.go, through a real cycle.

kube injects the filter statuses; here the cycle produces them: "Too many pods" and "Insufficient
cpu" are Unschedulable, an untolerated taint is UnschedulableAndUnresolvable. Not transcribed:
the extender case, the TestPlugin (RemovePod error) cases and the pod group cases (kbench has no
extenders, no failing PreFilter extensions, no pod groups); "absent NodeToStatus entry" is the
same outcome as the UnschedulableAndUnresolvable case (a node the cycle did not reject as
Unschedulable).
"""

from __future__ import annotations

from kbench.config.scheduler_config import default_profile
from kbench.scheduler.framework import Code
from tests.scheduler.preemption.helpers import (
    FIT_ONLY,
    HIGH,
    LARGE,
    LOW,
    MEDIUM,
    MID,
    NODE_RES,
    ONE_POD,
    VERY_HIGH,
    cluster,
    names,
    node,
    pdb,
    pod,
    profile,
    run_preempt,
)

TAINT = [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}]


def test_higher_priority_pod_can_be_made_schedulable() -> None:
    c = cluster([node("node1", ONE_POD)], [pod("p1", "node1")])
    got = run_preempt(c, pod("p", priority=HIGH), profile(*FIT_ONLY))
    assert got is not None and got.status.ok
    assert got.node == "node1" and names(got.victims) == ["p1"]


def test_tied_priority_is_still_unschedulable() -> None:
    c = cluster([node("node1", ONE_POD)], [pod("p1", "node1")])
    got = run_preempt(c, pod("p"), profile(*FIT_ONLY))
    assert got is not None and got.node is None and got.victims == []
    assert got.status.code == Code.UNSCHEDULABLE
    assert got.status.reasons == ("preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",)


def test_unresolvable_node_is_not_a_candidate() -> None:
    # node1 rejects the pod for its taint first (TaintToleration runs before NodeResourcesFit)
    c = cluster([node("node1", ONE_POD, taints=TAINT)], [pod("p1", "node1")])
    got = run_preempt(c, pod("p", priority=HIGH), default_profile())
    assert got is not None and got.node is None
    assert got.status.reasons == ("preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",)


def test_pod_can_be_made_schedulable_on_one_node() -> None:
    # mid-priority pod: only node2's low-priority pod can go
    c = cluster([node("node1", ONE_POD), node("node2", ONE_POD)],
                [pod("p1", "node1", HIGH), pod("p2", "node2", LOW)])
    got = run_preempt(c, pod("p", priority=MID), profile(*FIT_ONLY))
    assert got is not None and got.node == "node2" and names(got.victims) == ["p2"]


def test_min_highest_priority_node_with_pdbs() -> None:
    # both nodes violate one PDB (p2 resp. p3 match "violating", which allows 0 disruptions; p1's
    # PDB allows MaxInt32); node1's highest victim is high (1000), node2's mid (100): node2
    key = "test.kubernetes.io/is-violating-pdb"
    c = cluster([node("node1", ONE_POD), node("node2", ONE_POD)], [
        pod("p1", "node1", HIGH, labels={key: "non-violating"}),
        pod("p2", "node1", LOW, labels={key: "violating"}),
        pod("p3", "node2", MID, labels={key: "violating"}),
    ])
    pdbs = [pdb({key: "violating"}, 0), pdb({key: "non-violating"}, 2**31 - 1)]
    got = run_preempt(c, pod("p", priority=VERY_HIGH), profile(*FIT_ONLY), pdbs)
    assert got is not None and got.node == "node2" and names(got.victims) == ["p3"]


def test_no_candidate_not_enough_cpu_after_removing_low_priority_pods() -> None:
    # 300m asked, 200m allocatable: removing p1/p2 cannot help
    c = cluster([node("node1", NODE_RES), node("node2", NODE_RES)], [pod("p1", "node1"), pod("p2", "node2")])
    got = run_preempt(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert got is not None and got.node is None
    assert got.status.reasons == ("preemption: 0/2 nodes are available: 2 Insufficient cpu.",)


def test_no_candidate_mixed_reasons() -> None:
    # node1/node3 hold only pods of equal priority; node2 lacks cpu even when emptied
    c = cluster([node("node1", ONE_POD), node("node2", NODE_RES), node("node3", ONE_POD)],
                [pod("p1", "node1", HIGH), pod("p2", "node2"), pod("p3", "node3", HIGH)])
    got = run_preempt(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert got is not None and got.node is None
    assert got.status.reasons == (
        "preemption: 0/3 nodes are available: 1 Insufficient cpu, 2 No preemption victims found for incoming pod.",)


def test_no_candidate_two_unresolvable_two_without_cpu() -> None:
    # node3 and node4 are tainted (UnschedulableAndUnresolvable): not checked, "not helpful"
    nodes = [node("node1", NODE_RES), node("node2", NODE_RES),
             node("node3", NODE_RES, taints=TAINT), node("node4", NODE_RES, taints=TAINT)]
    c = cluster(nodes, [pod("p1", "node1"), pod("p2", "node2")])
    got = run_preempt(c, pod("p", priority=HIGH, req=LARGE), default_profile())
    assert got is not None and got.node is None
    assert got.status.reasons == (
        "preemption: 0/4 nodes are available: 2 Insufficient cpu, 2 Preemption is not helpful for scheduling.",)


def test_node_with_room_after_eviction() -> None:
    # "one failed with TestPlugin and the other pass", node2 only (kbench's PreFilter extensions do
    # not fail): 300m free once the 200m pod p2 goes
    c = cluster([node("node2", LARGE)], [pod("p2", "node2", req=MEDIUM)])
    got = run_preempt(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert got is not None and got.node == "node2" and names(got.victims) == ["p2"]
