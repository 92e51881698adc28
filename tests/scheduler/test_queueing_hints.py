"""The in-tree plugins' queueing hints and EventsToRegister, transcribed from their *_test.go
(isSchedulableAfter* tests) of kube-scheduler v1.34, plus the queue driven by the default profile's
hint map. Each test names its Go test; expected hints are Go's literals. Where Go's hint returns
(Queue, err) the kbench hint raises HintError, which the queue takes as Queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kbench.api.objects import Node, NodeSelectorTerm, Pod
from kbench.config.scheduler_config import Profile, expand_profile
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.plugins.pod_topology_spread.common import parse_args
from kbench.scheduler.queue import (
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_NODE_ADD,
    ActionType,
    ClusterEvent,
    EventResource,
    HintError,
    QueueingHint,
    SchedulingQueue,
    node_scheduling_properties_change,
    pod_scheduling_properties_change,
)
from kbench.scheduler.queue.failure import diagnosis_plugins
from kbench.scheduler.queue.types import default_queueing_hint_fn
from kbench.scheduler.queueing_hints import (
    EVENTS_TO_REGISTER,
    events_to_register,
    fit_is_schedulable_after_node_change,
    fit_is_schedulable_after_pod_event,
    inter_pod_affinity_is_schedulable_after_node_change,
    inter_pod_affinity_is_schedulable_after_pod_change,
    node_affinity_is_schedulable_after_node_change,
    node_ports_is_schedulable_after_pod_deleted,
    node_unschedulable_is_schedulable_after_node_change,
    node_unschedulable_is_schedulable_after_pod_toleration_change,
    pod_topology_spread_is_schedulable_after_node_change,
    pod_topology_spread_is_schedulable_after_pod_change,
    queueing_hint_map,
    scheduling_gates_is_schedulable_after_update_pod_scheduling_gates_eliminated,
    taint_toleration_is_schedulable_after_node_change,
    taint_toleration_is_schedulable_after_pod_toleration_change,
)
from tests.scheduler.helpers import cluster, node, only, pod

Q, SKIP = QueueingHint.Queue, QueueingHint.QueueSkip
EXT_A, EXT_B = "example.com/aaa", "example.com/bbb"
"""extendedResourceA / extendedResourceB of noderesources/fit_test.go."""
NOT_A_NODE: Any = "not-a-node"
NOT_A_POD: Any = "not-a-pod"


def mk_pod(name: str = "", uid: str | None = None, namespace: str = "", labels: dict[str, str] | None = None,
           node_name: str = "", requests: dict[str, str] | None = None, tolerations: list[dict[str, Any]] | None = None,
           host_port: int = 0, spread: list[dict[str, Any]] | None = None, affinity: dict[str, Any] | None = None,
           gates: list[str] | None = None, nominated: str = "") -> Pod:
    """st.MakePod() with the builders these tests use."""
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    if uid is not None:
        meta["uid"] = uid
    if namespace:
        meta["namespace"] = namespace
    containers: list[dict[str, Any]] = []
    if requests:
        containers.append({"name": "c", "resources": {"requests": requests}})
    if host_port:
        containers.append({"name": "hp", "ports": [{"containerPort": host_port, "hostPort": host_port}]})
    spec: dict[str, Any] = {"containers": containers, "nodeName": node_name, "tolerations": tolerations or [],
                            "topologySpreadConstraints": spread or []}
    if affinity:
        spec["affinity"] = affinity
    if gates:
        spec["schedulingGates"] = [{"name": g} for g in gates]
    status = {"nominatedNodeName": nominated} if nominated else {}
    return Pod.model_validate({"metadata": meta, "spec": spec, "status": status})


def mk_node(name: str = "", labels: dict[str, str] | None = None, capacity: dict[str, str] | None = None,
            taints: list[dict[str, Any]] | None = None, unschedulable: bool = False) -> Node:
    """st.MakeNode(): Capacity() sets capacity and allocatable, with pods: 32 by default."""
    status: dict[str, Any] = {}
    if capacity is not None:
        res = {"pods": "32", **capacity}
        status = {"capacity": res, "allocatable": res}
    return Node.model_validate({"metadata": {"name": name, "labels": labels or {}},
                                "spec": {"taints": taints or [], "unschedulable": unschedulable}, "status": status})


def exists(key: str) -> dict[str, Any]:
    """st.MakeLabelSelector().Exists(key)."""
    return {"matchExpressions": [{"key": key, "operator": "Exists"}]}


def check(fn: Callable[..., QueueingHint], pod_: Pod, old: object, new: object, want: QueueingHint | type[HintError],
          **kw: Any) -> None:
    if want is HintError:
        with pytest.raises(HintError):
            fn(pod_, old, new, **kw)
    else:
        assert fn(pod_, old, new, **kw) == want


# ---- NodeUnschedulable ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        (None, NOT_A_NODE, HintError),  # backoff-wrong-new-object
        (NOT_A_NODE, mk_node(unschedulable=True), HintError),  # backoff-wrong-old-object
        (None, mk_node(unschedulable=True), SKIP),  # skip-queue-on-unschedulable-node-added
        (None, mk_node(), Q),  # queue-on-schedulable-node-added
        # skip-unrelated-change
        (mk_node(unschedulable=True), mk_node(unschedulable=True, taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]), SKIP),
        (mk_node(unschedulable=True), mk_node(), Q),  # queue-on-unschedulable-field-change
    ],
)
def test_node_unschedulable_node_change(old: object, new: object, want: Any) -> None:
    """nodeunschedulable TestIsSchedulableAfterNodeChange."""
    check(node_unschedulable_is_schedulable_after_node_change, Pod(), old, new, want)


UNSCHED_TOLERATION = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}]


@pytest.mark.parametrize(
    ("pod_", "old", "new", "want"),
    [
        (Pod(), None, NOT_A_POD, HintError),  # error-wrong-new-object
        (Pod(), NOT_A_POD, Pod(), HintError),  # error-wrong-old-object
        # skip-different-pod-update
        (mk_pod(uid="uid"), mk_pod(uid="different-uid"), mk_pod(uid="different-uid", tolerations=UNSCHED_TOLERATION), SKIP),
        # queue-when-the-unsched-pod-gets-toleration
        (mk_pod(uid="uid"), mk_pod(uid="uid"), mk_pod(uid="uid", tolerations=UNSCHED_TOLERATION), Q),
        # skip-when-the-unsched-pod-gets-unrelated-toleration
        (mk_pod(uid="uid"), mk_pod(uid="uid"), mk_pod(uid="uid", tolerations=[{"key": "unrelated-key", "operator": "Exists"}]), SKIP),
    ],
)
def test_node_unschedulable_pod_toleration_change(pod_: Pod, old: object, new: object, want: Any) -> None:
    """nodeunschedulable TestIsSchedulableAfterPodTolerationChange."""
    check(node_unschedulable_is_schedulable_after_pod_toleration_change, pod_, old, new, want)


# ---- TaintToleration -----------------------------------------------------------------------------


def tainted(*values: str) -> Node:
    """nodeWithTaints("nodeA", dedicated=<value>:NoSchedule ...)."""
    return mk_node("nodeA", taints=[{"key": "dedicated", "value": v, "effect": "NoSchedule"} for v in values])


TOLERATES_USER2 = mk_pod("pod1", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"}])


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        (None, NOT_A_NODE, HintError),  # backoff-wrong-new-object
        (NOT_A_NODE, tainted("user1"), HintError),  # backoff-wrong-old-object
        (None, tainted("user1"), SKIP),  # skip-queue-on-untoleratedtaint-node-added
        (None, tainted("user2"), Q),  # queue-on-toleratedtaint-node-added
        (tainted("user1"), tainted("user1", "user3"), SKIP),  # skip-unrelated-change
        (tainted("user1"), tainted("user2"), Q),  # queue-on-taint-change
    ],
)
def test_taint_toleration_node_change(old: object, new: object, want: Any) -> None:
    """tainttoleration TestIsSchedulableAfterNodeChange."""
    check(taint_toleration_is_schedulable_after_node_change, TOLERATES_USER2, old, new, want)


@pytest.mark.parametrize(
    ("new", "want"),
    [
        # skip-updates-other-pod
        (mk_pod("pod-2", uid="uid-2", namespace="ns-1", tolerations=[{"key": "foo", "effect": "NoSchedule"}]), SKIP),
        # queue-on-toleration-added
        (mk_pod("pod-1", uid="uid-1", namespace="ns-1", tolerations=[{"key": "foo", "effect": "NoSchedule"}]), Q),
    ],
)
def test_taint_toleration_pod_toleration_change(new: Pod, want: QueueingHint) -> None:
    """tainttoleration Test_isSchedulableAfterPodTolerationChange: only the pod's own update counts."""
    target = mk_pod("pod-1", uid="uid-1", namespace="ns-1")
    assert taint_toleration_is_schedulable_after_pod_toleration_change(target, target, new) == want


