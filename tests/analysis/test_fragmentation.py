"""GPU fragmentation over time and the placement runs' arrival curves, on hand-built tables."""

from __future__ import annotations

import math

from kbench.analysis.fragmentation import arrival_curves, curve_at, gpu_fragmentation_over_time
from tests.analysis.helpers import hand_runs

CURVE = [
    {"run": "f", "arrived_pct": 100, "alloc_gpu_pct": 95.0, "unalloc_gpu_pct": 5.0, "frag_amount_pct": 4.0,
     "frag_ratio_pct": 80.0},
    {"run": "f", "arrived_pct": 50, "alloc_gpu_pct": 50.0, "unalloc_gpu_pct": 50.0, "frag_amount_pct": 10.0,
     "frag_ratio_pct": 20.0},
    {"run": "f", "arrived_pct": 130, "alloc_gpu_pct": 100.0, "unalloc_gpu_pct": 0.0, "frag_amount_pct": 0.0,
     "frag_ratio_pct": math.nan},
]


def test_fragmentation_over_time_keeps_gpu_samples() -> None:
    ts = [{"run": "s", "time": 0.0, "gpu_frag_ratio": 0.25}, {"run": "s", "time": 5.0, "gpu_frag_ratio": None}]
    df = gpu_fragmentation_over_time(hand_runs([("s", "p", 1)], timeseries=ts))
    assert df.select("time", "gpu_frag_ratio").rows() == [(0.0, 0.25)]


def test_arrival_curves_sorted_with_nan_as_null() -> None:
    runs = hand_runs([("f", "fgd", 1), ("s", "default", 1)], arrival_curve=CURVE)
    df = arrival_curves(runs)
    assert df["arrived_pct"].to_list() == [50, 100, 130]
    assert df["frag_ratio_pct"].to_list() == [20.0, 80.0, None]


def test_curve_at_100_per_run() -> None:
    runs = hand_runs([("f", "fgd", 1), ("s", "default", 1)], arrival_curve=CURVE)
    at = curve_at(runs, 100)
    assert at.select("run", "unalloc_gpu_pct", "frag_amount_pct").rows() == [("f", 5.0, 4.0), ("s", None, None)]
