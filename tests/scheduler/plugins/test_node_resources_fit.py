"""NodeResourcesFit filter and scoring strategies. Expected numbers are kube-scheduler's formulas
worked by hand (least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go, fit.go);
cases marked with a Go test name repeat that test's literals."""

from __future__ import annotations

from tests.scheduler.helpers import cluster, explain, node, only, pod

GI = 1024**3


def test_least_allocated_differently_sized_nodes() -> None:
    # least_allocated_test.go "nothing scheduled, resources requested, differently sized nodes"
    c = cluster([node("node1", {"cpu": "4000m", "memory": "10000"}), node("node2", {"cpu": "6000m", "memory": "10000"})])
    p = pod("p", [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"}])
    _, scores = explain(c, p, only("NodeResourcesFit", filter_=False))
    # node1: cpu (4000-3000)*100/4000 = 25, memory (10000-5000)*100/10000 = 50 -> (25+50)/2 = 37
    # node2: cpu (6000-3000)*100/6000 = 50, memory 50 -> 50
    assert scores["NodeResourcesFit"] == {"node1": 37, "node2": 50}


def test_most_allocated_differently_sized_nodes() -> None:
    # most_allocated_test.go "nothing scheduled, resources requested, differently sized nodes"
    c = cluster([node("node1", {"cpu": "4000m", "memory": "10000"}), node("node2", {"cpu": "6000m", "memory": "10000"})])
    p = pod("p", [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"}])
    _, scores = explain(c, p, only("NodeResourcesFit", {"scoringStrategy": {"type": "MostAllocated"}}, filter_=False))
    # node1: cpu 3000*100/4000 = 75, memory 5000*100/10000 = 50 -> 62; node2: 50, 50 -> 50
    assert scores["NodeResourcesFit"] == {"node1": 62, "node2": 50}


def test_non_zero_defaults_for_existing_and_incoming_pods() -> None:
    # Scoring counts 100m cpu / 200Mi memory for each container without a request.
    c = cluster([node("n", {"cpu": "1", "memory": "1Gi"})], [pod("old", [{}], node_name="n")])
    p = pod("p", [{}])
    _, scores = explain(c, p, only("NodeResourcesFit", filter_=False))
    # cpu: 1000 - 200 = 800 -> 80; memory: 1024Mi - 400Mi = 624Mi -> 624*100//1024 = 60 -> (80+60)//2 = 70
    assert scores["NodeResourcesFit"] == {"n": 70}


def test_weights_and_extended_resources() -> None:
    c = cluster([node("n", {"cpu": "4", "memory": "8Gi", "example.com/foo": "4"})])
    args = {"scoringStrategy": {"resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 2},
                                              {"name": "example.com/foo", "weight": 3}]}}
    with_foo = pod("p", [{"cpu": "1", "memory": "2Gi", "example.com/foo": "3"}])
    _, scores = explain(c, with_foo, only("NodeResourcesFit", args, filter_=False))
    # cpu 75*1 + memory 75*2 + foo (4-3)*100//4 = 25 *3 -> (75 + 150 + 75) // 6 = 50
    assert scores["NodeResourcesFit"] == {"n": 50}
    without_foo = pod("p", [{"cpu": "1", "memory": "2Gi"}])
    _, scores = explain(c, without_foo, only("NodeResourcesFit", args, filter_=False))
    # an extended resource the pod does not request is left out: (75 + 150) // 3 = 75
    assert scores["NodeResourcesFit"] == {"n": 75}


def test_requested_to_capacity_ratio_truncates_like_go() -> None:
    shape = [{"utilization": 0, "score": 10}, {"utilization": 30, "score": 3}, {"utilization": 100, "score": 0}]
    args = {"scoringStrategy": {"type": "RequestedToCapacityRatio", "resources": [{"name": "cpu", "weight": 1}],
                                "requestedToCapacityRatio": {"shape": shape}}}
    c = cluster([node("n", {"cpu": "4", "memory": "8Gi"})])
    _, scores = explain(c, pod("p", [{"cpu": "1800m"}]), only("NodeResourcesFit", args, filter_=False))
    # utilization 1800*100//4000 = 45; shape scores x10: (0,100) (30,30) (100,0)
    # 30 + (0-30)*(45-30)/(100-30) = 30 + trunc(-450/70) = 30 - 6 = 24 (Go truncates toward zero)
    assert scores["NodeResourcesFit"] == {"n": 24}


def test_filter_reports_every_insufficient_resource() -> None:
    c = cluster([node("n", {"cpu": "1", "memory": "1Gi", "pods": "1", "nvidia.com/gpu": "1"})],
                [pod("old", [{"cpu": "500m"}], node_name="n")])
    verdict, _ = explain(c, pod("p", [{"cpu": "600m", "memory": "2Gi", "nvidia.com/gpu": "2"}]), only("NodeResourcesFit", score=False))
    assert verdict["n"] == ["Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient nvidia.com/gpu"]


def test_filter_zero_request_fits_overcommitted_node() -> None:
    # fitsRequest checks cpu only when the pod requests some (podRequest.MilliCPU > 0).
    c = cluster([node("n", {"cpu": "1", "memory": "1Gi"})], [pod("old", [{"cpu": "2"}], node_name="n")])
    verdict, _ = explain(c, pod("p", [{"memory": "1Mi"}]), only("NodeResourcesFit", score=False))
    assert verdict == {"n": []}


def test_ignored_resources() -> None:
    c = cluster([node("n", {"cpu": "1", "memory": "1Gi"})])
    p = pod("p", [{"cpu": "100m", "example.com/foo": "1", "other.io/bar": "1"}])
    verdict, _ = explain(c, p, only("NodeResourcesFit", score=False))
    assert verdict["n"] == ["Insufficient example.com/foo", "Insufficient other.io/bar"]
    args = {"ignoredResources": ["example.com/foo"], "ignoredResourceGroups": ["other.io"]}
    verdict, _ = explain(c, p, only("NodeResourcesFit", args, score=False))
    assert verdict == {"n": []}


def test_huge_allocatable_uses_exact_integer_division() -> None:
    # 10Pi of memory: allocatable * 100 is past 2**53, where float division is no longer exact
    # (and still below 2**63, where Go's int64 arithmetic would wrap).
    c = cluster([node("n", {"cpu": "3", "memory": "10Pi"})])
    _, scores = explain(c, pod("p", [{"cpu": "1", "memory": "1"}]), only("NodeResourcesFit", filter_=False))
    # cpu (3000-1000)*100//3000 = 66; memory (10Pi - 1)*100 // 10Pi = 99 -> (66+99)//2 = 82
    assert scores["NodeResourcesFit"] == {"n": 82}
    _, scores = explain(c, pod("p", [{"cpu": "1", "memory": "1"}]),
                        only("NodeResourcesFit", {"scoringStrategy": {"type": "MostAllocated"}}, filter_=False))
    # cpu 1000*100//3000 = 33; memory 1*100 // 10Pi = 0 -> 16
    assert scores["NodeResourcesFit"] == {"n": 16}


def test_terminated_pods_are_not_seen() -> None:
    # The scheduler's pod informer excludes Succeeded and Failed pods, so they hold no resources.
    done = pod("done", [{"cpu": "1"}], node_name="n").model_copy(update={"status": {"phase": "Succeeded"}})
    running = pod("run", [{"cpu": "500m"}], node_name="n").model_copy(update={"status": {"phase": "Running"}})
    c = cluster([node("n", {"cpu": "1", "memory": "1Gi"})], [done, running])
    verdict, _ = explain(c, pod("p", [{"cpu": "500m"}]), only("NodeResourcesFit", score=False))
    assert verdict == {"n": []}
    verdict, _ = explain(c, pod("p", [{"cpu": "600m"}]), only("NodeResourcesFit", score=False))
    assert verdict == {"n": ["Insufficient cpu"]}
