"""InterPodAffinity PreScore/Score/NormalizeScore, cases transcribed from kube-scheduler's scoring_test.go
(kubernetes/kubernetes 030880a5dc5449403c6d1f0aa146a7dc21d6c6dc,
pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go), plus the args checks of
validation_pluginargs.go.

Expected scores are the Go test literals (framework.MaxNodeScore = 100); the raw topology scores
behind them are worked out in comments from scoring.go. Namespace "" is `default`, and
subteamX.teamY is subteamX-teamY.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kbench.api.loader import parse_object
from kbench.errors import FieldError
from kbench.scheduler.framework import (
    Code,
    CycleState,
    FilterPlugin,
    PodInfo,
    PreFilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    Status,
)
from kbench.scheduler.plugins import registry
from kbench.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from kbench.scheduler.plugins.inter_pod_affinity.scoring import PRE_SCORE_KEY, PreScoreState
from tests.scheduler.plugins.inter_pod_affinity.builders import (
    TEAM_NAMESPACES,
    affinity,
    expr,
    load,
    namespaces,
    node,
    pod,
    run_score,
    term,
    weighted,
)

SKIP = Status(Code.SKIP)
TEAM_NS = namespaces(TEAM_NAMESPACES)

CHINA, INDIA = {"region": "China"}, {"region": "India"}
AZ1, AZ2 = {"az": "az1"}, {"az": "az2"}
CHINA_AZ1 = {"region": "China", "az": "az1"}
S1, S2 = {"security": "S1"}, {"security": "S2"}

STAY_WITH_S1_IN_REGION = affinity(pref=[weighted(5, term("region", expr("security", "In", ["S1"])))])
STAY_WITH_S2_IN_REGION = affinity(pref=[weighted(6, term("region", expr("security", "In", ["S2"])))])
AFFINITY3 = affinity(pref=[
    weighted(8, term("region", expr("security", "NotIn", ["S1"]), expr("security", "In", ["S2"]))),
    weighted(2, term("region", expr("security", "Exists"), expr("wrongkey", "DoesNotExist"))),
])
HARD_AFFINITY = affinity(req=[
    term("region", expr("security", "In", ["S1", "value2"])),
    term("region", expr("security", "Exists"), expr("wrongkey", "DoesNotExist")),
])
AWAY_FROM_S1_IN_AZ = affinity(pref_anti=[weighted(5, term("az", expr("security", "In", ["S1"])))])
AWAY_FROM_S2_IN_AZ = affinity(pref_anti=[weighted(5, term("az", expr("security", "In", ["S2"])))])
STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ = affinity(
    pref=[weighted(8, term("region", expr("security", "In", ["S1"])))],
    pref_anti=[weighted(5, term("az", expr("security", "In", ["S2"])))],
)
NS_TEAM1 = {"matchExpressions": [expr("team", "In", ["team1"])]}
AFFINITY_NAMESPACE_SELECTOR = affinity(pref=[weighted(5, term(
    "region", expr("security", "In", ["S1"]), namespaces=["subteam2-team2"], ns_selector=NS_TEAM1))])
ANTI_AFFINITY_NAMESPACE_SELECTOR = affinity(pref_anti=[weighted(5, term(
    "region", expr("security", "In", ["S1"]), namespaces=["subteam2-team2"], ns_selector=NS_TEAM1))])
INVALID_AFFINITY_LABELS = affinity(pref=[weighted(8, term("region", expr("security", "In", ["{{.bad-value.}}"])))])
INVALID_ANTI_AFFINITY_LABELS = affinity(pref_anti=[weighted(5, term("az", expr("security", "In", ["{{.bad-value.}}"])))])


def _nodes(*labels: dict[str, str]) -> list[dict[str, Any]]:
    return [node(f"node{i + 1}", lab) for i, lab in enumerate(labels)]


def _pods(*specs: tuple) -> list[dict[str, Any]]:
    """Bound pods from (node, labels[, affinity[, namespace]]) tuples."""
    out = []
    for i, s in enumerate(specs):
        node_name, labels = s[0], s[1]
        aff = s[2] if len(s) > 2 else None
        ns = s[3] if len(s) > 3 else "default"
        out.append(pod(f"e{i}", labels, node_name, ns=ns, aff=aff))
    return out


PREFERRED: list[tuple[str, dict, list, list, Any, bool]] = [
    # (Go test name, incoming pod, bound pods, nodes, want scores (or a Status), ignorePreferredTermsOfExistingPods)
    ("all nodes are same priority as Affinity is nil",
     pod("p", S1), [], _nodes(CHINA, INDIA, AZ1), SKIP, False),
    # region China: S1 pod on node1 -> +5; India: S2 pod no match; node3 (az1) has no region.
    # raw 5, 0, 0 -> min 0, max 5 -> 100, 0, 0
    ("Affinity: pod that matches topology key & pods in nodes will get high score comparing to others which doesn't match either pods in nodes or in topology key",
     pod("p", S1, aff=STAY_WITH_S1_IN_REGION),
     _pods(("node1", S1), ("node2", S2), ("node3", S1)), _nodes(CHINA, INDIA, AZ1),
     {"node1": 100, "node2": 0, "node3": 0}, False),
    # China +5 shared by node1 and node2; raw 5, 5, 0 -> 100, 100, 0
    ("All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score",
     pod("p", None, aff=STAY_WITH_S1_IN_REGION),
     _pods(("node1", S1)), _nodes(CHINA, CHINA_AZ1, INDIA),
     {"node1": 100, "node2": 100, "node3": 0}, False),
    # China: 4 S2 pods x 6 = 24; India: 2 x 6 = 12; raw 24, 12, 24, 24, 12 -> (24-12)/12*100 = 100, 0
    ("Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score",
     pod("p", S1, aff=STAY_WITH_S2_IN_REGION),
     _pods(("node1", S2), ("node1", S2), ("node2", S2), ("node3", S2), ("node4", S2), ("node5", S2)),
     _nodes(CHINA, INDIA, CHINA, CHINA, INDIA),
     {"node1": 100, "node2": 0, "node3": 100, "node4": 100, "node5": 0}, False),
    # China: S1 pod matches only the weight-2 term -> 2; India: S2 pod matches both -> 8 + 2 = 10;
    # raw 2, 10, 0 -> 100*(2/10) = 20, 100, 0
    ("Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures ",
     pod("p", S1, aff=AFFINITY3),
     _pods(("node1", S1), ("node2", S2), ("node3", S1)), _nodes(CHINA, INDIA, AZ1),
     {"node1": 20, "node2": 100, "node3": 0}, False),
    # node2's pod prefers S2 in its region (India): the incoming S2 pod matches -> India +6; raw 0, 6, 0
    ("Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
     pod("p", S2),
     _pods(("node1", S1, STAY_WITH_S1_IN_REGION), ("node2", S2, STAY_WITH_S2_IN_REGION)), _nodes(CHINA, INDIA, AZ1),
     {"node1": 0, "node2": 100, "node3": 0}, False),
    # node1's pod: namespaceSelector team=team1 selects the incoming pod's namespace -> China +5; raw 5, 0, 0
    ("Affinity symmetry with namespace selector",
     pod("p", S1, ns="subteam1-team1"),
     _pods(("node1", S1, AFFINITY_NAMESPACE_SELECTOR), ("node2", S2, STAY_WITH_S2_IN_REGION)), _nodes(CHINA, INDIA, AZ1),
     {"node1": 100, "node2": 0, "node3": 0}, False),
    # China -5; raw -5, 0, 0 -> 0, 100, 100
    ("AntiAffinity symmetry with namespace selector",
     pod("p", S1, ns="subteam1-team1"),
     _pods(("node1", S1, ANTI_AFFINITY_NAMESPACE_SELECTOR), ("node2", S2, STAY_WITH_S2_IN_REGION)), _nodes(CHINA, INDIA, AZ1),
     {"node1": 0, "node2": 100, "node3": 100}, False),
    # both required terms of each pod match the S1 pod: China +1 +1, India +1 +1; raw 2, 2, 0
    ("Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
     pod("p", S1),
     _pods(("node1", S1, HARD_AFFINITY), ("node2", S2, HARD_AFFINITY)), _nodes(CHINA, INDIA, AZ1),
     {"node1": 100, "node2": 100, "node3": 0}, False),
    # az1: S1 pod -> -5; node2 has no az; raw -5, 0 -> 0, 100
    ("Anti Affinity: pod that does not match existing pods in node will get high score ",
     pod("p", S1, aff=AWAY_FROM_S1_IN_AZ),
     _pods(("node1", S1), ("node2", S2)), _nodes(AZ1, CHINA),
     {"node1": 0, "node2": 100}, False),
    ("Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others ",
     pod("p", S1, aff=AWAY_FROM_S1_IN_AZ),
     _pods(("node1", S1), ("node2", S1)), _nodes(AZ1, CHINA),
     {"node1": 0, "node2": 100}, False),
    # az1: two S1 pods -> -10; raw -10, 0 -> 0, 100
    ("Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score",
     pod("p", S1, aff=AWAY_FROM_S1_IN_AZ),
     _pods(("node1", S1), ("node1", S1), ("node2", S2)), _nodes(AZ1, INDIA),
     {"node1": 0, "node2": 100}, False),
    # node1's pod avoids S2 in az1: the incoming S2 pod matches -> az1 -5; raw -5, 0
    ("Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
     pod("p", S2),
     _pods(("node1", S1, AWAY_FROM_S2_IN_AZ), ("node2", S2, AWAY_FROM_S1_IN_AZ)), _nodes(AZ1, AZ2),
     {"node1": 0, "node2": 100}, False),
    # China +8 (S1 pod on node1); node2 (az1) holds an S1 pod, not S2 -> 0; raw 8, 0
    ("Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity",
     pod("p", S1, aff=STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
     _pods(("node1", S1), ("node2", S1)), _nodes(CHINA, AZ1),
     {"node1": 100, "node2": 0}, False),
    # China: 5 S1 pods on node1, node3, node4 -> 5 x 8 = 40; India: 2 x 8 = 16; az1 (node1) holds no S2 -> 0
    # raw 40, 16, 40, 40, 16 -> 100, 0, 100, 100, 0
    ("Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels",
     pod("p", S1, aff=STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
     _pods(("node1", S1), ("node1", S1), ("node2", S1), ("node3", S1), ("node3", S1), ("node4", S1), ("node5", S1)),
     _nodes(CHINA_AZ1, INDIA, CHINA, CHINA, INDIA),
     {"node1": 100, "node2": 0, "node3": 100, "node4": 100, "node5": 0}, False),
    # China +8; az1 -5 (S2 pod); India +8 (node3's pod prefers S1 in region); az2 -5 (node4's pod avoids S1)
    # raw 8, -5, 8, -5 -> min -5, max 8: 100*(13/13) = 100, 0, 100, 0
    ("Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry",
     pod("p", S1, aff=STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
     _pods(("node1", S1), ("node2", S2), ("node3", None, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
           ("node4", None, AWAY_FROM_S1_IN_AZ)),
     _nodes(CHINA, AZ1, INDIA, AZ2),
     {"node1": 100, "node2": 0, "node3": 100, "node4": 0}, False),
    # node2's pod prefers S1 in region China: +8 for both nodes; raw 8, 8 -> max == min -> 0, 0
    ("Avoid panic when partial nodes in a topology don't have pods with affinity",
     pod("p", S1),
     _pods(("node1", S1), ("node2", None, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ)), _nodes(CHINA, CHINA),
     {"node1": 0, "node2": 0}, False),
    ("invalid Affinity fails PreScore",
     pod("p", None, aff=INVALID_AFFINITY_LABELS), [], _nodes(CHINA, CHINA),
     (Code.ERROR, 'Invalid value: "{{.bad-value.}}"'), False),
    ("invalid AntiAffinity fails PreScore",
     pod("p", None, aff=INVALID_ANTI_AFFINITY_LABELS), [], _nodes(CHINA, CHINA),
     (Code.ERROR, 'Invalid value: "{{.bad-value.}}"'), False),
    # merged namespaces: subteam2-team2 plus team1's subteam1-team1, subteam2-team1.
    # China: two pods in subteam1-team1 -> 10 (subteam1-team2 not selected); India: subteam2-team1 -> 5
    ("Affinity with pods matching NamespaceSelector",
     pod("p", S1, ns="subteam1-team1", aff=AFFINITY_NAMESPACE_SELECTOR),
     _pods(("node1", S1, None, "subteam1-team1"), ("node1", S1, None, "subteam1-team1"),
           ("node1", S1, None, "subteam1-team2"), ("node2", S1, None, "subteam2-team1")),
     _nodes(CHINA, INDIA), {"node1": 100, "node2": 0}, False),
    # China: 2 x subteam1-team1 + subteam2-team2 -> 15; India 5
    ("Affinity with pods matching both NamespaceSelector and Namespaces fields",
     pod("p", S1, ns="subteam1-team1", aff=AFFINITY_NAMESPACE_SELECTOR),
     _pods(("node1", S1, None, "subteam1-team1"), ("node1", S1, None, "subteam1-team1"),
           ("node1", S1, None, "subteam2-team2"), ("node2", S1, None, "subteam2-team1")),
     _nodes(CHINA, INDIA), {"node1": 100, "node2": 0}, False),
    # China -10, India -5 -> 0, 100
    ("Affinity with pods matching NamespaceSelector (anti-affinity)",
     pod("p", S1, ns="subteam1-team1", aff=ANTI_AFFINITY_NAMESPACE_SELECTOR),
     _pods(("node1", S1, None, "subteam1-team1"), ("node1", S1, None, "subteam1-team1"),
           ("node1", S1, None, "subteam1-team2"), ("node2", S1, None, "subteam2-team1")),
     _nodes(CHINA, INDIA), {"node1": 0, "node2": 100}, False),
    # China -15, India -5 -> 0, 100
    ("Affinity with pods matching both NamespaceSelector and Namespaces fields (anti-affinity)",
     pod("p", S1, ns="subteam1-team1", aff=ANTI_AFFINITY_NAMESPACE_SELECTOR),
     _pods(("node1", S1, None, "subteam1-team1"), ("node1", S1, None, "subteam1-team1"),
           ("node1", S1, None, "subteam2-team2"), ("node2", S1, None, "subteam2-team1")),
     _nodes(CHINA, INDIA), {"node1": 0, "node2": 100}, False),
    ("Ignore preferred terms of existing pods",
     pod("p", S2),
     _pods(("node1", S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ), ("node2", S2, STAY_WITH_S2_IN_REGION)),
     _nodes(CHINA, INDIA), SKIP, True),
    # node1's pod avoids S2 in az (China has no az: no entry); node2's pod prefers S2 in India: +6; raw 0, 6
    ("Do not ignore preferred terms of existing pods",
     pod("p", S2),
     _pods(("node1", S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ), ("node2", S2, STAY_WITH_S2_IN_REGION)),
     _nodes(CHINA, INDIA), {"node1": 0, "node2": 100}, False),
    ("No nodes to score", pod("p", S2), [], [], SKIP, False),
]


@pytest.mark.parametrize(("incoming", "pods", "nodes", "want", "ignore"), [c[1:] for c in PREFERRED],
                         ids=[c[0][:80] for c in PREFERRED])
def test_preferred_affinity(tmp_path: Path, incoming, pods, nodes, want, ignore) -> None:
    """TestPreferredAffinity (HardPodAffinityWeight 1)."""
    cluster, pi = load(tmp_path, TEAM_NS + nodes + pods, incoming)
    plugin = InterPodAffinity({"hardPodAffinityWeight": 1, "ignorePreferredTermsOfExistingPods": ignore})
    status, got = run_score(plugin, cluster, pi)
    if isinstance(want, Status):
        assert status == want
    elif isinstance(want, tuple):
        assert status.code == want[0] and want[1] in status.reasons[0]
    else:
        assert status.ok
        assert got == want


HARD_POD_AFFINITY = affinity(req=[term("region", expr("service", "In", ["S1"]), namespaces=["default", "subteam2-team2"],
                                       ns_selector=NS_TEAM1)])
SYMMETRIC: list[tuple[str, str, int, Any]] = [
    # (Go test name, incoming pod's namespace, hardPodAffinityWeight, want)
    # both pods' required term selects the incoming pod (namespace listed or selected): China +1, India +1
    ("with default weight", "default", 1, {"node1": 100, "node2": 100, "node3": 0}),
    ("with zero weight", "default", 0, SKIP),
    ("with no matching namespace", "subteam1-team2", 1, SKIP),
    ("with matching NamespaceSelector", "subteam1-team1", 1, {"node1": 100, "node2": 100, "node3": 0}),
    ("with matching Namespaces", "subteam2-team2", 1, {"node1": 100, "node2": 100, "node3": 0}),
]


@pytest.mark.parametrize(("ns", "weight", "want"), [c[1:] for c in SYMMETRIC], ids=[c[0] for c in SYMMETRIC])
def test_preferred_affinity_with_hard_pod_affinity_symmetric_weight(tmp_path: Path, ns, weight, want) -> None:
    """TestPreferredAffinityWithHardPodAffinitySymmetricWeight."""
    pods = _pods(("node1", None, HARD_POD_AFFINITY), ("node2", None, HARD_POD_AFFINITY))
    cluster, pi = load(tmp_path, TEAM_NS + _nodes(CHINA, INDIA, AZ1) + pods, pod("p", {"service": "S1"}, ns=ns))
    status, got = run_score(InterPodAffinity({"hardPodAffinityWeight": weight}), cluster, pi)
    if isinstance(want, Status):
        assert status == want
    else:
        assert status.ok
        assert got == want


def test_scores_only_the_feasible_nodes_but_counts_pods_everywhere(tmp_path: Path) -> None:
    """PreScore counts pods on all nodes; Score and NormalizeScore see only the nodes being scored.

    China holds the S1 pod (+5, weight of STAY_WITH_S1_IN_REGION); scoring node2 (China) and node3 (India)
    only: raw 5, 0 -> 100, 0.
    """
    pods = _pods(("node1", S1))
    cluster, pi = load(tmp_path, _nodes(CHINA, CHINA, INDIA) + pods, pod("p", None, aff=STAY_WITH_S1_IN_REGION))
    status, got = run_score(InterPodAffinity({}), cluster, pi, ["node2", "node3"])
    assert status.ok
    assert got == {"node2": 100, "node3": 0}


@pytest.mark.parametrize(("raw", "want"), [
    # float64(100) * (float64(29-0) / float64(100-0)): 29/100 = 0.28999999999999998, times 100 is
    # 28.999999999999996, truncated to 28 (an integer 100*29//100 would give 29).
    ([0, 29, 100], [0, 28, 100]),
    # min -7, max 3, diff 10: 100 * ((-7+7)/10) = 0; 100 * ((0+7)/10) = 70.0 -> 70;
    # 100 * ((1+7)/10) = 80.0 -> 80; 100 * (10/10) = 100
    ([-7, 0, 1, 3], [0, 70, 80, 100]),
    # max == min: every node 0
    ([4, 4, 4], [0, 0, 0]),
])
def test_normalize_score_uses_real_min_and_max(raw: list[int], want: list[int]) -> None:
    """NormalizeScore: int64(float64(MaxNodeScore) * (float64(s-min) / float64(max-min)))."""
    state = CycleState()
    state.write(PRE_SCORE_KEY, PreScoreState((0,), (np.zeros(1, np.int64),)))
    scores = np.array(raw, np.int64)
    InterPodAffinity({}).normalize(state, PodInfo(parse_object(pod("p"), "<test>")), scores)  # type: ignore[arg-type]
    assert scores.tolist() == want


@pytest.mark.parametrize(("args", "field", "message"), [
    # validation_pluginargs_test.go, TestValidateInterPodAffinityArgs: an Invalid error on field
    # hardPodAffinityWeight (the test compares type and field); the message is validateHardPodAffinityWeight's
    # current "not in valid range [%d, %d]" (releases before the field-path refactor printed "[0-100]").
    ({"hardPodAffinityWeight": -1}, "hardPodAffinityWeight", "Invalid value: -1: not in valid range [0, 100]"),
    ({"hardPodAffinityWeight": 101}, "hardPodAffinityWeight", "Invalid value: 101: not in valid range [0, 100]"),
])
def test_args_validation(args: dict, field: str, message: str) -> None:
    with pytest.raises(FieldError) as e:
        InterPodAffinity(args)
    assert (e.value.field, e.value.message) == (field, message)


def test_args_defaults() -> None:
    """SetDefaults_InterPodAffinityArgs: hardPodAffinityWeight 1, ignorePreferredTermsOfExistingPods false."""
    p = InterPodAffinity({})
    assert (p.hard_pod_affinity_weight, p.ignore_preferred_terms_of_existing_pods) == (1, False)
    p = InterPodAffinity({"hardPodAffinityWeight": 0, "ignorePreferredTermsOfExistingPods": True})
    assert (p.hard_pod_affinity_weight, p.ignore_preferred_terms_of_existing_pods) == (0, True)


def test_extension_points() -> None:
    """InterPodAffinity implements PreFilter, Filter, PreScore and Score (with NormalizeScore), as in plugin.go."""
    p = InterPodAffinity({})
    assert all(isinstance(p, proto) for proto in (PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin))
    assert registry.plugin_class("InterPodAffinity") is InterPodAffinity
    assert registry.extension_points(InterPodAffinity) == {"preFilter", "filter", "preScore", "score"}
