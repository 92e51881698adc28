"""PodTopologySpread PreScore/Score/NormalizeScore, transcribed from kube-scheduler's scoring_test.go
(kubernetes/kubernetes 008b3652959ca58af8be3fb5b6ecfe9ae7638282,
pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go).

Expected scores are the Go test literals (after NormalizeScore); Go's ``nodes`` are the feasible
rows passed to PreScore/Score, its ``failedNodes`` are in the cluster but not feasible. The Go test
of TestPodTopologySpreadScore builds the plugin with DefaultingType System and toggles feature
gates per case; kbench runs every gate on. Left out: "matchLabelKeys ignored when feature gate
disabled" (the gate is on in kbench); cases with the node inclusion gate off use default policies,
which behave the same with it on.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kbench.scheduler.framework import Code, CycleState
from kbench.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kbench.scheduler.plugins.pod_topology_spread.scoring import (
    PRE_SCORE_STATE_KEY,
    PreScoreState,
    _normalize,
    go_log,
    topology_normalizing_weight,
)
from tests.naive import pod_topology_spread as naive
from tests.scheduler.plugins.pod_topology_spread.builders import (
    BAR,
    EMPTY,
    FOO,
    HOSTNAME,
    LIST,
    SYSTEM,
    UNSCHEDULABLE_TAINT,
    ZONE,
    load,
    node,
    node_affinity,
    pod,
    random_world,
    replica_set,
    run_score,
    service,
    spread,
)

DNS, SA = "DoNotSchedule", "ScheduleAnyway"


def p(name: str, node_name: str, ns: str = "default", terminating: bool = False, **labels: str) -> dict:
    """st.MakePod().Name(name).Node(node_name).Label(k, v)..."""
    return pod(name, labels, node_name, ns=ns, terminating=terminating)


def foo(*names: str) -> list[dict]:
    """Existing pods labelled foo="", named p-<node letter><n> (e.g. "a1" -> node-a)."""
    return [p(f"p-{n}", f"node-{n[0]}", foo="") for n in names]


def h(name: str, **labels: str) -> dict:
    """st.MakeNode().Name(name).Label(v1.LabelHostname, name).Label(...)."""
    return node(name, {HOSTNAME: name, **labels})


def nl(name: str, **labels: str) -> dict:
    return node(name, labels)


def zh(name: str, zone: str) -> dict:
    """st.MakeNode().Name(name).Label("zone", zone).Label(v1.LabelHostname, name)."""
    return node(name, {"zone": zone, HOSTNAME: name})


def w(size: int) -> float:
    """topologyNormalizingWeight(size)."""
    return topology_normalizing_weight(size)


# ---- TestPreScoreSkip -----------------------------------------------------------------------------


@pytest.mark.parametrize("objects,incoming,args", [
    pytest.param([h("node-a"), h("node-b")], pod("p"), LIST,
                 id="TestPreScoreSkip/the pod doesn't have soft topology spread Constraints"),
    pytest.param([nl("node-a", planet="mars"), replica_set("rs1", {"matchExpressions": [{"key": "tar",
                                                                                          "operator": "Exists"}]})],
                 pod("p", {"foo": "bar", "baz": "sup"}, owner=("apps/v1", "ReplicaSet", "rs2")),
                 {"defaultingType": "List", "defaultConstraints": [{"maxSkew": 2, "topologyKey": "planet",
                                                                    "whenUnsatisfiable": SA}]},
                 id="TestPreScoreSkip/default constraints and a replicaset that doesn't match"),
])
def test_pre_score_skip(tmp_path, objects, incoming, args) -> None:
    cluster, pi = load(tmp_path, objects, incoming)
    status, _ = run_score(PodTopologySpread(args), cluster, pi)
    assert status.code == Code.SKIP


def test_pre_score_skip_without_nodes(tmp_path) -> None:
    # PreScore: Skip when the snapshot has no node at all.
    cluster, pi = load(tmp_path, [], pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, FOO)]))
    status, _ = run_score(PodTopologySpread(LIST), cluster, pi)
    assert status.code == Code.SKIP


# ---- TestPreScoreStateEmptyNodes ------------------------------------------------------------------

AB_X = [zh("node-a", "zone1"), zh("node-b", "zone1"), zh("node-x", "zone2")]
AB_X_FOO = [node("node-a", {"zone": "zone1", "foo": "", HOSTNAME: "node-a"}),
            node("node-b", {"zone": "zone1", "foo": "", HOSTNAME: "node-b"}),
            zh("node-x", "zone2")]
AB_X_TAINT = [node("node-a", {"zone": "zone1", "foo": "", HOSTNAME: "node-a"}),
              node("node-b", {"zone": "zone1", "foo": "", HOSTNAME: "node-b"}),
              node("node-x", {"zone": "zone2", HOSTNAME: "node-x"}, UNSCHEDULABLE_TAINT)]
ZONES = {"zone1": 0, "zone2": 0}
STATE_CASES = [
    # (Go test name, objects, incoming, args, want (key, maxSkew, affinity policy, taints policy) per
    #  constraint, IgnoredNodes, TopologyValueToPodCounts, topologyNormalizingWeight arguments)
    ("normal case", AB_X,
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, FOO)]), LIST,
     [("zone", 1, "Honor", "Ignore"), (HOSTNAME, 1, "Honor", "Ignore")], set(), [ZONES, {}], [2, 3]),
    ("null selector", AB_X, pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, None)]), LIST,
     [("zone", 1, "Honor", "Ignore")], set(), [ZONES], [2]),
    ("node-x doesn't have label zone", [zh("node-a", "zone1"), zh("node-b", "zone1"), h("node-x")],
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, BAR)]), LIST,
     [("zone", 1, "Honor", "Ignore"), (HOSTNAME, 1, "Honor", "Ignore")], {"node-x"}, [{"zone1": 0}, {}], [1, 2]),
    ("system default constraints and a replicaset",
     [h("node-a", **{ZONE: "mars"}), h("node-b", **{ZONE: "mars"}), h("node-c"), h("node-d"),
      replica_set("rs1", FOO)],
     pod("p", {"foo": "tar", "baz": "sup"}, owner=("apps/v1", "ReplicaSet", "rs1")), SYSTEM,
     [(HOSTNAME, 3, "Honor", "Ignore"), (ZONE, 5, "Honor", "Ignore")], set(), [{}, {"mars": 0, "": 0}], [4, 2]),
    ("default constraints and a replicaset",
     [nl("node-a", rack="rack1", planet="mars", **{HOSTNAME: "node-a"}), replica_set("rs1", FOO)],
     pod("p", {"foo": "tar", "baz": "sup"}, owner=("apps/v1", "ReplicaSet", "rs1")),
     {"defaultingType": "List", "defaultConstraints": [
         {"maxSkew": 1, "topologyKey": HOSTNAME, "whenUnsatisfiable": SA},
         {"maxSkew": 2, "topologyKey": "rack", "whenUnsatisfiable": DNS},
         {"maxSkew": 2, "topologyKey": "planet", "whenUnsatisfiable": SA}]},
     [(HOSTNAME, 1, "Honor", "Ignore"), ("planet", 2, "Honor", "Ignore")], set(), [{}, {"mars": 0}], [1, 1]),
    ("default constraints and a replicaset, but pod has constraints",
     [nl("node-a", planet="mars", galaxy="andromeda"), replica_set("rs1", FOO)],
     pod("p", {"foo": "bar", "baz": "sup"}, owner=("apps/v1", "ReplicaSet", "rs1"),
         constraints=[spread(1, "zone", DNS, BAR), spread(2, "planet", SA, {"matchLabels": {"baz": "sup"}})]),
     {"defaultingType": "List", "defaultConstraints": [{"maxSkew": 2, "topologyKey": "galaxy",
                                                        "whenUnsatisfiable": SA}]},
     [("planet", 2, "Honor", "Ignore")], set(), [{"mars": 0}], [1]),
    ("NodeAffinityPolicy honored with labelSelectors", AB_X_FOO,
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "zone", SA, BAR)]), LIST,
     [("zone", 1, "Honor", "Ignore")], set(), [ZONES], [2]),
    ("NodeAffinityPolicy ignored with labelSelectors", AB_X_FOO,
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "zone", SA, BAR, None, "Ignore")]), LIST,
     [("zone", 1, "Ignore", "Ignore")], set(), [ZONES], [2]),
    ("NodeAffinityPolicy honored with nodeAffinity", AB_X_FOO,
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]), constraints=[spread(1, "zone", SA, BAR)]), LIST,
     [("zone", 1, "Honor", "Ignore")], set(), [ZONES], [2]),
    ("NodeAffinityPolicy ignored with nodeAffinity", AB_X_FOO,
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]),
         constraints=[spread(1, "zone", SA, BAR, None, "Ignore")]), LIST,
     [("zone", 1, "Ignore", "Ignore")], set(), [ZONES], [2]),
    ("NodeTaintsPolicy honored", AB_X_TAINT,
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, BAR, None, None, "Honor")]), LIST,
     [("zone", 1, "Honor", "Honor")], set(), [ZONES], [2]),
    ("NodeTaintsPolicy ignored", AB_X_TAINT, pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, BAR)]), LIST,
     [("zone", 1, "Honor", "Ignore")], set(), [ZONES], [2]),
]


@pytest.mark.parametrize("objects,incoming,args,constraints,ignored,counts,sizes", [c[1:] for c in STATE_CASES],
                         ids=[f"TestPreScoreStateEmptyNodes/{c[0]}" for c in STATE_CASES])
def test_pre_score_state(tmp_path, objects, incoming, args, constraints, ignored, counts, sizes) -> None:
    cluster, pi = load(tmp_path, objects, incoming)
    state = CycleState()
    idx = cluster.node_indices()
    assert PodTopologySpread(args).pre_score(state, pi, cluster, idx).ok
    s = state.read(PRE_SCORE_STATE_KEY, PreScoreState)
    assert [(c.topology_key, c.max_skew, c.node_affinity_policy, c.node_taints_policy)
            for c in s.constraints] == constraints
    assert s.ignored_nodes(cluster, idx) == ignored
    assert [s.topology_value_to_pod_counts(cluster, i) for i in range(len(s.constraints))] == counts
    assert s.topo_size.tolist() == sizes
    assert s.weights.tolist() == [w(n) for n in sizes]


def test_pre_score_state_system_default_selector(tmp_path) -> None:
    # TestPreScoreStateEmptyNodes/system default constraints and a replicaset: both constraints take
    # the ReplicaSet's selector (fooSelector).
    cluster, pi = load(tmp_path, *STATE_CASES[3][1:3])
    state = CycleState()
    PodTopologySpread(SYSTEM).pre_score(state, pi, cluster, cluster.node_indices())
    s = state.read(PRE_SCORE_STATE_KEY, PreScoreState)
    assert all(c.selector.matches({"foo": "x"}) and not c.selector.matches({"bar": ""}) for c in s.constraints)


def test_topology_normalizing_weight() -> None:
    # math.Log(float64(size + 2)), Go's algorithm (math/log_amd64.s): within one ulp of the correctly
    # rounded logarithm, exact at powers of two.
    for size in range(0, 20000):
        x = float(size + 2)
        assert abs(go_log(x) - math.log(x)) <= math.ulp(math.log(x))
    for k in range(1, 12):
        assert go_log(float(2 ** k)) == k * math.log(2)


# ---- TestPodTopologySpreadScore -------------------------------------------------------------------

FOUR_H = [h("node-a"), h("node-b"), h("node-c"), h("node-d")]
SPREAD_2103 = foo("a1", "a2", "b1", "d1", "d2", "d3")
SPREAD_4321 = foo("a1", "a2", "a3", "a4", "b1", "b2", "b3", "c1", "c2", "d1")
SPREAD_4213 = foo("a1", "a2", "a3", "a4", "b1", "b2", "x1", "y1", "y2", "y3")
NODE_FOO = [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-c", node="node-c")]
NODE_TAINT = [nl("node-a", node="node-a"), nl("node-b", node="node-b"),
              node("node-c", {"node": "node-c"}, UNSCHEDULABLE_TAINT)]
ZONE_HOST_4 = [zh("node-a", "zone1"), zh("node-b", "zone1"), zh("node-x", "zone2"), zh("node-y", "zone2")]
ZONE_HOST_ABCD = [zh("node-a", "zone1"), zh("node-b", "zone1"), zh("node-c", "zone2"), zh("node-d", "zone2")]
H_FOO = [spread(1, HOSTNAME, SA, FOO)]

SCORE_CASES = [
    # (Go test name, nodes (feasible), failedNodes, existing pods and owners, incoming, want)
    ("one constraint on node, no existing pods", [h("node-a"), h("node-b")], [], [],
     pod("p", {"foo": ""}, constraints=H_FOO), {"node-a": 100, "node-b": 100}),
    ("one constraint on node, only one node is candidate", [h("node-a")], [h("node-b")], foo("a1", "a2", "b1"),
     pod("p", {"foo": ""}, constraints=H_FOO), {"node-a": 100}),
    ("one constraint on node, all nodes have the same number of matching pods", [h("node-a"), h("node-b")], [],
     foo("a1", "b1"), pod("p", {"foo": ""}, constraints=H_FOO), {"node-a": 100, "node-b": 100}),
    ("one constraint on node, all 4 nodes are candidates", FOUR_H, [], SPREAD_2103,
     pod("p", {"foo": ""}, constraints=H_FOO), {"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0}),
    ("one constraint on node, null selector", FOUR_H, [], SPREAD_2103,
     pod("p", {"foo": ""}, constraints=[spread(1, HOSTNAME, SA, None)]),
     {"node-a": 100, "node-b": 100, "node-c": 100, "node-d": 100}),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=2", FOUR_H, [], SPREAD_2103,
     pod("p", {"foo": ""}, constraints=[spread(2, HOSTNAME, SA, FOO)]),
     {"node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16}),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=3", FOUR_H, [], SPREAD_4321,
     pod("p", {"foo": ""}, constraints=[spread(3, HOSTNAME, SA, FOO)]),
     {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}),
    ("system defaulting, nodes don't have zone, pods match service", FOUR_H, [],
     SPREAD_4321 + [service({"foo": ""})], pod("p", {"foo": ""}),
     {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}),
    ("one constraint on node, 3 out of 4 nodes are candidates", [h("node-a"), h("node-b"), h("node-x")],
     [h("node-y")], SPREAD_4213, pod("p", {"foo": ""}, constraints=H_FOO),
     {"node-a": 33, "node-b": 83, "node-x": 100}),
    ("one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
     [h("node-a"), nl("node-b", n="node-b"), h("node-x")], [h("node-y")], SPREAD_4213,
     pod("p", {"foo": ""}, constraints=H_FOO), {"node-a": 16, "node-b": 0, "node-x": 100}),
    ("one constraint on zone, 3 out of 4 nodes are candidates",
     [zh("node-a", "zone1"), zh("node-b", "zone1"), zh("node-x", "zone2")], [zh("node-y", "zone2")], SPREAD_4213,
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, FOO)]), {"node-a": 75, "node-b": 75, "node-x": 100}),
    ("two Constraints on zone and node, 2 out of 4 nodes are candidates",
     [zh("node-a", "zone1"), zh("node-x", "zone2")], [zh("node-b", "zone1"), zh("node-y", "zone2")],
     foo("a1", "a2", "b1", "x1", "x2", "y1", "y2", "y3", "y4"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, FOO)]),
     {"node-a": 100, "node-x": 63}),
    ("two Constraints on zone, 2 out of 4 nodes are candidates",
     [nl("node-a", zone="zone1"), nl("node-x", zone="zone2")], [nl("node-b", zone="zone1"), nl("node-y", zone="zone2")],
     [p("p-a1", "node-a", foo="", bar=""), p("p-a2", "node-a", foo=""), p("p-b1", "node-b", foo="", bar=""),
      p("p-y1", "node-y", foo=""), p("p-y2", "node-y", foo="", bar=""), p("p-y3", "node-y", foo="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, "zone", SA, BAR)]),
     {"node-a": 85, "node-x": 100}),
    ("two Constraints on zone and node, with different labelSelectors", ZONE_HOST_4, [],
     [p("p-a1", "node-a", foo=""), p("p-b1", "node-b", foo="", bar=""), p("p-y1", "node-y", foo=""),
      p("p-y2", "node-y", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, BAR)]),
     {"node-a": 60, "node-b": 20, "node-x": 100, "node-y": 60}),
    ("two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods", ZONE_HOST_4, [],
     [p("p-b1", "node-b", bar=""), p("p-x1", "node-x", foo=""), p("p-y1", "node-y", foo="", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, BAR)]),
     {"node-a": 100, "node-b": 60, "node-x": 40, "node-y": 0}),
    ("two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
     ZONE_HOST_4[:3], ZONE_HOST_4[3:],
     [p("p-a1", "node-a", foo=""), p("p-b1", "node-b", foo="", bar=""), p("p-y1", "node-y", foo=""),
      p("p-y2", "node-y", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, BAR)]),
     {"node-a": 50, "node-b": 25, "node-x": 100}),
    ("existing pods in a different namespace do not count", [h("node-a"), h("node-b")], [],
     [p("p-a1", "node-a", ns="ns1", foo=""), *foo("a2", "b1", "b2")], pod("p", {"foo": ""}, constraints=H_FOO),
     {"node-a": 100, "node-b": 33}),
    ("terminating Pods should be excluded", [h("node-a"), h("node-b")], [],
     [p("p-a", "node-a", terminating=True, foo=""), p("p-b", "node-b", foo="")],
     pod("p", {"foo": ""}, constraints=H_FOO), {"node-a": 100, "node-b": 0}),
    ("minDomains has no effect when ScheduleAnyway",
     [nl("node-a", node="node-a"), nl("node-b", node="node-b"), nl("node-c", node="node-c")], [],
     foo("a1", "a2", "b1", "b2", "c1"), pod("p", {"foo": ""}, constraints=[spread(2, "node", SA, FOO, 10)]),
     {"node-a": 75, "node-b": 75, "node-c": 100}),
    ("NodeAffinityPolicy honoed with labelSelectors", NODE_FOO, [], foo("a1", "a2", "b1", "c1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", SA, FOO)]),
     {"node-a": 0, "node-b": 33, "node-c": 100}),
    ("NodeAffinityPolicy ignored with labelSelectors", NODE_FOO, [], foo("a1", "a2", "b1", "c1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", SA, FOO, None, "Ignore")]),
     {"node-a": 66, "node-b": 100, "node-c": 100}),
    ("NodeAffinityPolicy honoed with nodeAffinity", NODE_FOO, [], foo("a1", "a2", "b1", "c1"),
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]), constraints=[spread(1, "node", SA, FOO)]),
     {"node-a": 0, "node-b": 33, "node-c": 100}),
    ("NodeAffinityPolicy ignored with nodeAffinity", NODE_FOO, [], foo("a1", "a2", "b1", "c1"),
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]),
         constraints=[spread(1, "node", SA, FOO, None, "Ignore")]),
     {"node-a": 66, "node-b": 100, "node-c": 100}),
    ("NodeTaintsPolicy honored", NODE_TAINT, [], foo("a1", "a2", "b1", "c1"),
     pod("p", {"foo": ""}, constraints=[spread(1, "node", SA, FOO, None, None, "Honor")]),
     {"node-a": 0, "node-b": 33, "node-c": 100}),
    ("NodeTaintsPolicy ignored", NODE_TAINT, [], foo("a1", "a2", "b1", "c1"),
     pod("p", {"foo": ""}, constraints=[spread(1, "node", SA, FOO)]), {"node-a": 66, "node-b": 100, "node-c": 100}),
    ("matchLabelKeys ANDed with LabelSelector when LabelSelector is empty", ZONE_HOST_ABCD, [],
     [p("p-a1", "node-a", foo=""), p("p-b1", "node-b", foo="", bar=""), p("p-y1", "node-c", foo=""),
      p("p-y2", "node-c", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", SA, EMPTY, match_label_keys=["foo"]),
                                                   spread(1, HOSTNAME, SA, EMPTY, match_label_keys=["bar"])]),
     {"node-a": 60, "node-b": 20, "node-c": 60, "node-d": 100}),
    ("matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty", ZONE_HOST_ABCD, [],
     [p("p-a1", "node-a", foo=""), p("p-b1", "node-b", foo="", bar="", baz=""), p("p-c1", "node-c", foo=""),
      p("p-c2", "node-c", bar=""), p("p-d3", "node-c", bar="", baz="")],
     pod("p", {"foo": "", "bar": "", "baz": ""}, constraints=[
         spread(1, "zone", SA, FOO), spread(1, HOSTNAME, SA, BAR, match_label_keys=["baz"])]),
     {"node-a": 60, "node-b": 20, "node-c": 60, "node-d": 100}),
]


@pytest.mark.parametrize("nodes,failed,others,incoming,want", [c[1:] for c in SCORE_CASES],
                         ids=[f"TestPodTopologySpreadScore/{c[0]}" for c in SCORE_CASES])
def test_score(tmp_path, nodes, failed, others, incoming, want) -> None:
    cluster, pi = load(tmp_path, nodes + failed + others, incoming)
    status, got = run_score(PodTopologySpread(SYSTEM), cluster, pi, [n["metadata"]["name"] for n in nodes])
    assert status.ok
    assert got == want


def test_scores_of_a_different_row_order(tmp_path) -> None:
    # Score and NormalizeScore follow the rows they are given, in any order (the cycle scores
    # feasible rows in the round-robin order it found them).
    _, nodes, failed, others, incoming, want = SCORE_CASES[9]
    cluster, pi = load(tmp_path, nodes + failed + others, incoming)
    names = [n["metadata"]["name"] for n in nodes][::-1]
    status, got = run_score(PodTopologySpread(SYSTEM), cluster, pi, names)
    assert status.ok and got == want


def test_raw_scores(tmp_path) -> None:
    # TestPodTopologySpreadScore/two Constraints on zone and node, 2 out of 4 nodes are candidates,
    # before NormalizeScore: zone weight ln(2+2), hostname weight ln(2+2) (2 candidates, none ignored);
    # node-a: 3*ln4 + 2*ln4 = 6.93 -> 7; node-x: 6*ln4 + 2*ln4 = 11.09 -> 11; 100*(11+7-11)/11 = 63.
    _, nodes, failed, others, incoming, _ = SCORE_CASES[11]
    cluster, pi = load(tmp_path, nodes + failed + others, incoming)
    plugin, state = PodTopologySpread(SYSTEM), CycleState()
    idx = np.array([cluster.node_index["node-a"], cluster.node_index["node-x"]], np.int64)
    assert plugin.pre_score(state, pi, cluster, idx).ok
    raw = plugin.score(state, pi, cluster, idx)
    assert raw.tolist() == [7, 11]
    plugin.normalize(state, pi, raw)
    assert raw.tolist() == [100, 63]


def test_normalize_is_integer_division() -> None:
    # NormalizeScore's MaxNodeScore * (maxScore + minScore - s) / maxScore is Go's int64 division;
    # the kernel's reciprocal-and-correct form must agree with it on any magnitude.
    rng = np.random.default_rng(7)
    for top in (3, 100, 10**4, 10**9, 10**13):
        raw = rng.integers(0, top, 500).astype(np.int64)
        want = [100 * (int(raw.max()) + int(raw.min()) - int(v)) // int(raw.max()) for v in raw]
        got = raw.copy()
        _normalize(got, np.arange(len(raw)), False, np.ones(len(raw), np.bool_))
        assert got.tolist() == want


# ---- against the naive twin ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(150))
def test_scores_match_naive_twin(tmp_path, seed) -> None:
    objects, incoming, args, feasible = random_world(seed)
    cluster, pi = load(tmp_path, objects, incoming)
    pods = [r.pod for r in cluster.pods.values()]
    want = naive.score_nodes(cluster.nodes, pods, pi.pod, args, cluster.owners, feasible)
    status, got = run_score(PodTopologySpread(args), cluster, pi, feasible)
    if want is None:
        assert status.code == Code.SKIP
        return
    assert status.ok
    assert got == want


def test_owner_added_after_compiling_is_seen() -> None:
    """A ReplicaSet recorded after a pod was compiled changes its system default constraints."""
    from kbench.api.objects import Node, Pod
    from kbench.api.workloads import ReplicaSet
    from kbench.cluster.state import ClusterState
    from kbench.scheduler.framework import CycleState, PodInfo
    from kbench.scheduler.plugins.pod_topology_spread import PodTopologySpread

    cluster = ClusterState()
    for i, zone in enumerate(["a", "b"]):
        cluster.add_node(Node.model_validate({"metadata": {"name": f"n{i}", "labels": {
            "kubernetes.io/hostname": f"n{i}", "topology.kubernetes.io/zone": zone}}}))
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u", "controller": True}]
    pod = Pod.model_validate({"metadata": {"name": "p", "labels": {"app": "x"}, "ownerReferences": owner},
                              "spec": {"containers": [{"name": "c"}]}})
    plugin, pi = PodTopologySpread(None), PodInfo(pod)
    rows = cluster.node_indices()
    assert plugin.pre_score(CycleState(), pi, cluster, rows).skip  # no known owner: no default constraints
    cluster.add_owner(ReplicaSet.model_validate({"metadata": {"name": "rs"},
                                                 "spec": {"selector": {"matchLabels": {"app": "x"}}}}))
    assert not plugin.pre_score(CycleState(), pi, cluster, rows).skip
