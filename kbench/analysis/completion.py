"""Job completion time (from the workloads table) and makespan (from the pods table)."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs


def job_completion_times(runs: Runs) -> pl.DataFrame:
    """One row per Job: keys, namespace, name, ``duration`` (creation to Complete or Failed, null
    while unfinished) and ``outcome`` (Complete, Failed or null)."""
    outcome = (pl.when(pl.col("completed_at").is_not_null()).then(pl.lit("Complete"))
               .when(pl.col("failed_at").is_not_null()).then(pl.lit("Failed")))
    return (runs.workloads.filter(pl.col("kind") == "Job")
            .select(*KEYS, "namespace", "name", "started_at", "duration", outcome=outcome).collect())


def mean_job_completion(runs: Runs) -> pl.DataFrame:
    """Per run: Jobs, Jobs finished and their mean completion time (``jct_mean``, s)."""
    agg = (runs.workloads.filter(pl.col("kind") == "Job").group_by(KEYS)
           .agg(jobs=pl.len().cast(pl.Int64), jobs_finished=pl.col("duration").is_not_null().sum().cast(pl.Int64),
                jct_mean=pl.col("duration").mean()))
    return runs.per_run(agg, zero=("jobs", "jobs_finished"), table="workloads")


def makespan(runs: Runs) -> pl.DataFrame:
    """Per run: ``makespan`` = last pod finished_at - first pod created_at, in seconds (null when
    no pod finished, e.g. only long-running services)."""
    agg = runs.pods.group_by(KEYS).agg(first_created=pl.col("created_at").min(),
                                       last_finished=pl.col("finished_at").max())
    return runs.per_run(agg).with_columns(makespan=pl.col("last_finished") - pl.col("first_created"))