# ---- NodeAffinity --------------------------------------------------------------------------------

NA_POD = mk_pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
    "nodeSelectorTerms": [{"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}]}}})
"""st.MakePod().NodeAffinityIn("foo", []string{"bar"}, NodeSelectorTypeMatchExpressions)."""
ADDED = [NodeSelectorTerm.model_validate({"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]})]


@pytest.mark.parametrize(
    ("added", "old", "new", "want"),
    [
        (None, None, NOT_A_NODE, HintError),  # backoff-wrong-new-object
        (None, NOT_A_NODE, mk_node(), HintError),  # backoff-wrong-old-object
        (None, None, mk_node(), SKIP),  # skip-queue-on-add
        (None, None, mk_node(labels={"foo": "bar"}), Q),  # queue-on-add
        (None, mk_node(), mk_node(capacity={}), SKIP),  # skip-unrelated-changes
        (None, mk_node(), mk_node(labels={"k": "v"}), SKIP),  # skip-unrelated-changes-on-labels
        (None, mk_node(labels={"foo": "bar"}), mk_node(labels={"k": "v"}), SKIP),  # ...from-suitable-to-unsuitable
        (None, mk_node(), mk_node(labels={"foo": "bar"}), Q),  # queue-on-labels-change-makes-pod-schedulable
        (ADDED, None, mk_node(), SKIP),  # skip-queue-on-add-scheduler-enforced-node-affinity
        (ADDED, None, mk_node(labels={"foo": "bar"}), Q),  # queue-on-add-scheduler-enforced-node-affinity
    ],
)
def test_node_affinity_node_change(added: list[NodeSelectorTerm] | None, old: object, new: object, want: Any) -> None:
    """nodeaffinity Test_isSchedulableAfterNodeChange (``added``: NodeAffinityArgs.AddedAffinity)."""
    check(node_affinity_is_schedulable_after_node_change, NA_POD, old, new, want, added=added)


def test_node_affinity_hint_takes_added_affinity_from_plugin() -> None:
    """EventsToRegister wires the plugin's addedAffinity into the hint."""
    profile = only("NodeAffinity", {"addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}]}}})
    events = events_to_register("NodeAffinity", profile.plugins["NodeAffinity"], cluster([]))
    assert events is not None and len(events) == 1
    fn = events[0].queueing_hint_fn
    assert fn is not None
    assert fn(NA_POD, None, mk_node()) == SKIP
    assert fn(NA_POD, None, mk_node(labels={"foo": "bar"})) == Q


# ---- NodeResourcesFit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "old", "new", "in_place", "want"),
    [
        (Pod(), NOT_A_POD, None, True, HintError),  # backoff-wrong-old-object
        (Pod(), None, NOT_A_POD, True, HintError),  # backoff-wrong-new-object
        # queue-on-other-pod-deleted
        (mk_pod("pod1", requests={"cpu": "1"}), mk_pod("pod2", requests={"cpu": "1"}, node_name="fake"), None, True, Q),
        (Pod(), Pod(), None, True, SKIP),  # skip-queue-on-unscheduled-pod-deleted
        # skip-queue-on-disable-inplace-pod-vertical-scaling
        (mk_pod("pod1", requests={"cpu": "1"}), mk_pod("pod2", requests={"cpu": "2"}, node_name="fake"),
         mk_pod("pod2", requests={"cpu": "1"}, node_name="fake"), False, SKIP),
        # skip-queue-on-other-unscheduled-pod
        (mk_pod("pod1", "uid0", requests={"cpu": "1"}), mk_pod("pod2", "uid1", requests={"cpu": "2"}),
         mk_pod("pod2", "uid1", requests={"cpu": "1"}), True, SKIP),
        # skip-queue-on-other-pod-unrelated-resource-scaled-down
        (mk_pod("pod1", "pod1", requests={"cpu": "1"}), mk_pod("pod2", "pod2", requests={"memory": "2"}, node_name="fake"),
         mk_pod("pod2", "pod2", requests={"memory": "1"}, node_name="fake"), True, SKIP),
        # queue-on-other-pod-some-resource-scale-down
        (mk_pod("pod1", "pod1", requests={"cpu": "1"}), mk_pod("pod2", "pod2", requests={"cpu": "2"}, node_name="fake"),
         mk_pod("pod2", "pod2", requests={"cpu": "1"}, node_name="fake"), True, Q),
        # queue-on-target-pod-some-resource-scale-down
        (mk_pod("pod1", "pod1", requests={"cpu": "1"}), mk_pod("pod1", "pod1", requests={"cpu": "2"}),
         mk_pod("pod1", "pod1", requests={"cpu": "1"}), True, Q),
    ],
)
def test_fit_pod_event(target: Pod, old: object, new: object, in_place: bool, want: Any) -> None:
    """noderesources Test_isSchedulableAfterPodChange (isSchedulableAfterPodEvent)."""
    check(fit_is_schedulable_after_pod_event, target, old, new, want, in_place_pod_vertical_scaling=in_place)


def test_fit_pod_event_nominated_deleted() -> None:
    """isSchedulableAfterPodEvent: a deleted pod that was only nominated also frees room."""
    assert fit_is_schedulable_after_pod_event(mk_pod("p"), mk_pod("q", nominated="n1"), None) == Q


MEM2_A1 = mk_pod(requests={"memory": "2", EXT_A: "1"})
"""newResourcePod(framework.Resource{Memory: 2, ScalarResources: {extendedResourceA: 1}})."""


@pytest.mark.parametrize(
    ("target", "old", "new", "want"),
    [
        (Pod(), None, NOT_A_NODE, HintError),  # backoff-wrong-new-object
        (Pod(), NOT_A_NODE, Node(), HintError),  # backoff-wrong-old-object
        # skip-queue-on-node-add-without-sufficient-resources
        (mk_pod(requests={"memory": "2"}), None, mk_node(capacity={"memory": "1"}), SKIP),
        # skip-queue-on-node-add-without-required-resource-type
        (mk_pod(requests={EXT_A: "1"}), None, mk_node(capacity={EXT_B: "1"}), SKIP),
        # queue-on-node-add-with-sufficient-resources
        (MEM2_A1, None, mk_node(capacity={"memory": "4", EXT_A: "2"}), Q),
        # skip-queue-on-node-unrelated-changes
        (MEM2_A1, mk_node(capacity={"memory": "2", EXT_A: "2"}), mk_node(capacity={"memory": "2", EXT_A: "1", EXT_B: "2"}), SKIP),
        # queue-on-pod-requested-resources-increase
        (MEM2_A1, mk_node(capacity={"memory": "2", EXT_A: "1"}), mk_node(capacity={"memory": "2", EXT_A: "2"}), Q),
        # skip-queue-on-node-changes-from-suitable-to-unsuitable
        (MEM2_A1, mk_node(capacity={"memory": "4", EXT_A: "2"}), mk_node(capacity={"memory": "1", EXT_A: "2"}), SKIP),
        # queue-on-node-changes-from-unsuitable-to-suitable
        (MEM2_A1, mk_node(capacity={"memory": "1", EXT_A: "2"}), mk_node(capacity={"memory": "4", EXT_A: "2"}), Q),
    ],
)
def test_fit_node_change(target: Pod, old: object, new: object, want: Any) -> None:
    """noderesources Test_isSchedulableAfterNodeChange."""
    check(fit_is_schedulable_after_node_change, target, old, new, want)


# ---- NodePorts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "want"),
    [
        (NOT_A_POD, HintError),  # backoff-wrong-old-object
        (mk_pod(), SKIP),  # skip-queue-on-unscheduled
        (mk_pod(node_name="fake-node"), SKIP),  # skip-queue-on-non-hostport
        (mk_pod(node_name="fake-node", host_port=8081), SKIP),  # skip-queue-on-unrelated-hostport
        (mk_pod(node_name="fake-node", host_port=8080), Q),  # queue-on-released-hostport
    ],
)
def test_node_ports_pod_deleted(old: object, want: Any) -> None:
    """nodeports Test_isSchedulableAfterPodDeleted (podWithHostPort: HostPort(8080))."""
    check(node_ports_is_schedulable_after_pod_deleted, mk_pod(host_port=8080), old, None, want)


# ---- PodTopologySpread ---------------------------------------------------------------------------

LIST_ARGS = parse_args({"defaultingType": "List"})
"""PodTopologySpreadArgs{DefaultingType: ListDefaulting} with no default constraints."""


def spread(key: str, selector: dict[str, Any], taints_policy: str | None = None) -> dict[str, Any]:
    """SpreadConstraint(1, key, DoNotSchedule, selector, nil, nil, nodeTaintsPolicy, nil)."""
    c: dict[str, Any] = {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector}
    if taints_policy:
        c["nodeTaintsPolicy"] = taints_policy
    return c


ZONE_FOO = [spread("zone", exists("foo"))]
ZONE_NODE_FOO = [spread("zone", exists("foo")), spread("node", exists("foo"))]


def nd(**labels: str) -> Node:
    return mk_node("node-a", labels=labels)


def nd_tainted(key: str, **labels: str) -> Node:
    return mk_node("node-a", labels=labels, taints=[{"key": key, "value": "bbb", "effect": "NoSchedule"}])


@pytest.mark.parametrize(
    ("constraints", "old", "new", "want"),
    [
        (ZONE_FOO, nd(zone="zone1"), nd(zone="zone2"), Q),  # node updates label which matches topologyKey
        (ZONE_FOO, nd(foo="bar1"), nd(foo="bar2"), SKIP),  # node that doesn't match ... updates non-related label
        (ZONE_NODE_FOO, nd(zone="zone1", node="node1", foo="bar"), nd(zone="zone1", node="node1"), SKIP),  # ... adds non-related label
        (ZONE_FOO, None, nd(foo="bar"), SKIP),  # create node with non-related labels
        (ZONE_FOO, None, nd(zone="zone1"), Q),  # create node with related labels
        (ZONE_FOO, nd(foo="bar"), None, SKIP),  # delete node with non-related labels
        (ZONE_FOO, nd(zone="zone1"), None, Q),  # delete node with related labels
        (ZONE_NODE_FOO, None, nd(zone="zone1"), SKIP),  # add node ... only match one of topologySpreadConstraints
        (ZONE_NODE_FOO, None, nd(zone="zone1", node="node1"), Q),  # add node ... match all
        (ZONE_NODE_FOO, nd(zone="zone1"), nd(zone="zone1"), SKIP),  # update node ... only match one
        (ZONE_NODE_FOO, nd(zone="zone1", node="node1"), nd(zone="zone1", node="node2"), Q),  # update node ... match all
        # update node with different taints that match all topologySpreadConstraints
        (ZONE_NODE_FOO, nd_tainted("aaa", zone="zone1", node="node1"), nd_tainted("ccc", zone="zone1", node="node1"), Q),
        # update node with different taints that only match one of topologySpreadConstraints
        (ZONE_NODE_FOO, nd_tainted("aaa", node="node1"), nd_tainted("ccc", node="node1"), SKIP),
    ],
)
def test_pod_topology_spread_node_change(constraints: list[dict[str, Any]], old: Node | None, new: Node | None,
                                         want: QueueingHint) -> None:
    """podtopologyspread Test_isSchedulableAfterNodeChange."""
    target = mk_pod("p", spread=constraints)
    assert pod_topology_spread_is_schedulable_after_node_change(target, old, new, args=LIST_ARGS, cluster=cluster([])) == want


ZONE_FOO_NODE_BAR = [spread("zone", exists("foo")), spread("node", exists("bar"))]
BOUND = {"node_name": "fake-node"}


def p2(**kw: Any) -> Pod:
    return mk_pod(uid="p2", **kw)


@pytest.mark.parametrize(
    ("constraints", "old", "new", "want"),
    [
        (ZONE_FOO, None, p2(labels={"foo": ""}, **BOUND), Q),  # add pod with labels match topologySpreadConstraints selector
        (ZONE_FOO, None, p2(labels={"foo": ""}), SKIP),  # add un-scheduled pod
        (ZONE_FOO, p2(labels={"bar": ""}), p2(labels={"foo": ""}), SKIP),  # update un-scheduled pod
        (ZONE_FOO, p2(labels={"foo": ""}), None, SKIP),  # delete un-scheduled pod
        (ZONE_FOO, None, p2(namespace="fake-namespace", labels={"foo": ""}, **BOUND), SKIP),  # add pod with different namespace
        (ZONE_FOO, None, p2(labels={"bar": ""}, **BOUND), SKIP),  # add pod with labels don't match ... selector
        (ZONE_FOO, p2(labels={"foo": ""}, **BOUND), None, Q),  # delete pod with labels that match ... selector
        (ZONE_FOO, p2(labels={"bar": ""}, **BOUND), None, SKIP),  # delete pod with labels that don't match ... selector
        # update pod's non-related label
        (ZONE_FOO, p2(labels={"foo": "", "bar": "bar1"}, **BOUND), p2(labels={"foo": "", "bar": "bar2"}, **BOUND), SKIP),
        (ZONE_FOO, p2(**BOUND), p2(labels={"foo": ""}, **BOUND), Q),  # add pod's label that matches ... selector
        (ZONE_FOO, p2(labels={"foo": ""}, **BOUND), p2(**BOUND), Q),  # delete pod label that matches ... selector
        (ZONE_FOO, p2(labels={"foo": "foo1"}, **BOUND), p2(labels={"foo": "foo2"}, **BOUND), SKIP),  # change pod's label that matches
        # change pod's label that doesn't match topologySpreadConstraints selector
        (ZONE_FOO, p2(labels={"foo": "", "bar": "bar1"}, **BOUND), p2(labels={"foo": "", "bar": "bar2"}, **BOUND), SKIP),
        # add pod's label that matches ... selector with multi topologySpreadConstraints
        (ZONE_FOO_NODE_BAR, p2(labels={"foo": ""}, **BOUND), p2(labels={"foo": "", "bar": "bar2"}, **BOUND), Q),
        # change pod's label that doesn't match ... with multi topologySpreadConstraints
        (ZONE_FOO_NODE_BAR, p2(labels={"foo": ""}, **BOUND), p2(labels={"foo": "", "baz": ""}, **BOUND), SKIP),
        # change pod's label that match ... with multi topologySpreadConstraints
        (ZONE_FOO_NODE_BAR, p2(labels={"foo": "", "bar": ""}, **BOUND), p2(labels={"foo": "", "bar": "bar2"}, **BOUND), SKIP),
    ],
)
def test_pod_topology_spread_pod_change(constraints: list[dict[str, Any]], old: Pod | None, new: Pod | None,
                                        want: QueueingHint) -> None:
    """podtopologyspread Test_isSchedulableAfterPodChange (other pods)."""
    target = mk_pod("p", "p", labels={"foo": ""}, spread=constraints)
    assert pod_topology_spread_is_schedulable_after_pod_change(target, old, new, args=LIST_ARGS, cluster=cluster([])) == want


@pytest.mark.parametrize(
    ("policy", "old_labels", "new_labels", "tolerations", "want"),
    [
        # the unschedulable Pod has topologySpreadConstraint with NodeTaintsPolicy:Honor and has got a new toleration
        ("Honor", {"foo": ""}, {"foo": ""}, UNSCHED_TOLERATION, Q),
        # ... without NodeTaintsPolicy:Honor and has got a new toleration
        ("Ignore", {"foo": ""}, {"foo": ""}, UNSCHED_TOLERATION, SKIP),
        # ... has got a new label matching the selector of the constraint
        ("Ignore", {}, {"foo": ""}, None, Q),
        # ... has got a new unrelated label
        ("Ignore", {}, {"unrelated": ""}, None, SKIP),
    ],
)
def test_pod_topology_spread_own_update(policy: str, old_labels: dict[str, str], new_labels: dict[str, str],
                                        tolerations: list[dict[str, Any]] | None, want: QueueingHint) -> None:
    """podtopologyspread Test_isSchedulableAfterPodChange (the unschedulable pod's own updates;
    NodeInclusionPolicyInPodTopologySpread is GA, so nodeTaintsPolicy is honoured)."""
    constraints = [spread("zone", exists("foo"), policy), spread("node", exists("bar"))]
    target = mk_pod("p", "p", labels={"foo": ""}, spread=constraints)
    old = mk_pod("p", "p", labels=old_labels)
    new = mk_pod("p", "p", labels=new_labels, tolerations=tolerations)
    assert pod_topology_spread_is_schedulable_after_pod_change(target, old, new, args=LIST_ARGS, cluster=cluster([])) == want


def test_pod_topology_spread_bad_selector_is_error() -> None:
    """getConstraints fails on a selector that does not parse: (Queue, err)."""
    bad = {"matchExpressions": [{"key": "foo", "operator": "In", "values": []}]}
    target = mk_pod("p", "p", spread=[spread("zone", bad)])
    with pytest.raises(HintError):
        pod_topology_spread_is_schedulable_after_node_change(target, None, nd(zone="z"), args=LIST_ARGS, cluster=cluster([]))


# ---- InterPodAffinity ----------------------------------------------------------------------------


def pod_affinity_in(key: str, topology: str, values: list[str], anti: bool = False) -> dict[str, Any]:
    """st.PodAffinityIn / PodAntiAffinityIn with the required kind."""
    term = {"labelSelector": {"matchExpressions": [{"key": key, "operator": "In", "values": values}]}, "topologyKey": topology}
    return {"podAntiAffinity" if anti else "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


def pod_affinity_exists(*keys: str, topology: str) -> dict[str, Any]:
    """st.PodAffinityExists(key, topology, required) for each key."""
    terms = [{"labelSelector": exists(k), "topologyKey": topology} for k in keys]
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": terms}}


AFF = mk_pod("p", affinity=pod_affinity_in("service", "region", ["securityscan", "value2"]))
AFF_MULTI = mk_pod("p", affinity=pod_affinity_exists("aaa", "bbb", topology="hostname"))
ANTI = mk_pod("p", affinity=pod_affinity_in("service", "region", ["securityscan", "value2"], anti=True))


def bound(**labels: str) -> Pod:
    return mk_pod(node_name="fake-node", labels=labels)


@pytest.mark.parametrize(
    ("target", "old", "new", "want"),
    [
        (AFF, None, bound(service="securityscan"), Q),  # add a pod which matches the pod affinity
        (AFF, None, mk_pod(labels={"service": "securityscan"}), SKIP),  # add an un-scheduled pod
        (AFF, None, bound(aaa="a"), SKIP),  # add a pod which doesn't match the pod affinity
        (AFF, bound(aaa="a"), bound(service="securityscan"), Q),  # update a pod from non-match to match pod affinity
        (AFF, bound(service="value2"), bound(service="securityscan"), SKIP),  # matches both before and after
        (AFF, mk_pod(labels={"service": "securityscan"}), mk_pod(labels={"service": "securityscan"}), SKIP),  # update an un-scheduled pod
        (AFF, bound(service="securityscan"), bound(aaa="a"), SKIP),  # update a pod from match to non-match the pod affinity
        (AFF_MULTI, bound(aaa="a"), bound(service="securityscan"), SKIP),  # match to non-match - multiple terms case
        (AFF_MULTI, bound(aaa="a"), bound(aaa="", bbb=""), Q),  # non-match to match - multiple terms case
        (ANTI, bound(service="securityscan"), bound(service="aaaa"), Q),  # satisfying anti-affinity to not satisfying
        (ANTI, bound(service="bbb"), bound(service="securityscan"), SKIP),  # not satisfying to satisfying anti-affinity
        (ANTI, bound(aaa="a"), None, SKIP),  # delete a pod which doesn't match pod's anti-affinity
        (ANTI, bound(service="securityscan"), None, Q),  # delete a pod which matches pod's anti-affinity
    ],
)
def test_inter_pod_affinity_pod_change(target: Pod, old: Pod | None, new: Pod | None, want: QueueingHint) -> None:
    """interpodaffinity Test_isSchedulableAfterPodChange."""
    assert inter_pod_affinity_is_schedulable_after_pod_change(target, old, new) == want


AFF_ZONE = mk_pod("p", affinity=pod_affinity_in("service", "zone", ["securityscan", "value2"]))
ANTI_ZONE = mk_pod("p", affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"another": "label"}}, "topologyKey": "zone"}]}})


