"""kube-scheduler's scheduler_perf scenarios SchedulingBasic, TopologySpreading,
SchedulingPodAntiAffinity and PreemptionBasic as named workloads: ``scheduler-perf:<TestCase>/<workload>``, the test
case and workload names exactly as in Kubernetes' performance-config files.

Transcribed from kubernetes/kubernetes, ``test/integration/scheduler_perf/`` on master, at the
newest upstream version of each file that could be read (commits named; no release tag could be
matched to them):

- ``misc/performance-config.yaml`` @ 008b3652959c (the v1.35 cycle: it has the
  ``NodeDeclaredFeatures`` gate, alpha in 1.35): SchedulingBasic;
- ``topology_spreading/performance-config.yaml`` @ 05377107b088 (same era: no per-workload
  feature gates, thresholds raised with misc's): TopologySpreading;
- ``affinity/performance-config.yaml`` @ 1bd6a8f3c425: SchedulingPodAntiAffinity. This version is
  older (v1.33 era): it still has the ``SchedulerQueueingHints: false`` workloads, which later
  versions drop as the gate went GA (locked on) in 1.34. The workload sizes are the same in every
  version seen.
- ``default_preemption/performance-config.yaml`` @ 05606fafeccb: PreemptionBasic (5Nodes and
  1000Nodes; its 5000Nodes workload is commented out upstream as always failing). kbench adds
  ``500Nodes`` (500 nodes, 2,000 initial and 500 measured pods) with the same ratios;
  templates ``pod-low-priority.yaml`` @ 78fc8e44052f and ``pod-high-priority.yaml`` @ 8371a35824c1;
- templates: ``templates/node-default.yaml`` @ 898b9f800267, ``templates/pod-default.yaml`` @
  95f08499d652, ``templates/pod-with-topology-spreading.yaml`` @ 8371a35824c1,
  ``templates/pod-with-pod-anti-affinity.yaml`` @ 5d7e2a3924f4 (the versions differ only in
  the pause image tag);
- ``util.go`` (``makeBaseNode``), ``executor.go`` (``runCreateNodesOp``, ``runCreatePodsOp``),
  ``node_util.go`` (``IntegrationTestNodePreparer.PrepareNodes``) and
  ``test/utils/runners.go`` (``LabelNodePrepareStrategy``) for how the objects are made.

Nodes. A ``createNodes`` op without ``nodeTemplatePath`` (SchedulingBasic,
SchedulingPodAntiAffinity) uses ``makeBaseNode("node-<opIndex>-")``, so the nodes are
``generateName: node-0-`` with capacity and allocatable ``cpu: 4, memory: 32Gi, pods: 110``.
TopologySpreading uses ``templates/node-default.yaml`` (``generateName: scheduler-perf-``,
capacity only); the API server copies capacity into allocatable (``SetDefaults_NodeStatus``).
``PrepareNodes`` names each node ``generateName + rand.String(5)`` and gives it the label
``kubernetes.io/hostname=<name>``. kbench replaces the five random characters by a
zero-padded counter: ``node-0-00000``, ``node-0-00001``, ... in creation order.

Zones. TopologySpreading's ``labelNodePrepareStrategy`` puts ``topology.kubernetes.io/zone`` on
the nodes with the values ``moon-1``, ``moon-2``, ``moon-3`` round-robin (``roundRobinIdx`` in
``LabelNodePrepareStrategy.PreparePatch``), in the order the API server lists the nodes, i.e.
by name. Kubernetes' names are random, so which node gets which zone is random while the counts
are balanced (moon-1 gets the extra node first). kbench's names sort in creation order, so the
same rule gives node ``i`` the zone ``values[i % 3]``: deterministic, with the same counts.

Pods. Each ``createPods`` op creates its pods from the template in one namespace: the op's
``namespace``, else ``namespace-<opIndex>`` (``runCreatePodsOp``). SchedulingBasic and
TopologySpreading thus put the initial pods in ``namespace-1`` and the measured ones in
``namespace-2``; this matters for TopologySpreading, whose constraint counts only pods of the
pod's own namespace (the initial ``pod-default`` pods carry no labels, so they would not match
either way). SchedulingPodAntiAffinity uses ``sched-0`` and ``sched-1`` (``createNamespaces``
prefix ``sched``), and its anti-affinity term names both namespaces. The API server names each
pod ``generateName + rand.String(5)``; kbench uses a counter over the scenario instead
(initial pods first), so names are unique across namespaces too: ``pod-00000``, ...,
``spreading-pod-01000``. The Namespace objects themselves are not produced.

Times. Initial pods arrive at 0.0 s and measured pods at 1.0 s. In scheduler_perf every op
waits until its pods are scheduled, so the measured pods are created only once all initial pods
are bound; Kubernetes also creates each op's pods from 30 goroutines at once, so their creation
order is not the index order kbench uses.

Each :class:`Workload` keeps the workload's ``params`` (initNodes, initPods, measurePods) and
its ``labels``, ``threshold`` (the minimum pods/s the Kubernetes CI expects) and
``featureGates``. kbench does not model those feature gates (SchedulerAsyncAPICalls,
SchedulerQueueingHints, NodeDeclaredFeatures), so workloads that differ only in them (for
example ``5Nodes`` and ``5Nodes_AsyncAPICallsEnabled``) give the same objects.

Examples
--------
>>> parse_name("scheduler-perf:TopologySpreading/5000Nodes")
('TopologySpreading', '5000Nodes')
>>> SCENARIOS["TopologySpreading"]["5000Nodes"]
Workload(nodes=5000, init_pods=5000, measure_pods=2000, labels=('performance', 'short'), threshold=None, feature_gates=())
>>> nodes = scenario_nodes("scheduler-perf:TopologySpreading/5Nodes")
>>> [(n.name, n.metadata.labels[ZONE_LABEL]) for n in nodes]  # doctest: +NORMALIZE_WHITESPACE
[('scheduler-perf-00000', 'moon-1'), ('scheduler-perf-00001', 'moon-2'), ('scheduler-perf-00002', 'moon-3'),
 ('scheduler-perf-00003', 'moon-1'), ('scheduler-perf-00004', 'moon-2')]
>>> pods = scenario_pods("scheduler-perf:SchedulingPodAntiAffinity/5Nodes")
>>> [(t, p.key) for t, p in pods]  # doctest: +NORMALIZE_WHITESPACE
[(0.0, 'sched-0/anti-affinity-pod-00000'), (1.0, 'sched-1/anti-affinity-pod-00001'),
 (1.0, 'sched-1/anti-affinity-pod-00002'), (1.0, 'sched-1/anti-affinity-pod-00003'),
 (1.0, 'sched-1/anti-affinity-pod-00004')]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from kbench.api.objects import Node, Pod
from kbench.errors import ConfigError

PREFIX = "scheduler-perf:"
ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"
INIT_TIME = 0.0
MEASURE_TIME = 1.0
_SUFFIX_WIDTH = 5  # rand.String(5) in generateName


@dataclass(frozen=True)
class Workload:
    """One workload of a test case: its ``params`` and the fields kbench keeps for reference."""

    nodes: int  # params.initNodes
    init_pods: int  # params.initPods
    measure_pods: int  # params.measurePods
    labels: tuple[str, ...] = ()
    threshold: int | None = None
    feature_gates: tuple[tuple[str, bool], ...] = ()


def _w(nodes: int, init_pods: int, measure_pods: int, labels: tuple[str, ...] = (),
       threshold: int | None = None, **gates: bool) -> Workload:
    return Workload(nodes, init_pods, measure_pods, labels, threshold, tuple(gates.items()))


_IT = ("integration-test", "short")
_PERF = ("performance",)

SCENARIOS: dict[str, dict[str, Workload]] = {
    # misc/performance-config.yaml @ 008b3652959c
    "SchedulingBasic": {
        "5Nodes": _w(5, 5, 10, _IT, SchedulerAsyncAPICalls=False),
        "5Nodes_AsyncAPICallsEnabled": _w(5, 5, 10, _IT, SchedulerAsyncAPICalls=True),
        "500Nodes": _w(500, 500, 1000),
        "5000Nodes": _w(5000, 1000, 1000),
        "5000Nodes_10000Pods": _w(5000, 1000, 10000, _PERF, 680),
        "5000Nodes_50000Pods": _w(5000, 5000, 50000, _PERF, 810, SchedulerAsyncAPICalls=False),
        "5000Nodes_50000Pods_AsyncAPICallsEnabled": _w(5000, 5000, 50000, _PERF, 810, SchedulerAsyncAPICalls=True),
        "5000Nodes_50000Pods_NodeDeclaredFeaturesDisabled": _w(5000, 5000, 50000, _PERF, 810,
                                                               NodeDeclaredFeatures=False),
    },
    # topology_spreading/performance-config.yaml @ 05377107b088
    "TopologySpreading": {
        "5Nodes": _w(5, 10, 10, _IT),
        "500Nodes": _w(500, 1000, 1000),
        "5000Nodes": _w(5000, 5000, 2000, ("performance", "short")),
        "5000Nodes_5000Pods": _w(5000, 5000, 5000, _PERF, 460),
    },
    # affinity/performance-config.yaml @ 1bd6a8f3c425
    "SchedulingPodAntiAffinity": {
        "5Nodes": _w(5, 1, 4, _IT, SchedulerQueueingHints=False),
        "5Nodes_QueueingHintsEnabled": _w(5, 1, 4, _IT, SchedulerQueueingHints=True),
        "500Nodes": _w(500, 100, 400),
        "5000Nodes": _w(5000, 1000, 1000),
        "5000Nodes_2000Pods": _w(5000, 1000, 2000, _PERF, 60, SchedulerQueueingHints=False),
        "5000Nodes_2000Pods_QueueingHintsEnabled": _w(5000, 1000, 2000, _PERF, 60, SchedulerQueueingHints=True),
    },
    # default_preemption/performance-config.yaml @ 05606fafeccb; "500Nodes" is kbench's: the
    # issue's size with upstream's ratios (4 low-priority pods per node, 1 measured pod per node)
    "PreemptionBasic": {
        "5Nodes": _w(5, 20, 5, _IT, SchedulerAsyncAPICalls=False),
        "5Nodes_AsyncAPICallsEnabled": _w(5, 20, 5, _IT, SchedulerAsyncAPICalls=True),
        "500Nodes": _w(500, 2000, 500),
        "1000Nodes": _w(1000, 4000, 1000, ("performance", "short"), SchedulerAsyncAPICalls=False),
        "1000Nodes_AsyncAPICallsEnabled": _w(1000, 4000, 1000, ("performance", "short"), SchedulerAsyncAPICalls=True),
    },
}
"""Test case name -> workload name -> its parameters, as in Kubernetes' performance-config files."""

