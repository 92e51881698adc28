"""scheduler_perf scenarios: names, workload sizes, nodes, zones and pod templates.

Every expected value below is copied from kubernetes/kubernetes, test/integration/scheduler_perf/
(the files and commits named in kbench.traces.scheduler_perf's docstring), not from kbench's output.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest
import yaml

from kbench.api.objects import Node, Pod
from kbench.api.quantity import parse_quantity
from kbench.errors import ConfigError
from kbench.traces.scheduler_perf import (
    SCENARIOS,
    Workload,
    parse_name,
    scenario_names,
    scenario_nodes,
    scenario_pods,
)

# (nodes, init_pods, measure_pods) = params (initNodes, initPods, measurePods) of each workload.
PARAMS = {
    # misc/performance-config.yaml, test case SchedulingBasic
    "SchedulingBasic": {
        "5Nodes": (5, 5, 10),
        "5Nodes_AsyncAPICallsEnabled": (5, 5, 10),
        "500Nodes": (500, 500, 1000),
        "5000Nodes": (5000, 1000, 1000),
        "5000Nodes_10000Pods": (5000, 1000, 10000),
        "5000Nodes_50000Pods": (5000, 5000, 50000),
        "5000Nodes_50000Pods_AsyncAPICallsEnabled": (5000, 5000, 50000),
        "5000Nodes_50000Pods_NodeDeclaredFeaturesDisabled": (5000, 5000, 50000),
    },
    # topology_spreading/performance-config.yaml, test case TopologySpreading
    "TopologySpreading": {
        "5Nodes": (5, 10, 10),
        "500Nodes": (500, 1000, 1000),
        "5000Nodes": (5000, 5000, 2000),
        "5000Nodes_5000Pods": (5000, 5000, 5000),
    },
    # affinity/performance-config.yaml, test case SchedulingPodAntiAffinity
    "SchedulingPodAntiAffinity": {
        "5Nodes": (5, 1, 4),
        "5Nodes_QueueingHintsEnabled": (5, 1, 4),
        "500Nodes": (500, 100, 400),
        "5000Nodes": (5000, 1000, 1000),
        "5000Nodes_2000Pods": (5000, 1000, 2000),
        "5000Nodes_2000Pods_QueueingHintsEnabled": (5000, 1000, 2000),
    },
    # default_preemption/performance-config.yaml, test case PreemptionBasic (500Nodes is kbench's)
    "PreemptionBasic": {
        "5Nodes": (5, 20, 5),
        "5Nodes_AsyncAPICallsEnabled": (5, 20, 5),
        "500Nodes": (500, 2000, 500),
        "1000Nodes": (1000, 4000, 1000),
        "1000Nodes_AsyncAPICallsEnabled": (1000, 4000, 1000),
    },
}

# templates/pod-with-topology-spreading.yaml, spec.topologySpreadConstraints
SPREAD = yaml.safe_load("""
- maxSkew: 5
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: DoNotSchedule
  labelSelector:
    matchLabels:
      color: blue
""")

# templates/pod-with-pod-anti-affinity.yaml, spec.affinity
ANTI_AFFINITY = yaml.safe_load("""
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
  - labelSelector:
      matchLabels:
        color: green
    topologyKey: kubernetes.io/hostname
    namespaces: ["sched-1", "sched-0"]
