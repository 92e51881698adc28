"""TestSelectBestCandidate of kube's default_preemption_test.go, through preempt().

Nodes have veryLargeRes (500m, 500); the pod asks veryLargeRes, so every lower-priority pod of a
node must go. Priorities: neg -100, low 0, mid 100, high 1000; offset = 2^31.
"""

from __future__ import annotations

import numpy as np

from tests.scheduler.preemption.helpers import (
    FIT_ONLY,
    HIGH,
    LARGE,
    LOW,
    MEDIUM,
    MID,
    NEG,
    SMALL,
    VERY_HIGH,
    VERY_LARGE,
    cluster,
    names,
    node,
    pod,
    profile,
    run_preempt,
)


def best(pods: list, n_nodes: int, priority: int = HIGH, start: dict[str, float] | None = None) -> str | None:  # type: ignore[type-arg]
    c = cluster([node(f"node{i}", VERY_LARGE) for i in range(1, n_nodes + 1)], pods, start)
    got = run_preempt(c, pod("p", priority=priority, req=VERY_LARGE), profile(*FIT_ONLY))
    assert got is not None
    return got.node


def test_both_nodes_fit_any_is_valid() -> None:
    c = cluster([node("node1", VERY_LARGE), node("node2", VERY_LARGE)],
                [pod("p1", "node1", MID, LARGE), pod("p2", "node2", MID, LARGE)])
    for seed in range(4):
        got = run_preempt(c, pod("p", priority=HIGH, req=LARGE), profile(*FIT_ONLY), rng=np.random.default_rng(seed))
        assert got is not None and (got.node, names(got.victims)) in [("node1", ["p1"]), ("node2", ["p2"])]


def test_node_with_min_highest_priority_pod() -> None:
    # highest victim: node1 mid, node2 mid, node3 low -> node3
    pods = [pod("p1.1", "node1", MID, MEDIUM), pod("p1.2", "node1", MID, LARGE),
            pod("p2.1", "node2", MID, MEDIUM), pod("p2.2", "node2", LOW, MEDIUM),
            pod("p3.1", "node3", LOW, MEDIUM), pod("p3.2", "node3", LOW, MEDIUM)]
    assert best(pods, 3) == "node3"


def test_same_highest_priority_min_sum() -> None:
    # sums (priority + 2^31 each): node1 2*100, node2 100 + 0, node3 2*100 (plus 2 * 2^31 each) -> node2
    pods = [pod("p1.1", "node1", MID, MEDIUM), pod("p1.2", "node1", MID, LARGE),
            pod("p2.1", "node2", MID, LARGE), pod("p2.2", "node2", LOW, MEDIUM),
            pod("p3.1", "node3", MID, MEDIUM), pod("p3.2", "node3", MID, MEDIUM)]
    assert best(pods, 3) == "node2"


def test_same_highest_and_sum_fewest_pods() -> None:
    # node1: 100 - 100 + 100 - 100 + 4 x 2^31; node2: 100 - 100 + 2 x 2^31; node3: 100 - 100 + 0 + 3 x 2^31
    # -> node2 has the smallest adjusted sum (and the fewest victims)
    pods = [pod("p1.1", "node1", MID, SMALL), pod("p1.2", "node1", NEG, SMALL), pod("p1.3", "node1", MID, SMALL),
            pod("p1.4", "node1", NEG, SMALL), pod("p2.1", "node2", MID, LARGE), pod("p2.2", "node2", NEG, MEDIUM),
            pod("p3.1", "node3", MID, MEDIUM), pod("p3.2", "node3", NEG, SMALL), pod("p3.3", "node3", LOW, SMALL)]
    assert best(pods, 3) == "node2"


def test_sum_of_adjusted_priorities() -> None:
    # node1: 100 - 200 + 3 x 2^31; node2: 100 - 100 + 2 x 2^31; node3: 100 - 100 + 0 + 3 x 2^31 -> node2
    pods = [pod("p1.1", "node1", MID, SMALL), pod("p1.2", "node1", NEG, SMALL), pod("p1.3", "node1", NEG, SMALL),
            pod("p2.1", "node2", MID, LARGE), pod("p2.2", "node2", NEG, MEDIUM),
            pod("p3.1", "node3", MID, MEDIUM), pod("p3.2", "node3", NEG, SMALL), pod("p3.3", "node3", LOW, SMALL)]
    assert best(pods, 3) == "node2"


def test_non_overlapping_highest_sum_and_count() -> None:
    # highest: node1 mid, node2 high, node3 mid, node4 mid; sums: node1 100 + 3 x 2^31,
    # node3 100 + 4 x 2^31, node4 300 - 100 + 4 x 2^31 -> node1
    pods = [pod("p1.1", "node1", MID, SMALL), pod("p1.2", "node1", LOW, SMALL), pod("p1.3", "node1", LOW, SMALL),
            pod("p2.1", "node2", HIGH, LARGE),
            pod("p3.1", "node3", MID, MEDIUM), pod("p3.2", "node3", LOW, SMALL), pod("p3.3", "node3", LOW, SMALL),
            pod("p3.4", "node3", LOW, MEDIUM),
            pod("p4.1", "node4", MID, MEDIUM), pod("p4.2", "node4", MID, SMALL), pod("p4.3", "node4", MID, SMALL),
            pod("p4.4", "node4", NEG, SMALL)]
    assert best(pods, 4, priority=VERY_HIGH) == "node1"


def test_latest_start_per_node() -> None:
    # earliest start of the highest-priority victims: node1 2, node2 3, node3 1 -> node2
    pods = [pod(f"p{n}.{i}", f"node{n}", MID, MEDIUM) for n in (1, 2, 3) for i in (1, 2)]
    start = {"p1.1": 2, "p1.2": 2, "p2.1": 3, "p2.2": 3, "p3.1": 1, "p3.2": 1}
    assert best(pods, 3, start=start) == "node2"


def test_latest_start_all_different() -> None:
    # earliest: node1 min(4, 2) = 2, node2 min(5, 1) = 1, node3 min(3, 6) = 3 -> node3
    pods = [pod(f"p{n}.{i}", f"node{n}", MID, MEDIUM) for n in (1, 2, 3) for i in (1, 2)]
    start = {"p1.1": 4, "p1.2": 2, "p2.1": 5, "p2.2": 1, "p3.1": 3, "p3.2": 6}
    assert best(pods, 3, start=start) == "node3"


def test_latest_start_of_highest_priority_victims_only() -> None:
    # highest victims are mid everywhere: node1 p1.2 (t2), node2 p2.1 (t6), node3 p3.2 (t5) -> node2
    prios = {"p1.1": LOW, "p1.2": MID, "p2.1": MID, "p2.2": LOW, "p3.1": LOW, "p3.2": MID}
    pods = [pod(name, "node" + name[1], prio, MEDIUM) for name, prio in prios.items()]
    start = {"p1.1": 4, "p1.2": 2, "p2.1": 6, "p2.2": 1, "p3.1": 3, "p3.2": 5}
    assert best(pods, 3, start=start) == "node2"