# ---- templates, verbatim ------------------------------------------------------------------------

# util.go, makeBaseNode(nodeNamePrefix) with the prefix "node-0-" that runCreateNodesOp passes for
# the workload's first op (fmt.Sprintf("node-%d-", opIndex)), written as YAML.
_BASE_NODE = """\
metadata:
  generateName: node-0-
status:
  capacity:
    pods: "110"
    cpu: "4"
    memory: 32Gi
  allocatable:
    pods: "110"
    cpu: "4"
    memory: 32Gi
  phase: Running
  conditions:
  - type: Ready
    status: "True"
"""

# templates/node-default.yaml
_NODE_DEFAULT = """\
apiVersion: v1
kind: Node
metadata:
  generateName: scheduler-perf-
spec: {}
status:
  capacity:
    pods: "110"
    cpu: "4"
    memory: 32Gi
  conditions:
    - status: "True"
      type: Ready
  phase: Running
"""

# templates/pod-default.yaml
_POD_DEFAULT = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: pod-
spec:
  containers:
  - image: registry.k8s.io/pause:3.10.1
    name: pause
    ports:
    - containerPort: 80
    resources:
      limits:
        cpu: 100m
        memory: 500Mi
      requests:
        cpu: 100m
        memory: 500Mi
"""

# templates/pod-with-topology-spreading.yaml
_POD_WITH_TOPOLOGY_SPREADING = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: spreading-pod-
  labels:
    color: blue
spec:
  topologySpreadConstraints:
    - maxSkew: 5
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: DoNotSchedule
      labelSelector:
        matchLabels:
          color: blue
  containers:
  - image: registry.k8s.io/pause:3.10
    name: pause
    ports:
    - containerPort: 80
    resources:
      limits:
        cpu: 100m
        memory: 500Mi
      requests:
        cpu: 100m
        memory: 500Mi
"""

