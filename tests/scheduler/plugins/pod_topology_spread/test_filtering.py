"""PodTopologySpread PreFilter/Filter, transcribed from kube-scheduler's filtering_test.go
(kubernetes/kubernetes 01c2588bf4a3eb6bb3524b1e2bd60efb38a4b577,
pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go).

Expected codes and TpValueToMatchNum maps are the Go test literals. The Go tests run with
DefaultingType List and toggle feature gates per case; kbench runs every gate at its default (on).
Cases where a gate being off changes the outcome are left out and named below; cases with the gate
off but default policies behave the same with it on, and are kept.
"""

from __future__ import annotations

import numpy as np
import pytest

from kbench.errors import FieldError
from kbench.scheduler.framework import Code, CycleState
from kbench.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kbench.scheduler.plugins.pod_topology_spread.filtering import PRE_FILTER_STATE_KEY, PreFilterState
from tests.naive import pod_topology_spread as naive
from tests.scheduler.plugins.pod_topology_spread.builders import (
    BAR,
    EMPTY,
    FOO,
    LIST,
    UNSCHEDULABLE_TAINT,
    load,
    node,
    node_affinity,
    pod,
    random_world,
    run_filter,
    service,
    spread,
    zn,
)

S, U, UU = None, Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE
DNS, SA = "DoNotSchedule", "ScheduleAnyway"
MAX_INT32 = (1 << 31) - 1
FOUR = [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2"), zn("node-y", "zone2")]


def p(name: str, node_name: str, ns: str = "default", terminating: bool = False, **labels: str) -> dict:
    """st.MakePod().Name(name).Node(node_name).Label(k, v)..."""
    return pod(name, labels, node_name, ns=ns, terminating=terminating)


def foo(*names: str) -> list[dict]:
    """Existing pods labelled foo="", named p-<node letter><n> as the Go tests do (e.g. "a1" -> node-a)."""
    return [p(f"p-{n}", f"node-{n[0]}", foo="") for n in names]


def nl(name: str, **labels: str) -> dict:
    """st.MakeNode().Name(name).Label(...)."""
    return node(name, labels)


def nlt(name: str, **labels: str) -> dict:
    """st.MakeNode().Name(name).Label(...).Taints(taints)."""
    return node(name, labels, UNSCHEDULABLE_TAINT)


# ---- TestSingleConstraint / TestMultipleConstraints ----------------------------------------------

ONE_ZONE_FOO = [spread(1, "zone", DNS, FOO)]
FILTER_CASES = [
    # (Go test name, nodes, existing pods, incoming pod, want per node)
    ("TestSingleConstraint/no existing pods", FOUR, [], pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO),
     {"node-a": S, "node-b": S, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/no existing pods, incoming pod doesn't match itself", FOUR, [],
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, BAR)]),
     {"node-a": S, "node-b": S, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/existing pods in a different namespace do not count", FOUR,
     [p("p-a1", "node-a", ns="ns1", foo=""), p("p-b1", "node-a", ns="ns2", foo=""), *foo("x1", "y1")],
     pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO),
     {"node-a": S, "node-b": S, "node-x": U, "node-y": U}),
    ("TestSingleConstraint/existing pods do not match null selector", FOUR, foo("x1", "y1"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, None)]),
     {"node-a": S, "node-b": S, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/pods spread across zones as 3/3, all nodes fit", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3"), pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO),
     {"node-a": S, "node-b": S, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
     [zn("node-a", "zone1"), nl("node-b", zon="zone1", node="node-b"), zn("node-x", "zone2"), zn("node-y", "zone2")],
     foo("a1", "b1", "x1", "y1"), pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO),
     {"node-a": S, "node-b": UU, "node-x": U, "node-y": U}),
    ("TestSingleConstraint/pod cannot be scheduled as all nodes don't have label 'rack'",
     [zn("node-a", "zone1"), zn("node-x", "zone2")], [],
     pod("p", {"foo": ""}, constraints=[spread(1, "rack", DNS, FOO)]), {"node-a": UU, "node-x": UU}),
    ("TestSingleConstraint/pods spread across nodes as 2/1/0/3, only node-x fits", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3"), pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestSingleConstraint/pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3"), pod("p", {"foo": ""}, constraints=[spread(2, "node", DNS, FOO)]),
     {"node-a": U, "node-b": S, "node-x": S, "node-y": U}),
    ("TestSingleConstraint/pods spread across nodes as 2/1/0/3, but pod doesn't match itself", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3"), pod("p", {"bar": ""}, constraints=[spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": S, "node-x": S, "node-y": U}),
    ("TestSingleConstraint/incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3"),
     pod("p", {"foo": ""}, affinity=node_affinity("node", "In", ["node-a", "node-y"]),
         constraints=[spread(1, "node", DNS, FOO)]),
     {"node-a": S, "node-b": S, "node-x": S, "node-y": U}),
    ("TestSingleConstraint/terminating Pods should be excluded",
     [nl("node-a", node="node-a"), nl("node-b", node="node-b")],
     [p("p-a", "node-a", terminating=True, foo=""), p("p-b", "node-b", foo="")],
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]), {"node-a": S, "node-b": U}),
    ("TestSingleConstraint/incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits", FOUR,
     foo("b1", "b2", "y1"),
     pod("p", {"foo": ""}, affinity=node_affinity("node", "NotIn", ["node-b"]), constraints=ONE_ZONE_FOO),
     {"node-a": S, "node-b": S, "node-x": U, "node-y": U}),
    ("TestSingleConstraint/pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains,"
     " then the third node fits",
     [nl("node-a", node="node-a"), nl("node-b", node="node-b"), nl("node-c", node="node-c")],
     foo("a1", "a2", "b1", "b2", "c1"), pod("p", {"foo": ""}, constraints=[spread(2, "node", DNS, FOO, 4)]),
     {"node-a": U, "node-b": U, "node-c": S}),
    ("TestSingleConstraint/pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains,"
     " then the all nodes fit",
     [nl("node-a", node="node-a"), nl("node-b", node="node-b"), nl("node-c", node="node-c")],
     foo("a1", "a2", "b1", "b2", "c1"), pod("p", {"foo": ""}, constraints=[spread(2, "node", DNS, FOO, 2)]),
     {"node-a": S, "node-b": S, "node-c": S}),
    ("TestSingleConstraint/pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains,"
     " then the third and fourth nodes fit", FOUR,
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, constraints=[spread(2, "zone", DNS, FOO, 3)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains,"
     " then the all nodes fit", FOUR,
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, constraints=[spread(2, "zone", DNS, FOO, 1)]),
     {"node-a": S, "node-b": S, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/NodeAffinityPolicy honored with labelSelectors",
     [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-x", node="node-x", foo=""),
      nl("node-y", node="node-y")],
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/NodeAffinityPolicy ignored with labelSelectors",
     [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-x", node="node-x", foo=""),
      nl("node-y", node="node-y")],
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", DNS, FOO, None, "Ignore")]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestSingleConstraint/NodeAffinityPolicy honored with nodeAffinity",
     [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-x", node="node-x", foo=""),
      nl("node-y", node="node-y")],
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]), constraints=[spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/NodeAffinityPolicy ignored with labelSelectors (the nodeAffinity case)",
     [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-x", node="node-x", foo=""),
      nl("node-y", node="node-y")],
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]),
         constraints=[spread(1, "node", DNS, FOO, None, "Ignore")]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestSingleConstraint/NodeTaintsPolicy honored",
     [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-x", node="node-x", foo=""),
      nlt("node-y", node="node-y")],
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO, None, None, "Honor")]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": S}),
    ("TestSingleConstraint/NodeTaintsPolicy ignored",
     [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""), nl("node-x", node="node-x", foo=""),
      nlt("node-y", node="node-y")],
     [p("p-b1", "node-a", foo=""), p("p-b2", "node-b", foo=""), p("p-y1", "node-y", foo="")],
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/two Constraints on zone and node, spreads = [3/3, 2/1/0/3]", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/two Constraints on zone and node, spreads = [3/4, 2/1/0/4]", FOUR,
     foo("a1", "a2", "b1", "y1", "y2", "y3", "y4"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": U, "node-y": U}),
    ("TestMultipleConstraints/Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]", FOUR,
     [p("p-a1", "node-a", foo=""), p("p-y1", "node-y", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]", FOUR,
     [p("p-a1", "node-a", foo=""), p("p-x1", "node-x", bar=""), p("p-y1", "node-y", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]),
     {"node-a": U, "node-b": U, "node-x": U, "node-y": U}),
    ("TestMultipleConstraints/Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]", FOUR,
     [p("p-a1", "node-a", foo=""), p("p-a2", "node-a", foo="", bar=""), p("p-y1", "node-y", foo=""),
      p("p-y2", "node-y", foo="", bar=""), p("p-y3", "node-y", foo="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]),
     {"node-a": U, "node-b": S, "node-x": U, "node-y": U}),
    ("TestMultipleConstraints/Constraints hold different labelSelectors but pod doesn't match itself on 'zone'"
     " constraint", FOUR,
     [p("p-a1", "node-a", foo=""), p("p-x1", "node-x", bar=""), p("p-y1", "node-y", bar="")],
     pod("p", {"bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]),
     {"node-a": S, "node-b": S, "node-x": U, "node-y": U}),
    ("TestMultipleConstraints/two Constraints on zone and node, absence of label 'node' on node-x,"
     " spreads = [1/1, 1/0/0/1]",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), nl("node-x", zone="zone2"), zn("node-y", "zone2")],
     [p("p-a1", "node-a", foo=""), p("p-y3", "node-y", foo="")],
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": S, "node-x": UU, "node-y": U}),
    ("TestMultipleConstraints/two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
     [nl("node-a", zone="zone1", node="node-a", foo=""), nl("node-b", zone="zone1", node="node-b", foo=""),
      nl("node-x", zone="zone2", node="node-x", foo=""), nl("node-y", zone="zone2", node="node-y")],
     foo("a1", "b1", "y1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""},
         constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO, None, "Ignore")]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
     [nl("node-a", zone="zone1", node="node-a", foo=""), nl("node-b", zone="zone1", node="node-b", foo=""),
      nl("node-x", zone="zone2", node="node-x", foo=""), nlt("node-y", zone="zone2", node="node-y")],
     foo("a1", "b1", "y1"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO, None, None, "Honor"), spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
     [nl("node-a", zone="zone1", node="node-a", foo=""), nl("node-b", zone="zone1", node="node-b"),
      nl("node-x", zone="zone2", node="node-x", foo=""), nlt("node-y", zone="zone2", node="node-y", foo="")],
     foo("a1", "b1", "y1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""},
         constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]),
     {"node-a": U, "node-b": S, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/two node inclusion Constraints, zone: honor/honor, node: ignore/ignore",
     [nl("node-a", zone="zone1", node="node-a", foo=""), nl("node-b", zone="zone1", node="node-b"),
      nl("node-x", zone="zone2", node="node-x", foo=""), nlt("node-y", zone="zone2", node="node-y", foo="")],
     foo("a1", "b1", "y1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""},
         constraints=[spread(1, "zone", DNS, FOO, None, None, "Honor"), spread(1, "node", DNS, FOO, None, "Ignore")]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": U}),
    ("TestMultipleConstraints/two Constraints on zone, spreads = [3/3, 2/1]", FOUR,
     [p("p-a1", "node-a", foo="", bar=""), p("p-a2", "node-a", foo=""), p("p-b1", "node-b", foo="", bar=""),
      p("p-y1", "node-y", foo=""), p("p-y2", "node-y", foo="", bar=""), p("p-y3", "node-y", foo="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, BAR), spread(1, "zone", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": S, "node-y": S}),
    ("TestMultipleConstraints/two Constraints on zone, spreads = [3/4, 2/1]", FOUR,
     [p("p-a1", "node-a", foo="", bar=""), p("p-a2", "node-a", foo=""), p("p-b1", "node-b", foo="", bar=""),
      p("p-y1", "node-y", foo=""), p("p-y2", "node-y", foo="", bar=""), p("p-y3", "node-y", foo=""),
      p("p-y4", "node-y", foo="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, BAR), spread(1, "zone", DNS, FOO)]),
     {"node-a": U, "node-b": U, "node-x": U, "node-y": U}),
]


@pytest.mark.parametrize("chunk", [None, 1])
@pytest.mark.parametrize("nodes,pods,incoming,want", [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_filter(tmp_path, nodes, pods, incoming, want, chunk) -> None:
    cluster, pi = load(tmp_path, nodes + pods, incoming)
    status, got = run_filter(PodTopologySpread(LIST), cluster, pi, chunk=chunk)
    assert status.ok
    assert {n: (s.code if s else None) for n, s in got.items()} == want


def test_filter_reasons(tmp_path) -> None:
    # TestSingleConstraint/pods spread across zones as 1/2 due to absence of label 'zone' on node-b:
    # the reasons are plugin.go's ErrReasonConstraintsNotMatch / ErrReasonNodeLabelNotMatch.
    nodes, pods, incoming, _ = FILTER_CASES[5][1:]
    cluster, pi = load(tmp_path, nodes + pods, incoming)
    _, got = run_filter(PodTopologySpread(LIST), cluster, pi)
    assert got["node-a"] is None
    assert got["node-b"].reasons == ("node(s) didn't match pod topology spread constraints (missing required label)",)
    assert got["node-x"].reasons == ("node(s) didn't match pod topology spread constraints",)


def test_filter_without_pre_filter_state(tmp_path) -> None:
    # Filter computes the PreFilter state itself when the cycle state lacks it.
    nodes, pods, incoming, want = FILTER_CASES[7][1:]
    cluster, pi = load(tmp_path, nodes + pods, incoming)
    plugin = PodTopologySpread(LIST)
    state = CycleState()
    idx = cluster.node_indices()
    failed_by = np.full(len(idx), -1, np.int16)
    codes = np.zeros(len(idx), np.int64)
    plugin.filter(state, pi, cluster, idx, failed_by, codes, 3)
    got = {cluster.node_names[r]: (Code.UNSCHEDULABLE if failed_by[k] == 3 else None) for k, r in enumerate(idx)}
    assert got == want
    assert isinstance(state.get(PRE_FILTER_STATE_KEY), PreFilterState)


# ---- TestPreFilterState ---------------------------------------------------------------------------

THREE_NB = [nl("node-a", node="node-a", foo=""), nl("node-b", node="node-b", foo=""),
            nl("node-c", node="node-c", bar="")]
BAR_PODS = [p("p-a", "node-a", bar=""), p("p-b", "node-b", bar=""), p("p-c", "node-b", bar=""), p("p-d", "node-c")]
THREE_NT = [nl("node-a", node="node-a"), nl("node-b", node="node-b"), nlt("node-c", node="node-c", bar="")]

STATE_CASES = [
    # (Go test name, objects, incoming, defaultConstraints, want TpValueToMatchNum per constraint
    #  (or "Skip"), want CriticalPaths[i][0].MatchNum per constraint)
    ("clean cluster with one spreadConstraint", FOUR,
     pod("p", {"foo": ""}, constraints=[spread(5, "zone", DNS, {"matchLabels": {"foo": "bar"}})]), None,
     [{"zone1": 0, "zone2": 0}], [0]),
    ("normal case with one spreadConstraint", FOUR + foo("a1", "a2", "b1", "y1", "y2"),
     pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO), None, [{"zone1": 3, "zone2": 2}], [2]),
    ("normal case with null label selector", FOUR + foo("a1", "a2", "b1", "y1", "y2"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, None)]), None, [{"zone1": 0, "zone2": 0}], [0]),
    ("normal case with one spreadConstraint, on a 3-zone cluster",
     FOUR + [zn("node-o", "zone3"), zn("node-p", "zone3")] + foo("a1", "a2", "b1", "y1", "y2"),
     pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO), None, [{"zone1": 3, "zone2": 2, "zone3": 0}], [0]),
    ("namespace mismatch doesn't count",
     FOUR + [p("p-a1", "node-a", foo=""), p("p-a2", "node-a", ns="ns1", foo=""), p("p-b1", "node-b", foo=""),
             p("p-y1", "node-y", ns="ns2", foo=""), p("p-y2", "node-y", foo="")],
     pod("p", {"foo": ""}, constraints=ONE_ZONE_FOO), None, [{"zone1": 2, "zone2": 1}], [1]),
    ("normal case with two spreadConstraints", FOUR + foo("a1", "a2", "b1", "y1", "y2", "y3", "y4"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]), None,
     [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-x": 0, "node-y": 4}], [3, 0]),
    ("soft spreadConstraints should be bypassed",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-y", "zone2")] + foo("a1", "a2", "b1", "y1", "y2", "y3", "y4"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", SA, FOO), spread(1, "zone", DNS, FOO),
                                        spread(1, "node", SA, FOO), spread(1, "node", DNS, FOO)]), None,
     [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-y": 4}], [3, 1]),
    ("different labelSelectors - simple version",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-y", "zone2"), p("p-a", "node-a", foo=""),
      p("p-b", "node-b", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]), None,
     [{"zone1": 1, "zone2": 0}, {"node-a": 0, "node-b": 1, "node-y": 0}], [0, 0]),
    ("different labelSelectors - complex pods",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-y", "zone2"), p("p-a1", "node-a", foo=""),
      p("p-a2", "node-a", foo="", bar=""), p("p-b1", "node-b", foo=""), p("p-y1", "node-y", foo=""),
      p("p-y2", "node-y", foo="", bar=""), p("p-y3", "node-y", foo=""), p("p-y4", "node-y", foo="", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]), None,
     [{"zone1": 3, "zone2": 4}, {"node-a": 1, "node-b": 0, "node-y": 2}], [3, 0]),
    ("two spreadConstraints, and with podAffinity", FOUR + foo("a1", "a2", "b1", "y1", "y2", "y3", "y4"),
     pod("p", {"foo": ""}, affinity=node_affinity("node", "NotIn", ["node-x"]),
         constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]), None,
     [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-y": 4}], [3, 1]),
    ("default constraints and a service", [service({"foo": "bar"})], pod("p", {"foo": "bar", "baz": "kar"}),
     [{"maxSkew": 3, "topologyKey": "node", "whenUnsatisfiable": DNS},
      {"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": SA},
      {"maxSkew": 5, "topologyKey": "rack", "whenUnsatisfiable": DNS}],
     [{}, {}], [MAX_INT32, MAX_INT32]),
    ("default constraints and a service that doesn't match", [service({"baz": "kep"})], pod("p", {"foo": "bar"}),
     [{"maxSkew": 3, "topologyKey": "node", "whenUnsatisfiable": DNS}], "Skip", None),
    ("default constraints and a service, but pod has constraints", [service({"foo": "bar"})],
     pod("p", {"foo": "bar", "baz": "tar"},
         constraints=[spread(1, "zone", DNS, {"matchLabels": {"baz": "tar"}}),
                      spread(2, "planet", SA, {"matchLabels": {"fot": "rok"}})]),
     [{"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": DNS}], [{}], [MAX_INT32]),
    ("default soft constraints and a service", [service({"foo": "bar"})], pod("p", {"foo": "bar"}),
     [{"maxSkew": 2, "topologyKey": "node", "whenUnsatisfiable": SA}], "Skip", None),
    ("TpKeyToDomainsNum is calculated when MinDomains is enabled", FOUR + foo("a1", "a2", "b1", "y1", "y2", "y3", "y4"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]), None,
     [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-x": 0, "node-y": 4}], [3, 0]),
    ("feature gate disabled with NodeAffinityPolicy (same with the gate on: the default policy is Honor)",
     THREE_NB + BAR_PODS,
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", DNS, BAR)]), None,
     [{"node-a": 1, "node-b": 2}], [1]),
    ("NodeAffinityPolicy honored with labelSelectors", THREE_NB + BAR_PODS,
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", DNS, BAR)]), None,
     [{"node-a": 1, "node-b": 2}], [1]),
    ("NodeAffinityPolicy ignored with labelSelectors", THREE_NB + BAR_PODS,
     pod("p", {"foo": ""}, node_selector={"foo": ""}, constraints=[spread(1, "node", DNS, BAR, None, "Ignore")]),
     None, [{"node-a": 1, "node-b": 2, "node-c": 0}], [0]),
    ("NodeAffinityPolicy honored with nodeAffinity",
     THREE_NB + [p("p-a", "node-a", bar=""), p("p-c", "node-b", bar=""), p("p-d", "node-b", bar=""),
                 p("p-e", "node-c")],
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]), constraints=[spread(1, "node", DNS, BAR)]),
     None, [{"node-a": 1, "node-b": 2}], [1]),
    ("NodeAffinityPolicy ignored with nodeAffinity", THREE_NB + BAR_PODS,
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "In", [""]),
         constraints=[spread(1, "node", DNS, BAR, None, "Ignore")]),
     None, [{"node-a": 1, "node-b": 2, "node-c": 0}], [0]),
    ("feature gate disabled with NodeTaintsPolicy (same with the gate on: the default policy is Ignore)",
     THREE_NT + BAR_PODS, pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, BAR)]), None,
     [{"node-a": 1, "node-b": 2, "node-c": 0}], [0]),
    ("NodeTaintsPolicy ignored", THREE_NT + BAR_PODS, pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, BAR)]),
     None, [{"node-a": 1, "node-b": 2, "node-c": 0}], [0]),
    ("NodeTaintsPolicy honored", THREE_NT + BAR_PODS,
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, BAR, None, None, "Honor")]), None,
     [{"node-a": 1, "node-b": 2}], [1]),
    ("NodeTaintsPolicy honored with tolerated taints", THREE_NT + BAR_PODS,
     pod("p", {"foo": ""}, tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                          "effect": "NoSchedule"}],
         constraints=[spread(1, "node", DNS, BAR, None, None, "Honor")]), None,
     [{"node-a": 1, "node-b": 2, "node-c": 0}], [0]),
    ("two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
     [nl("node-a", zone="zone1", node="node-a", foo=""), nl("node-b", zone="zone1", node="node-b"),
      nl("node-x", zone="zone2", node="node-x", foo="")] + foo("b1", "b2", "x1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""},
         constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO, None, "Ignore")]), None,
     [{"zone1": 0, "zone2": 1}, {"node-a": 0, "node-b": 2, "node-x": 1}], [0, 0]),
    ("two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
     [nl("node-a", zone="zone1", node="node-a", foo=""), nlt("node-b", zone="zone1", node="node-b"),
      nl("node-x", zone="zone2", node="node-x", foo="")] + foo("b1", "b2", "x1"),
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO, None, None, "Honor"), spread(1, "node", DNS, FOO)]),
     None, [{"zone1": 0, "zone2": 1}, {"node-a": 0, "node-b": 2, "node-x": 1}], [0, 0]),
    ("two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
     [nl("node-a", zone="zone1", node="node-a"), nlt("node-b", zone="zone1", node="node-b", foo=""),
      nl("node-x", zone="zone2", node="node-x", foo=""), nl("node-y", zone="zone2", node="node-y")]
     + foo("a1", "a2", "x1", "y1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""},
         constraints=[spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]), None,
     [{"zone1": 0, "zone2": 1}, {"node-b": 0, "node-x": 1}], [0, 0]),
    ("two node inclusion Constraints, zone: ignore/ignore, node: honor/honor",
     [nl("node-a", zone="zone1", node="node-a"), nlt("node-b", zone="zone1", node="node-b", foo=""),
      nl("node-x", zone="zone2", node="node-x", foo=""), nl("node-y", zone="zone2", node="node-y", foo="")]
     + foo("a1", "a2", "x1", "x2", "y1"),
     pod("p", {"foo": ""}, node_selector={"foo": ""},
         constraints=[spread(1, "zone", DNS, FOO, None, "Ignore"), spread(1, "node", DNS, FOO, None, None, "Honor")]),
     None, [{"zone1": 2, "zone2": 3}, {"node-x": 2, "node-y": 1}], [2, 1]),
    ("matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
     FOUR + [p("p-a1", "node-a", foo=""), p("p-a2", "node-a", foo="", bar="a"), p("p-b1", "node-b", foo=""),
             p("p-y1", "node-y", foo="", bar="a"), p("p-y2", "node-y", bar="")],
     pod("p", {"foo": "", "bar": "a"}, constraints=[spread(1, "zone", DNS, FOO, match_label_keys=["bar"])]), None,
     [{"zone1": 1, "zone2": 1}], [1]),
    ("matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
     FOUR + [p(f"p-{n}", f"node-{n[0]}", foo="a") for n in ("a1", "a2", "b1", "y1", "y2")],
     pod("p", {"foo": "a"}, constraints=[spread(1, "zone", DNS, EMPTY, match_label_keys=["foo"])]), None,
     [{"zone1": 3, "zone2": 2}], [2]),
    ("key in matchLabelKeys is ignored when LabelSelector is nil when feature gate enabled",
     FOUR + [p(f"p-{n}", f"node-{n[0]}", foo="a") for n in ("a1", "a2", "b1", "y1", "y2")],
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, None, match_label_keys=["bar"])]), None,
     [{"zone1": 0, "zone2": 0}], [0]),
    ("no pod is matched when LabelSelector is nil when feature gate disabled (same with the gate on)",
     FOUR + [p(f"p-{n}", f"node-{n[0]}", foo="a") for n in ("a1", "a2", "b1", "y1", "y2")],
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, None, match_label_keys=["bar"])]), None,
     [{"zone1": 0, "zone2": 0}], [0]),
    ("key in matchLabelKeys is ignored when it isn't exist in pod.labels",
     FOUR + [p(f"p-{n}", f"node-{n[0]}", foo="a") for n in ("a1", "a2", "b1", "y1", "y2")],
     pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO, match_label_keys=["bar"])]), None,
     [{"zone1": 3, "zone2": 2}], [2]),
    ("two spreadConstraints with the same topologyKey",
     FOUR + [p("p-a1", "node-a", foo="", bar=""), p("p-b1", "node-b", foo=""), p("p-x1", "node-x", bar=""),
             p("p-y1", "node-y", foo="", bar=""), p("p-y2", "node-y", bar="")],
     pod("p", {"foo": "", "bar": ""}, constraints=[spread(1, "zone", DNS, FOO), spread(1, "zone", DNS, BAR)]), None,
     [{"zone1": 2, "zone2": 1}, {"zone1": 1, "zone2": 3}], [1, 1]),
    ("skip if not specified", [zn("node-a", "zone1")], pod("p", {"foo": ""}), None, "Skip", None),
]
# Left out: "matchLabelKeys ignored when feature gate disabled" (the gate is on in kbench).


