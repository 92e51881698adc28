"""Pods never scheduled: created but never bound to a node by the end of the run."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs


def unscheduled_pods(runs: Runs) -> pl.DataFrame:
    """The pods rows (every column) of pods never bound."""
    return runs.pods.filter(pl.col("scheduled_at").is_null()).collect()


def never_scheduled(runs: Runs) -> pl.DataFrame:
    """Per run: ``pods``, ``scheduled`` (bound at some point) and ``never_scheduled``."""
    agg = runs.pods.group_by(KEYS).agg(pods=pl.len(), scheduled=pl.col("scheduled_at").is_not_null().sum())
    out = runs.per_run(agg, zero=("pods", "scheduled"), table="pods")
    return out.with_columns(pl.col("pods").cast(pl.Int64), pl.col("scheduled").cast(pl.Int64),
                            never_scheduled=(pl.col("pods") - pl.col("scheduled")).cast(pl.Int64))
