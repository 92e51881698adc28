"""The headline metrics of a run, one number each, as `kbench compare` and `kbench report` show them."""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from kbench.analysis.allocation import peak_allocation
from kbench.analysis.completion import makespan, mean_job_completion
from kbench.analysis.cost import scheduler_cost
from kbench.analysis.disruption import disruptions
from kbench.analysis.fragmentation import curve_at
from kbench.analysis.runs import KEYS, Runs
from kbench.analysis.unscheduled import never_scheduled
from kbench.analysis.wait import wait_quantiles


class Metric(NamedTuple):
    """A headline metric: column name, label, unit and whether lower is better (None: neither)."""

    name: str
    label: str
    unit: str
    lower_is_better: bool | None


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("pods_scheduled", "pods scheduled", "pods", False),
    Metric("never_scheduled", "never scheduled", "pods", True),
    Metric("wait_p50", "wait p50", "s", True),
    Metric("wait_p90", "wait p90", "s", True),
    Metric("wait_p99", "wait p99", "s", True),
    Metric("peak_alloc_cpu", "peak CPU allocated", "%", None),
    Metric("peak_alloc_memory", "peak memory allocated", "%", None),
    Metric("peak_alloc_gpu", "peak GPU allocated", "%", None),
    Metric("preemptions", "preemptions", "pods", True),
    Metric("evictions", "evictions", "pods", True),
    Metric("makespan", "makespan", "s", True),
    Metric("jct_mean", "mean Job completion", "s", True),
    Metric("attempts_per_pod", "attempts per pod", "", True),
    Metric("nodes_per_attempt", "nodes evaluated per attempt", "nodes", True),
    Metric("unalloc_gpu_100", "unallocated GPU at 100% arrived", "% of GPUs", True),
    Metric("frag_gpu_100", "fragmented GPU at 100% arrived", "% of GPUs", True),
)}
"""Every metric `kbench compare --metric` accepts, in display order."""

HEADLINE = ("pods_scheduled", "never_scheduled", "wait_p50", "wait_p99", "peak_alloc_cpu", "peak_alloc_memory",
            "peak_alloc_gpu", "preemptions", "makespan", "attempts_per_pod", "unalloc_gpu_100")
"""The metrics shown by default; one that no run has a value for (GPU metrics of CPU-only runs,
arrival-curve metrics of simulated runs) is left out."""


def run_metrics(runs: Runs) -> pl.DataFrame:
    """One row per run: keys, ``group`` and every metric of :data:`METRICS` (null where it does not apply).

    ``preemptions`` counts Preempted events (one per victim); ``evictions`` counts taint-manager
    and Evicted evictions; allocation peaks are % of allocatable.
    """
    keys = list(KEYS)
    sched = never_scheduled(runs).select(*keys, pods_scheduled="scheduled", never_scheduled="never_scheduled")
    wait = wait_quantiles(runs, (0.5, 0.9, 0.99)).select(*keys, "wait_p50", "wait_p90", "wait_p99")
    alloc = peak_allocation(runs).select(*keys, *((pl.col(f"peak_{r}") * 100).alias(f"peak_alloc_{r}")
                                                  for r in ("cpu", "memory", "gpu")))
    disrupt = disruptions(runs).select(*keys, preemptions="preempted",
                                       evictions=pl.col("taint_evictions") + pl.col("evicted"))
    span = makespan(runs).select(*keys, "makespan")
    jct = mean_job_completion(runs).select(*keys, "jct_mean")
    cost = scheduler_cost(runs).select(*keys, "attempts_per_pod", "nodes_per_attempt")
    curve = curve_at(runs, 100).select(*keys, unalloc_gpu_100="unalloc_gpu_pct", frag_gpu_100="frag_amount_pct")
    out = runs.runs.select(*keys, "group")
    for part in (sched, wait, alloc, disrupt, span, jct, cost, curve):
        out = out.join(part, on=keys, how="left", maintain_order="left")
    return out.select(*keys, "group", *(pl.col(m).cast(pl.Float64) for m in METRICS))
