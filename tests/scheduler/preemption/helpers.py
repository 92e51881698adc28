"""Builders for the preemption tests, named after kube's test fixtures (default_preemption_test.go).

Resources as in kube's tests: small = 100m/100, medium = 200m/200, large = 300m/300, veryLarge =
500m/500 (cpu/memory); st.MakeNode() gives a node 32 pods unless told otherwise. Priorities:
neg -100, low 0, mid 100, high 1000, veryHigh 10000.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.api.policy import PDBView, PodDisruptionBudget, pdb_view
from kbench.cluster.state import ClusterState
from kbench.config.scheduler_config import (
    PluginRef,
    Plugins,
    PluginSet,
    Profile,
    ProfileConfig,
    expand_profile,
)
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.plugins import registry
from kbench.scheduler.preemption import Preemption, preempt
from kbench.scheduler.preemption.candidates import potential_rows, row_codes, walk_order
from kbench.scheduler.preemption.dry_run import DryRun
from kbench.scheduler.preemption.evaluator import default_preemption
from kbench.scheduler.preemption.fast import applies, dry_run_fast
from kbench.scheduler.preemption.search_generic import dry_run_generic

NEG, LOW, MID, HIGH, VERY_HIGH = -100, 0, 100, 1000, 10000
SMALL = {"cpu": "100m", "memory": "100"}
MEDIUM = {"cpu": "200m", "memory": "200"}
LARGE = {"cpu": "300m", "memory": "300"}
VERY_LARGE = {"cpu": "500m", "memory": "500"}
ONE_POD = {"pods": "1"}
NODE_RES = {"cpu": "200m", "memory": "400"}


def node(name: str, capacity: dict[str, str] | None = None, labels: dict[str, str] | None = None, **spec: Any) -> Node:
    """st.MakeNode().Name(name).Capacity(capacity): 32 pods unless ``capacity`` says otherwise."""
    alloc = {"pods": "32", **(capacity or {})}
    return Node.model_validate({"metadata": {"name": name, "labels": labels or {}}, "spec": spec,
                                "status": {"allocatable": alloc}})


def zoned(spec: str, capacity: dict[str, str] | None = None) -> Node:
    """A node named "name/zone" as kube's tests name them: labels hostname=name, zone=zone."""
    parts = spec.split("/")
    labels = dict(zip(("hostname", "zone", "region"), parts))
    return node(parts[0], capacity or VERY_LARGE, labels)


def pod(name: str, node_name: str = "", priority: int | None = None, req: dict[str, str] | None = None,
        labels: dict[str, str] | None = None, namespace: str = "default", **spec: Any) -> Pod:
    status = spec.pop("status", {})
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": name, "labels": labels or {}}
    meta.update(spec.pop("meta", {}))
    body: dict[str, Any] = {"containers": [{"name": "c", "image": "pause", "resources": {"requests": req or {}}}],
                            "nodeName": node_name, **spec}
    if priority is not None:
        body["priority"] = priority
    return Pod.model_validate({"metadata": meta, "spec": body, "status": status})


def cluster(nodes: Sequence[Node], pods: Sequence[Pod] = (), start: dict[str, float] | None = None) -> ClusterState:
    """Nodes, then the bound pods in order, with their start times (0 unless given)."""
    c = ClusterState()
    for n in nodes:
        c.add_node(n)
    for p in pods:
        c.add_pod(p, p.spec.node_name, start_time=(start or {}).get(p.metadata.name, 0.0))
    return c


def pdb(labels: dict[str, str], allowed: int, disrupted: Sequence[str] = (), namespace: str = "default") -> PDBView:
    obj = PodDisruptionBudget.model_validate({
        "metadata": {"name": "pdb", "namespace": namespace},
        "spec": {"selector": {"matchLabels": labels}},
        "status": {"disruptionsAllowed": allowed, "disruptedPods": {p: 0.0 for p in disrupted}},
    })
    return pdb_view(obj)