# templates/pod-with-pod-anti-affinity.yaml
_POD_WITH_POD_ANTI_AFFINITY = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: anti-affinity-pod-
  labels:
    color: green
spec:
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels:
            color: green
        topologyKey: kubernetes.io/hostname
        namespaces: ["sched-1", "sched-0"]
  containers:
  - image: registry.k8s.io/pause:3.10.2
    name: pause
    ports:
    - containerPort: 80
    resources:
      limits:
        cpu: 100m
        memory: 500Mi
      requests:
        cpu: 100m
        memory: 500Mi
"""


# templates/pod-low-priority.yaml @ 78fc8e44052f
_POD_LOW_PRIORITY = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: pod-
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - image: registry.k8s.io/pause:3.10
    name: pause
    ports:
    - containerPort: 80
    resources:
      limits:
        cpu: 900m
        memory: 500Mi
      requests:
        cpu: 900m
        memory: 500Mi
"""

# templates/pod-high-priority.yaml @ 8371a35824c1
_POD_HIGH_PRIORITY = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: pod-
spec:
  priority: 10
  containers:
  - image: registry.k8s.io/pause:3.10
    name: pause
    ports:
    - containerPort: 80
    resources:
      limits:
        cpu: 3000m
        memory: 500Mi
      requests:
        cpu: 3000m
        memory: 500Mi
