"""GPU fragmentation: the FGD fragmentation ratio over time in simulated runs, and the arrival
curves (unallocated and fragmented GPU % per arrived workload %) of placement runs (FGD.md §6)."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs

CURVE_COLUMNS = ("alloc_gpu_pct", "unalloc_gpu_pct", "frag_amount_pct", "frag_ratio_pct")


def gpu_fragmentation_over_time(runs: Runs) -> pl.DataFrame:
    """Per run and sample time: ``gpu_frag_ratio`` (fraction of unallocated GPU that is fragmented);
    runs without GPUs have no rows."""
    return (runs.timeseries.select(*KEYS, "time", "gpu_frag_ratio")
            .filter(pl.col("gpu_frag_ratio").is_not_null()).sort(*KEYS, "time").collect())


def arrival_curves(runs: Runs) -> pl.DataFrame:
    """Placement runs' curves: per run and arrived % (0..130), GPU allocated, unallocated and
    fragmented, in % (NaN, a curve's "no value here", becomes null)."""
    return (runs.arrival_curve.select(*KEYS, "arrived_pct", *CURVE_COLUMNS)
            .with_columns(pl.col(c).fill_nan(None) for c in CURVE_COLUMNS)
            .sort(*KEYS, "arrived_pct").collect())


def curve_at(runs: Runs, x: int = 100) -> pl.DataFrame:
    """Per run: the arrival curve's values at arrived workload ``x`` % (null for simulated runs)."""
    rows = arrival_curves(runs).filter(pl.col("arrived_pct") == x).drop("arrived_pct")
    return runs.per_run(rows)
