"""Allocation ratio per resource over time, and its peaks, on a hand-built timeseries."""

from __future__ import annotations

import pytest

from kbench.analysis.allocation import allocation_over_time, peak_allocation
from tests.analysis.helpers import hand_runs

# run g has GPUs, run c has none (alloc_gpu null)
TS = [
    {"run": "g", "time": 0.0, "alloc_cpu": 0.25, "alloc_memory": 0.5, "alloc_gpu": 0.0},
    {"run": "g", "time": 60.0, "alloc_cpu": 0.75, "alloc_memory": 0.25, "alloc_gpu": 0.5},
    {"run": "c", "time": 0.0, "alloc_cpu": 0.1, "alloc_memory": 0.2, "alloc_gpu": None},
]


def test_long_form_drops_null_gpu_samples() -> None:
    df = allocation_over_time(hand_runs([("g", "p", 1), ("c", "p", 2)], timeseries=TS))
    # g: 2 samples x 3 resources; c: 1 sample x cpu and memory only
    assert df.height == 2 * 3 + 2
    g_gpu = df.filter((df["run"] == "g") & (df["resource"] == "gpu"))
    assert g_gpu.select("time", "ratio").rows() == [(0.0, 0.0), (60.0, 0.5)]
    assert set(df.filter(df["run"] == "c")["resource"]) == {"cpu", "memory"}


def test_peaks_per_resource() -> None:
    peaks = {r["run"]: r for r in peak_allocation(hand_runs([("g", "p", 1), ("c", "p", 2)],
                                                            timeseries=TS)).iter_rows(named=True)}
    assert (peaks["g"]["peak_cpu"], peaks["g"]["peak_memory"], peaks["g"]["peak_gpu"]) == (0.75, 0.5, 0.5)
    assert peaks["c"]["peak_cpu"] == pytest.approx(0.1)
    assert peaks["c"]["peak_gpu"] is None
