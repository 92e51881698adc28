"""DaemonSet helpers: NodeShouldRunDaemonPod (cases of daemon_controller_test.go
TestNodeShouldRunDaemonPod, plus taints worked from predicates()), the daemon tolerations,
ReplaceDaemonSetPodNodeNameNodeAffinity and GetTargetNodeName (daemonset_util_test.go), the
update budgets and the failed-pod backoff."""

from __future__ import annotations

from typing import Any

import pytest

from kbench.api.objects import Affinity, Node, Pod, PodSpec, Toleration
from kbench.api.workloads import DaemonSet
from kbench.controllers.daemonset.backoff import Backoff
from kbench.controllers.daemonset.util import (
    DaemonPodFit,
    add_or_update_toleration,
    daemon_pod_tolerations,
    is_pod_updated,
    node_name_affinity,
    surge_count,
    target_node_name,
    unavailable_count,
)

SIMPLE = {"name": "simple-daemon", "type": "production"}


def daemon_set(spec: dict[str, Any] | None = None, strategy: dict[str, Any] | None = None) -> DaemonSet:
    return DaemonSet.model_validate({"metadata": {"name": "ds", "namespace": "default"}, "spec": {
        "selector": {"matchLabels": SIMPLE}, "updateStrategy": strategy or {"type": "RollingUpdate"},
        "template": {"metadata": {"labels": SIMPLE}, "spec": {"containers": [{"name": "c", "image": "x"}],
                                                             **(spec or {})}}}})


def node(labels: dict[str, str] | None = None, taints: list[dict[str, str]] | None = None,
         unschedulable: bool = False) -> Node:
    return Node.model_validate({"metadata": {"name": "test-node", "labels": SIMPLE if labels is None else labels},
                                "spec": {"taints": taints or [], "unschedulable": unschedulable}})


def required(key: str, values: list[str]) -> dict[str, Any]:
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": key, "operator": "In", "values": values}]}]}}}}


@pytest.mark.parametrize(("spec", "want"), [
    ({}, (True, True)),                                               # ShouldRunDaemonPod
    ({"nodeName": "other-node"}, (False, False)),                     # ErrPodNotMatchHostName
    ({"nodeName": "test-node"}, (True, True)),
    ({"nodeSelector": {"name": "other"}}, (False, False)),            # ErrNodeSelectorNotMatch
    ({"nodeSelector": SIMPLE}, (True, True)),
    (required("type", ["test"]), (False, False)),                     # ErrPodAffinityNotMatch
    (required("type", ["production"]), (True, True)),
])
def test_node_should_run_daemon_pod(spec: dict[str, Any], want: tuple[bool, bool]) -> None:
    assert DaemonPodFit.of(daemon_set(spec)).should_run(node()) == want


def test_an_unschedulable_node_runs_daemon_pods() -> None:
    # ShouldRunDaemonPodOnUnschedulableNode; cordoning also taints the node unschedulable:NoSchedule,
    # which every daemon pod tolerates.
    cordoned = node(taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}], unschedulable=True)
    assert DaemonPodFit.of(daemon_set()).should_run(cordoned) == (True, True)


