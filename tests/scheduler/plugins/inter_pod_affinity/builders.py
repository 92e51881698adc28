"""Builders for InterPodAffinity tests, shaped like kube-scheduler's st.MakePod() helpers, that write
the objects as YAML manifests and load them the way the conformance cases are loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from kbench.api.loader import load_manifests, load_pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import CycleState, PodInfo, Status
from kbench.scheduler.plugins.inter_pod_affinity import InterPodAffinity

TEAM_NAMESPACES = {  # scoring_test.go's `namespaces`, renamed for DNS-1123 (subteam1.team1 -> subteam1-team1)
    "subteam1-team1": {"team": "team1"},
    "subteam2-team1": {"team": "team1"},
    "subteam1-team2": {"team": "team2"},
    "subteam2-team2": {"team": "team2"},
}


def expr(key: str, op: str, values: list[str] | None = None) -> dict[str, Any]:
    return {"key": key, "operator": op, "values": list(values or [])}


def term(topology: str, *exprs: dict[str, Any], namespaces: list[str] | None = None,
         ns_selector: dict[str, Any] | None = None) -> dict[str, Any]:
    """A PodAffinityTerm with a matchExpressions label selector."""
    t: dict[str, Any] = {"labelSelector": {"matchExpressions": list(exprs)}, "topologyKey": topology}
    if namespaces is not None:
        t["namespaces"] = namespaces
    if ns_selector is not None:
        t["namespaceSelector"] = ns_selector
    return t


def term_in(key: str, topology: str, values: list[str]) -> dict[str, Any]:
    """st.PodAffinityIn / PodAntiAffinityIn."""
    return term(topology, expr(key, "In", values))


def term_not_in(key: str, topology: str, values: list[str]) -> dict[str, Any]:
    """st.PodAffinityNotIn / PodAntiAffinityNotIn."""
    return term(topology, expr(key, "NotIn", values))


def term_exists(key: str, topology: str) -> dict[str, Any]:
    """st.PodAffinityExists / PodAntiAffinityExists."""
    return term(topology, expr(key, "Exists"))


def weighted(weight: int, t: dict[str, Any]) -> dict[str, Any]:
    return {"weight": weight, "podAffinityTerm": t}


def affinity(req: list | None = None, anti: list | None = None, pref: list | None = None,
             pref_anti: list | None = None) -> dict[str, Any]:
    """An Affinity with the given pod affinity / anti-affinity terms (None leaves that part out)."""
    out: dict[str, Any] = {}
    if req is not None or pref is not None:
        out["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": req or [],
                              "preferredDuringSchedulingIgnoredDuringExecution": pref or []}
    if anti is not None or pref_anti is not None:
        out["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": anti or [],
                                  "preferredDuringSchedulingIgnoredDuringExecution": pref_anti or []}
    return out


def pod(name: str, labels: dict[str, str] | None = None, node: str | None = None, ns: str = "default",
        aff: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c0", "image": "pause"}]}
    if node:
        spec["nodeName"] = node
    if aff:
        spec["affinity"] = aff
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": spec}


def node(name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}


def namespace(name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}


def namespaces(spec: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [namespace(n, labels) for n, labels in spec.items()]


def load(tmp_path: Path, objects: list[dict[str, Any]], incoming: dict[str, Any]) -> tuple[ClusterState, PodInfo]:
    """Write cluster.yaml and pod.yaml, load them as kbench explain does, and build the cluster."""
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all(objects))
    (tmp_path / "pod.yaml").write_text(yaml.safe_dump(incoming))
    m = load_manifests(tmp_path / "cluster.yaml")
    cluster = ClusterState()
    cluster.add_objects(m.nodes, m.pods, m.namespaces)
    return cluster, PodInfo(load_pod(tmp_path / "pod.yaml"))


def run_filter(plugin: InterPodAffinity, cluster: ClusterState, pi: PodInfo,
               state: CycleState | None = None) -> tuple[Status, dict[str, Status | None]]:
    """PreFilter then (unless it did not succeed) Filter on every node: per node its Status or None."""
    state = state or CycleState()
    status, _ = plugin.pre_filter(state, pi, cluster)
    if not status.ok:
        return status, {}
    idx = cluster.node_indices()
    failed_by = np.full(len(idx), -1, np.int16)
    codes = np.zeros(len(idx), np.int64)
    plugin.filter(state, pi, cluster, idx, failed_by, codes, 0)
    out = {}
    for k, row in enumerate(idx):
        name = cluster.node_names[row]
        out[name] = plugin.filter_status(state, pi, cluster, int(codes[k])) if failed_by[k] >= 0 else None
    return status, out


def run_score(plugin: InterPodAffinity, cluster: ClusterState, pi: PodInfo,
              names: list[str] | None = None) -> tuple[Status, dict[str, int]]:
    """PreScore, Score and NormalizeScore over ``names`` (all nodes by default)."""
    state = CycleState()
    idx = (cluster.node_indices() if names is None
           else np.array([cluster.node_index[n] for n in names], np.int64))
    status = plugin.pre_score(state, pi, cluster, idx)
    if not status.ok:
        return status, {}
    scores = plugin.score(state, pi, cluster, idx)
    plugin.normalize(state, pi, scores)
    return status, {cluster.node_names[r]: int(s) for r, s in zip(idx, scores)}
