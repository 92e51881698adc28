"""TaintToleration: filter on NoSchedule/NoExecute; PreferNoSchedule counted and reverse-normalized."""

from __future__ import annotations

from tests.scheduler.helpers import cluster, explain, node, only, pod

PREFER = "PreferNoSchedule"


def taints(*items: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v, "effect": e} for k, v, e in items]


def test_score_counts_intolerable_prefer_no_schedule() -> None:
    # taint_toleration_test.go "the more intolerable taints a node has, the lower score it gets"
    c = cluster([
        node("nodeA", taints=[]),
        node("nodeB", taints=taints(("cpu-type", "arm64", PREFER))),
        node("nodeC", taints=taints(("cpu-type", "arm64", PREFER), ("disk-type", "ssd", PREFER))),
    ])
    p = pod("p", tolerations=[{"key": "foo", "operator": "Equal", "value": "bar", "effect": PREFER}])
    _, scores = explain(c, p, only("TaintToleration", filter_=False))
    # counts 0, 1, 2 -> 100*c//2 = 0, 50, 100 -> reversed 100, 50, 0
    assert scores["TaintToleration"] == {"nodeA": 100, "nodeB": 50, "nodeC": 0}


def test_score_ignores_other_effects_and_tolerated_taints() -> None:
    c = cluster([
        node("a", taints=taints(("x", "1", "NoSchedule"), ("y", "1", PREFER))),
        node("b", taints=taints(("z", "1", PREFER))),
    ])
    p = pod("p", tolerations=[{"key": "x", "operator": "Exists"}, {"key": "y", "operator": "Exists", "effect": "NoSchedule"}])
    _, scores = explain(c, p, only("TaintToleration", filter_=False))
    # a: y is PreferNoSchedule and the toleration for y is NoSchedule-only -> 1; b: 1 -> both 0
    assert scores["TaintToleration"] == {"a": 0, "b": 0}


def test_filter_reason_names_first_untolerated_taint() -> None:
    c = cluster([node("a", taints=taints(("soft", "1", PREFER), ("gpu", "yes", "NoSchedule"), ("x", "", "NoExecute")))])
    verdict, _ = explain(c, pod("p"), only("TaintToleration", score=False))
    assert verdict["a"] == ["node(s) had untolerated taint {gpu: yes}"]
    tolerant = pod("p", tolerations=[{"operator": "Exists"}])
    verdict, _ = explain(c, tolerant, only("TaintToleration", score=False))
    assert verdict == {"a": []}


def test_node_unschedulable_tolerated_by_toleration() -> None:
    c = cluster([node("a", unschedulable=True)])
    verdict, _ = explain(c, pod("p"), only("NodeUnschedulable"))
    assert verdict["a"] == ["node(s) were unschedulable"]
    p = pod("p", tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}])
    verdict, _ = explain(c, p, only("NodeUnschedulable"))
    assert verdict == {"a": []}
