"""`kbench explain`: what every plugin says about every node for one pod (contracts/explain.md)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kbench.api.loader import load_manifests, load_pod
from kbench.cluster.state import ClusterState
from kbench.config.scheduler_config import ProfileConfig, default_profile, load_scheduler_config
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo


def build_cluster(path: str | Path) -> ClusterState:
    """A ClusterState from a cluster manifest file (Nodes, bound Pods, Namespaces, owners)."""
    m = load_manifests(path)
    cluster = ClusterState(capacity=len(m.nodes))
    cluster.add_objects(m.nodes, m.pods, m.namespaces)
    for owner in m.owners:
        cluster.add_owner(owner)
    return cluster


def explain(cluster: ClusterState, pi: PodInfo, profile: ProfileConfig, seed: int = 0) -> dict[str, Any]:
    """Evaluate ``pi`` on every node of ``cluster`` and return the contract's JSON object."""
    fw = Framework(profile, seed=seed)
    state, res = fw.schedule(cluster, pi, all_nodes=True, score_single=True)
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
    return out


def run_explain(cluster_path: str, pod_path: str, config_path: str | None, profile: str | None,
                seed: int = 0) -> tuple[dict[str, Any], ProfileConfig, list[str]]:
    """Load the inputs and explain; returns the JSON object, the profile and warnings about the inputs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cluster = build_cluster(cluster_path)
    pod = load_pod(pod_path)
    cfg = load_scheduler_config(config_path, profile) if config_path else default_profile()
    return explain(cluster, PodInfo(pod), cfg, seed), cfg, [str(w.message) for w in caught]


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
