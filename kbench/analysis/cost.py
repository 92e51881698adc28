"""Scheduler cost: how much work the scheduler did, from the attempts table."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs


def scheduler_cost(runs: Runs) -> pl.DataFrame:
    """Per run: ``attempts``, ``attempts_per_pod`` (attempts / pods, pods never tried included) and
    the mean ``nodes_per_attempt`` (nodes the filters ran on) and ``feasible_per_attempt``."""
    attempts = runs.attempts.group_by(KEYS).agg(
        attempts=pl.len(), nodes_per_attempt=pl.col("nodes_evaluated").mean(),
        feasible_per_attempt=pl.col("feasible_nodes").mean())
    pods = runs.pods.group_by(KEYS).agg(pods=pl.len())
    out = runs.per_run(attempts, zero=("attempts",), table="attempts").join(
        runs.per_run(pods, zero=("pods",), table="pods"), on=list(KEYS), maintain_order="left")
    ratio = pl.when(pl.col("pods") > 0).then(pl.col("attempts") / pl.col("pods"))
    return out.select(*KEYS, pl.col("attempts").cast(pl.Int64), pl.col("pods").cast(pl.Int64),
                      attempts_per_pod=ratio, nodes_per_attempt=pl.col("nodes_per_attempt"),
                      feasible_per_attempt=pl.col("feasible_per_attempt"))
