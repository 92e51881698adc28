"""InterPodAffinity PreFilter/Filter, cases transcribed from kube-scheduler's filtering_test.go
(kubernetes/kubernetes 072825f9a367e9ca0f73f91830945f1b7f46e0d9,
pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go).

Expected statuses are the Go test literals. Go's namespace "" is `default`; names that are not
valid Kubernetes names were lowercased or had '.' replaced by '-' (as the conformance cases do).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kbench.api.loader import parse_object
from kbench.scheduler.framework import Code, CycleState, Status
from kbench.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from kbench.scheduler.plugins.inter_pod_affinity.filtering import (
    ERR_REASON_AFFINITY_RULES_NOT_MATCH,
    ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
    ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
    PRE_FILTER_KEY,
)
from tests.scheduler.plugins.inter_pod_affinity.builders import (
    TEAM_NAMESPACES,
    affinity,
    expr,
    load,
    namespace,
    namespaces,
    node,
    pod,
    run_filter,
    term,
    term_exists,
    term_in,
    term_not_in,
)

AFF = Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_AFFINITY_RULES_NOT_MATCH)
ANTI = Status.of(Code.UNSCHEDULABLE, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
EXISTING = Status.of(Code.UNSCHEDULABLE, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)
SKIP = Status(Code.SKIP)

# ---- TestRequiredAffinitySingleNode -------------------------------------------------------------

POD_LABEL = {"service": "securityscan"}
POD_LABEL2 = {"security": "S1"}
NODE1 = node("node1", {"region": "r1", "zone": "z11"})
EXISTING_POD = pod("existing", POD_LABEL, "node1")  # st.MakePod().Labels(podLabel).Node("node1")
TEAM_NS = namespaces(TEAM_NAMESPACES)
NS_TEAM1 = {"matchExpressions": [expr("team", "In", ["team1"])]}

SINGLE: list[tuple[str, dict[str, Any], list[dict[str, Any]], Status | None, Status | None]] = [
    # (Go test name, incoming pod, bound pods, want PreFilter status (None: success), want Filter status on node1)
    ("A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
     pod("p"), [], SKIP, None),
    ("satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod",
     pod("p", POD_LABEL2, aff=affinity(req=[term_in("service", "region", ["securityscan", "value2"])])),
     [EXISTING_POD], None, None),
    ("satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod",
     pod("p", POD_LABEL2, aff=affinity(req=[term_not_in("service", "region", ["securityscan3", "value3"])])),
     [EXISTING_POD], None, None),
    ("Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
     pod("p", POD_LABEL2, aff=affinity(
         req=[term("", expr("service", "In", ["securityscan", "value2"]), namespaces=["diffnamespace"])], anti=[])),
     [pod("existing", {"service": "securityscan"}, "node1", ns="ns")], None, AFF),
    ("Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
     pod("p", POD_LABEL, aff=affinity(req=[term_in("service", "", ["antivirusscan", "value2"])])),
     [EXISTING_POD], None, AFF),
    ("satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution ",
     pod("p", POD_LABEL2, aff=affinity(req=[
         term("region", expr("service", "Exists"), expr("wrongkey", "DoesNotExist")),
         term("region", expr("service", "In", ["securityscan"]), expr("service", "NotIn", ["WrongValue"])),
     ], anti=[])),
     [EXISTING_POD], None, None),
    ("The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match.",
     pod("p", POD_LABEL2, aff=affinity(req=[
         term("region", expr("service", "Exists"), expr("wrongkey", "DoesNotExist")),
         term("region", expr("service", "In", ["securityscan2"]), expr("service", "NotIn", ["WrongValue"])),
     ], anti=[])),
     [EXISTING_POD], None, AFF),
    ("satisfies the PodAffinity and PodAntiAffinity with the existing pod",
     pod("p", POD_LABEL2, aff=affinity(req=[term_in("service", "region", ["securityscan", "value2"])],
                                       anti=[term_in("service", "node", ["antivirusscan", "value2"])])),
     [EXISTING_POD], None, None),
    ("satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
     pod("p", POD_LABEL2, aff=affinity(req=[term_in("service", "region", ["securityscan", "value2"])],
                                       anti=[term_in("service", "node", ["antivirusscan", "value2"])])),
     [pod("existing", POD_LABEL, "node1", aff=affinity(anti=[term_in("service", "node", ["antivirusscan", "value2"])]))],
     None, None),
    ("satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
     pod("p", POD_LABEL2, aff=affinity(req=[term_in("service", "region", ["securityscan", "value2"])],
                                       anti=[term_in("service", "zone", ["securityscan", "value2"])])),
     [EXISTING_POD], None, ANTI),
    ("satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
     pod("p", POD_LABEL, aff=affinity(req=[term_in("service", "region", ["securityscan", "value2"])],
                                      anti=[term_in("service", "node", ["antivirusscan", "value2"])])),
     [pod("existing", POD_LABEL, "node1", aff=affinity(anti=[term_in("service", "zone", ["securityscan", "value2"])]))],
     None, EXISTING),
    ("pod matches its own Label in PodAffinity and that matches the existing pod Labels",
     pod("p", POD_LABEL, aff=affinity(req=[term_not_in("service", "region", ["securityscan", "value2"])])),
     [pod("existing", {"service": "securityscan"}, "node2")], None, AFF),
    ("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
     pod("p", POD_LABEL),
     [pod("existing", POD_LABEL, "node1", aff=affinity(anti=[term_in("service", "zone", ["securityscan", "value2"])]))],
     None, EXISTING),
    ("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod",
     pod("p", POD_LABEL),
     [pod("existing", POD_LABEL, "node1", aff=affinity(anti=[term_not_in("service", "zone", ["securityscan", "value2"])]))],
     SKIP, None),
    ("satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
     pod("p", POD_LABEL, aff=affinity(anti=[term_exists("service", "region"), term_exists("security", "region")])),
     [pod("existing", POD_LABEL2, "node1", aff=affinity(anti=[term_exists("security", "zone")]))],
     None, ANTI),
    ("PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
     pod("p", POD_LABEL, aff=affinity(anti=[term_exists("service", "zone"), term_exists("security", "zone")])),
     [pod("existing", POD_LABEL2, "node1", aff=affinity(anti=[term_exists("security", "zone")]))],
     None, ANTI),
    ("PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
     pod("p", POD_LABEL2, aff=affinity(anti=[term_exists("security", "zone")])),
     [pod("existing", POD_LABEL, "node1", aff=affinity(anti=[term_exists("service", "zone"), term_exists("security", "zone")]))],
     None, EXISTING),
    ("PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
     pod("p", {"abc": "", "xyz": ""}, aff=affinity(anti=[term_exists("abc", "zone"), term_exists("def", "zone")])),
     [pod("existing", {"def": "", "xyz": ""}, "node1",
          aff=affinity(anti=[term_exists("abc", "zone"), term_exists("def", "zone")]))],
     None, ANTI),
    ("PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms",
     pod("p", {"def": "", "xyz": ""}, aff=affinity(anti=[term_exists("abc", "zone"), term_exists("def", "zone")])),
     [pod("existing", {"abc": "", "xyz": ""}, "node1",
          aff=affinity(anti=[term_exists("abc", "zone"), term_exists("def", "zone")]))],
     None, ANTI),
    ("PodAffinity fails PreFilter with an invalid affinity label syntax",
     pod("p", POD_LABEL, aff=affinity(req=[term_in("service", "region", ["{{.bad-value.}}"]),
                                          term_in("service", "node", ["antivirusscan", "value2"])])),
     [], Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                   'parsing pod: requiredAffinityTerms: values[0][service]: Invalid value: "{{.bad-value.}}": a valid label '
                   "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                   "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                   "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"), None),
    ("affinity with NamespaceSelector",
     pod("p", POD_LABEL2, aff=affinity(req=[term("region", expr("service", "In", ["securityscan", "value2"]),
                                                  ns_selector=NS_TEAM1)], anti=[])),
     [pod("existing", POD_LABEL, "node1", ns="subteam1-team1")], None, None),
    ("affinity with non-matching NamespaceSelector",
     pod("p", POD_LABEL2, aff=affinity(req=[term("region", expr("service", "In", ["securityscan", "value2"]),
                                                  ns_selector=NS_TEAM1)], anti=[])),
     [pod("existing", POD_LABEL, "node1", ns="subteam1-team2")], None, AFF),
    ("anti-affinity with matching NamespaceSelector",
     pod("p", POD_LABEL2, ns="subteam1-team1", aff=affinity(req=[], anti=[
         term("zone", expr("service", "In", ["securityscan", "value2"]), ns_selector=NS_TEAM1)])),
     [pod("existing", POD_LABEL, "node1", ns="subteam2-team1")], None, ANTI),
    ("anti-affinity with matching all NamespaceSelector",
     pod("p", POD_LABEL2, ns="subteam1-team1", aff=affinity(req=[], anti=[
         term("zone", expr("service", "In", ["securityscan", "value2"]), ns_selector={})])),
     [pod("existing", POD_LABEL, "node1", ns="subteam2-team1")], None, ANTI),
    ("anti-affinity with non-matching NamespaceSelector",
     pod("p", POD_LABEL2, ns="subteam1-team1", aff=affinity(req=[], anti=[
         term("zone", expr("service", "In", ["securityscan", "value2"]), ns_selector=NS_TEAM1)])),
     [pod("existing", POD_LABEL, "node1", ns="subteam1-team2")], None, None),
]


@pytest.mark.parametrize(("incoming", "pods", "want_pre", "want"), [c[1:] for c in SINGLE], ids=[c[0][:80] for c in SINGLE])
def test_required_affinity_single_node(tmp_path: Path, incoming, pods, want_pre, want) -> None:
    """TestRequiredAffinitySingleNode."""
    cluster, pi = load(tmp_path, TEAM_NS + [NODE1] + pods, incoming)
    status, got = run_filter(InterPodAffinity({}), cluster, pi)
    if want_pre is not None:
        assert status == want_pre
        return
    assert status.ok
    assert got == {"node1": want}


# ---- TestRequiredAffinityMultipleNodes ----------------------------------------------------------

CHINA = {"region": "China"}
CHINA_AZ1 = {"region": "China", "az": "az1"}
INDIA = {"region": "India"}


def _nodes3(zone_b: str = "z2") -> list[dict[str, Any]]:
    return [node("nodea", {"region": "r1", "zone": "z1", "hostname": "nodea"}),
            node("nodeb", {"region": "r1", "zone": zone_b, "hostname": "nodeb"})]


MULTI: list[tuple[str, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], Status | None, list[Status | None]]] = [
    # (Go test name, incoming pod, bound pods, nodes, want PreFilter (None: success), want Filter per node)
    ("A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules",
     pod("p", aff=affinity(req=[term_in("foo", "region", ["bar"])])),
     [pod("p1", {"foo": "bar"}, "node1")],
     [node("node1", CHINA), node("node2", CHINA_AZ1), node("node3", INDIA)], None, [None, None, AFF]),
    ("The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere.",
     pod("p", {"foo": "bar", "service": "securityscan"},
         aff=affinity(req=[term_in("foo", "zone", ["bar"]), term_in("service", "zone", ["securityscan"])])),
     [pod("p1", {"foo": "bar"}, "nodea")],
     [node("nodea", {"zone": "az1", "hostname": "h1"}), node("nodeb", {"zone": "az2", "hostname": "h2"})],
     None, [None, None]),
    ("The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
     pod("p", {"foo": "bar", "service": "securityscan"},
         aff=affinity(req=[term_in("foo", "zone", ["bar"]), term_in("service", "zone", ["securityscan"])])),
     [pod("p1", {"foo": "bar"}, "nodea")],
     [node("nodea", {"zoneLabel": "az1", "hostname": "h1"}), node("nodeb", {"zoneLabel": "az2", "hostname": "h2"})],
     None, [AFF, AFF]),
    ("NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
     pod("p", aff=affinity(anti=[term_in("foo", "region", ["abc"])])),
     [pod("e", {"foo": "abc"}, "nodea")],
     [node("nodea", {"region": "r1", "hostname": "nodea"}), node("nodeb", {"region": "r1", "hostname": "nodeb"})],
     None, [ANTI, ANTI]),
    ("This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
     pod("p", aff=affinity(anti=[term_in("foo", "region", ["abc"]), term_in("service", "zone", ["securityscan"])])),
     [pod("e", {"foo": "abc", "service": "securityscan"}, "nodea")],
     [node("nodea", {"region": "r1", "zone": "z1", "hostname": "nodea"}),
      node("nodeb", {"region": "r1", "zone": "z2", "hostname": "nodeb"})],
     None, [ANTI, ANTI]),
    ("NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
     pod("p", aff=affinity(anti=[term_in("foo", "region", ["abc"])])),
     [pod("e", {"foo": "abc"}, "nodea")],
     [node("nodea", CHINA), node("nodeb", CHINA_AZ1), node("nodec", INDIA)], None, [ANTI, ANTI, None]),
    ("NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)",
     pod("p", {"foo": "123"}, ns="ns1", aff=affinity(anti=[term_in("foo", "region", ["bar"])])),
     [pod("e1", {"foo": "bar"}, "nodea", ns="ns1"),
      pod("e2", None, "nodec", ns="ns2", aff=affinity(anti=[term_in("foo", "region", ["123"])]))],
     [node("nodea", CHINA), node("nodeb", CHINA_AZ1), node("nodec", INDIA)], None, [ANTI, ANTI, None]),
    ("Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked",
     pod("p", {"foo": ""}),
     [pod("e", None, "nodea", aff=affinity(anti=[term_exists("foo", "invalid-node-label")]))],
     _nodes3("z1"), SKIP, [None, None]),
    ("Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
     pod("p", aff=affinity(anti=[term_exists("foo", "invalid-node-label")])),
     [pod("e", {"foo": ""}, "nodea")],
     _nodes3("z1"), None, [None, None]),
    ("Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes",
     pod("p", {"foo": "", "bar": ""}),
     [pod("e1", None, "nodea", aff=affinity(anti=[term_exists("foo", "zone")])),
      pod("e2", None, "nodea", aff=affinity(anti=[term_exists("bar", "region")]))],
     _nodes3(), None, [EXISTING, EXISTING]),
    ("Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod",
     pod("p", aff=affinity(anti=[term_exists("foo", "zone"), term_exists("bar", "region")])),
     [pod("e1", {"foo": ""}, "nodea"), pod("e2", {"bar": ""}, "nodeb")],
     _nodes3(), None, [ANTI, ANTI]),
    ("Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
     pod("p", {"foo": "", "bar": ""}),
     [pod("e", None, "nodea", aff=affinity(anti=[term_exists("foo", "invalid-node-label"), term_exists("bar", "zone")]))],
     _nodes3(), None, [EXISTING, None]),
    ("Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
     pod("p", aff=affinity(anti=[term_exists("foo", "invalid-node-label"), term_exists("bar", "zone")])),
     [pod("poda", {"foo": "", "bar": ""}, "nodea")],
     _nodes3(), None, [ANTI, None]),
    ("Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
     pod("p", {"foo": "", "bar": ""}),
     [pod("e", None, "nodea", aff=affinity(anti=[term_exists("foo", "region"), term_exists("bar", "zone")]))],
     _nodes3(), None, [EXISTING, EXISTING]),
    ("Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
     pod("p", aff=affinity(anti=[term_exists("foo", "region"), term_exists("bar", "zone")])),
     [pod("e", {"foo": "", "bar": ""}, "nodea")],
     _nodes3(), None, [ANTI, ANTI]),
    ("Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC",
     pod("p", {"foo": "", "bar": ""}),
     [pod("e1", None, "nodea", aff=affinity(anti=[term_exists("foo", "zone"), term_exists("labelA", "zone")])),
      pod("e2", None, "nodeb", aff=affinity(anti=[term_exists("bar", "zone"), term_exists("labelB", "zone")]))],
     _nodes3() + [node("nodec", {"region": "r1", "zone": "z3", "hostname": "nodec"})], None, [EXISTING, EXISTING, None]),
    ("Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match",
     pod("p", aff=affinity(req=[term_exists("foo", "region"), term_exists("bar", "zone")])),
     [pod("pod1", {"foo": "", "bar": ""}, "nodea")],
     _nodes3("z1"), None, [None, None]),
    ("Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match, and the match logic should be satisfied on the same pod",
     pod("p", aff=affinity(req=[term_exists("foo", "region"), term_exists("bar", "zone")])),
     [pod("pod1", {"foo": ""}, "nodea"), pod("pod2", {"bar": ""}, "nodeb")],
     _nodes3(), None, [AFF, AFF]),
]


@pytest.mark.parametrize(("incoming", "pods", "nodes", "want_pre", "want"), [c[1:] for c in MULTI],
                         ids=[c[0][:80] for c in MULTI])
def test_required_affinity_multiple_nodes(tmp_path: Path, incoming, pods, nodes, want_pre, want) -> None:
    """TestRequiredAffinityMultipleNodes (the only Namespace object is NS1, renamed ns1)."""
    cluster, pi = load(tmp_path, [namespace("ns1")] + nodes + pods, incoming)
    status, got = run_filter(InterPodAffinity({}), cluster, pi)
    if want_pre is not None:
        assert status == want_pre
        return
    assert status.ok
    assert got == {n["metadata"]["name"]: w for n, w in zip(nodes, want)}


# ---- kbench behaviour around the Go flow --------------------------------------------------------


def test_filter_without_pre_filter_computes_the_state(tmp_path: Path) -> None:
    """TestPreFilterDisabled has Go's Filter fail without PreFilter state; kbench computes it instead
    (the brief of kbench's cycle), giving what PreFilter then Filter give."""
    incoming = pod("p", aff=affinity(anti=[term_in("foo", "region", ["abc"])]))
    cluster, pi = load(tmp_path, [node("nodea", CHINA), node("nodec", INDIA), pod("e", {"foo": "abc"}, "nodea")], incoming)
    plugin = InterPodAffinity({})
    state = CycleState()
    idx = cluster.node_indices()
    failed_by = np.full(2, -1, np.int16)
    codes = np.zeros(2, np.int64)
    plugin.filter(state, pi, cluster, idx, failed_by, codes, 3)
    assert failed_by.tolist() == [3, -1]
    assert plugin.filter_status(state, pi, cluster, int(codes[0])) == ANTI
    assert state.get(PRE_FILTER_KEY) is not None


def test_state_follows_pods_added_and_removed(tmp_path: Path) -> None:
    """TestPreFilterStateAddRemovePod's point: after a pod is added to (removed from) the cluster, the
    state Filter uses equals a fresh PreFilter's; kbench recomputes when the cluster version moved."""
    incoming = pod("pending", {"foo": "bar"}, aff=affinity(anti=[term_in("foo", "region", ["bar"])]))
    nodes = [node("nodea", {"region": "r1", "zone": "z11"}), node("nodeb", {"region": "r1", "zone": "z12"}),
             node("nodec", {"region": "r2", "zone": "z21"})]
    cluster, pi = load(tmp_path, nodes, incoming)
    plugin = InterPodAffinity({})
    state = CycleState()
    assert run_filter(plugin, cluster, pi, state)[1] == {"nodea": None, "nodeb": None, "nodec": None}
    added = parse_object(pod("added", {"foo": "bar"}, "nodeb"), "<test>")
    cluster.add_pod(added, "nodeb")  # type: ignore[arg-type]
    idx = cluster.node_indices()
    failed_by = np.full(3, -1, np.int16)
    codes = np.zeros(3, np.int64)
    plugin.filter(state, pi, cluster, idx, failed_by, codes, 0)
    # region r1 (nodea, nodeb) now holds a pod matching foo In (bar)
    assert failed_by.tolist() == [0, 0, -1]
    cluster.remove_pod(added.key)
    failed_by[:] = -1
    plugin.filter(state, pi, cluster, idx, failed_by, codes, 0)
    assert failed_by.tolist() == [-1, -1, -1]


@pytest.mark.parametrize(("selector", "message"), [
    # labels.NewRequirement's checks, messages as apimachinery builds them (field path: message).
    ({"matchExpressions": [expr("service", "In", [])]},
     "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [expr("service", "Exists", ["x"])]},
     'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'),
    ({"matchLabels": {"bad key": "v"}},
     'key: Invalid value: "bad key": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', '
     "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
     "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
])
def test_invalid_selectors_fail_pre_filter(tmp_path: Path, selector: dict, message: str) -> None:
    """PreFilter returns UnschedulableAndUnresolvable 'parsing pod: ...' for any unparsable term, as NewPodInfo does."""
    t = {"labelSelector": selector, "topologyKey": "zone"}
    cluster, pi = load(tmp_path, [node("n", {"zone": "a"})], pod("p", aff=affinity(pref_anti=[{"weight": 1, "podAffinityTerm": t}])))
    status, _ = run_filter(InterPodAffinity({}), cluster, pi)
    assert status == Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, f"parsing pod: preferredAntiAffinityTerms: {message}")
