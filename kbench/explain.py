"""`kbench explain`: what every plugin says about every node for one pod (contracts/explain.md).

When no node fits and the profile runs DefaultPreemption, the output also says which node
kube-scheduler would nominate and which pods it would evict there. Pods get their priority as the
Priority admission plugin gives it (``spec.priority`` as written, else from the PriorityClass);
a bound pod's start time is its ``status.startTime``, and a pod without one counts as started
now (later than any that has one), as kube-scheduler's GetPodStartTime says.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from kbench.api.loader import load_manifests, load_pod
from kbench.api.objects import Pod
from kbench.api.policy import PDBView, PodDisruptionBudget, pdb_view
from kbench.api.scheduling import PriorityClass
from kbench.cluster.state import TERMINATED_PHASES, ClusterState
from kbench.config.scheduler_config import ProfileConfig, default_profile, load_scheduler_config
from kbench.errors import InputError
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.nominated import NominatedPodMap, NominatedPods
from kbench.scheduler.preemption import preempt
from kbench.scheduler.preemption.manifest_priority import ManifestPriorities


@dataclass
class ExplainCluster:
    """A cluster file as explain uses it: the cluster, its PDBs, its PriorityClasses and its
    nominated pods (unbound, with ``status.nominatedNodeName``)."""

    cluster: ClusterState
    pdbs: list[PDBView] = field(default_factory=list)
    priorities: ManifestPriorities | None = None
    nominated: NominatedPodMap = field(default_factory=NominatedPodMap)


def start_time(pod: Pod, file: str) -> float:
    """status.startTime in seconds (RFC 3339 or a number); infinity ("now") when absent."""
    raw = pod.status.get("startTime")
    if raw is None:
        return math.inf
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        when = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        raise InputError(file, f"Pod {pod.key}: status.startTime", f"invalid time {raw!r}") from None
    return when.timestamp()


def load_cluster(path: str | Path) -> ExplainCluster:
    """Nodes, Namespaces and owners of a cluster file; its bound Pods with their priorities and
    start times; its PodDisruptionBudgets and PriorityClasses."""
    file = str(path)
    m = load_manifests(path)
    classes = [o for o in m.owners if isinstance(o, PriorityClass)]
    pdbs = [pdb_view(o) for o in m.owners if isinstance(o, PodDisruptionBudget)]
    priorities = ManifestPriorities(classes, file)
    cluster = ClusterState(capacity=len(m.nodes))
    cluster.add_objects(m.nodes, [], m.namespaces)
    unbound = []
    for p in m.pods:
        if p.status.get("phase") in TERMINATED_PHASES:
            continue
        if not p.spec.node_name:
            unbound.append(priorities.resolve(p, file))
        elif p.spec.node_name in cluster.node_index:
            cluster.add_pod(priorities.resolve(p, file), p.spec.node_name, start_time=start_time(p, file))
    for owner in m.owners:
        if not isinstance(owner, (PriorityClass, PodDisruptionBudget)):
            cluster.add_owner(owner)
    return ExplainCluster(cluster, pdbs, priorities, NominatedPodMap.of(unbound))


def build_cluster(path: str | Path) -> ClusterState:
    """A ClusterState from a cluster manifest file (Nodes, bound Pods, Namespaces, owners)."""
    return load_cluster(path).cluster


def explain(cluster: ClusterState, pi: PodInfo, profile: ProfileConfig, seed: int = 0,
            pdbs: list[PDBView] | None = None, nominated: NominatedPods | None = None) -> dict[str, Any]:
    """Evaluate ``pi`` on every node of ``cluster`` and return the contract's JSON object; nodes
    with ``nominated`` pods of equal or higher priority are filtered as if those pods ran there."""
    fw = Framework(profile, seed=seed)
    state, res = fw.schedule(cluster, pi, all_nodes=True, score_single=True, nominated=nominated)
    position = {int(r): k for k, r in enumerate(res.evaluated)}
    feasible_pos = {int(r): k for k, r in enumerate(res.feasible)}
    nodes = []
    for row, name in enumerate(cluster.node_names):
        entry: dict[str, Any] = {"name": name, "feasible": False, "reasons": [], "scores": {}, "total": None}
        if row in res.rejected:
            entry["reasons"] = list(res.rejected[row].reasons)
        elif row in feasible_pos:
            k = feasible_pos[row]
            entry["feasible"] = True
            entry["scores"] = {p: int(s[k]) for p, s in res.scores.items()}
            entry["total"] = int(res.totals[k]) if len(res.totals) else 0
        elif row in position:
            entry["reasons"] = list(fw.status_of(state, pi, cluster, res, position[row]).reasons)
        nodes.append(entry)
    out: dict[str, Any] = {
        "pod": pi.pod.key,
        "selected": cluster.node_names[res.selected] if res.selected >= 0 else None,
        "nodes": nodes,
    }
    if res.error is not None:
        out["error"] = "; ".join(res.error.reasons)
    elif res.n_feasible == 0:
        got = preempt(fw, state, pi, cluster, res, pdbs or [], np.random.default_rng(seed), nominated)
        if got is not None:
            out["preemption"] = None if got.node is None else {"node": got.node, "victims": [v.key for v in got.victims]}
    return out


def run_explain(cluster_path: str, pod_path: str, config_path: str | None, profile: str | None,
                seed: int = 0) -> tuple[dict[str, Any], ProfileConfig, list[str]]:
    """Load the inputs and explain; returns the JSON object, the profile and warnings about the inputs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_cluster(cluster_path)
    pod = load_pod(pod_path)
    if loaded.priorities is not None:
        pod = loaded.priorities.resolve(pod, pod_path)
    cfg = load_scheduler_config(config_path, profile) if config_path else default_profile()
    return explain(loaded.cluster, PodInfo(pod), cfg, seed, loaded.pdbs, loaded.nominated), cfg, [str(w.message) for w in caught]