@pytest.mark.parametrize(
    ("target", "old", "new", "want"),
    [
        (AFF_ZONE, None, nd(zone="zone1"), Q),  # add a new node with matched pod affinity topologyKey
        (AFF, None, nd(zone="zone1"), SKIP),  # add a new node without matched topologyKey
        (AFF_ZONE, nd(aaa="a"), nd(aaa="b"), SKIP),  # update node label but not topologyKey
        (AFF_ZONE, nd(zone="zone1"), nd(zone="zone1", **{"unrelated-label": "unrelated"}), SKIP),  # unrelated label
        (AFF_ZONE, nd(zone="zone1"), nd(zone="zone2"), Q),  # update node with different affinity topologyKey value
        (AFF_ZONE, nd(aaa="a"), nd(zone="zone1"), Q),  # update node to have the affinity topology label
        (ANTI_ZONE, None, nd(zone="zone1"), Q),  # add a new node with matched pod anti-affinity topologyKey
        (ANTI_ZONE, None, nd(), Q),  # add a new node without matched pod anti-affinity topologyKey
        (ANTI_ZONE, nd(zone="zone1"), nd(zone="zone1", **{"unrelated-label": "unrelated"}), SKIP),  # unrelated label
        (ANTI_ZONE, nd(zone="zone1"), nd(zone="zone2"), Q),  # update node with different anti-affinity topologyKey value
        (ANTI_ZONE, nd(aaa="a"), nd(zone="zone1"), SKIP),  # update node to have the anti-affinity topology label
        (ANTI_ZONE, nd(zone="zone1"), nd(aaa="a"), Q),  # update node label not to have anti-affinity topology label
    ],
)
def test_inter_pod_affinity_node_change(target: Pod, old: Node | None, new: Node, want: QueueingHint) -> None:
    """interpodaffinity Test_isSchedulableAfterNodeChange."""
    assert inter_pod_affinity_is_schedulable_after_node_change(target, old, new) == want