"""


@dataclass(frozen=True)
class _Case:
    """How a test case's workloadTemplate makes its objects."""

    node_template: str
    zones: tuple[str, ...]  # labelNodePrepareStrategy's labelValues for ZONE_LABEL; () for none
    init_template: str
    init_namespace: str
    measure_template: str
    measure_namespace: str


_CASES: dict[str, _Case] = {
    # defaultPodTemplatePath: ../templates/pod-default.yaml; ops: createNodes, createPods
    # ($initPods), createPods ($measurePods, collectMetrics)
    "SchedulingBasic": _Case(_BASE_NODE, (), _POD_DEFAULT, "namespace-1", _POD_DEFAULT, "namespace-2"),
    # createNodes with node-default.yaml and labelNodePrepareStrategy (labelKey
    # topology.kubernetes.io/zone, labelValues moon-1, moon-2, moon-3); createPods with
    # pod-default.yaml; createPods with pod-with-topology-spreading.yaml (collectMetrics)
    "TopologySpreading": _Case(_NODE_DEFAULT, ("moon-1", "moon-2", "moon-3"), _POD_DEFAULT, "namespace-1",
                               _POD_WITH_TOPOLOGY_SPREADING, "namespace-2"),
    # defaultPodTemplatePath: ../templates/pod-with-pod-anti-affinity.yaml; createNodes;
    # createNamespaces (prefix sched, count 2); createPods in sched-0; createPods in sched-1
    "SchedulingPodAntiAffinity": _Case(_BASE_NODE, (), _POD_WITH_POD_ANTI_AFFINITY, "sched-0",
                                       _POD_WITH_POD_ANTI_AFFINITY, "sched-1"),
    # createNodes; createPods with pod-low-priority.yaml ($initPods); createPods with
    # pod-high-priority.yaml ($measurePods, collectMetrics): each measured pod (3 cpu) fits only
    # once preemption removes 3 of a node's 4 low-priority pods (0.9 cpu each, 4 cpu nodes)
    "PreemptionBasic": _Case(_BASE_NODE, (), _POD_LOW_PRIORITY, "namespace-1", _POD_HIGH_PRIORITY, "namespace-2"),
}