def profile(*filters: str, args: dict[str, Any] | None = None) -> ProfileConfig:
    """Only ``filters`` at preFilter and filter (in that order), no scoring, DefaultPreemption at postFilter."""
    def at(point: str) -> PluginSet:
        refs = [PluginRef(name=f) for f in filters if point in registry.extension_points(registry.plugin_class(f))]
        return PluginSet(disabled=[PluginRef(name="*")], enabled=refs)

    plugins = Plugins(preFilter=at("preFilter"), filter=at("filter"), preScore=at(""), score=at(""))
    cfg = [{"name": "DefaultPreemption", "args": args}] if args else []
    return expand_profile(Profile(plugins=plugins, pluginConfig=cfg), "<test>", "", 100)


FIT_ONLY = ("NodeResourcesFit",)


class Offsets:
    """An rng whose integers(n) returns the given offsets in turn (kube's tests seed Go's rand)."""

    def __init__(self, *offsets: int) -> None:
        self.offsets = list(offsets)

    def integers(self, n: int) -> int:
        value = self.offsets.pop(0)
        assert 0 <= value < n
        return value


def run_preempt(c: ClusterState, p: Pod, prof: ProfileConfig, pdbs: Sequence[PDBView] = (), rng: Any = None,
                nominated: NominatedPods | None = None) -> Preemption | None:
    """One cycle over all nodes, then preempt()."""
    fw = Framework(prof)
    pi = PodInfo(p)
    state, res = fw.schedule(c, pi, all_nodes=True)
    assert res.n_feasible == 0
    return preempt(fw, state, pi, c, res, pdbs, rng if rng is not None else np.random.default_rng(0), nominated)


def names(pods: Sequence[Pod]) -> list[str]:
    return [p.metadata.name for p in pods]


def summary(dr: DryRun, c: ClusterState) -> tuple[Any, ...]:
    """Everything a dry run found: candidates (node, victims in order, violations, the compared
    numbers), the reason histogram, the number of statuses and the errors."""
    cands = [(c.node_names[int(r)], [v.pod.metadata.name for v in dr.victims_of(i)], int(dr.violations[i]),
              int(dr.highest[i]), int(dr.sums[i]), int(dr.counts[i]), float(dr.earliest[i]))
             for i, r in enumerate(dr.rows)]
    return cands, dict(dr.reasons), dr.n_statuses, dr.errors


def dry_runs(c: ClusterState, p: Pod, prof: ProfileConfig, pdbs: Sequence[PDBView] = (), offset: int = 0,
             walk: Sequence[str] | str | None = None, nominated: NominatedPods | None = None) -> tuple[DryRun, bool]:
    """DryRunPreemption over the nodes ``walk`` (default: all, by name, as kube's test passes
    them; "potential": those preempt() would check) from ``offset``, by the generic search and, where it applies, the fast one too (the
    two must agree). Returns the generic result and whether the fast one ran."""
    fw = Framework(prof)
    pi = PodInfo(p)
    state, res = fw.schedule(c, pi, all_nodes=True)
    if walk == "potential":
        rows = potential_rows(row_codes(fw, state, pi, c, res))
    else:
        rows = np.array([c.node_index[n] for n in (sorted(c.node_names) if walk is None else walk)], np.int64)
    plugin = default_preemption(fw)
    assert plugin is not None
    num = plugin.calculate_num_candidates(len(rows))
    w = walk_order(rows, offset % max(len(rows), 1))
    generic = dry_run_generic(fw, state, pi, c, w, pdbs, num, nominated)
    fast = applies(fw, state)
    if fast:
        assert summary(dry_run_fast(fw, state, pi, c, w, pdbs, num, nominated), c) == summary(generic, c)
    return generic, fast


def candidates(dr: DryRun, c: ClusterState) -> dict[str, tuple[list[str], int]]:
    """node -> (victim names sorted, PDB violations), as kube's TestDryRunPreemption compares them."""
    return {c.node_names[int(r)]: (sorted(v.pod.metadata.name for v in dr.victims_of(i)), int(dr.violations[i]))
            for i, r in enumerate(dr.rows)}