@pytest.mark.parametrize("objects,incoming,defaults,want,want_min", [c[1:] for c in STATE_CASES],
                         ids=[f"TestPreFilterState/{c[0]}" for c in STATE_CASES])
def test_pre_filter_state(tmp_path, objects, incoming, defaults, want, want_min) -> None:
    cluster, pi = load(tmp_path, objects, incoming)
    args = {"defaultingType": "List", "defaultConstraints": defaults} if defaults else LIST
    state = CycleState()
    status, result = PodTopologySpread(args).pre_filter(state, pi, cluster)
    assert result is None
    if want == "Skip":
        assert status.code == Code.SKIP
        return
    assert status.ok
    s = state.read(PRE_FILTER_STATE_KEY, PreFilterState)
    assert [s.tp_value_to_match_num(cluster, i) for i in range(len(s.constraints))] == want
    assert s.critical_min.tolist() == want_min


def test_default_constraints_of_a_service_selector(tmp_path) -> None:
    # TestPreFilterState/default constraints and a service: Constraints are the two hard default
    # constraints (node maxSkew 3, rack maxSkew 5) with the service's selector foo=bar.
    _, objects, incoming, defaults, _, _ = STATE_CASES[10]
    cluster, pi = load(tmp_path, objects, incoming)
    state = CycleState()
    PodTopologySpread({"defaultingType": "List", "defaultConstraints": defaults}).pre_filter(state, pi, cluster)
    cs = state.read(PRE_FILTER_STATE_KEY, PreFilterState).constraints
    assert [(c.topology_key, c.max_skew, c.min_domains, c.node_affinity_policy, c.node_taints_policy) for c in cs] == [
        ("node", 3, 1, "Honor", "Ignore"), ("rack", 5, 1, "Honor", "Ignore")]
    assert all(c.selector.matches({"foo": "bar"}) and not c.selector.matches({"foo": "baz"}) for c in cs)