# ---- SchedulingGates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        (None, NOT_A_POD, HintError),  # wrong new object
        (mk_pod("p", "p", gates=["g"]), mk_pod("q", "q"), SKIP),  # another pod's gates were removed
        (mk_pod("p", "p", gates=["g"]), mk_pod("p", "p"), Q),  # the pod's own gates were removed
    ],
)
def test_scheduling_gates_eliminated(old: object, new: object, want: Any) -> None:
    """schedulinggates isSchedulableAfterUpdatePodSchedulingGatesEliminated (worked from the Go
    function: Queue only for the pod's own update)."""
    check(scheduling_gates_is_schedulable_after_update_pod_scheduling_gates_eliminated, mk_pod("p", "p", gates=["g"]), old, new, want)


# ---- EventsToRegister ----------------------------------------------------------------------------

A = ActionType
POD_R, NODE_R = EventResource.Pod, EventResource.Node


@pytest.mark.parametrize(
    ("name", "want"),
    [
        # Fit.EventsToRegister with InPlacePodVerticalScaling and queueing hints on.
        ("NodeResourcesFit", [(POD_R, A.Delete | A.UpdatePodScaleDown), (NODE_R, A.Add | A.UpdateNodeAllocatable)]),
        ("TaintToleration", [(NODE_R, A.Add | A.UpdateNodeTaint), (POD_R, A.UpdatePodToleration)]),
        ("NodeAffinity", [(NODE_R, A.Add | A.UpdateNodeLabel)]),
        ("NodeUnschedulable", [(NODE_R, A.Add | A.UpdateNodeTaint), (POD_R, A.UpdatePodToleration)]),
        ("NodeName", [(NODE_R, A.Add)]),
        ("NodePorts", [(POD_R, A.Delete), (NODE_R, A.Add)]),
        ("PodTopologySpread", [(POD_R, A.Add | A.UpdatePodLabel | A.UpdatePodToleration | A.Delete),
                               (NODE_R, A.Add | A.Delete | A.UpdateNodeLabel | A.UpdateNodeTaint)]),
        ("InterPodAffinity", [(POD_R, A.Add | A.UpdatePodLabel | A.Delete), (NODE_R, A.Add | A.UpdateNodeLabel | A.UpdateNodeTaint)]),
        ("SchedulingGates", [(POD_R, A.UpdatePodSchedulingGatesEliminated)]),
    ],
)
def test_events_to_register(name: str, want: list[tuple[str, ActionType]]) -> None:
    """Each plugin's EventsToRegister (the events of its v1.34 source, hints enabled)."""
    c = cluster([])
    plugin = only(name).plugins.get(name) if name != "SchedulingGates" else None
    events = events_to_register(name, plugin, c)
    assert events is not None
    assert [(e.event.resource, e.event.action_type) for e in events] == want
    assert set(EVENTS_TO_REGISTER) >= {name}


