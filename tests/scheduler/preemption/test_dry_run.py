"""TestDryRunPreemption of kube's default_preemption_test.go: the candidates each case finds.

Nodes have veryLargeRes (500m, 500) and 32 pods; DryRunPreemption walks all nodes sorted by
name from the offset kube's seeded rand gives (4, then 1, then 3 for five nodes). Each case runs
the generic search and, where only resources matter, the fast kernel, which must agree. Not
transcribed: the FalseFilter/TrueFilter/MatchFilter and fake-filter-code cases (test-only
plugins) and the filter call counts.
"""

from __future__ import annotations

from tests.scheduler.preemption.helpers import (
    FIT_ONLY,
    HIGH,
    LARGE,
    LOW,
    MEDIUM,
    MID,
    SMALL,
    VERY_HIGH,
    VERY_LARGE,
    candidates,
    cluster,
    dry_runs,
    node,
    pdb,
    pod,
    profile,
    zoned,
)

TWO = [node("node1", VERY_LARGE), node("node2", VERY_LARGE)]
FIVE = [node(f"node{i}", VERY_LARGE) for i in range(1, 6)]
FOO = {"app": "foo"}


def test_fits_on_both_nodes_when_lower_priority_pods_are_preempted() -> None:
    c = cluster(TWO, [pod("p1", "node1", MID, LARGE), pod("p2", "node2", MID, LARGE)])
    dr, fast = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert fast
    assert candidates(dr, c) == {"node1": (["p1"], 0), "node2": (["p2"], 0)}


def test_running_pods_of_higher_priority_are_not_preempted() -> None:
    c = cluster(TWO, [pod("p1", "node1", MID, LARGE), pod("p2", "node2", MID, LARGE)])
    dr, _ = dry_runs(c, pod("p", priority=LOW, req=LARGE), profile(*FIT_ONLY))
    assert candidates(dr, c) == {}
    assert dict(dr.reasons) == {"No preemption victims found for incoming pod": 2}


def test_medium_priority_pod_is_preempted_small_low_priority_one_stays() -> None:
    # node1: after removing both, 300m used; p1.2 back -> 600m > 500m: victim; p1.1 back -> 400m: stays
    c = cluster(TWO, [pod("p1.1", "node1", LOW, SMALL), pod("p1.2", "node1", MID, LARGE),
                      pod("p2", "node2", MID, LARGE)])
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert candidates(dr, c) == {"node1": (["p1.2"], 0), "node2": (["p2"], 0)}


def test_mixed_priority_pods_are_preempted() -> None:
    # node1 keeps p1.4 (high, 100m): 400m with p; p1.1 back 500m stays, p1.3 700m and p1.2 600m go
    c = cluster(TWO, [pod("p1.1", "node1", MID, SMALL), pod("p1.2", "node1", LOW, SMALL),
                      pod("p1.3", "node1", MID, MEDIUM), pod("p1.4", "node1", HIGH, SMALL),
                      pod("p2", "node2", HIGH, LARGE)])
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert candidates(dr, c) == {"node1": (["p1.2", "p1.3"], 0)}


def test_later_start_time_goes_first_among_equal_priorities() -> None:
    # reprieve order p1.3 (mid), p1.2 (low, t4), p1.1 (low, t5): 600m victim, 500m stays, 600m victim
    pods = [pod("p1.1", "node1", LOW, SMALL), pod("p1.2", "node1", LOW, SMALL), pod("p1.3", "node1", MID, MEDIUM),
            pod("p1.4", "node1", HIGH, SMALL), pod("p2", "node2", HIGH, LARGE)]
    c = cluster(TWO, pods, start={"p1.1": 5, "p1.2": 4, "p1.3": 3, "p1.4": 2, "p2": 1})
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert candidates(dr, c) == {"node1": (["p1.1", "p1.3"], 0)}


def test_pod_with_anti_affinity_is_preempted() -> None:
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}, "topologyKey": "hostname"}]}}
    nodes = [zoned("node1"), zoned("node2")]
    c = cluster(nodes, [pod("p1.1", "node1", LOW, SMALL, labels={"foo": ""}, affinity=anti),
                        pod("p1.2", "node1", MID, SMALL), pod("p1.3", "node1", HIGH, SMALL),
                        pod("p2", "node2", HIGH, SMALL)])
    p = pod("p", priority=HIGH, req=SMALL, labels={"foo": ""})
    dr, fast = dry_runs(c, p, profile("NodeResourcesFit", "InterPodAffinity"))
    assert not fast
    assert candidates(dr, c) == {"node1": (["p1.1"], 0)}


