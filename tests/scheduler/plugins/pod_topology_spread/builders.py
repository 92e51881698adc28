"""Builders for PodTopologySpread tests, shaped like kube-scheduler's st.MakePod()/st.MakeNode()
helpers, that write the objects as YAML manifests and load them the way the conformance cases are
loaded; plus runners of the plugin's extension points and a seeded random world for the naive twin."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from kbench.api.loader import load_manifests, load_pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import CycleState, PodInfo, Status
from kbench.scheduler.plugins.pod_topology_spread import PodTopologySpread

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
FOO = {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}
"""fooSelector = st.MakeLabelSelector().Exists("foo")."""
BAR = {"matchExpressions": [{"key": "bar", "operator": "Exists"}]}
"""barSelector = st.MakeLabelSelector().Exists("bar")."""
EMPTY: dict[str, Any] = {}
"""st.MakeLabelSelector().Obj(): the empty selector (selects everything)."""
UNSCHEDULABLE_TAINT = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
"""filtering_test.go's ``taints``."""
LIST = {"defaultingType": "List"}
SYSTEM = {"defaultingType": "System"}


def spread(max_skew: int, key: str, action: str, selector: dict[str, Any] | None, min_domains: int | None = None,
           affinity_policy: str | None = None, taints_policy: str | None = None,
           match_label_keys: list[str] | None = None) -> dict[str, Any]:
    """st.PodWrapper.SpreadConstraint(maxSkew, key, action, selector, minDomains, affinity, taints, keys)."""
    c: dict[str, Any] = {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": action}
    if selector is not None:
        c["labelSelector"] = selector
    if min_domains is not None:
        c["minDomains"] = min_domains
    if affinity_policy is not None:
        c["nodeAffinityPolicy"] = affinity_policy
    if taints_policy is not None:
        c["nodeTaintsPolicy"] = taints_policy
    if match_label_keys is not None:
        c["matchLabelKeys"] = match_label_keys
    return c


def node_affinity(key: str, op: str, values: list[str]) -> dict[str, Any]:
    """st.PodWrapper.NodeAffinityIn / NodeAffinityNotIn: one required term with one match expression."""
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": key, "operator": op, "values": values}]}]}}}


def pod(name: str, labels: dict[str, str] | None = None, node: str | None = None, ns: str = "default",
        constraints: list[dict[str, Any]] | None = None, node_selector: dict[str, str] | None = None,
        affinity: dict[str, Any] | None = None, tolerations: list[dict[str, Any]] | None = None,
        terminating: bool = False, owner: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """A Pod manifest; ``owner`` is (apiVersion, kind, name) of its controller."""
    spec: dict[str, Any] = {"containers": [{"name": "c0", "image": "pause"}]}
    if node:
        spec["nodeName"] = node
    if constraints:
        spec["topologySpreadConstraints"] = constraints
    if node_selector is not None:
        spec["nodeSelector"] = node_selector
    if affinity is not None:
        spec["affinity"] = affinity
    if tolerations is not None:
        spec["tolerations"] = tolerations
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels or {}}
    if terminating:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": owner[0], "kind": owner[1], "name": owner[2], "uid": owner[2],
                                    "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def node(name: str, labels: dict[str, str] | None = None, taints: list[dict[str, Any]] | None = None,
         unschedulable: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}, "spec": spec,
            "status": {"allocatable": {"pods": "110"}}}


def zn(name: str, zone: str) -> dict[str, Any]:
    """st.MakeNode().Name(name).Label("zone", zone).Label("node", name)."""
    return node(name, {"zone": zone, "node": name})


def service(selector: dict[str, str], ns: str = "default", name: str = "svc") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": selector}}


def replica_set(name: str, selector: dict[str, Any], ns: str = "default") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": selector}}


def load(tmp_path: Path, objects: list[dict[str, Any]], incoming: dict[str, Any]) -> tuple[ClusterState, PodInfo]:
    """Write cluster.yaml and pod.yaml, load them as kbench explain does, and build the cluster."""
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all(objects))
    (tmp_path / "pod.yaml").write_text(yaml.safe_dump(incoming))
    m = load_manifests(tmp_path / "cluster.yaml")
    cluster = ClusterState()
    cluster.add_objects(m.nodes, m.pods, m.namespaces)
    for o in m.owners:
        cluster.add_owner(o)
    return cluster, PodInfo(load_pod(tmp_path / "pod.yaml"))


def rows(cluster: ClusterState, names: list[str] | None) -> np.ndarray:
    if names is None:
        return cluster.node_indices()
    return np.array([cluster.node_index[n] for n in names], np.int64)


def run_filter(plugin: PodTopologySpread, cluster: ClusterState, pi: PodInfo, state: CycleState | None = None,
               chunk: int | None = None) -> tuple[Status, dict[str, Status | None]]:
    """PreFilter then (unless Skip) Filter on every node, in chunks of ``chunk`` rows: per node its
    Status (None when it passes)."""
    state = state or CycleState()
    status, _ = plugin.pre_filter(state, pi, cluster)
    if not status.ok:
        return status, {}
    idx = cluster.node_indices()
    failed_by = np.full(len(idx), -1, np.int16)
    codes = np.zeros(len(idx), np.int64)
    step = chunk or max(len(idx), 1)
    for lo in range(0, len(idx), step):
        plugin.filter(state, pi, cluster, idx[lo:lo + step], failed_by[lo:lo + step], codes[lo:lo + step], 0)
    out: dict[str, Status | None] = {}
    for k, row in enumerate(idx):
        ok = failed_by[k] < 0
        out[cluster.node_names[row]] = None if ok else plugin.filter_status(state, pi, cluster, int(codes[k]))
    return status, out