def test_plugins_without_enqueue_extensions() -> None:
    """Score-only plugins implement no EnqueueExtensions (None: registered for every resource);
    the volume and DRA plugins register events of objects kbench does not model (none here)."""
    c = cluster([])
    assert events_to_register("ImageLocality", None, c) is None
    assert events_to_register("NodeResourcesBalancedAllocation", None, c) is None
    assert events_to_register("VolumeBinding", None, c) == []


def test_default_profile_hint_map() -> None:
    """buildQueueingHintMap over the default profile: NodeName registers Node/Add only, so it also
    gets Node/UpdateNodeTaint with the default hint; NodeAffinity likewise."""
    profile = expand_profile(Profile(), "<t>", "", None)
    m = queueing_hint_map(profile, cluster([]))
    taint = ClusterEvent(NODE_R, A.UpdateNodeTaint)
    by_plugin = {f.plugin_name: f.queueing_hint_fn for f in m[taint]}
    assert by_plugin["NodeName"] is default_queueing_hint_fn
    assert by_plugin["NodeAffinity"] is default_queueing_hint_fn
    assert "TaintToleration" not in by_plugin  # it registers UpdateNodeTaint itself
    assert any(f.plugin_name == "SchedulingGates" for fns in m.values() for f in fns)


# ---- handleSchedulingFailure's plugins and the queue driven by real hints -------------------------


