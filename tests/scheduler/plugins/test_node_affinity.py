"""NodeAffinity: nodeSelector, required terms (ORed), matchFields PreFilterResult, preferred scoring."""

from __future__ import annotations

from tests.scheduler.helpers import cluster, explain, node, only, pod

REASON = "node(s) didn't match Pod's node affinity/selector"


def affinity(required: list | None = None, preferred: list | None = None) -> dict:
    na: dict = {}
    if required is not None:
        na["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred is not None:
        na["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    return {"nodeAffinity": na}


def test_gt_lt_parse_integers() -> None:
    c = cluster([node("a", labels={"cores": "16"}), node("b", labels={"cores": "4"}), node("c", labels={"cores": "x"}), node("d")])
    p = pod("p", affinity=affinity([{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]}]))
    verdict, _ = explain(c, p, only("NodeAffinity", score=False))
    assert verdict == {"a": [], "b": [REASON], "c": [REASON], "d": [REASON]}


def test_match_fields_narrow_nodes_before_filtering() -> None:
    c = cluster([node("a"), node("b"), node("c")])
    p = pod("p", affinity=affinity([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b"]}]}]))
    verdict, _ = explain(c, p, only("NodeAffinity", score=False))
    other = ["node(s) didn't satisfy plugin(s) [NodeAffinity]"]
    assert verdict == {"a": other, "b": [], "c": other}


def test_empty_term_matches_nothing_and_terms_are_ored() -> None:
    c = cluster([node("a", labels={"zone": "z1"}), node("b", labels={"zone": "z2"})])
    p = pod("p", affinity=affinity([{}, {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z2"]}]}]))
    verdict, _ = explain(c, p, only("NodeAffinity", score=False))
    assert verdict == {"a": [REASON], "b": []}


def test_node_selector_and_affinity_both_apply() -> None:
    c = cluster([node("a", labels={"zone": "z1", "ssd": "true"}), node("b", labels={"zone": "z1"})])
    p = pod("p", nodeSelector={"zone": "z1"},
            affinity=affinity([{"matchExpressions": [{"key": "ssd", "operator": "Exists"}]}]))
    verdict, _ = explain(c, p, only("NodeAffinity", score=False))
    assert verdict == {"a": [], "b": [REASON]}


def test_preferred_terms_weights_and_normalization() -> None:
    c = cluster([node("a", labels={"zone": "z1", "ssd": "true"}), node("b", labels={"zone": "z1"}), node("c")])
    pref = [{"weight": 2, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1"]}]}},
            {"weight": 5, "preference": {"matchExpressions": [{"key": "ssd", "operator": "Exists"}]}},
            {"weight": 0, "preference": {"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}}]
    _, scores = explain(c, pod("p", affinity=affinity(preferred=pref)), only("NodeAffinity", filter_=False))
    # raw a = 2+5 = 7, b = 2, c = 0 (weight-0 term ignored) -> 100*s//7 = 100, 28, 0
    assert scores["NodeAffinity"] == {"a": 100, "b": 28, "c": 0}


def test_added_affinity_has_its_own_reason() -> None:
    args = {"addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["batch"]}]}]}}}
    c = cluster([node("a", labels={"pool": "batch"}), node("b", labels={"pool": "web"})])
    verdict, _ = explain(c, pod("p"), only("NodeAffinity", args, score=False))
    assert verdict == {"a": [], "b": ["node(s) didn't match scheduler-enforced node affinity"]}


def test_term_with_invalid_value_is_dropped() -> None:
    # node_affinity_test.go "Pod with an invalid value in Affinity term won't be scheduled onto the node":
    # labels.NewRequirement rejects the value, so the term cannot match.
    c = cluster([node("a", labels={"foo": "bar"})])
    bad = [{"matchExpressions": [{"key": "foo", "operator": "NotIn", "values": ["invalid value: ___@#$%^"]}]}]
    verdict, _ = explain(c, pod("p", affinity=affinity(bad)), only("NodeAffinity", score=False))
    assert verdict == {"a": [REASON]}
    # Gt needs an integer that is also a valid label value: "-1" is not.
    neg = [{"matchExpressions": [{"key": "foo", "operator": "Gt", "values": ["-1"]}]}]
    verdict, _ = explain(cluster([node("a", labels={"foo": "5"})]), pod("p", affinity=affinity(neg)), only("NodeAffinity", score=False))
    assert verdict == {"a": [REASON]}


def test_match_fields_on_other_fields_read_empty() -> None:
    # A field selector term on a field the node's field set lacks compares against "".
    c = cluster([node("a")])
    not_in = [{"matchFields": [{"key": "spec.foo", "operator": "NotIn", "values": ["x"]}]}]
    verdict, _ = explain(c, pod("p", affinity=affinity(not_in)), only("NodeAffinity", score=False))
    assert verdict == {"a": []}
    two_values = [{"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["x", "y"]}]}]
    verdict, _ = explain(c, pod("p", affinity=affinity(two_values)), only("NodeAffinity", score=False))
    assert verdict == {"a": [REASON]}
