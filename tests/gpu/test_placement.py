"""The placement-only replay (FGD.md §4, §6) on small hand-built clusters."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kbench.gpu.frag import TaskType, cluster_frag, task_arrays, typical_tasks
from kbench.gpu.placement import (
    cluster_from_table,
    replay,
    submission_order,
    tasks_from_table,
    typical_arrays,
)
from kbench.gpu.policies import BEST_FIT, FGD, GPU_PACKING, RANDOM

LIST = pa.list_(pa.string())


def nodes(*specs: tuple[str, int, int, str | None], pods: int = 110) -> pa.Table:
    """(name, cpu milli, GPUs, model) per node; 64 GiB each."""
    return pa.table({
        "name": [s[0] for s in specs], "cpu_milli": [s[1] for s in specs], "memory_bytes": [2**36] * len(specs),
        "pods": [pods] * len(specs), "gpu": [s[2] for s in specs], "gpu_milli": [1000 * s[2] for s in specs],
        "gpu_model": pa.array([s[3] for s in specs], pa.string())})


def pods(*specs: tuple[int, int, int, list[str]]) -> pa.Table:
    """(cpu milli, whole GPUs, GPU share milli, allowed models) per pod."""
    return pa.table({
        "name": [f"p{i:03d}" for i in range(len(specs))], "cpu_milli": [s[0] for s in specs],
        "memory_bytes": [2**30] * len(specs), "gpu": [s[1] for s in specs], "gpu_milli": [s[2] for s in specs],
        "gpu_models": pa.array([s[3] for s in specs], LIST),
        "gpu_spec": pa.array(["|".join(s[3]) or None for s in specs], pa.string())})


def run(node_t: pa.Table, pod_t: pa.Table, policy: int, rank: list[int] | None = None, seed: int = 0):  # type: ignore[no-untyped-def]
    c = cluster_from_table(node_t)
    tasks = tasks_from_table(pod_t, c.model_names)
    typical = typical_arrays(typical_tasks(pod_t), c)
    r = np.arange(len(c.names), dtype=np.int64) if rank is None else np.array(rank, np.int64)
    return c, replay(c, tasks, typical, policy, seed, r)


def test_ties_go_to_the_node_first_in_priority_order() -> None:
    n = nodes(("a", 8000, 2, "T4"), ("b", 8000, 2, "T4"))
    _, r = run(n, pods((1000, 0, 500, [])), BEST_FIT, rank=[1, 0])
    assert r.node.tolist() == [1]   # equal scores: rank 0 (node b) wins
    _, r = run(n, pods((1000, 0, 500, [])), BEST_FIT, rank=[0, 1])
    assert r.node.tolist() == [0]


def test_gpu_binding_and_logs() -> None:
    n = nodes(("a", 32000, 4, "T4"))
    p = pods((1000, 2, 0, []), (1000, 0, 300, []), (1000, 0, 600, []), (1000, 0, 400, []), (99000, 0, 100, []))
    _, r = run(n, p, GPU_PACKING)
    # whole GPUs take the lowest free indices (0, 1); shares go best-fit: 300 -> GPU 2 (tie with 3,
    # lowest index), 600 -> GPU 2 (700 left is the tightest fit), 400 -> GPU 3 (GPU 2 has 100 left)
    assert [list(g[g >= 0]) for g in r.gpus] == [[0, 1], [2], [2], [3], []]
    assert r.node.tolist() == [0, 0, 0, 0, -1]           # the last pod lacks CPU: failed
    assert r.arrived_milli.tolist() == [2000, 2300, 2900, 3300, 3400]   # failed pods count as arrived
    assert r.used_milli.tolist() == [2000, 2300, 2900, 3300, 3300]
    assert r.idle_milli.tolist() == [2000, 1700, 1100, 700, 700]
    assert r.feasible.tolist() == [1, 1, 1, 1, 0]


def test_model_constraint_and_pod_limit() -> None:
    n = nodes(("g2", 8000, 2, "G2"), ("t4", 8000, 2, "T4"), pods=1)
    p = pods((1000, 0, 500, ["T4"]), (1000, 0, 500, ["T4"]), (1000, 0, 0, []))
    _, r = run(n, p, BEST_FIT)
    # first pod only fits the T4 node; the second finds it full (one pod per node): failed;
    # the CPU-only pod takes the G2 node
    assert r.node.tolist() == [1, -1, 0]


def test_fragmentation_log_matches_the_measure() -> None:
    n = nodes(("a", 16000, 2, "T4"), ("b", 16000, 4, "G2"), ("c", 4000, 1, "T4"))
    p = pods((2000, 0, 700, []), (4000, 1, 0, []), (1000, 0, 200, ["T4"]), (8000, 0, 500, []), (1000, 0, 0, []))
    for policy in (RANDOM, BEST_FIT, FGD):
        c, r = run(n, p, policy, seed=3)
        typical = typical_tasks(p)
        # rebuild the final state from the placements and measure it with the frag module
        cpu = c.cpu.copy()
        gpu = np.full((3, 4), -1, np.int64)
        for i, g in enumerate(c.gpus):
            gpu[i, :g] = 1000
        tasks = tasks_from_table(p, c.model_names)
        for j in range(len(tasks)):
            if r.node[j] >= 0:
                cpu[r.node[j]] -= tasks.cpu[j]
                for g in r.gpus[j][r.gpus[j] >= 0]:
                    gpu[r.node[j], g] -= tasks.gpu_milli[j]
        expected = cluster_frag(cpu, gpu, c.model_ids, task_arrays(typical, c.model_names)).sum()
        assert abs(r.frag_milli[-1] - expected) < 1e-9


def test_random_policy_is_seeded_and_feasible() -> None:
    n = nodes(*[(f"n{i}", 8000, 1, "T4") for i in range(6)])
    p = pods(*[(1000, 0, 100, []) for _ in range(20)])
    _, r1 = run(n, p, RANDOM, seed=5)
    _, r2 = run(n, p, RANDOM, seed=5)
    assert r1.node.tolist() == r2.node.tolist() and (r1.node >= 0).all()
    assert len(set(r1.node.tolist())) > 1   # 20 uniform draws over 6 nodes all on one: (1/6)^19


def test_submission_order_inflates_to_the_target_share() -> None:
    p = pods(*[(1000, 1, 0, []) for _ in range(5)], *[(1000, 0, 500, []) for _ in range(5)],
             *[(1000, 0, 0, []) for _ in range(5)])
    # demand 5*1000 + 5*500 = 7500 milli-GPU; capacity 10 GPUs, ratio 1.3 -> target 13000
    rng = np.random.default_rng(1)
    ordered, clone = submission_order(p, 1, 1.3, 10_000, rng)
    demand = np.where(np.array(ordered["gpu"]) > 0, 1000 * np.array(ordered["gpu"]), np.array(ordered["gpu_milli"]))
    assert 13000 - 1000 < demand.sum() <= 13000  # stops when the next copy (<= 1000 per GPU) would pass
    assert not clone[:15].any() and clone[15:].all()
    assert sorted(ordered["name"].to_pylist()[:15]) == sorted(p["name"].to_pylist())  # originals, shuffled
    assert set(ordered["name"].to_pylist()[15:]) <= set(p["name"].to_pylist())
    again, _ = submission_order(p, 1, 1.3, 10_000, np.random.default_rng(1))
    assert again["name"].to_pylist() == ordered["name"].to_pylist()


def test_submission_order_trims_above_the_target() -> None:
    p = pods(*[(1000, 2, 0, []) for _ in range(10)])   # 20 GPUs requested
    ordered, clone = submission_order(p, 0, 1.3, 10_000, np.random.default_rng(0))
    assert len(ordered) == 6 and not clone.any()        # removed one by one until <= 13 GPUs: 6 pods = 12
    same, _ = submission_order(p, 0, None, 10_000, np.random.default_rng(0))
    assert len(same) == 10


def test_task_types_of_the_trace_rows() -> None:
    c = cluster_from_table(nodes(("a", 1000, 1, "T4"), ("b", 1000, 1, "G2")))
    t = tasks_from_table(pods((1000, 2, 0, []), (500, 0, 250, ["T4"]), (100, 0, 0, [])), c.model_names)
    assert c.model_names == ("G2", "T4")
    assert t.gpu_count.tolist() == [2, 1, 0] and t.gpu_milli.tolist() == [1000, 250, 0]
    assert t.allowed.tolist() == [[True, True], [False, True], [True, True]]
    assert TaskType(500, 250, 1, ("T4",)).models == ("T4",)