def test_diagnosis_plugins_from_filter_rejections() -> None:
    """The filter plugins that rejected nodes become UnschedulablePlugins (FitError)."""
    # n1 is too small for the pod (NodeResourcesFit), n2 has an untolerated taint (TaintToleration).
    c = cluster([node("n1", {"cpu": "1"}), node("n2", {"cpu": "4"}, taints=[{"key": "k", "effect": "NoSchedule"}])])
    profile = expand_profile(Profile(), "<t>", "", None)
    fw = Framework(profile)
    p = pod("p", [{"cpu": "2"}])
    _, res = fw.schedule(c, PodInfo(p), all_nodes=True)
    unschedulable, pending = diagnosis_plugins(res)
    assert unschedulable == {"NodeResourcesFit", "TaintToleration"}
    assert pending == set()


def test_fit_rejected_pod_requeued_by_allocatable_increase() -> None:
    """A pod rejected by NodeResourcesFit sits in the pool through unrelated node updates and is
    moved by the UpdateNodeAllocatable that makes it fit (after its backoff: to activeQ)."""
    t = [1000.0]
    profile = expand_profile(Profile(), "<t>", "", None)
    c = cluster([node("n1", {"cpu": "1"})])
    q = SchedulingQueue(lambda: t[0], hint_maps={profile.name: queueing_hint_map(profile, c)})
    p = pod("p", [{"cpu": "2"}])
    q.add(p)
    pinfo = q.pop()
    assert pinfo is not None
    _, res = Framework(profile).schedule(c, pinfo.pod_info, all_nodes=True)
    pinfo.unschedulable_plugins, pinfo.pending_plugins = diagnosis_plugins(res)
    assert pinfo.unschedulable_plugins == {"NodeResourcesFit"}
    q.add_unschedulable_if_not_present(pinfo, q.scheduling_cycle())
    assert q.unschedulable_pods.get(p) is pinfo
    old = node("n1", {"cpu": "1"})
    relabelled = node("n1", {"cpu": "1"}, labels={"a": "b"})
    for ev in node_scheduling_properties_change(relabelled, old):
        q.move_all_to_active_or_backoff(ev, old, relabelled)
    assert q.unschedulable_pods.get(p) is pinfo  # no hint of NodeResourcesFit for a label change
    t[0] += 2.0
    bigger = node("n1", {"cpu": "4"})
    events = node_scheduling_properties_change(bigger, old)
    assert events == [ClusterEvent(NODE_R, A.UpdateNodeAllocatable)]
    q.move_all_to_active_or_backoff(events[0], old, bigger)
    assert q.active_q.has(p.key)