# ---- TestPreFilterStateAddPod / TestPreFilterStateRemovePod ---------------------------------------
# kbench does not simulate preemption, so AddPod/RemovePod are exercised as what they stand for: the
# pod bound to (removed from) the cluster, the incrementally kept counters, and a new PreFilter.
# Left out: "delete a non-existing pod won't help" (nothing to remove) and the two "remove a pod when
# scheduling node affinity matched pod" cases, whose Go test removes existingPods[0] (on node-a) from
# node-b's NodeInfo, which a bound pod cannot be.

TWO_NODES = [zn("node-a", "zone1"), zn("node-b", "zone1")]
ZONE_NODE = [spread(1, "zone", DNS, FOO), spread(1, "node", DNS, FOO)]
ZONE_BAR_NODE = [spread(1, "zone", DNS, FOO), spread(1, "node", DNS, BAR)]
AFF_NODES = [nl("node-a", zone="zone1", node="node-a", foo="bar"), nl("node-b", zone="zone2", node="node-b", foo="")]
TAINT_NODES = [nlt("node-a", zone="zone1", node="node-a"), nl("node-b", zone="zone2", node="node-b")]
ADD_CASES = [
    # (Go test name, nodes, existing pods, added pod, incoming, want TpValueToMatchNum, want minimum)
    ("node a and b both impact current min match", TWO_NODES, [], p("p-a1", "node-a", foo=""),
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]), [{"node-a": 1, "node-b": 0}], [0]),
    ("only node a impacts current min match", TWO_NODES, foo("b1"), p("p-a1", "node-a", foo=""),
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]), [{"node-a": 1, "node-b": 1}], [1]),
    ("add a pod in a different namespace doesn't change topologyKeyToMinPodsMap", TWO_NODES, foo("b1"),
     p("p-a1", "node-a", ns="ns1", foo=""), pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]),
     [{"node-a": 0, "node-b": 1}], [0]),
    ("add pod on non-critical node won't trigger re-calculation", TWO_NODES, foo("b1"), p("p-b2", "node-b", foo=""),
     pod("p", {"foo": ""}, constraints=[spread(1, "node", DNS, FOO)]), [{"node-a": 0, "node-b": 2}], [0]),
    ("node a and x both impact topologyKeyToMinPodsMap on zone and node", [zn("node-a", "zone1"), zn("node-x", "zone2")],
     [], p("p-a1", "node-a", foo=""), pod("p", {"foo": ""}, constraints=ZONE_NODE),
     [{"zone1": 1, "zone2": 0}, {"node-a": 1, "node-x": 0}], [0, 0]),
    ("only node a impacts topologyKeyToMinPodsMap on zone and node", [zn("node-a", "zone1"), zn("node-x", "zone2")],
     foo("x1"), p("p-a1", "node-a", foo=""), pod("p", {"foo": ""}, constraints=ZONE_NODE),
     [{"zone1": 1, "zone2": 1}, {"node-a": 1, "node-x": 1}], [1, 1]),
    ("node a impacts topologyKeyToMinPodsMap on node, node x impacts topologyKeyToMinPodsMap on zone",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2")], foo("b1", "b2", "x1"),
     p("p-a1", "node-a", foo=""), pod("p", {"foo": ""}, constraints=ZONE_NODE),
     [{"zone1": 3, "zone2": 1}, {"node-a": 1, "node-b": 2, "node-x": 1}], [1, 1]),
    ("Constraints hold different labelSelectors, node a impacts topologyKeyToMinPodsMap on zone",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2")],
     [p("p-b1", "node-b", foo="", bar=""), p("p-x1", "node-x", foo="", bar=""), p("p-x2", "node-x", bar="")],
     p("p-a1", "node-a", foo=""), pod("p", {"foo": "", "bar": ""}, constraints=ZONE_BAR_NODE),
     [{"zone1": 2, "zone2": 1}, {"node-a": 0, "node-b": 1, "node-x": 2}], [1, 0]),
    ("Constraints hold different labelSelectors, node a impacts topologyKeyToMinPodsMap on both zone and node",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2")],
     [p("p-b1", "node-b", bar=""), p("p-x1", "node-x", foo="", bar=""), p("p-x2", "node-x", bar="")],
     p("p-a1", "node-a", foo="", bar=""), pod("p", {"foo": "", "bar": ""}, constraints=ZONE_BAR_NODE),
     [{"zone1": 1, "zone2": 1}, {"node-a": 1, "node-b": 1, "node-x": 2}], [1, 1]),
    ("add a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy disabled", AFF_NODES,
     [p("p-a2", "node-a", foo="", zone="zone1"), p("p-b1", "node-b", foo="", zone="zone2")],
     p("p-a1", "node-a", foo="", zone="zone1"),
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "NotIn", ["bar"]), constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone2": 1}], [1]),
    ("add a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy enabled", AFF_NODES,
     [p("p-a2", "node-a", foo="", zone="zone1"), p("p-b1", "node-b", foo="", zone="zone2")],
     p("p-a1", "node-a", foo="", zone="zone1"),
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "NotIn", ["bar"]), constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone2": 1}], [1]),
    ("add a pod when scheduling node affinity matched pod with NodeInclusionPolicy disabled", AFF_NODES,
     [p("p-a1", "node-a", foo="", zone="zone1"), p("p-b2", "node-b", foo="", zone="zone2")],
     p("p-b1", "node-b", foo="", zone="zone2"), pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone1": 1, "zone2": 2}], [1]),
    ("add a pod when scheduling node affinity matched pod with NodeInclusionPolicy enabled", AFF_NODES,
     [p("p-a1", "node-a", foo="", zone="zone1"), p("p-b2", "node-b", foo="", zone="zone2")],
     p("p-b1", "node-b", foo="", zone="zone2"), pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone1": 1, "zone2": 2}], [1]),
    ("add a label selector not matched pod when with NodeInclusionPolicy enabled", AFF_NODES,
     [p("p-a1", "node-a", foo="", zone="zone1"), p("p-b2", "node-b", foo="", zone="zone2")],
     p("p-b1", "node-b", zone="zone2"), pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone1": 1, "zone2": 1}], [1]),
    ("add a pod when scheduling taint untolerated pod with NodeInclusionPolicy disabled", TAINT_NODES,
     [p("p-a1", "node-a", foo="", zone="zone1"), p("p-b2", "node-b", foo="", zone="zone2")],
     p("p-b1", "node-b", foo="", zone="zone2"), pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone1": 1, "zone2": 2}], [1]),
    ("add a pod when scheduling taint tolerated pod with NodeInclusionPolicy enabled", TAINT_NODES,
     [p("p-a1", "node-a", foo="", zone="zone1"), p("p-b2", "node-b", foo="", zone="zone2")],
     p("p-b1", "node-b", foo="", zone="zone2"),
     pod("p", {"foo": ""}, tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                          "effect": "NoSchedule"}], constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone1": 1, "zone2": 2}], [1]),
]

ZONE_ONLY = pod("p", {"foo": ""}, constraints=[spread(1, "zone", DNS, FOO)])
REMOVE_CASES = [
    # (Go test name, nodes, existing pods, name of the removed pod, incoming, want, want minimum)
    ("one spreadConstraint on zone, topologyKeyToMinPodsMap unchanged",
     [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2")], foo("a1", "b1", "x1"), "p-a1", ZONE_ONLY,
     [{"zone1": 1, "zone2": 1}], [1]),
    ("one spreadConstraint on node, topologyKeyToMinPodsMap changed", FOUR, foo("a1", "b1", "x1", "y1"), "p-a1",
     ZONE_ONLY, [{"zone1": 1, "zone2": 2}], [1]),
    ("delete an irrelevant pod won't help", FOUR, [p("p-a0", "node-a", bar=""), *foo("a1", "b1", "x1", "y1")], "p-a0",
     ZONE_ONLY, [{"zone1": 2, "zone2": 2}], [2]),
    ("two spreadConstraints", [zn("node-a", "zone1"), zn("node-b", "zone1"), zn("node-x", "zone2")],
     foo("a1", "a2", "b1", "x1", "x2"), "p-x1", pod("p", {"foo": ""}, constraints=ZONE_NODE),
     [{"zone1": 3, "zone2": 1}, {"node-a": 2, "node-b": 1, "node-x": 1}], [1, 1]),
    ("remove a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy disabled", AFF_NODES,
     [p("p-a2", "node-a", foo="", zone="zone1"), p("p-b1", "node-b", foo="", zone="zone2")], "p-a2",
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "NotIn", ["bar"]), constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone2": 1}], [1]),
    ("remove a pod when scheduling node affinity unmatched pod with NodeInclusionPolicy enabled", AFF_NODES,
     [p("p-a2", "node-a", foo="", zone="zone1"), p("p-b1", "node-b", foo="", zone="zone2")], "p-a2",
     pod("p", {"foo": ""}, affinity=node_affinity("foo", "NotIn", ["bar"]), constraints=[spread(1, "zone", DNS, FOO)]),
     [{"zone2": 1}], [1]),
]


def _state(cluster, pi) -> PreFilterState:
    state = CycleState()
    status, _ = PodTopologySpread(LIST).pre_filter(state, pi, cluster)
    assert status.ok
    return state.read(PRE_FILTER_STATE_KEY, PreFilterState)


@pytest.mark.parametrize("nodes,existing,added,incoming,want,want_min", [c[1:] for c in ADD_CASES],
                         ids=[f"TestPreFilterStateAddPod/{c[0]}" for c in ADD_CASES])
def test_pod_added(tmp_path, nodes, existing, added, incoming, want, want_min) -> None:
    cluster, pi = load(tmp_path, nodes + existing + [added], incoming)
    rec = cluster.remove_pod(f"{added['metadata']['namespace']}/{added['metadata']['name']}")
    _state(cluster, pi)
    cluster.add_pod(rec.pod, rec.node)
    s = _state(cluster, pi)
    assert [s.tp_value_to_match_num(cluster, i) for i in range(len(s.constraints))] == want
    assert s.critical_min.tolist() == want_min


@pytest.mark.parametrize("nodes,existing,removed,incoming,want,want_min", [c[1:] for c in REMOVE_CASES],
                         ids=[f"TestPreFilterStateRemovePod/{c[0]}" for c in REMOVE_CASES])
def test_pod_removed(tmp_path, nodes, existing, removed, incoming, want, want_min) -> None:
    cluster, pi = load(tmp_path, nodes + existing, incoming)
    _state(cluster, pi)
    cluster.remove_pod(f"default/{removed}")
    s = _state(cluster, pi)
    assert [s.tp_value_to_match_num(cluster, i) for i in range(len(s.constraints))] == want
    assert s.critical_min.tolist() == want_min


# ---- args ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args,field,message", [
    # validation.ValidatePodTopologySpreadArgs and its tests' cases (validation_pluginargs_test.go)
    ({"defaultingType": "Foo"}, "defaultingType", 'Unsupported value: "Foo": supported values: "System", "List"'),
    ({"defaultingType": "System", "defaultConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                                          "whenUnsatisfiable": DNS}]},
     "defaultingType", 'Invalid value: "System": when .defaultConstraints are not empty'),
    ({"defaultingType": "List", "defaultConstraints": [{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": DNS}]},
     "defaultConstraints[0].maxSkew", "Invalid value: 0: not in valid range (0, inf)"),
    ({"defaultingType": "List", "defaultConstraints": [{"maxSkew": 1, "whenUnsatisfiable": DNS}]},
     "defaultConstraints[0].topologyKey", "Required value: can not be empty"),
    ({"defaultingType": "List", "defaultConstraints": [{"maxSkew": 1, "topologyKey": "a b", "whenUnsatisfiable": DNS}]},
     "defaultConstraints[0].topologyKey", None),
    ({"defaultingType": "List", "defaultConstraints": [{"maxSkew": 1, "topologyKey": "zone"}]},
     "defaultConstraints[0].whenUnsatisfiable", "Required value: can not be empty"),
    ({"defaultingType": "List", "defaultConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                                        "whenUnsatisfiable": "Sometimes"}]},
     "defaultConstraints[0].whenUnsatisfiable",
     'Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"'),
    ({"defaultingType": "List", "defaultConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": DNS,
                                                        "labelSelector": {}}]},
     "defaultConstraints[0].labelSelector",
     "Forbidden: constraint must not define a selector, as they deduced for each pod"),
    ({"defaultingType": "List", "defaultConstraints": [
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": DNS},
        {"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": DNS}]},
     "defaultConstraints[1]", 'Duplicate value: "{zone, DoNotSchedule}"'),
    ({"defaultingType": "List", "bogus": 1}, "bogus", "unknown field"),
])
def test_invalid_args(args, field, message) -> None:
    with pytest.raises(FieldError) as e:
        PodTopologySpread(args)
    assert e.value.field == field
    if message is not None:
        assert e.value.message == message


def test_args_defaults() -> None:
    # v1 defaulting: DefaultingType System; New then uses systemDefaultConstraints.
    for args in (None, {}, {"defaultingType": "System"}):
        spread_args = PodTopologySpread(args).spread
        assert spread_args.system_defaulted
        assert [(c.topology_key, c.max_skew, c.when_unsatisfiable) for c in spread_args.default_constraints] == [
            ("kubernetes.io/hostname", 3, SA), ("topology.kubernetes.io/zone", 5, SA)]
    listed = PodTopologySpread({"defaultingType": "List", "defaultConstraints": [
        {"maxSkew": 2, "topologyKey": "zone", "whenUnsatisfiable": DNS}]}).spread
    assert not listed.system_defaulted and [c.topology_key for c in listed.default_constraints] == ["zone"]
    assert PodTopologySpread(LIST).spread.default_constraints == ()


# ---- against the naive twin ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(150))
def test_filter_matches_naive_twin(tmp_path, seed) -> None:
    objects, incoming, args, _ = random_world(seed)
    cluster, pi = load(tmp_path, objects, incoming)
    pods = [o for o in cluster.pods.values()]
    want = naive.filter_nodes(cluster.nodes, [r.pod for r in pods], pi.pod, args, cluster.owners)
    status, got = run_filter(PodTopologySpread(args), cluster, pi, chunk=7)
    if want == "Skip":
        assert status.code == Code.SKIP
        return
    assert status.ok
    names = {None: None, Code.UNSCHEDULABLE: "Unschedulable", Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
             "UnschedulableAndUnresolvable"}
    assert {n: names[s.code if s else None] for n, s in got.items()} == want
