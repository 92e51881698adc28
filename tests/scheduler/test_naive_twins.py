"""Kernels against their naive twins (tests/naive/core.py) on seeded random clusters.

Run under NUMBA_DISABLE_JIT=1 as well (test_kernels_without_jit), so the kernels' Python bodies
are covered and checked too.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from kbench.cluster.state import ClusterState
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from tests.naive import core as naive
from tests.scheduler.helpers import only
from tests.scheduler.random_cluster import random_node, random_pod

SEEDS = range(12)


def world(seed: int):
    r = random.Random(seed)
    nodes = [random_node(r, i) for i in range(r.randint(5, 40))]
    pods = [random_pod(r, f"b{j}", r.choice(nodes).name) for j in range(r.randint(0, 60))]
    cluster = ClusterState()
    cluster.add_objects(nodes, pods, [])
    by_node = {n.name: [p for p in pods if p.spec.node_name == n.name] for n in nodes}
    return r, nodes, by_node, cluster


def run(cluster: ClusterState, pod, profile):
    fw = Framework(profile)
    state, res = fw.schedule(cluster, PodInfo(pod), all_nodes=True, score_single=True)
    verdict = {}
    for k, row in enumerate(res.evaluated):
        ok = res.failed_by[k] < 0
        verdict[cluster.node_names[row]] = [] if ok else list(fw.status_of(state, PodInfo(pod), cluster, res, k).reasons)
    scores = {p: {cluster.node_names[row]: int(s[i]) for i, row in enumerate(res.feasible)} for p, s in res.scores.items()}
    return verdict, scores


@pytest.mark.parametrize("seed", SEEDS)
def test_fit_filter(seed: int) -> None:
    r, nodes, by_node, cluster = world(seed)
    for t in range(5):
        pod = random_pod(r, f"p{t}")
        verdict, _ = run(cluster, pod, only("NodeResourcesFit", score=False))
        assert verdict == {n.name: naive.fit_filter(pod, n, by_node[n.name]) for n in nodes}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strategy", ["LeastAllocated", "MostAllocated"])
def test_fit_scores(seed: int, strategy: str) -> None:
    r, nodes, by_node, cluster = world(seed)
    resources = [("cpu", 1), ("memory", 2), ("nvidia.com/gpu", 3)]
    args = {"scoringStrategy": {"type": strategy, "resources": [{"name": n, "weight": w} for n, w in resources]}}
    for t in range(5):
        pod = random_pod(r, f"p{t}")
        _, scores = run(cluster, pod, only("NodeResourcesFit", args, filter_=False))
        kind = "least" if strategy == "LeastAllocated" else "most"
        assert scores["NodeResourcesFit"] == {n.name: naive.resource_score(pod, n, by_node[n.name], kind, resources) for n in nodes}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("resources", [[("cpu", 1), ("memory", 1)], [("cpu", 1), ("nvidia.com/gpu", 1)],
                                       [("cpu", 1), ("memory", 1), ("nvidia.com/gpu", 1)]], ids=["two", "gpu", "three"])
def test_balanced_allocation(seed: int, resources: list[tuple[str, int]]) -> None:
    r, nodes, by_node, cluster = world(seed)
    args = {"resources": [{"name": n, "weight": w} for n, w in resources]}
    for t in range(5):
        pod = random_pod(r, f"p{t}")
        _, scores = run(cluster, pod, only("NodeResourcesBalancedAllocation", args, filter_=False))
        want = {n.name: naive.resource_score(pod, n, by_node[n.name], "balanced", resources) for n in nodes}
        if all(naive._requests(pod, False).get(k, 0) == 0 for k, _ in resources):
            assert "NodeResourcesBalancedAllocation" not in scores  # best-effort pods: PreScore Skip
        else:
            assert scores["NodeResourcesBalancedAllocation"] == want


@pytest.mark.parametrize("seed", SEEDS)
def test_taint_toleration(seed: int) -> None:
    r, nodes, _, cluster = world(seed)
    for t in range(5):
        pod = random_pod(r, f"p{t}")
        verdict, _ = run(cluster, pod, only("TaintToleration", score=False))
        assert verdict == {n.name: naive.taint_filter(pod, n) for n in nodes}
        _, scores = run(cluster, pod, only("TaintToleration", filter_=False))
        want = naive.normalize([naive.taint_count(pod, n) for n in nodes], reverse=True)
        assert scores["TaintToleration"] == {n.name: s for n, s in zip(nodes, want)}


@pytest.mark.parametrize("seed", SEEDS)
def test_node_affinity(seed: int) -> None:
    r, nodes, _, cluster = world(seed)
    for t in range(8):
        pod = random_pod(r, f"p{t}")
        verdict, _ = run(cluster, pod, only("NodeAffinity", score=False))
        assert verdict == {n.name: naive.node_affinity_filter(pod, n) for n in nodes}
        _, scores = run(cluster, pod, only("NodeAffinity", filter_=False))
        na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
        if na is None or not na.preferred_during_scheduling_ignored_during_execution:
            assert "NodeAffinity" not in scores
        else:
            want = naive.normalize([naive.node_affinity_raw(pod, n) for n in nodes], reverse=False)
            assert scores["NodeAffinity"] == {n.name: s for n, s in zip(nodes, want)}


@pytest.mark.parametrize("seed", SEEDS)
def test_image_locality(seed: int) -> None:
    r, nodes, _, cluster = world(seed)
    for t in range(5):
        pod = random_pod(r, f"p{t}")
        _, scores = run(cluster, pod, only("ImageLocality", filter_=False))
        assert scores["ImageLocality"] == {n.name: naive.image_locality(pod, n, nodes) for n in nodes}


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already the no-JIT run")
def test_kernels_without_jit() -> None:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "not without_jit",
                          "-x"], env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