@pytest.mark.parametrize(("taint", "tolerations", "want"), [
    # An untolerated NoSchedule taint: no new pod, a running one stays.
    ({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}, [], (False, True)),
    # An untolerated NoExecute taint: neither.
    ({"key": "dedicated", "value": "gpu", "effect": "NoExecute"}, [], (False, False)),
    # PreferNoSchedule is not a predicate.
    ({"key": "dedicated", "value": "gpu", "effect": "PreferNoSchedule"}, [], (True, True)),
    ({"key": "dedicated", "value": "gpu", "effect": "NoExecute"},
     [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoExecute"}], (True, True)),
    # The daemon tolerations: node problems never keep or push daemon pods off a node.
    ({"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}, [], (True, True)),
    ({"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}, [], (True, True)),
    ({"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}, [], (True, True)),
    ({"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}, [], (True, True)),
    ({"key": "node.kubernetes.io/pid-pressure", "effect": "NoSchedule"}, [], (True, True)),
    ({"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}, [], (False, True)),
])
def test_taints(taint: dict[str, str], tolerations: list[dict[str, str]], want: tuple[bool, bool]) -> None:
    fit = DaemonPodFit.of(daemon_set({"tolerations": tolerations}))
    assert fit.should_run(node(taints=[taint])) == want


def test_host_network_pods_tolerate_network_unavailable() -> None:
    fit = DaemonPodFit.of(daemon_set({"hostNetwork": True}))
    assert fit.should_run(node(taints=[{"key": "node.kubernetes.io/network-unavailable",
                                        "effect": "NoSchedule"}])) == (True, True)


def test_daemon_tolerations_in_order_replacing_a_matching_one() -> None:
    # AddOrUpdateTolerationInPodSpec replaces a toleration with the same key, operator, value and
    # effect: the template's 300 s not-ready toleration loses its tolerationSeconds.
    spec = PodSpec.model_validate({"tolerations": [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "dedicated", "operator": "Exists"}]})
    got = [(t.key, t.operator, t.effect, t.toleration_seconds) for t in daemon_pod_tolerations(spec)]
    assert got == [("node.kubernetes.io/not-ready", "Exists", "NoExecute", None),
                   ("dedicated", "Exists", "", None),
                   ("node.kubernetes.io/unreachable", "Exists", "NoExecute", None),
                   ("node.kubernetes.io/disk-pressure", "Exists", "NoSchedule", None),
                   ("node.kubernetes.io/memory-pressure", "Exists", "NoSchedule", None),
                   ("node.kubernetes.io/pid-pressure", "Exists", "NoSchedule", None),
                   ("node.kubernetes.io/unschedulable", "Exists", "NoSchedule", None)]


def test_add_or_update_toleration_leaves_an_equal_one() -> None:
    tol = Toleration(key="k", operator="Exists", effect="NoSchedule")
    assert add_or_update_toleration([tol], Toleration(key="k", operator="Exists", effect="NoSchedule")) == [tol]
    other = Toleration(key="k", operator="Equal", value="v", effect="NoSchedule")
    assert add_or_update_toleration([other], tol) == [other, tol]


def _fields(a: Affinity) -> list[tuple[str, str, list[str]]]:
    assert a.node_affinity is not None and a.node_affinity.required_during_scheduling_ignored_during_execution
    terms = a.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms
    return [(r.key, r.operator, r.values) for t in terms for r in t.match_fields + t.match_expressions]


def test_replace_node_name_node_affinity() -> None:
    assert _fields(node_name_affinity(None, "host_1")) == [("metadata.name", "In", ["host_1"])]
    affinity = Affinity.model_validate({"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["host_1", "host_2"]}]},
            {"matchExpressions": [{"key": "type", "operator": "In", "values": ["production"]}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": {"matchExpressions": [{"key": "disk", "operator": "Exists"}]}}]},
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone"}]}})
    got = node_name_affinity(affinity, "host_3")
    assert _fields(got) == [("metadata.name", "In", ["host_3"])]
    assert got.node_affinity is not None and len(got.node_affinity.preferred_during_scheduling_ignored_during_execution) == 1
    assert got.pod_anti_affinity == affinity.pod_anti_affinity


@pytest.mark.parametrize(("spec", "want"), [
    ({"nodeName": "node-1"}, "node-1"),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1"]}]}]}}}}, "node-1"),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-1", "node-2"]}]}]}}}}, None),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "type", "operator": "In", "values": ["x"]}]}]}}}}, None),
    ({}, None),
])
def test_target_node_name(spec: dict[str, Any], want: str | None) -> None:
    assert target_node_name(Pod.model_validate({"metadata": {"name": "p"}, "spec": spec})) == want


@pytest.mark.parametrize(("strategy", "desired", "surge", "unavailable"), [
    ({"type": "RollingUpdate"}, 10, 0, 1),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}}, 25, 0, 3),   # 2.5 rounds up
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "30%"}}, 10, 3, 0),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "1%"}}, 10, 1, 0),  # 0.1 up
    ({"type": "OnDelete"}, 10, 0, 0),
])
def test_update_budgets(strategy: dict[str, Any], desired: int, surge: int, unavailable: int) -> None:
    ds = daemon_set(strategy=strategy)
    assert (surge_count(ds, desired), unavailable_count(ds, desired)) == (surge, unavailable)


def test_pod_updated_by_hash_or_template_generation() -> None:
    def pod(labels: dict[str, str]) -> Pod:
        return Pod.model_validate({"metadata": {"name": "p", "labels": labels}})
    assert is_pod_updated(pod({"controller-revision-hash": "abc"}), "abc", None)
    assert not is_pod_updated(pod({"controller-revision-hash": "old"}), "abc", None)
    assert is_pod_updated(pod({"controller-revision-hash": "old", "pod-template-generation": "2"}), "abc", 2)
    assert not is_pod_updated(pod({"pod-template-generation": "1"}), "abc", 2)


def test_failed_pod_backoff_doubles_from_one_second() -> None:
    t = [0.0]
    b = Backoff(lambda: t[0])
    assert not b.in_backoff_since_update("k", 0.0)
    b.next("k", 0.0)
    assert b.get("k") == 1.0 and b.in_backoff_since_update("k", 0.5) and not b.in_backoff_since_update("k", 1.0)
    t[0] = 1.0
    b.next("k", 1.0)
    assert b.get("k") == 2.0 and b.in_backoff_since_update("k", 2.9) and not b.in_backoff_since_update("k", 3.0)
    for _ in range(20):
        b.next("k", t[0])
    assert b.get("k") == 900.0
    t[0] = 1.0 + 1801.0   # more than twice the maximum without a failure: forgotten
    assert not b.in_backoff_since_update("k", t[0])
    b.next("k", t[0])
    assert b.get("k") == 1.0