""")

# templates/pod-default.yaml (and the other pod templates), spec.containers[0].resources
RESOURCES = {"limits": {"cpu": "100m", "memory": "500Mi"}, "requests": {"cpu": "100m", "memory": "500Mi"}}


def name(case: str, workload: str) -> str:
    return f"scheduler-perf:{case}/{workload}"


ALL = [(c, w) for c, ws in PARAMS.items() for w in ws]


# ---- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "workload"), ALL)
def test_parse_name(case: str, workload: str) -> None:
    assert parse_name(name(case, workload)) == (case, workload)


def test_scenarios_are_exactly_the_kubernetes_workloads() -> None:
    assert {c: set(ws) for c, ws in SCENARIOS.items()} == {c: set(ws) for c, ws in PARAMS.items()}
    assert scenario_names() == [name(c, w) for c, w in ALL]


@pytest.mark.parametrize("bad", [
    "scheduler-perf:TopologySpreading/50Nodes",  # unknown workload
    "scheduler-perf:SchedulingFoo/5Nodes",  # unknown test case
    "scheduler-perf:TopologySpreading",  # no workload
    "TopologySpreading/5000Nodes",  # no prefix
    "scheduler-perf:Unschedulable/5Nodes/1Init/10Pods",  # a real test case this module does not carry
    "scheduler-perf:TopologySpreading/5Nodes\nx",
])
def test_unknown_names_are_one_line_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_name(bad)
    msg = str(err.value)
    assert "\n" not in msg
    assert err.value.field == ""
    assert err.value.message.startswith("expected ")
    assert "scheduler-perf:TopologySpreading/5000Nodes," in msg
    assert "scheduler-perf:SchedulingPodAntiAffinity/5000Nodes_2000Pods" in msg
    with pytest.raises(ConfigError):
        scenario_nodes(bad)
    with pytest.raises(ConfigError):
        scenario_pods(bad)


# ---- workload parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "workload"), ALL)
def test_workload_params(case: str, workload: str) -> None:
    w = SCENARIOS[case][workload]
    assert (w.nodes, w.init_pods, w.measure_pods) == PARAMS[case][workload]


def test_workload_labels_thresholds_and_feature_gates() -> None:
    # misc/performance-config.yaml: SchedulingBasic/5000Nodes_10000Pods has labels [performance],
    # threshold 680; 5000Nodes_50000Pods_AsyncAPICallsEnabled: SchedulerAsyncAPICalls: true, 810.
    assert SCENARIOS["SchedulingBasic"]["5000Nodes_10000Pods"] == Workload(5000, 1000, 10000, ("performance",), 680)
    assert SCENARIOS["SchedulingBasic"]["5000Nodes_50000Pods_AsyncAPICallsEnabled"].feature_gates == (
        ("SchedulerAsyncAPICalls", True),)
    assert SCENARIOS["SchedulingBasic"]["5000Nodes_50000Pods_NodeDeclaredFeaturesDisabled"].threshold == 810
    # topology_spreading/performance-config.yaml: 5000Nodes_5000Pods, threshold 460.
    assert SCENARIOS["TopologySpreading"]["5000Nodes_5000Pods"].threshold == 460
    # affinity/performance-config.yaml: 5Nodes has SchedulerQueueingHints: false and labels
    # [integration-test, short]; 5000Nodes_2000Pods threshold 60.
    assert SCENARIOS["SchedulingPodAntiAffinity"]["5Nodes"] == Workload(
        5, 1, 4, ("integration-test", "short"), None, (("SchedulerQueueingHints", False),))
    assert SCENARIOS["SchedulingPodAntiAffinity"]["5000Nodes_2000Pods"].threshold == 60


# ---- nodes ----------------------------------------------------------------------------------------


def alloc(node: Node) -> dict[str, int]:
    a = node.status.allocatable
    return {"cpu_milli": a["cpu"].milli_value(), "memory": a["memory"].value(), "pods": a["pods"].value()}


# makeBaseNode and templates/node-default.yaml: cpu "4", memory 32Gi, pods "110".
NODE_ALLOC = {"cpu_milli": 4000, "memory": 32 * 2**30, "pods": 110}


@pytest.mark.parametrize(("case", "workload"), [(c, w) for c, w in ALL if PARAMS[c][w][0] <= 500])
def test_node_counts_names_and_allocatable(case: str, workload: str) -> None:
    nodes = scenario_nodes(name(case, workload))
    assert len(nodes) == PARAMS[case][workload][0]
    names = [n.name for n in nodes]
    assert len(set(names)) == len(names) and names == sorted(names)
    # generateName: node-<opIndex>- from makeBaseNode (createNodes is op 0), scheduler-perf- from
    # node-default.yaml; the kubelet-style hostname label is set by IntegrationTestNodePreparer.
    prefix = "scheduler-perf-" if case == "TopologySpreading" else "node-0-"
    for n in nodes:
        assert n.name.startswith(prefix) and len(n.name) == len(prefix) + 5
        assert n.metadata.labels["kubernetes.io/hostname"] == n.name
        assert alloc(n) == NODE_ALLOC
        assert {k: q.amount for k, q in n.status.capacity.items()} == {
            "cpu": 4, "memory": 32 * 2**30, "pods": 110}
        assert n.status.conditions == [{"type": "Ready", "status": "True"}]
        assert not n.spec.taints and not n.spec.unschedulable


def test_only_topology_spreading_nodes_have_zones() -> None:
    for case in ("SchedulingBasic", "SchedulingPodAntiAffinity"):
        for n in scenario_nodes(name(case, "5Nodes")):
            assert set(n.metadata.labels) == {"kubernetes.io/hostname"}


def test_topology_spreading_zones_round_robin() -> None:
    # labelNodePrepareStrategy: labelValues ["moon-1", "moon-2", "moon-3"], handed out round-robin
    # by LabelNodePrepareStrategy.PreparePatch (test/utils/runners.go).
    nodes = scenario_nodes(name("TopologySpreading", "5Nodes"))
    assert [n.metadata.labels["topology.kubernetes.io/zone"] for n in nodes] == [
        "moon-1", "moon-2", "moon-3", "moon-1", "moon-2"]
    zones = Counter(n.metadata.labels["topology.kubernetes.io/zone"]
                    for n in scenario_nodes(name("TopologySpreading", "5000Nodes")))
    assert zones == {"moon-1": 1667, "moon-2": 1667, "moon-3": 1666}


def test_large_node_lists() -> None:
    nodes = scenario_nodes(name("SchedulingBasic", "5000Nodes"))
    assert len(nodes) == 5000 and len({n.name for n in nodes}) == 5000
    assert nodes[0].name == "node-0-00000" and nodes[-1].name == "node-0-04999"
    assert nodes[-1].metadata.labels == {"kubernetes.io/hostname": "node-0-04999"}


# ---- pods -----------------------------------------------------------------------------------------


def split(pods: list[tuple[float, Pod]]) -> tuple[list[Pod], list[Pod]]:
    return [p for t, p in pods if t == 0.0], [p for t, p in pods if t == 1.0]


@pytest.mark.parametrize(("case", "workload"), [(c, w) for c, w in ALL if PARAMS[c][w][0] <= 500])
def test_pod_counts_times_and_names(case: str, workload: str) -> None:
    pods = scenario_pods(name(case, workload))
    _, n_init, n_measure = PARAMS[case][workload]
    init, measured = split(pods)
    assert (len(init), len(measured), len(pods)) == (n_init, n_measure, n_init + n_measure)
    assert [t for t, _ in pods] == [0.0] * n_init + [1.0] * n_measure
    names = [p.metadata.name for _, p in pods]
    assert len(set(names)) == len(names)
    for _, p in pods:
        assert p.metadata.name == f"{p.metadata.generate_name}{p.metadata.name[-5:]}"
        res = p.spec.containers[0].resources
        if case == "PreemptionBasic":
            continue   # its own templates: test_preemption_basic_pods
        assert {k: {r: q.amount for r, q in v.items()} for k, v in
                (("limits", res.limits), ("requests", res.requests))} == {
            k: {r: parse_quantity(q).amount for r, q in v.items()} for k, v in RESOURCES.items()}
        assert p.spec.node_name == ""


def test_scheduling_basic_pods() -> None:
    # defaultPodTemplatePath pod-default.yaml (generateName pod-, no labels); the createPods ops
    # have no namespace, so runCreatePodsOp uses namespace-<opIndex>: ops 1 and 2.
    init, measured = split(scenario_pods(name("SchedulingBasic", "500Nodes")))
    assert {p.namespace for p in init} == {"namespace-1"}
    assert {p.namespace for p in measured} == {"namespace-2"}
    for p in init + measured:
        assert p.metadata.generate_name == "pod-" and p.metadata.labels == {}
        assert p.spec.affinity is None and p.spec.topology_spread_constraints == []


def test_topology_spreading_pods() -> None:
    init, measured = split(scenario_pods(name("TopologySpreading", "5Nodes")))
    # initial pods: pod-default.yaml in namespace-1
    assert all(p.metadata.generate_name == "pod-" and p.metadata.labels == {} for p in init)
    assert {p.namespace for p in init} == {"namespace-1"}
    # measured pods: pod-with-topology-spreading.yaml in namespace-2
    expected = Pod.model_validate({"spec": {"topologySpreadConstraints": SPREAD}}).spec.topology_spread_constraints
    assert {p.namespace for p in measured} == {"namespace-2"}
    for p in measured:
        assert p.metadata.generate_name == "spreading-pod-"
        assert p.metadata.labels == {"color": "blue"}
        assert p.spec.topology_spread_constraints == expected
        c = p.spec.topology_spread_constraints[0]
        assert (c.max_skew, c.topology_key, c.when_unsatisfiable) == (5, "topology.kubernetes.io/zone", "DoNotSchedule")
        assert p.spec.affinity is None


def test_pod_anti_affinity_pods() -> None:
    init, measured = split(scenario_pods(name("SchedulingPodAntiAffinity", "500Nodes")))
    assert {p.namespace for p in init} == {"sched-0"}
    assert {p.namespace for p in measured} == {"sched-1"}
    expected = Pod.model_validate({"spec": {"affinity": ANTI_AFFINITY}}).spec.affinity
    for p in init + measured:
        assert p.metadata.generate_name == "anti-affinity-pod-"
        assert p.metadata.labels == {"color": "green"}
        assert p.spec.affinity == expected
        anti = p.spec.affinity.pod_anti_affinity if p.spec.affinity else None
        assert anti is not None
        term = anti.required_during_scheduling_ignored_during_execution[0]
        assert term.label_selector is not None and term.label_selector.match_labels == {"color": "green"}
        assert term.topology_key == "kubernetes.io/hostname"
        assert term.namespaces == ["sched-1", "sched-0"]


def test_copies_equal_freshly_validated_pods() -> None:
    """model_copy with new metadata gives the same object as validating the full manifest."""
    pods = scenario_pods(name("TopologySpreading", "5Nodes"))
    t, last = pods[-1]
    fresh = Pod.model_validate({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": last.metadata.name, "generateName": "spreading-pod-", "namespace": "namespace-2",
                     "labels": {"color": "blue"}},
        "spec": {"topologySpreadConstraints": SPREAD, "containers": [
            {"image": "registry.k8s.io/pause:3.10", "name": "pause", "ports": [{"containerPort": 80}],
             "resources": RESOURCES}]},
    })
    assert last == fresh
    # copies do not share metadata, and the first pod keeps its own name
    assert pods[0][1].metadata is not pods[1][1].metadata
    assert pods[0][1].metadata.name != pods[1][1].metadata.name


def test_copied_nodes_equal_freshly_validated_nodes() -> None:
    node = scenario_nodes(name("TopologySpreading", "5Nodes"))[2]
    capacity = {"pods": "110", "cpu": "4", "memory": "32Gi"}
    fresh = Node.model_validate({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "scheduler-perf-00002", "generateName": "scheduler-perf-",
                     "labels": {"kubernetes.io/hostname": "scheduler-perf-00002",
                                "topology.kubernetes.io/zone": "moon-3"}},
        "spec": {},
        "status": {"capacity": capacity, "allocatable": capacity, "phase": "Running",
                   "conditions": [{"status": "True", "type": "Ready"}]},
    })
    assert node == fresh


def test_large_pod_lists() -> None:
    pods = scenario_pods(name("SchedulingBasic", "5000Nodes_10000Pods"))
    init, measured = split(pods)
    assert (len(init), len(measured)) == (1000, 10000)
    assert len({p.key for _, p in pods}) == 11000


def test_preemption_basic_pods() -> None:
    pods = scenario_pods(name("PreemptionBasic", "5Nodes"))
    low, high = [p for _, p in pods[:20]], [p for _, p in pods[20:]]
    # pod-low-priority.yaml: no priority (0 after admission), 900m, grace 0; pod-high-priority.yaml: priority 10, 3 cpu
    assert {p.spec.priority for p in low} == {None} and {p.spec.priority for p in high} == {10}
    assert {p.spec.termination_grace_period_seconds for p in low} == {0}
    assert {p.spec.containers[0].resources.requests["cpu"].amount for p in low} == {Fraction(9, 10)}
    assert {p.spec.containers[0].resources.requests["cpu"].amount for p in high} == {Fraction(3)}
    assert {p.namespace for p in low} == {"namespace-1"} and {p.namespace for p in high} == {"namespace-2"}
