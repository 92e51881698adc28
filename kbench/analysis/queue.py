"""Queue length over time: pods created and not yet bound, from each run's timeseries samples."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs


def pending_over_time(runs: Runs) -> pl.DataFrame:
    """Per run and sample time: ``pending`` and ``running`` pods (placement runs have no samples)."""
    return runs.timeseries.select(*KEYS, "time", "pending", "running").sort(*KEYS, "time").collect()


def peak_pending(runs: Runs) -> pl.DataFrame:
    """Per run: the highest sampled pending count (null for a run without samples)."""
    return runs.per_run(runs.timeseries.group_by(KEYS).agg(peak_pending=pl.col("pending").max()))