def _api_server_defaults(node: dict[str, Any]) -> dict[str, Any]:
    """SetDefaults_NodeStatus: a node created without status.allocatable gets its capacity."""
    status = node.get("status") or {}
    if status.get("allocatable") is None and status.get("capacity") is not None:
        node = {**node, "status": {**status, "allocatable": dict(status["capacity"])}}
    return node


@cache
def _node_template(text: str) -> Node:
    return Node.model_validate(_api_server_defaults(yaml.safe_load(text)))


@cache
def _pod_template(text: str, namespace: str) -> Pod:
    raw = yaml.safe_load(text)
    raw["metadata"]["namespace"] = namespace
    return Pod.model_validate(raw)


# ---- names --------------------------------------------------------------------------------------


def scenario_names() -> list[str]:
    """Every scenario name, ``scheduler-perf:<TestCase>/<workload>``, in SCENARIOS' order."""
    return [f"{PREFIX}{case}/{w}" for case, workloads in SCENARIOS.items() for w in workloads]


def parse_name(name: str) -> tuple[str, str]:
    """``scheduler-perf:TopologySpreading/5000Nodes`` -> ``("TopologySpreading", "5000Nodes")``.

    Raises ConfigError (the name as its source) for a name that is not one of SCENARIOS.
    """
    if name.startswith(PREFIX):
        case, _, workload = name[len(PREFIX):].partition("/")
        if workload in SCENARIOS.get(case, {}):
            return case, workload
    source = name if name.isprintable() else repr(name)
    raise ConfigError(source, "", f"expected a scheduler_perf scenario {PREFIX}<TestCase>/<workload>, one of: "
                      + ", ".join(scenario_names()))


# ---- objects ------------------------------------------------------------------------------------


def _suffix(i: int) -> str:
    return f"{i:0{_SUFFIX_WIDTH}d}"


def scenario_nodes(name: str) -> list[Node]:
    """The scenario's nodes in creation order: ``<generateName><counter>``, with the hostname label
    and, for TopologySpreading, the zone label round-robin."""
    case_name, workload_name = parse_name(name)
    case, count = _CASES[case_name], SCENARIOS[case_name][workload_name].nodes
    base = _node_template(case.node_template)
    prefix = base.metadata.generate_name or ""
    out = []
    for i in range(count):
        node_name = prefix + _suffix(i)
        labels = {**base.metadata.labels, HOSTNAME_LABEL: node_name}
        if case.zones:
            labels[ZONE_LABEL] = case.zones[i % len(case.zones)]
        meta = base.metadata.model_copy(update={"name": node_name, "labels": labels})
        out.append(base.model_copy(update={"metadata": meta}))
    return out


def scenario_pods(name: str) -> list[tuple[float, Pod]]:
    """(arrival time, Pod): the initial pods at 0.0 s, then the measured pods at 1.0 s."""
    case_name, workload_name = parse_name(name)
    case, wl = _CASES[case_name], SCENARIOS[case_name][workload_name]
    out: list[tuple[float, Pod]] = []
    for text, namespace, count, at in ((case.init_template, case.init_namespace, wl.init_pods, INIT_TIME),
                                       (case.measure_template, case.measure_namespace, wl.measure_pods,
                                        MEASURE_TIME)):
        template = _pod_template(text, namespace)
        prefix = template.metadata.generate_name or ""
        for _ in range(count):
            meta = template.metadata.model_copy(update={"name": prefix + _suffix(len(out))})
            out.append((at, template.model_copy(update={"metadata": meta})))
    return out
