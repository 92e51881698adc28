"""The six GPU policy score plugins through the Framework and the scheduler process, on three
hand-built nodes, with scores worked out from FGD.md §3 and §5.

The cluster (``C_n`` = milli-CPU left, ``R`` = free milli-GPU per GPU, ``IDLE`` = sum of R):

- A: 32 cores, 4 G2 GPUs; pod pa (8 cores, 600 milli) took GPU 0 ->  C 24000, R [400, 1000, 1000, 1000], IDLE 3400
- B: 96 cores, 2 G2 GPUs; pb1 (2 cores, 600 milli) took GPU 0, pb2 (2 cores, 700) then the only
  GPU with 700 free, GPU 1                                        ->  C 92000, R [400, 300], IDLE 700
- C: 16 cores, 2 T4 GPUs; pc (11 cores, one whole GPU) took GPU 0 ->  C 5000, R [0, 1000], IDLE 1000

The incoming task t asks for 4 cores (c 4000) and a 300-milli share of one GPU (d 300, k 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kbench.api.objects import Node, Pod
from kbench.cluster.state import ClusterState
from kbench.config.scheduler_config import (
    PluginConfigEntry,
    PluginRef,
    Plugins,
    PluginSet,
    Profile,
    ProfileConfig,
    default_profile,
    expand_profile,
)
from kbench.errors import ConfigError, FieldError
from kbench.etcd import Store
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.plugins.gpu_policies import FGD, gpu_selector
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.scheduler import SchedulerProcess

TARGET_CSV = """name,cpu_milli,memory_mib,num_gpu,gpu_milli
s1,2000,1024,1,400
s2,2000,1024,1,400
s3,2000,1024,1,400
c1,1000,1024,0,0
"""
"""The target workload M: m1 = (c 2000, d 400, k 1) with p 3/4 and the CPU-only m2 (c 1000) with
p 1/4 (both types are needed to cover 95% of the 4 tasks)."""


def gpu_node(name: str, cores: int, gpus: int, model: str) -> Node:
    alloc = {"cpu": str(cores), "memory": "256Gi", "pods": "110", "nvidia.com/gpu": str(gpus),
             "alibabacloud.com/gpu-milli": str(1000 * gpus)}
    return Node.model_validate({"metadata": {"name": name, "labels": {"kbench.io/gpu-model": model}},
                                "status": {"allocatable": alloc}})


def gpu_pod(name: str, cores: int, milli: int = 0, whole: int = 0, node_name: str = "",
            models: list[str] | None = None) -> Pod:
    requests = {"cpu": str(cores), "memory": "1Gi"}
    if whole:
        requests["nvidia.com/gpu"] = str(whole)
    if milli or whole:
        requests["alibabacloud.com/gpu-milli"] = str(milli or 1000 * whole)
    spec: dict = {"containers": [{"name": "c", "resources": {"requests": requests}}], "nodeName": node_name}
    if models:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kbench.io/gpu-model", "operator": "In", "values": models}]}]}}}
    return Pod.model_validate({"metadata": {"name": name}, "spec": spec})


NODES = [gpu_node("a", 32, 4, "G2"), gpu_node("b", 96, 2, "G2"), gpu_node("c", 16, 2, "T4")]
BOUND = [gpu_pod("pa", 8, milli=600, node_name="a"), gpu_pod("pb1", 2, milli=600, node_name="b"),
         gpu_pod("pb2", 2, milli=700, node_name="b"), gpu_pod("pc", 11, whole=1, node_name="c")]
TASK = gpu_pod("t", 4, milli=300)


@pytest.fixture()
def target(tmp_path: Path) -> str:
    path = tmp_path / "target.csv"
    path.write_text(TARGET_CSV)
    return str(path)


def profile(policy: str, args: dict | None = None) -> ProfileConfig:
    """OpenGpuShare and one GPU policy at weight 1000, every default score plugin off (FGD.md §4)."""
    off = [PluginRef(name="*")]
    plugins = Plugins(filter=PluginSet(enabled=[PluginRef(name="OpenGpuShare")]),
                      preScore=PluginSet(disabled=off),
                      score=PluginSet(disabled=off, enabled=[PluginRef(name=policy, weight=1000)]))
    cfg = [PluginConfigEntry(name=policy, args=args)] if args else []
    return expand_profile(Profile(plugins=plugins, pluginConfig=cfg), "<test>", "", 100)


def state() -> ClusterState:
    c = ClusterState()
    c.add_objects(NODES, BOUND, [])
    return c


def scores(policy: str, args: dict | None = None) -> tuple[dict[str, int], str]:
    """(score per node, chosen node) of one cycle for TASK."""
    c = state()
    _, res = Framework(profile(policy, args)).schedule(c, PodInfo(TASK))
    by_node = {c.node_names[r]: int(s) for r, s in zip(res.feasible, res.scores[policy])}
    return by_node, c.node_names[res.selected]


def bind_through_scheduler(prof: ProfileConfig, nodes: list[Node] = NODES, task: Pod = TASK) -> tuple[str, tuple[int, ...]]:
    """Run the scheduler process on the cluster; (node, GPUs) the task is bound to."""
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    sched = SchedulerProcess(api, prof)
    for n in nodes:
        api.create(n)
    sched.start()
    for p in BOUND:
        if p.spec.node_name in {n.name for n in nodes}:
            api.create(p)
    eng.run(until=1.0)
    api.create(task)
    eng.run(until=2.0)
    rec = next(r for r in sched.cluster.pods.values() if r.pod.metadata.name == task.metadata.name)
    return sched.cluster.node_names[rec.node], rec.gpus


def test_cluster_as_described() -> None:
    c = state()
    assert c.cpu_left().tolist() == [24000, 92000, 5000]
    assert c.gpus.free.tolist() == [[400, 1000, 1000, 1000], [400, 300, -1, -1], [0, 1000, -1, -1]]


def test_dotprod() -> None:
    # v_t = (4000/128000, 300/8000) = (0.03125, 0.0375); score = int(100 (1 - v_n.v_t / 2))
    # A: 0.1875*0.03125 + 0.425*0.0375 = 0.021796875  -> int(98.91) = 98
    # B: 0.71875*0.03125 + 0.0875*0.0375 = 0.0257421875 -> int(98.71) = 98
    # C: 0.0390625*0.03125 + 0.125*0.0375 = 0.005908203125 -> int(99.70) = 99
    assert scores("DotProd") == ({"a": 98, "b": 98, "c": 99}, "c")
    assert bind_through_scheduler(profile("DotProd")) == ("c", (1,))  # best fit: C's only fitting GPU


def test_gpu_clustering() -> None:
    # base = 25 (8000 - IDLE) // 8000; t's tag is share-gpu
    # A: 25*4600//8000 = 14, hosts only share-gpu -> 14 + 75 = 89
    # B: 25*7300//8000 = 22, hosts only share-gpu -> 22 + 75 = 97
    # C: 25*7000//8000 = 21, hosts only 1-gpu     -> 21 + 0 = 21
    assert scores("GpuClustering") == ({"a": 89, "b": 97, "c": 21}, "b")
    # best fit on B: the smallest R >= 300 is GPU 1 (300), not GPU 0 (400)
    assert bind_through_scheduler(profile("GpuClustering")) == ("b", (1,))


def test_gpu_packing() -> None:
    # A: not all free; tightest fitting GPU 400 is partly used -> max(100 - (400*100//1000)//10, 50) = 96
    # B: tightest fitting GPU 300 -> max(100 - 30//10, 50) = 97
    # C: only the free GPU 1 fits -> max(50 - 1, 33) = 49
    assert scores("GpuPacking") == ({"a": 96, "b": 97, "c": 49}, "b")
    assert bind_through_scheduler(profile("GpuPacking")) == ("b", (1,))


def test_best_fit() -> None:
    # raw = 0.5 (C - 4000)/128000 + 0.5 (IDLE - 300)/8000, score = int(100 (1 - raw))
    # A: 0.078125 + 0.19375 = 0.271875 -> 72;  B: 0.34375 + 0.025 = 0.36875 -> 63
    # C: 0.00390625 + 0.04375 = 0.04765625 -> 95
    # min-max over 63..95: A (72-63)*100//32 = 28, B 0, C 100
    assert scores("BestFit") == ({"a": 28, "b": 0, "c": 100}, "c")
    assert bind_through_scheduler(profile("BestFit")) == ("c", (1,))


def sig(x: float) -> int:
    """floor(100 sigmoid(x))."""
    return int(100 / (1 + np.exp(-x)))


def test_fgd(target: str) -> None:
    # F_n(M) = 3/4 F_n(m1) + 1/4 F_n(m2); m2 is CPU-only, so F_n(m2) = IDLE_n;
    # F_n(m1) = sum of R < 400 when C_n >= 2000 and some GPU has R >= 400, else IDLE_n.
    # A: F = 3/4*0 + 1/4*3400 = 850. GPU 0 -> R [100, 1000, 1000, 1000]: 3/4*100 + 1/4*3100 = 850, dF 0;
    #    GPU 1 -> R [400, 700, 1000, 1000]: 3/4*0 + 1/4*3100 = 775, dF -75. Best: GPU 1, sig(0.075)
    # B: F = 3/4*300 + 1/4*700 = 400. GPU 0 -> [100, 300], no GPU fits m1: 3/4*400 + 1/4*400 = 400, dF 0;
    #    GPU 1 -> [400, 0]: 3/4*0 + 1/4*400 = 100, dF -300. Best: GPU 1, sig(0.3)
    # C: F = 3/4*0 + 1/4*1000 = 250. GPU 1 -> [0, 700] with C 1000 < 2000: m1 sees all idle,
    #    3/4*700 + 1/4*700 = 700, dF +450 -> sig(-0.45)
    expected = {"a": sig(0.075), "b": sig(0.3), "c": sig(-0.45)}
    assert expected == {"a": 51, "b": 57, "c": 38}
    assert scores("FGD", {"targetWorkload": target}) == (expected, "b")
    assert bind_through_scheduler(profile("FGD", {"targetWorkload": target})) == ("b", (1,))


def test_fgd_writes_its_gpu_per_node_into_cycle_state(target: str) -> None:
    c = state()
    st, res = Framework(profile("FGD", {"targetWorkload": target})).schedule(c, PodInfo(TASK))
    rows, gpus = st.get(FGD.CHOICE)
    # on A, FGD takes the free GPU 1 (dF -75) where best fit would take GPU 0 (R 400, dF 0)
    assert dict(zip(rows.tolist(), gpus.tolist())) == {0: 1, 1: 1, 2: 1}


def test_fgd_picks_the_gpu_of_a_lone_feasible_node(target: str) -> None:
    # Only A and C; t restricted to G2 leaves A alone, taken unscored: still FGD's GPU 1 (see test_fgd)
    task = gpu_pod("t", 4, milli=300, models=["G2"])
    assert bind_through_scheduler(profile("FGD", {"targetWorkload": target}), [NODES[0], NODES[2]], task) == ("a", (1,))
    # without a GPU policy the default rule (best fit) takes GPU 0
    assert bind_through_scheduler(default_profile(), [NODES[0], NODES[2]], task) == ("a", (0,))


def test_random() -> None:
    # one node drawn uniformly with Generator(seed) scores 100, the others 0; then the sharing
    # task's GPU is drawn uniformly among that node's fitting GPUs
    rng = np.random.default_rng(7)
    pick = int(rng.integers(3))
    node = "abc"[pick]
    by_node, chosen = scores("Random", {"seed": 7})
    assert chosen == node and by_node == {n: 100 if n == node else 0 for n in "abc"}
    fitting = {"a": [0, 1, 2, 3], "b": [0, 1], "c": [1]}[node]  # R >= 300
    rng = np.random.default_rng(7)
    rng.integers(3)
    gpu = fitting[int(rng.integers(len(fitting)))]
    assert bind_through_scheduler(profile("Random", {"seed": 7})) == (node, (gpu,))


def test_whole_gpu_task_takes_the_lowest_free_gpus(target: str) -> None:
    task = gpu_pod("w", 4, whole=2)  # only A has two free GPUs: 1 and 2 (3 is free too)
    assert bind_through_scheduler(profile("FGD", {"targetWorkload": target}), task=task) == ("a", (1, 2))


def test_gpu_selector_is_the_gpu_policy() -> None:
    assert gpu_selector(default_profile()) is None
    prof = profile("GpuPacking")
    assert gpu_selector(prof) is prof.plugins["GpuPacking"]


def test_fgd_needs_a_target_workload(tmp_path: Path) -> None:
    prof = profile("FGD")   # no targetWorkload: `kbench run` supplies the run's workload
    with pytest.raises(FieldError, match="FGD needs a target workload"):
        scores("FGD")
    assert prof.plugins["FGD"].target is None
    missing = tmp_path / "none.csv"
    with pytest.raises(ConfigError, match="targetWorkload: .*none.csv: no such file"):
        profile("FGD", {"targetWorkload": str(missing)})
