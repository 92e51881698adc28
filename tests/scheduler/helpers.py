"""Build small clusters and run one plugin the way `kbench explain` does, for plugin tests."""

from __future__ import annotations

from typing import Any

from kbench.api.objects import Namespace, Node, Pod
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
from kbench.scheduler.plugins import registry


def only(plugin: str, args: dict | None = None, filter_: bool = True, score: bool = True) -> ProfileConfig:
    """A profile running just ``plugin`` (at the points it implements), like the conformance configs."""
    points = registry.extension_points(registry.plugin_class(plugin))
    wanted = {"preFilter": filter_, "filter": filter_, "preScore": score, "score": score}
    sets = {p: PluginSet(disabled=[PluginRef(name="*")],
                         enabled=[PluginRef(name=plugin)] if on and p in points else []) for p, on in wanted.items()}
    cfg = [{"name": plugin, "args": args}] if args else []
    return expand_profile(Profile(plugins=Plugins(**sets), pluginConfig=cfg), "<test>", "", 100)


def node(name: str, alloc: dict[str, str] | None = None, labels: dict[str, str] | None = None, **spec: Any) -> Node:
    status: dict[str, Any] = {"allocatable": {"pods": "110", **(alloc or {})}}
    if "images" in spec:
        status["images"] = spec.pop("images")
    return Node.model_validate({"metadata": {"name": name, "labels": labels or {}}, "spec": spec, "status": status})


def pod(name: str, requests: list[dict[str, str]] | None = None, node_name: str = "", **spec: Any) -> Pod:
    containers = [{"name": f"c{i}", "image": "pause", "resources": {"requests": r}} for i, r in enumerate(requests or [{}])]
    meta = {"name": name, "namespace": spec.pop("namespace", "default"), "labels": spec.pop("labels", {})}
    body = {"containers": spec.pop("containers", containers), "nodeName": node_name, **spec}
    return Pod.model_validate({"metadata": meta, "spec": body})


def cluster(nodes: list[Node], pods: list[Pod] = (), namespaces: list[Namespace] = ()) -> ClusterState:  # type: ignore[assignment]
    c = ClusterState()
    c.add_objects(nodes, pods, namespaces)
    return c


def explain(c: ClusterState, p: Pod, profile: ProfileConfig) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
    """(reasons per node: [] when feasible, normalized scores per plugin per feasible node)."""
    fw = Framework(profile)
    pi = PodInfo(p)
    state, res = fw.schedule(c, pi, all_nodes=True, score_single=True)
    verdict = {c.node_names[r]: list(st.reasons) for r, st in res.rejected.items()}
    for k, row in enumerate(res.evaluated):
        ok = res.failed_by[k] < 0
        verdict[c.node_names[row]] = [] if ok else list(fw.status_of(state, pi, c, res, k).reasons)
    scores = {name: {c.node_names[row]: int(s[i]) for i, row in enumerate(res.feasible)} for name, s in res.scores.items()}
    return verdict, scores
