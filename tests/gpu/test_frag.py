"""FGD's fragmentation measure (kbench.gpu.frag) against hand-worked cases, the kernel against the
Python reference, and the target workload of the bundled default trace against FGD.md."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from kbench.gpu.frag import (
    TaskType,
    cluster_frag,
    node_frag,
    node_frag_workload,
    task_arrays,
    task_type_of,
    typical_tasks,
)
from kbench.traces.alibaba import load_pods

SHARE_500 = TaskType(cpu_milli=4000, gpu_milli_per_gpu=500, gpu_count=1)
WHOLE_1 = TaskType(cpu_milli=4000, gpu_milli_per_gpu=1000, gpu_count=1)
WHOLE_2 = TaskType(cpu_milli=4000, gpu_milli_per_gpu=1000, gpu_count=2)
CPU_ONLY = TaskType(cpu_milli=4000, gpu_milli_per_gpu=0, gpu_count=0)


# --- F_n(m), one case per branch of FGD.md §2 -----------------------------------------------------


def test_satisfied_sharing_task_counts_only_gpus_too_small() -> None:
    # R = [1000, 300, 0, 1000], d = 500: GPUs 0 and 3 fit; 300 < 500 is fragment, 0 adds 0
    assert node_frag(8000, np.array([1000, 300, 0, 1000]), "G2", SHARE_500) == 300


def test_satisfied_whole_gpu_task_counts_every_partial_gpu() -> None:
    # R = [1000, 600], d = 1000: GPU 0 fits; the partially used 600 is fragment
    assert node_frag(8000, np.array([1000, 600]), "T4", WHOLE_1) == 600


def test_satisfied_when_cpu_exactly_enough() -> None:
    # C = c is enough (>=): satisfied, fragment = 300 + 200
    assert node_frag(4000, [300, 1000, 200], "G2", SHARE_500) == 500


def test_lacking_cpu_gives_all_idle() -> None:
    # 3999 < 4000 milli-CPU: Q4 (lack CPU) -> IDLE = 1000 + 300 + 0 + 1000
    assert node_frag(3999, [1000, 300, 0, 1000], "G2", SHARE_500) == 2300


def test_lacking_gpus_gives_all_idle() -> None:
    # 2-GPU task, only one GPU with R >= 1000: Q2 (lack GPU) -> IDLE = 1000 + 600 + 900
    assert node_frag(8000, [1000, 600, 900], "G2", WHOLE_2) == 2500
    # no GPU with R >= 500: IDLE = 400 + 499
    assert node_frag(8000, [400, 499], "G2", SHARE_500) == 899


def test_lacking_both_gives_all_idle() -> None:
    assert node_frag(0, [400, 499], "G2", SHARE_500) == 899


def test_model_mismatch_gives_all_idle() -> None:
    task = TaskType(4000, 500, 1, ("V100M16", "V100M32"))
    # would be satisfied (fragment 300) on an allowed model; NoAccess -> IDLE = 2300
    assert node_frag(8000, [1000, 300, 0, 1000], "V100M32", task) == 300
    assert node_frag(8000, [1000, 300, 0, 1000], "G2", task) == 2300


def test_cpu_only_task_gives_all_idle_even_when_it_fits() -> None:
    assert node_frag(64000, [1000, 300, 0, 1000], "G2", CPU_ONLY) == 2300
    assert node_frag(0, [1000, 300, 0, 1000], "G2", CPU_ONLY) == 2300


def test_cpu_only_node() -> None:
    # no GPUs: every F_n(m) is 0, whether the task fits, lacks GPUs or is constrained
    for task in (CPU_ONLY, SHARE_500, TaskType(1000, 500, 1, ("T4",))):
        assert node_frag(8000, np.array([], dtype=np.int64), None, task) == 0


def test_weighted_sum() -> None:
    typical = [(SHARE_500, 0.5), (WHOLE_1, 0.3), (CPU_ONLY, 0.2)]
    # F(share) = 300, F(whole) = 300 (GPU of 300 < 1000), F(cpu) = 2300
    # 0.5*300 + 0.3*300 + 0.2*2300 = 150 + 90 + 460 = 700
    assert node_frag_workload(8000, [1000, 300, 0, 1000], "G2", typical) == pytest.approx(700.0)
    assert node_frag_workload(8000, [1000, 300, 0, 1000], "G2", []) == 0.0


# --- task types -------------------------------------------------------------------------------


def test_task_type_of_rows() -> None:
    assert task_type_of({"cpu_milli": 6000, "gpu": 0, "gpu_milli": 460, "gpu_models": []}) == \
        TaskType(6000, 460, 1)
    assert task_type_of({"cpu_milli": 6000, "gpu": 1, "gpu_milli": 0, "gpu_models": []}) == \
        TaskType(6000, 1000, 1)
    assert task_type_of({"cpu_milli": 6000, "gpu": 8, "gpu_milli": 0, "gpu_models": ["A10"]}) == \
        TaskType(6000, 1000, 8, ("A10",))
    assert task_type_of({"cpu_milli": 6000, "gpu": 0, "gpu_milli": 0, "gpu_models": []}) == \
        TaskType(6000, 0, 0)
    # kube-scheduler's non-zero default CPU request
    assert task_type_of({"cpu_milli": 0, "gpu": 0, "gpu_milli": 0, "gpu_models": []}).cpu_milli == 100


@pytest.mark.parametrize("args", [(1000, 0, 1), (1000, 1001, 1), (1000, 500, 0), (1000, 500, 2),
                                  (1000, 1000, 3), (-1, 0, 0)])
def test_task_type_rejects_impossible_types(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        TaskType(*args)


def _pods(rows: list[tuple[int, int, int]]) -> pa.Table:
    """A minimal pod table of (cpu_milli, gpu, gpu_milli) rows with no model constraint."""
    return pa.table({
        "cpu_milli": [r[0] for r in rows], "gpu": [r[1] for r in rows],
        "gpu_milli": [r[2] for r in rows], "gpu_models": pa.array([[]] * len(rows), pa.list_(pa.string())),
    })


def test_typical_tasks_cut_and_renormalisation() -> None:
    # counts: A 5, B 3, C 1, D 1 (10 tasks). 95% = 9.5: A (5) B (8) then C (9) then D (10) -> all 4.
    a, b, c, d = (1000, 0, 500), (2000, 1, 0), (3000, 0, 0), (4000, 2, 0)
    rows = [a] * 5 + [b] * 3 + [c] + [d]
    m = typical_tasks(_pods(rows))
    assert [t for t, _ in m][:2] == [TaskType(1000, 500, 1), TaskType(2000, 1000, 1)]
    assert [p for _, p in m] == pytest.approx([0.5, 0.3, 0.1, 0.1])
    # 80% = 8: A (5), B (8 >= 8) -> stop; renormalised 5/8, 3/8
    m = typical_tasks(_pods(rows), threshold=0.8)
    assert m == [(TaskType(1000, 500, 1), 5 / 8), (TaskType(2000, 1000, 1), 3 / 8)]


def test_typical_tasks_ties_go_to_the_larger_type_as_in_the_reference() -> None:
    # equal counts; sort.Reverse of PodResource.Less puts the larger (cpu, d, k, type) first:
    # (3000, 0, 0) > (2000, 1000, 1) > (2000, 500, 1); 50% of 6 = 3 -> the first two are kept
    rows = [(2000, 0, 500)] * 2 + [(3000, 0, 0)] * 2 + [(2000, 1, 0)] * 2
    m = typical_tasks(_pods(rows), threshold=0.5)
    assert [t for t, _ in m] == [TaskType(3000, 0, 0), TaskType(2000, 1000, 1)]


def test_typical_workload_of_default_trace_matches_fgd_md() -> None:
    # FGD.md §2: "Default trace: 91 types, 35 kept, covering 95.26%"
    pods = load_pods("alibaba-gpu-v2023:default")
    cols = pods.select(["cpu_milli", "gpu", "gpu_milli", "gpu_models"]).to_pylist()
    counts = Counter(task_type_of(r) for r in cols)
    m = typical_tasks(pods)
    assert len(counts) == 91
    assert len(m) == 35
    covered = sum(counts[t] for t, _ in m) / pods.num_rows
    assert round(100 * covered, 2) == 95.26
    assert sum(p for _, p in m) == pytest.approx(1.0, abs=1e-12)
    assert [p for _, p in m] == sorted((p for _, p in m), reverse=True)
    assert any(t.gpu_count == 0 for t, _ in m)  # CPU-only types are part of M


# --- kernel == reference ------------------------------------------------------------------------


MODELS = ("G2", "T4", "V100M32")


def _random_cluster(rng: np.random.Generator, n: int, gmax: int = 8):
    cpu = rng.integers(0, 96001, n) // 500 * 500
    gpu = np.full((n, gmax), -1, dtype=np.int64)
    for i in range(n):
        g = rng.choice([0, 1, 2, 4, 8])
        gpu[i, :g] = rng.choice([0, 100, 250, 300, 500, 600, 750, 900, 1000], g)
    # -1: CPU-only node (no model)
    ids = np.where(gpu[:, 0] < 0, -1, rng.integers(0, len(MODELS), n))
    return cpu.astype(np.int64), gpu, ids.astype(np.int64)


def _random_workload(rng: np.random.Generator, m: int) -> list[tuple[TaskType, float]]:
    tasks = []
    for _ in range(m):
        k = int(rng.choice([0, 1, 1, 1, 2, 4, 8]))
        d = 0 if k == 0 else (int(rng.choice([100, 250, 300, 500, 600, 1000])) if k == 1 else 1000)
        models = tuple(str(x) for x in rng.choice(MODELS, int(rng.integers(0, 3)), replace=False))
        tasks.append(TaskType(int(rng.integers(1, 33)) * 1000, d, k, models))
    p = rng.random(m)
    return list(zip(tasks, (p / p.sum()).tolist()))


@pytest.mark.parametrize("seed", range(5))
def test_kernel_equals_reference_on_random_clusters(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cpu, gpu, ids = _random_cluster(rng, 300)
    typical = _random_workload(rng, 20)
    got = cluster_frag(cpu, gpu, ids, task_arrays(typical, MODELS))
    want = np.array([
        node_frag_workload(int(cpu[i]), gpu[i][gpu[i] >= 0], None if ids[i] < 0 else MODELS[ids[i]], typical)
        for i in range(len(cpu))
    ])
    np.testing.assert_array_equal(got, want)
    assert (got > 0).any() and (got < gpu.clip(0).sum(axis=1)).any()  # both branches exercised


def test_kernel_on_hand_worked_node() -> None:
    typical = [(SHARE_500, 0.5), (WHOLE_1, 0.3), (CPU_ONLY, 0.2)]
    got = cluster_frag(np.array([8000]), np.array([[1000, 300, 0, 1000, -1]]), np.array([0]),
                       task_arrays(typical, ["G2"]))
    assert got.tolist() == [node_frag_workload(8000, [1000, 300, 0, 1000], "G2", typical)]


def test_kernel_rejects_bad_shapes() -> None:
    ta = task_arrays([(SHARE_500, 1.0)], ["G2"])
    with pytest.raises(ValueError):
        cluster_frag(np.array([1, 2]), np.array([[1000]]), np.array([0, 0]), ta)
    with pytest.raises(ValueError):
        cluster_frag(np.array([1]), np.array([[1000]]), np.array([1]), ta)


def test_task_types_are_keyed_by_the_constraint_as_written() -> None:
    # The reference keys a type by the raw gpu_spec string (PodResource.GpuType), so a constraint
    # that repeats a model is a type of its own. Counting the CSV's raw (cpu, gpu share, gpu count,
    # gpu_spec) tuples by hand gives 127 typical types on gpuspec33 (124 with de-duplicated models).
    from kbench.traces.alibaba import load_pods

    m = typical_tasks(load_pods("alibaba-gpu-v2023:gpuspec33"))
    assert len(m) == 127
    assert TaskType(1000, 1000, 1, ("V100M16", "V100M32"), "V100M16|V100M32|V100M32") != TaskType(
        1000, 1000, 1, ("V100M16", "V100M32"))
