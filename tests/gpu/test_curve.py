"""The arrived-workload curve (FGD.md §6.5, the reference's merge_alloc_discrete.py rules)."""

from __future__ import annotations

import math

import numpy as np

from kbench.gpu.curve import arrival_curve


def test_buckets_round_half_to_even_and_average() -> None:
    # 10 GPUs: x = arrived / 10 / 10 -> 0.5 % rounds to 0, 1.5 % to 2, 2.5 % to 2 (half to even)
    arrived = np.array([50, 150, 250, 300])
    used = np.array([50, 100, 200, 300])
    frag = np.array([100.0, 200.0, 300.0, 400.0])
    idle = 10_000 - used
    t = arrival_curve(arrived, used, frag, idle, total_gpus=10, max_pct=3, policy="FGD", trace="default", seed=7)
    rows = {r["arrived_pct"]: r for r in t.to_pylist()}
    assert sorted(rows) == [0, 1, 2, 3]
    # x=0: one pod, alloc 50/10/10 = 0.5 %; x=2: pods 2 and 3, alloc mean(1.0, 2.0) = 1.5 %
    assert rows[0]["alloc_gpu_pct"] == 0.5 and rows[2]["alloc_gpu_pct"] == 1.5
    # x=1: no pod; falls back to x in 0..2: mean(0.5, 1.0, 2.0) = 1.1666 -> 1.17
    assert rows[1]["alloc_gpu_pct"] == 1.17 and rows[1]["unalloc_gpu_pct"] == 98.83
    # frag amount: 100 * F / (1000 * 10 GPUs); x=3: F=400 -> 4 %; ratio 100 * 400 / 9700
    assert rows[3]["frag_amount_pct"] == 4.0
    assert math.isclose(rows[3]["frag_ratio_pct"], 100 * 400 / 9700)
    assert {r["policy"] for r in rows.values()} == {"FGD"} and rows[0]["seed"] == 7


def test_no_idle_gpu_gives_a_null_ratio_and_gaps_are_left_out() -> None:
    t = arrival_curve(np.array([1000]), np.array([1000]), np.array([0.0]), np.array([0]), total_gpus=1, max_pct=100)
    rows = {r["arrived_pct"]: r for r in t.to_pylist()}
    assert sorted(rows) == [99, 100]          # only x within one point of a logged pod
    assert rows[100]["frag_ratio_pct"] is None and rows[100]["unalloc_gpu_pct"] == 0.0
