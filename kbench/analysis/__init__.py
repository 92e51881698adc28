"""Analysis of kbench results: load many runs as polars LazyFrames and compute the metrics users compare.

>>> import kbench
>>> from kbench.analysis import wait_quantiles
>>> runs = kbench.load("results/*")                       # doctest: +SKIP
>>> wait_quantiles(runs).to_pandas()                      # doctest: +SKIP
"""

from __future__ import annotations

from kbench.analysis.allocation import allocation_over_time, peak_allocation
from kbench.analysis.compare import Comparison, compare
from kbench.analysis.completion import job_completion_times, makespan, mean_job_completion
from kbench.analysis.cost import scheduler_cost
from kbench.analysis.disruption import disruptions
from kbench.analysis.fragmentation import arrival_curves, curve_at, gpu_fragmentation_over_time
from kbench.analysis.loader import load
from kbench.analysis.metrics import METRICS, run_metrics
from kbench.analysis.queue import peak_pending, pending_over_time
from kbench.analysis.runs import Runs
from kbench.analysis.unscheduled import never_scheduled, unscheduled_pods
from kbench.analysis.wait import wait_cdf, wait_quantiles, wait_times

__all__ = [
    "METRICS", "Comparison", "Runs", "allocation_over_time", "arrival_curves", "compare", "curve_at", "disruptions",
    "gpu_fragmentation_over_time", "job_completion_times", "load", "makespan", "mean_job_completion",
    "never_scheduled", "peak_allocation", "peak_pending", "pending_over_time", "run_metrics", "scheduler_cost",
    "unscheduled_pods", "wait_cdf", "wait_quantiles", "wait_times",
]