def run_score(plugin: PodTopologySpread, cluster: ClusterState, pi: PodInfo, names: list[str] | None = None,
              state: CycleState | None = None) -> tuple[Status, dict[str, int]]:
    """PreScore, Score and NormalizeScore over the feasible ``names`` (all nodes by default)."""
    state = state or CycleState()
    idx = rows(cluster, names)
    status = plugin.pre_score(state, pi, cluster, idx)
    if not status.ok:
        return status, {}
    scores = plugin.score(state, pi, cluster, idx)
    plugin.normalize(state, pi, scores)
    return status, {cluster.node_names[r]: int(s) for r, s in zip(idx, scores)}


# ---- a seeded random world -----------------------------------------------------------------------

LABEL_KEYS = ("foo", "bar", "app")
LABEL_VALUES = ("", "a", "b")


def _labels(r: random.Random) -> dict[str, str]:
    return {k: r.choice(LABEL_VALUES) for k in LABEL_KEYS if r.random() < 0.5}


def _selector(r: random.Random) -> dict[str, Any] | None:
    roll = r.random()
    if roll < 0.1:
        return None
    if roll < 0.2:
        return {}
    sel: dict[str, Any] = {}
    if r.random() < 0.5:
        sel["matchLabels"] = {r.choice(LABEL_KEYS): r.choice(LABEL_VALUES)}
    exprs = []
    for _ in range(r.randint(0 if sel else 1, 2)):
        op = r.choice(["In", "NotIn", "Exists", "DoesNotExist"])
        e: dict[str, Any] = {"key": r.choice(LABEL_KEYS), "operator": op}
        if op in ("In", "NotIn"):
            e["values"] = r.sample(LABEL_VALUES, r.randint(1, 2))
        exprs.append(e)
    if exprs:
        sel["matchExpressions"] = exprs
    return sel


def random_world(seed: int) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any], list[str]]:
    """(cluster objects, incoming pod, plugin args, feasible node names) for ``seed``."""
    r = random.Random(seed)
    keys = ["zone", "rack", HOSTNAME, ZONE]
    nodes = []
    for i in range(r.randint(1, 24)):
        labels = {}
        for k in keys:
            if r.random() < 0.85:
                labels[k] = f"n{i}" if k == HOSTNAME else r.choice(["", "1", "2", "3"]) if k == "rack" else \
                    f"{k}{r.randint(1, 4)}"
        if r.random() < 0.3:
            labels["foo"] = r.choice(["", "x"])
        taints = [{"key": "t", "value": r.choice(["1", "2"]), "effect": r.choice(["NoSchedule", "PreferNoSchedule",
                                                                                   "NoExecute"])}] \
            if r.random() < 0.3 else None
        nodes.append(node(f"n{i}", labels, taints))
    names = [n["metadata"]["name"] for n in nodes]
    objects: list[dict[str, Any]] = list(nodes)
    for j in range(r.randint(0, 60)):
        objects.append(pod(f"b{j}", _labels(r), r.choice(names), ns=r.choice(["default", "default", "other"]),
                           terminating=r.random() < 0.1,
                           owner=("apps/v1", "ReplicaSet", "rs1") if r.random() < 0.3 else None))
    if r.random() < 0.5:
        objects.append(service({"app": r.choice(LABEL_VALUES)}))
    if r.random() < 0.5:
        objects.append(replica_set("rs1", _selector(r) or {"matchLabels": {"app": "a"}}))
    constraints = []
    for _ in range(r.choice([0, 1, 1, 2, 2, 3])):
        constraints.append(spread(
            r.randint(1, 3), r.choice(keys), r.choice(["DoNotSchedule", "ScheduleAnyway"]), _selector(r),
            min_domains=r.choice([None, None, 1, 2, 5]),
            affinity_policy=r.choice([None, "Honor", "Ignore"]), taints_policy=r.choice([None, "Honor", "Ignore"]),
            match_label_keys=r.choice([None, [], ["app"], ["foo", "bar"]]),
        ))
    affinity = None
    if r.random() < 0.3:
        affinity = node_affinity(r.choice(["zone", "rack", "foo"]), r.choice(["In", "NotIn"]),
                                 r.sample(["zone1", "zone2", "1", "2", "", "x"], 2))
    incoming = pod("incoming", _labels(r), ns=r.choice(["default", "other"]), constraints=constraints,
                   node_selector={"foo": r.choice(["", "x"])} if r.random() < 0.2 else None, affinity=affinity,
                   tolerations=[{"key": "t", "operator": "Exists"}] if r.random() < 0.3 else None,
                   owner=("apps/v1", "ReplicaSet", "rs1") if r.random() < 0.4 else None)
    args = r.choice([SYSTEM, LIST, {}, {"defaultingType": "List", "defaultConstraints": [
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
        {"maxSkew": 2, "topologyKey": HOSTNAME, "whenUnsatisfiable": "ScheduleAnyway"},
    ]}])
    feasible = [n for n in names if r.random() < 0.7]
    return objects, incoming, args, feasible
