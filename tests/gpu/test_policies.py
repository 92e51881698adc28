"""The six GPU policy kernels on hand-built nodes; expected values worked from FGD.md §3–§5."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kbench.gpu.frag import TaskType, node_frag_workload, task_arrays
from kbench.gpu.policies import (
    POLICY_NAMES,
    affinity_tag,
    best_gpu,
    bestfit_scores,
    clustering_scores,
    dotprod_scores,
    fgd_scores_for,
    packing_scores,
    policy_id,
    random_gpu,
    take_gpus,
)

PAD = -1


def rows(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


def test_policy_names_and_ids() -> None:
    assert POLICY_NAMES == ("Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD")
    assert policy_id("FGD") == 5
    with pytest.raises(KeyError):
        policy_id("Tetris")


def test_dotprod() -> None:
    # node 0: 96 cores, 8 free GPUs; node 1: 32 cores, 2 free GPUs; task 3.2 cores, 0.81 GPU
    cpu = np.array([96000, 32000])
    gpu = np.array([[1000] * 8, [1000, 1000] + [PAD] * 6])
    # node 0: dot = 0.75*0.025 + 1.0*0.10125 = 0.12 -> 100*(1 - 0.06) = 94 (FGD.md's example)
    # node 1: dot = 0.25*0.025 + 0.25*0.10125 = 0.0315625 -> 100*(1 - 0.01578125) = 98.42 -> 98
    assert dotprod_scores(cpu, gpu, rows(2), 3200, 810, 1).tolist() == [94, 98]


def test_gpu_clustering() -> None:
    gpu = np.array([[1000] * 8,                        # idle 8000, no pods
                    [1000] * 6 + [0, 0],               # idle 6000, only share-gpu pods
                    [1000] * 4 + [0] * 4,              # idle 4000, share-gpu and 1-gpu pods
                    [1000] * 7 + [0]])                 # idle 7000, only 2-gpu pods
    tags = np.zeros((4, 10), np.int64)
    share, one, two = affinity_tag(500, 1), affinity_tag(1000, 1), affinity_tag(1000, 2)
    assert (share, one, two) == (1, 2, 3)
    tags[1, share] = 3
    tags[2, share] = 1
    tags[2, one] = 2
    tags[3, two] = 1
    # base = 25*(8000-idle)//8000: 0, 6 (6.25), 12 (12.5), 3 (3.125)
    # share task: empty node +25; only its tag +75; its tag among others +50; only others +0
    assert clustering_scores(gpu, tags, rows(4), 500, 1).tolist() == [25, 81, 62, 3]
    assert clustering_scores(gpu, tags, rows(4), 0, 0).tolist() == [0, 0, 0, 0]  # CPU-only


def test_gpu_packing() -> None:
    gpu = np.array([[1000, 1000, PAD, PAD, PAD, PAD, PAD, PAD],
                    [300, 1000, 1000, 1000, PAD, PAD, PAD, PAD],
                    [600, 250, 1000, 1000, PAD, PAD, PAD, PAD],
                    [0, 0, 1000, 1000, 1000, 1000, 1000, 1000]])
    count = np.array([2, 4, 4, 8])
    # share 500: node 0 all free -> max(33-2, 2) = 31; node 1: tightest fitting GPU is free ->
    # max(50-1, 33) = 49; node 2: the 600 GPU -> 100 - (600*100//1000)//10 = 94; node 3 -> 49
    assert packing_scores(gpu, count, rows(4), 500, 1).tolist() == [31, 49, 94, 49]
    # 4 whole GPUs on node 3: 4 free GPUs used -> max(50-4, 33) = 46
    assert packing_scores(gpu, count, np.array([3]), 1000, 4).tolist() == [46]
    assert packing_scores(gpu, count, rows(4), 0, 0).tolist() == [0, 0, 0, 0]


def test_best_fit_with_min_max_normalisation() -> None:
    cpu = np.array([64000, 96000, 40000])
    gpu = np.array([[1000, 1000] + [PAD] * 6, [1000] * 8, [1000, 1000, 1000] + [PAD] * 5])
    # raw: A 0.5*56000/128000 + 0.5*1000/8000 = 0.28125 -> 71; B 0.34375 + 0.4375 -> 21;
    # C 0.5*32000/128000 + 0.5*2000/8000 = 0.25 -> 75. Normalised: (s-21)*100//54 -> 92, 0, 100
    assert bestfit_scores(cpu, gpu, rows(3), 8000, 1000, 1).tolist() == [92, 0, 100]


def _fgd_setup() -> tuple:
    typical = [(TaskType(4000, 500, 1), 0.75), (TaskType(4000, 0, 0), 0.25)]
    ta = task_arrays(typical, ["G2"])
    cpu = np.array([8000])
    gpu = np.array([[1000, 300]])
    return typical, ta, cpu, gpu, np.array([0])


def test_fgd_sharing_task_picks_the_gpu_that_adds_least_fragment() -> None:
    typical, ta, cpu, gpu, models = _fgd_setup()
    # before: F(m1) = 300 (the 300 GPU is too small for 500), F(m2) = idle 1300 -> 0.75*300 + 0.25*1300 = 550
    assert node_frag_workload(8000, [1000, 300], "G2", typical) == 550.0
    # on GPU 0 (1000 -> 800): 0.75*300 + 0.25*1100 = 500, delta -50 -> int(100*sigmoid(0.05)) = 51
    # on GPU 1 (300 -> 100):  0.75*100 + 0.25*1100 = 350, delta -200 -> int(100*sigmoid(0.2)) = 54
    assert int(100 / (1 + math.exp(-0.05))) == 51 and int(100 / (1 + math.exp(-0.2))) == 54
    scores, gpus = fgd_scores_for(cpu, gpu, models, rows(1), 2000, 200, 1, ta)
    assert scores.tolist() == [54] and gpus.tolist() == [1]


def test_fgd_whole_gpu_and_cpu_only_tasks() -> None:
    _, ta, cpu, gpu, models = _fgd_setup()
    # whole GPU: GPU 0 taken -> [0, 300], cpu 6000; m1 cannot fit -> idle 300; m2 300 -> F' = 300
    # delta = 300 - 550 = -250 -> int(100*sigmoid(0.25)) = 56
    scores, gpus = fgd_scores_for(cpu, gpu, models, rows(1), 2000, 1000, 1, ta)
    assert scores.tolist() == [int(100 / (1 + math.exp(-0.25)))] == [56] and gpus.tolist() == [-1]
    # CPU-only 6000: cpu 2000 < 4000, so m1 sees all 1300 idle: F' = 1300, delta +750 -> 32
    scores, _ = fgd_scores_for(cpu, gpu, models, rows(1), 6000, 0, 0, ta)
    assert scores.tolist() == [int(100 / (1 + math.exp(0.75)))] == [32]


def test_fgd_sharing_task_prefers_the_gpu_already_too_small() -> None:
    ta = task_arrays([(TaskType(1000, 500, 1), 1.0)], ["T4"])
    scores, gpus = fgd_scores_for(np.array([8000]), np.array([[400, 700, 700, 1000]]), np.array([0]),
                                  rows(1), 1000, 300, 1, ta)
    # F before = 400 (only GPU 0 is below 500). GPU 0 (400 -> 100): F' = 100, delta -300 -> 57;
    # GPU 1 or 2 (700 -> 400): F' = 400 + 400 = 800, delta +400 -> 40; GPU 3 (-> 700): F' = 400 -> 50
    assert [int(100 / (1 + math.exp(-x))) for x in (0.3, -0.4, 0.0)] == [57, 40, 50]
    assert scores.tolist() == [57] and gpus.tolist() == [0]


def test_fgd_equal_gpus_tie_to_the_lowest_index() -> None:
    ta = task_arrays([(TaskType(1000, 500, 1), 1.0)], ["T4"])
    # GPUs 600, 600; a 400 share leaves 200 on either: F 0 -> 200, delta +200 -> 45 on both
    scores, gpus = fgd_scores_for(np.array([8000]), np.array([[600, 600]]), np.array([0]), rows(1), 1000, 400, 1, ta)
    assert int(100 / (1 + math.exp(0.2))) == 45
    assert scores.tolist() == [45] and gpus.tolist() == [0]


def test_gpu_choice_rules() -> None:
    row = np.array([1000, 300, 0, 1000, 600])
    assert best_gpu(row, 250) == 1 and best_gpu(row, 500) == 4 and best_gpu(row, 700) == 0
    assert best_gpu(row, 1001) == -1
    out = np.empty(8, np.int64)
    assert take_gpus(row, 1000, 2, out) == 2 and out[:2].tolist() == [0, 3]
    assert random_gpu(row, 700) in (0, 3)
    assert random_gpu(row, 1001) == -1
