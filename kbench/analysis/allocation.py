"""Allocation ratio per resource over time: requests of bound pods / allocatable, per timeseries sample."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs

RESOURCES = {"cpu": "alloc_cpu", "memory": "alloc_memory", "gpu": "alloc_gpu"}
"""Resource name -> its timeseries column (a ratio in [0, 1]; GPU null in runs without GPUs)."""


def allocation_over_time(runs: Runs) -> pl.DataFrame:
    """Long form: one row per run, sample time and resource with its ``ratio`` (null GPU samples dropped)."""
    ts = runs.timeseries
    parts = [ts.select(*KEYS, "time", resource=pl.lit(r), ratio=pl.col(c)).filter(pl.col("ratio").is_not_null())
             for r, c in RESOURCES.items()]
    return pl.concat(parts).sort(*KEYS, "resource", "time").collect()


def peak_allocation(runs: Runs) -> pl.DataFrame:
    """Per run: the highest sampled ratio of each resource, ``peak_cpu``, ``peak_memory``, ``peak_gpu``."""
    agg = runs.timeseries.group_by(KEYS).agg(pl.col(c).max().alias(f"peak_{r}") for r, c in RESOURCES.items())
    return runs.per_run(agg)