def test_preemption_resolves_topology_spread_failure() -> None:
    spread = [{"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}} for key in ("zone", "hostname")]
    nodes = [zoned("node-a/zone1"), zoned("node-b/zone1"), zoned("node-x/zone2")]
    foo = {"foo": ""}
    c = cluster(nodes, [pod("pod-a1", "node-a", MID, labels=foo), pod("pod-a2", "node-a", LOW, labels=foo),
                        pod("pod-b1", "node-b", LOW, labels=foo), pod("pod-x1", "node-x", HIGH, labels=foo),
                        pod("pod-x2", "node-x", HIGH, labels=foo)])
    p = pod("p", priority=HIGH, labels=foo, topologySpreadConstraints=spread)
    dr, fast = dry_runs(c, p, profile("PodTopologySpread"))
    assert not fast
    assert candidates(dr, c) == {"node-a": (["pod-a2"], 0), "node-b": (["pod-b1"], 0)}


def _two_foo_pods(pdbs_disrupted: tuple[str, ...], n: int = 2):  # type: ignore[no-untyped-def]
    c = cluster([node("node1", VERY_LARGE)], [pod(f"p1.{i}", "node1", MID, MEDIUM, labels=FOO) for i in range(1, n + 1)])
    return c, [pdb(FOO, 1, pdbs_disrupted)]


def test_violation_of_the_same_pdb() -> None:
    # sorted p1.1, p1.2: p1.1 leaves 0 disruptions, p1.2 takes it to -1 (violating); both must go
    c, pdbs = _two_foo_pods(())
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY), pdbs)
    assert candidates(dr, c) == {"node1": (["p1.1", "p1.2"], 1)}


def test_pdb_disrupted_pod_not_a_victim() -> None:
    c, pdbs = _two_foo_pods(("p2",))
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY), pdbs)
    assert candidates(dr, c) == {"node1": (["p1.1", "p1.2"], 1)}


def test_pdb_disrupted_victim_does_not_count() -> None:
    # p1.2 is already in disruptedPods: only p1.1 uses the one allowed disruption
    c, pdbs = _two_foo_pods(("p1.2",))
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY), pdbs)
    assert candidates(dr, c) == {"node1": (["p1.1", "p1.2"], 0)}


def test_pdb_disrupted_victim_is_non_violating_others_still_violate() -> None:
    # p1.1 -> 0 left, p1.2 -> -1 (violating), p1.3 in disruptedPods: one violation
    c, pdbs = _two_foo_pods(("p1.3",), n=3)
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY), pdbs)
    assert candidates(dr, c) == {"node1": (["p1.1", "p1.2", "p1.3"], 1)}


ARGS_40_1 = {"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 1}


def test_args_limit_candidates_to_two() -> None:
    # numCandidates = max(5 x 40 / 100, 1) = 2; offset 4: node5 yes, node1 yes -> stop
    c = cluster(FIVE, [pod(f"p{i}", f"node{i}", MID, LARGE) for i in range(1, 6)])
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY, args=ARGS_40_1), offset=4)
    assert candidates(dr, c) == {"node1": (["p1"], 0), "node5": (["p5"], 0)}


def test_some_nodes_are_not_candidates() -> None:
    # offset 4: node5 no (veryHigh pod), node1 yes, node2 no, node3 yes -> stop
    prios = {1: MID, 2: VERY_HIGH, 3: MID, 4: MID, 5: VERY_HIGH}
    c = cluster(FIVE, [pod(f"p{i}", f"node{i}", prios[i], LARGE) for i in range(1, 6)])
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY, args=ARGS_40_1), offset=4)
    assert candidates(dr, c) == {"node1": (["p1"], 0), "node3": (["p3"], 0)}


def test_offset_across_cycles_wraps_around() -> None:
    c = cluster(FIVE, [pod(f"p{i}", f"node{i}", MID, LARGE) for i in range(1, 6)])
    prof = profile(*FIT_ONLY, args=ARGS_40_1)
    want = {4: {"node5", "node1"}, 1: {"node2", "node3"}, 3: {"node4", "node5"}}
    for offset, nodes in want.items():
        dr, _ = dry_runs(c, pod("tp", priority=HIGH, req=LARGE), prof, offset=offset)
        assert set(candidates(dr, c)) == nodes


def test_looks_past_num_candidates_for_a_non_violating_node() -> None:
    # numCandidates = max(2, 2) = 2; offset 4: node5 (violating), node1 (violating), node2
    # (violating, list full: dropped), node3 (non-violating) -> stop with three candidates
    labels = {1: FOO, 2: FOO, 3: {}, 4: {}, 5: FOO}
    c = cluster(FIVE, [pod(f"p{i}", f"node{i}", MID, LARGE, labels=labels[i]) for i in range(1, 6)])
    prof = profile(*FIT_ONLY, args={"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 2})
    dr, _ = dry_runs(c, pod("p", priority=HIGH, req=LARGE), prof, [pdb(FOO, 0)], offset=4)
    assert candidates(dr, c) == {"node1": (["p1"], 1), "node3": (["p3"], 0), "node5": (["p5"], 1)}
    assert [c.node_names[int(r)] for r in dr.rows] == ["node3", "node5", "node1"]


def test_node_where_the_pod_already_fits_is_an_error() -> None:
    # 100m used of 500m: with p1 reprieved the pod (300m) still fits, so no victim remains
    c = cluster([node("node1", VERY_LARGE)], [pod("p1", "node1", LOW, SMALL)])
    dr, fast = dry_runs(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY))
    assert fast and candidates(dr, c) == {}
    assert dr.errors == ['expected at least one victim pod on node "node1"']
