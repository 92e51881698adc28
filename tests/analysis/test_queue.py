"""Pending pods over time on a hand-built timeseries."""

from __future__ import annotations

from kbench.analysis.queue import peak_pending, pending_over_time
from tests.analysis.helpers import hand_runs

TS = [
    {"run": "a", "time": 10.0, "pending": 3, "running": 1},
    {"run": "a", "time": 0.0, "pending": 0, "running": 0},
    {"run": "a", "time": 20.0, "pending": 1, "running": 4},
]


def test_pending_over_time_sorted_by_time() -> None:
    runs = hand_runs([("a", "p", 1), ("b", "q", 1)], timeseries=TS)
    df = pending_over_time(runs)
    assert df.select("time", "pending").rows() == [(0.0, 0), (10.0, 3), (20.0, 1)]


def test_peak_pending_per_run_null_without_samples() -> None:
    runs = hand_runs([("a", "p", 1), ("b", "q", 1)], timeseries=TS)
    assert peak_pending(runs).select("run", "peak_pending").rows() == [("a", 3), ("b", None)]
