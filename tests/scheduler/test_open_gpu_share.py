"""OpenGpuShare: a GPU pod needs GPUs of an allowed model with room for it, GPU by GPU."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.sim.scheduler import fit_error_message
from tests.scheduler.helpers import cluster, explain, only


def gpu_node(name: str, gpus: int = 0, model: str | None = None) -> Node:
    alloc = {"cpu": "32", "memory": "64Gi", "pods": "110"}
    if gpus:
        alloc.update({"nvidia.com/gpu": str(gpus), "alibabacloud.com/gpu-milli": str(1000 * gpus)})
    labels = {"kbench.io/gpu-model": model} if model else {}
    return Node.model_validate({"metadata": {"name": name, "labels": labels}, "status": {"allocatable": alloc}})


def gpu_pod(name: str, milli: int = 0, whole: int = 0, node_name: str = "", models: list[str] | None = None) -> Pod:
    requests = {"cpu": "1"}
    if whole:
        requests["nvidia.com/gpu"] = str(whole)
    if milli or whole:
        requests["alibabacloud.com/gpu-milli"] = str(milli or 1000 * whole)
    spec: dict = {"containers": [{"name": "c", "resources": {"requests": requests}}], "nodeName": node_name}
    if models:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kbench.io/gpu-model", "operator": "In", "values": models}]}]}}}
    return Pod.model_validate({"metadata": {"name": name}, "spec": spec})


def world():
    """cpu: no GPU; t4: 2 free T4 GPUs; g2-split: 2 G2 GPUs with 700 used on each (300 + 300 free,
    600 in all); g2: 2 free G2 GPUs."""
    nodes = [gpu_node("cpu"), gpu_node("t4", 2, "T4"), gpu_node("g2-split", 2, "G2"), gpu_node("g2", 2, "G2")]
    bound = [gpu_pod("u1", milli=700, node_name="g2-split"), gpu_pod("u2", milli=700, node_name="g2-split")]
    return cluster(nodes, bound)


def test_cpu_only_pod_passes_everywhere() -> None:
    verdict, _ = explain(world(), gpu_pod("cpu-task"), only("OpenGpuShare"))
    assert verdict == {"cpu": [], "t4": [], "g2-split": [], "g2": []}


def test_share_needs_room_on_one_gpu_not_across_gpus() -> None:
    # 500 milli: g2-split has 300 + 300 = 600 free, but no single GPU with 500
    verdict, _ = explain(world(), gpu_pod("s", milli=500), only("OpenGpuShare"))
    assert verdict == {"cpu": ["node(s) didn't have GPUs"], "t4": [],
                       "g2-split": ["node(s) didn't have enough free GPU"], "g2": []}
    verdict, _ = explain(world(), gpu_pod("s", milli=300), only("OpenGpuShare"))
    assert verdict["g2-split"] == []


def test_allowed_models() -> None:
    verdict, _ = explain(world(), gpu_pod("s", milli=500, models=["G2"]), only("OpenGpuShare"))
    assert verdict == {"cpu": ["node(s) didn't have GPUs"], "t4": ["node(s) didn't have a GPU of an allowed model"],
                       "g2-split": ["node(s) didn't have enough free GPU"], "g2": []}
    # a model no node has matches nothing (rather than "any")
    verdict, _ = explain(world(), gpu_pod("s", milli=100, models=["H100"]), only("OpenGpuShare"))
    assert verdict["t4"] == verdict["g2"] == ["node(s) didn't have a GPU of an allowed model"]


def test_whole_gpus_need_that_many_free_gpus() -> None:
    verdict, _ = explain(world(), gpu_pod("w", whole=2), only("OpenGpuShare"))
    assert verdict == {"cpu": ["node(s) didn't have GPUs"], "t4": [],
                       "g2-split": ["node(s) didn't have enough free GPU"], "g2": []}
    verdict, _ = explain(world(), gpu_pod("w", whole=3), only("OpenGpuShare"))
    assert verdict["t4"] == verdict["g2"] == ["node(s) didn't have enough free GPU"]


def test_fit_error_counts_each_reason() -> None:
    c = world()
    fw = Framework(only("OpenGpuShare"))
    pi = PodInfo(gpu_pod("w", whole=3, models=["G2"]))
    state, res = fw.schedule(c, pi)
    assert res.selected == -1 and np.all(res.failed_by == 0)
    assert fit_error_message(fw, res, c, state, pi) == (
        "0/4 nodes are available: 1 node(s) didn't have GPUs, 1 node(s) didn't have a GPU of an allowed model, "
        "2 node(s) didn't have enough free GPU.")
