"""Scheduling wait: how long each pod waited from creation to its binding (scheduled_at - created_at).

Placement-mode runs are left out: their pods' times are submission order, not seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kbench.analysis.runs import KEYS, Runs

QUANTILES = (0.5, 0.9, 0.99)


def timed_pods(runs: Runs) -> pl.LazyFrame:
    """Pods of the simulated runs (not placement mode), with the run's ``group``."""
    timed = runs.runs.lazy()
    if "mode" in runs.runs.columns:
        timed = timed.filter(pl.col("mode") != "placement")
    timed = timed.select("run", "group")
    return runs.pods.join(timed, on="run", how="inner")


def wait_times(runs: Runs) -> pl.DataFrame:
    """One row per pod: keys, uid and ``wait`` in seconds (null for a pod never scheduled)."""
    return timed_pods(runs).select(*KEYS, "uid", wait=pl.col("scheduled_at") - pl.col("created_at")).collect()


def quantile_column(q: float) -> str:
    """Column name of a wait quantile.

    >>> quantile_column(0.5), quantile_column(0.99), quantile_column(0.999)
    ('wait_p50', 'wait_p99', 'wait_p99.9')
    """
    return f"wait_p{q * 100:g}"


def wait_quantiles(runs: Runs, quantiles: Sequence[float] = QUANTILES) -> pl.DataFrame:
    """Per run: pods scheduled, mean wait and the wait quantiles (linear interpolation between the
    two nearest waits, as numpy's default), over scheduled pods; null where none was scheduled
    (and for placement runs)."""
    wait = pl.col("scheduled_at") - pl.col("created_at")
    agg = (timed_pods(runs).filter(pl.col("scheduled_at").is_not_null()).group_by(KEYS)
           .agg(pl.len().cast(pl.Int64).alias("scheduled"), wait.mean().alias("wait_mean"),
                *(wait.quantile(q, "linear").alias(quantile_column(q)) for q in quantiles)))
    timed = timed_pods(runs).select("run").unique().collect()["run"].to_list()
    out = runs.per_run(agg)
    return out.with_columns(pl.when(pl.col("run").is_in(timed)).then(pl.col("scheduled").fill_null(0))
                            .otherwise(pl.col("scheduled")).alias("scheduled"))


def wait_cdf(runs: Runs, by: str = "group") -> pl.DataFrame:
    """The empirical CDF of the wait per ``by`` (run, policy or group; seeds of a group are pooled):
    rows (by, wait, fraction) where fraction = pods of ``by`` bound within ``wait`` / all its pods.
    Pods never bound count in the denominator, so a curve ending below 1 shows them."""
    if by not in ("run", "policy", "group"):
        raise ValueError(f"by must be run, policy or group, not {by!r}")
    pods = timed_pods(runs)
    totals = pods.group_by(by).agg(pl.len().alias("total"))
    counts = (pods.filter(pl.col("scheduled_at").is_not_null())
              .group_by(by, wait=pl.col("scheduled_at") - pl.col("created_at")).agg(pl.len().alias("n")))
    return (counts.join(totals, on=by).sort(by, "wait")
            .select(by, "wait", fraction=pl.col("n").cum_sum().over(by) / pl.col("total"))
            .collect())
