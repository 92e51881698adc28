"""NodeResourcesBalancedAllocation: balancedResourceScorer worked by hand."""

from __future__ import annotations

from tests.scheduler.helpers import cluster, explain, node, only, pod


def test_differently_sized_nodes() -> None:
    # balanced_allocation_test.go "nothing scheduled, resources requested, differently sized nodes"
    c = cluster([node("node1", {"cpu": "4000m", "memory": "10000"}), node("node2", {"cpu": "6000m", "memory": "10000"})])
    p = pod("p", [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"}])
    _, scores = explain(c, p, only("NodeResourcesBalancedAllocation", filter_=False))
    # node1: fractions 0.75, 0.5 -> std 0.125 -> (1-0.125)*100 = 87; node2: 0.5, 0.5 -> 100
    assert scores["NodeResourcesBalancedAllocation"] == {"node1": 87, "node2": 100}


def test_three_resources_use_population_std_and_cap_at_one() -> None:
    c = cluster([node("n", {"cpu": "4", "memory": "4Gi", "nvidia.com/gpu": "2"})])
    args = {"resources": [{"name": "cpu"}, {"name": "memory"}, {"name": "nvidia.com/gpu"}]}
    p = pod("p", [{"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "3"}])
    _, scores = explain(c, p, only("NodeResourcesBalancedAllocation", args, filter_=False))
    # fractions 0.25, 0.5, min(1.5, 1) = 1 -> mean 0.58333; variance ((.3333)^2+(.0833)^2+(.4167)^2)/3 = 0.09722
    # std 0.31180 -> int64((1-0.31180)*100) = 68
    assert scores["NodeResourcesBalancedAllocation"] == {"n": 68}


def test_best_effort_pod_is_skipped() -> None:
    c = cluster([node("n", {"cpu": "4", "memory": "4Gi"})])
    _, scores = explain(c, pod("p", [{}]), only("NodeResourcesBalancedAllocation", filter_=False))
    assert "NodeResourcesBalancedAllocation" not in scores


def test_actual_requests_without_defaults() -> None:
    # Existing pod without requests adds nothing (no 100m/200Mi defaults here, unlike NodeResourcesFit).
    c = cluster([node("n", {"cpu": "4", "memory": "4Gi"})], [pod("old", [{}], node_name="n")])
    _, scores = explain(c, pod("p", [{"cpu": "2", "memory": "1Gi"}]), only("NodeResourcesBalancedAllocation", filter_=False))
    # 0.5 and 0.25 -> std 0.125 -> 87
    assert scores["NodeResourcesBalancedAllocation"] == {"n": 87}
