"""Preemptions and evictions: pods pushed off their nodes, from the events and pods tables."""

from __future__ import annotations

import polars as pl

from kbench.analysis.runs import KEYS, Runs

COUNTS = ("preempted", "taint_evictions", "evicted", "pod_preemptions")


def disruptions(runs: Runs) -> pl.DataFrame:
    """Per run: ``preempted`` (Preempted events, one per victim), ``taint_evictions``
    (TaintManagerEviction "Marking for deletion" events; "Cancelling deletion" ones are not
    evictions), ``evicted`` (Evicted events, e.g. node-pressure) and ``pod_preemptions`` (sum of
    pods.preemptions). Null for a run without the table counted (placement runs have no events)."""
    reason, message = pl.col("reason"), pl.col("message")
    events = runs.events.group_by(KEYS).agg(
        preempted=(reason == "Preempted").sum(),
        taint_evictions=((reason == "TaintManagerEviction") & message.str.starts_with("Marking for deletion")).sum(),
        evicted=(reason == "Evicted").sum())
    pods = runs.pods.group_by(KEYS).agg(pod_preemptions=pl.col("preemptions").sum())
    out = runs.per_run(events, zero=COUNTS[:3], table="events").join(
        runs.per_run(pods, zero=COUNTS[3:], table="pods"), on=list(KEYS), maintain_order="left")
    return out.with_columns(pl.col(c).cast(pl.Int64) for c in COUNTS)