def test_assigned_pod_delete_requeues_fit_rejected_pod() -> None:
    """EventAssignedPodDelete reaches NodeResourcesFit's Pod/Delete hint (AssignedPod matches Pod)."""
    t = [1000.0]
    profile = expand_profile(Profile(), "<t>", "", None)
    c = cluster([node("n1", {"cpu": "1"})])
    q = SchedulingQueue(lambda: t[0], hint_maps={profile.name: queueing_hint_map(profile, c)})
    p = pod("p", [{"cpu": "1"}])
    q.add(p)
    pinfo = q.pop()
    assert pinfo is not None
    pinfo.unschedulable_plugins = {"NodeResourcesFit"}
    q.add_unschedulable_if_not_present(pinfo, q.scheduling_cycle())
    victim = pod("v", [{"cpu": "1"}], node_name="n1")
    q.move_all_to_active_or_backoff(EVENT_ASSIGNED_POD_DELETE, victim, None)
    assert q.backoff_q.has(p.key)  # Queue, but it failed just now: backoffQ


def test_gated_pod_released_by_real_hint() -> None:
    """SchedulingGates: a gated pod leaves the pool when its gates are removed (its own update)."""
    profile = expand_profile(Profile(), "<t>", "", None)
    q = SchedulingQueue(lambda: 1000.0, hint_maps={profile.name: queueing_hint_map(profile, cluster([]))})
    gated = mk_pod("g", "g", gates=["example.com/wait"])
    q.add(gated)
    assert q.lengths().gated == 1
    q.move_all_to_active_or_backoff(EVENT_NODE_ADD, None, mk_node("n"))  # not a SchedulingGates event
    assert q.lengths().gated == 1
    ungated = mk_pod("g", "g")
    assert pod_scheduling_properties_change(ungated, gated) == [
        ClusterEvent(EventResource.UnschedulablePod, A.UpdatePodSchedulingGatesEliminated)]
    q.update(gated, ungated)
    assert q.active_q.has(ungated.key)
    assert q.lengths().gated == 0
