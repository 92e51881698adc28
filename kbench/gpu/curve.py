"""The arrived-workload curve of the FGD paper: GPU allocation and fragmentation per arrived %.

Mirrors the reference's analysis scripts (``FGD.md`` §6.5,
[K:experiments/analysis/merge_alloc_discrete.py, merge_frag_ratio_discrete.py]): after each pod,
``x = round(arrived / total GPUs / 10)`` (percent of GPU capacity requested so far, Python's
round-half-to-even) and ``alloc = round(used / total GPUs / 10, 2)``; the curve at ``x`` is the
mean over the pods logged with that x, or, when there are none, over those with x-1..x+1, rounded
to 2 decimals. Fragmentation is averaged the same way, as % of all GPUs (amount) and % of
unallocated GPU (ratio).

Examples
--------
>>> t = arrival_curve(np.array([0, 500, 1000]), np.array([0, 500, 900]), np.zeros(3), np.array([1000, 500, 100]),
...                   total_gpus=1, max_pct=100)
>>> t.column("arrived_pct").to_pylist(), t.column("unalloc_gpu_pct").to_pylist()
([0, 1, 49, 50, 51, 99, 100], [100.0, 100.0, 50.0, 50.0, 50.0, 10.0, 10.0])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kbench.metrics.schema import ARRIVAL_CURVE

MAX_ARRIVED_PCT = 130


def arrival_curve(arrived_milli: npt.ArrayLike, used_milli: npt.ArrayLike, frag_milli: npt.ArrayLike,
                  idle_milli: npt.ArrayLike, total_gpus: int, max_pct: int = MAX_ARRIVED_PCT,
                  policy: str = "", trace: str = "", seed: int = 0) -> pa.Table:
    """The curve (:data:`ARRIVAL_CURVE`) from per-pod logs of a placement replay.

    ``arrived_milli``, ``used_milli``, ``frag_milli`` and ``idle_milli`` hold one value per
    submitted pod (cumulative arrived and allocated milli-GPU, F(M) and unallocated milli-GPU after
    it); ``total_gpus`` is the cluster's GPU count. Arrived % with no pod within one point are left
    out, as the reference leaves them out.
    """
    arrived = np.asarray(arrived_milli, np.float64)
    x = np.round(arrived / total_gpus / 10)  # numpy rounds half to even, as Python's round
    alloc = np.round(np.asarray(used_milli, np.float64) / total_gpus / 10, 2)
    frag = np.asarray(frag_milli, np.float64)
    idle = np.asarray(idle_milli, np.float64)
    amount = 100.0 * frag / (1000.0 * total_gpus)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(idle > 0, 100.0 * frag / idle, np.nan)
    rows: dict[str, list] = {name: [] for name in ARRIVAL_CURVE.names}  # type: ignore[type-arg]
    for pct in range(max_pct + 1):
        sel = x == pct
        if not sel.any():
            sel = (x >= pct - 1) & (x <= pct + 1)
            if not sel.any():
                continue
        a = round(float(alloc[sel].mean()), 2)
        r = ratio[sel]
        rows["policy"].append(policy)
        rows["trace"].append(trace)
        rows["seed"].append(seed)
        rows["arrived_pct"].append(pct)
        rows["alloc_gpu_pct"].append(a)
        rows["unalloc_gpu_pct"].append(round(100.0 - a, 2))
        rows["frag_amount_pct"].append(float(amount[sel].mean()))
        rows["frag_ratio_pct"].append(float(np.nanmean(r)) if np.isfinite(r).any() else None)
    return pa.Table.from_pydict(rows, ARRIVAL_CURVE)