SHORT_NAMES = {
    "TaintToleration": "Taint",
    "NodeAffinity": "NodeAff",
    "PodTopologySpread": "Spread",
    "InterPodAffinity": "PodAff",
    "NodeResourcesFit": "Fit",
    "NodeResourcesBalancedAllocation": "Balanced",
    "ImageLocality": "Image",
}


def render_table(result: dict[str, Any], console: Console, weights: dict[str, int] | None = None) -> None:
    """A table: one row per node with its verdict, each plugin's score and the weighted total;
    then why each rejected node was rejected."""
    plugins = sorted({p for n in result["nodes"] for p in n["scores"]})
    selected = result["selected"]
    table = Table(title=f"pod {result['pod']} -> {selected or 'no node fits'}", title_justify="left")
    table.add_column("node", no_wrap=True)
    table.add_column("fits", no_wrap=True)
    for p in plugins:
        table.add_column(SHORT_NAMES.get(p, p), justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    for n in result["nodes"]:
        mark = "[bold green]best[/]" if n["name"] == selected else ("yes" if n["feasible"] else "[red]no[/]")
        scores = [str(n["scores"][p]) if p in n["scores"] else "" for p in plugins]
        total = "" if n["total"] is None else str(n["total"])
        table.add_row(n["name"], mark, *scores, total)
    console.print(table)
    feasible = sum(1 for n in result["nodes"] if n["feasible"])
    console.print(f"{feasible}/{len(result['nodes'])} nodes fit. Scores are after NormalizeScore (0-100); "
                  "total = sum of weight x score.")
    for p in plugins:
        w = f" (weight {weights[p]})" if weights and p in weights else ""
        console.print(f"  [dim]{SHORT_NAMES.get(p, p)}[/] = {p}{w}")
    rejected = [n for n in result["nodes"] if not n["feasible"]]
    if rejected:
        console.print("Why not:")
        for n in rejected:
            console.print(f"  {n['name']}: " + "; ".join(n["reasons"]), highlight=False, markup=False)
    if "preemption" in result:
        render_preemption(result["preemption"], console)


def render_preemption(preemption: dict[str, Any] | None, console: Console) -> None:
    """The node DefaultPreemption would nominate and the pods it would evict there."""
    if preemption is None:
        console.print("Preemption: no node can be made to fit by evicting lower-priority pods.")
        return
    console.print(f"Preemption: nominate [bold]{preemption['node']}[/], evicting {len(preemption['victims'])} pod(s):")
    for v in preemption["victims"]:
        console.print(f"  {v}", highlight=False, markup=False)
