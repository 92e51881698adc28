"""The target workload M of a live cluster and the fragmentation ratio the timeseries samples."""

from __future__ import annotations

from pathlib import Path

from kbench.api.objects import Node, Pod
from kbench.cluster.state import ClusterState
from kbench.config.policy import load_policy
from kbench.gpu.frag import TaskType
from kbench.gpu.target import TargetWorkload, frag_ratio
from kbench.sources import cluster_arrivals, workload_target

POLICIES = Path(__file__).parents[2] / "policies"
M = [(TaskType(2000, 400, 1), 0.75), (TaskType(1000, 0, 0), 0.25)]


def node(name: str, gpus: int = 0, model: str = "G2") -> Node:
    alloc = {"cpu": "8", "memory": "16Gi", "pods": "110"}
    if gpus:
        alloc.update({"nvidia.com/gpu": str(gpus), "alibabacloud.com/gpu-milli": str(1000 * gpus)})
    labels = {"kbench.io/gpu-model": model} if gpus else {}
    return Node.model_validate({"metadata": {"name": name, "labels": labels}, "status": {"allocatable": alloc}})


def share(name: str, milli: int) -> Pod:
    req = {"cpu": "1", "alibabacloud.com/gpu-milli": str(milli)}
    return Pod.model_validate({"metadata": {"name": name},
                               "spec": {"containers": [{"name": "c", "resources": {"requests": req}}]}})


def test_frag_ratio_is_fragment_over_idle() -> None:
    c = ClusterState()
    c.add_node(node("g", 2))
    c.add_node(node("cpu"))
    c.add_pod(share("s", 600), "g")
    # g: R [400, 1000], IDLE 1400: m1 (d 400) fits, no GPU below 400 -> 0; m2 CPU-only -> 1400
    # F = 0.75*0 + 0.25*1400 = 350; the CPU-only node adds nothing; ratio 350 / 1400 = 0.25
    assert frag_ratio(c, TargetWorkload(M)) == 0.25
    c.add_pod(share("s2", 700), "g")
    # R [400, 300]: m1 -> 300, m2 -> 700: F = 225 + 175 = 400 over IDLE 700
    assert frag_ratio(c, TargetWorkload(M)) == 400 / 700


def test_no_gpu_gives_none_and_no_idle_gpu_gives_zero() -> None:
    c = ClusterState()
    c.add_node(node("cpu"))
    assert frag_ratio(c, TargetWorkload(M)) is None
    c.add_node(node("g", 1))
    c.add_pod(share("s", 1000), "g")
    assert frag_ratio(c, TargetWorkload(M)) == 0.0


def test_arrays_follow_the_ledger_model_names() -> None:
    c = ClusterState()
    c.add_node(node("a", 1, "T4"))
    target = TargetWorkload([(TaskType(1000, 500, 1, ("V100",)), 1.0)])
    assert target.arrays(c.gpus).model_names == ("T4",)
    c.add_node(node("b", 1, "V100"))
    arrays = target.arrays(c.gpus)
    assert arrays.model_names == ("T4", "V100") and arrays.allowed.tolist() == [[False, True]]


def test_workload_target_of_a_run() -> None:
    policy = load_policy(POLICIES / "default.yaml", {"workload.limit": 50})
    cluster = cluster_arrivals(policy, POLICIES, policy.seed)
    target = workload_target(policy, POLICIES, policy.seed, cluster)
    assert target is not None and abs(sum(p for _, p in target.typical) - 1.0) < 1e-12
    # a cluster without GPU nodes has no fragmentation to sample
    cpu_only = [(t, o) for t, o in cluster if not isinstance(o, Node)]
    assert workload_target(policy, POLICIES, policy.seed, cpu_only) is None
    manifest = load_policy(POLICIES / "manifests.yaml")
    assert workload_target(manifest, POLICIES, 1, cluster) is None


def test_run_samples_the_frag_ratio(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from kbench.run import run_policy

    res = run_policy(POLICIES / "fgd-online.yaml", out=tmp_path / "out", until=7200.0,
                     overrides={"workload.limit": 20})
    ratios = pq.read_table(tmp_path / "out" / "timeseries.parquet").column("gpu_frag_ratio").to_pylist()
    assert res.run["pods_scheduled"] > 0 and len(ratios) >= 2
    assert all(r is not None and 0.0 <= r <= 1.0 for r in ratios)
