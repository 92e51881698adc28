"""What is in a node or pod table, at a glance: the summary ``kbench trace inspect`` prints.

Everything is computed from the table kbench would replay (after the reader's mapping), so the
figures are the ones a run sees: requests in milli-CPU and bytes, whole GPUs apart from GPU
shares, times in seconds from the trace start. A pod's running time is deleted_at minus
scheduled_at (created_at when it was never scheduled), as the replay uses it; pods without a
deletion time run to the end of the replay.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

QUANTILES = (0.5, 0.9, 0.99)


def _floats(col: pa.ChunkedArray) -> np.ndarray:
    return col.to_numpy(zero_copy_only=False).astype(np.float64)


def _spread(values: np.ndarray) -> dict[str, float | None]:
    """min, p50, p90, p99 and max of the non-NaN values (None when there are none)."""
    v = values[~np.isnan(values)]
    if not len(v):
        return {"min": None, **{f"p{round(q * 100)}": None for q in QUANTILES}, "max": None}
    qs = np.quantile(v, QUANTILES)
    return {"min": float(v.min()), **{f"p{round(q * 100)}": float(x) for q, x in zip(QUANTILES, qs)},
            "max": float(v.max())}


def describe_pods(table: pa.Table) -> dict[str, Any]:
    """Counts, arrival span and rate, running times, requests and the GPU mix of a pod table."""
    n = table.num_rows
    created = _floats(table.column("created_at").fill_null(np.nan))
    scheduled = _floats(table.column("scheduled_at").fill_null(np.nan))
    deleted = _floats(table.column("deleted_at").fill_null(np.nan))
    began = np.where(np.isnan(scheduled), created, scheduled)
    has_time = ~np.isnan(created)
    span = float(created[has_time].max() - created[has_time].min()) if has_time.any() else 0.0
    gpu = table.column("gpu").to_numpy()
    share = table.column("gpu_milli").to_numpy()
    models = Counter(m for ms in table.column("gpu_models").to_pylist() for m in ms)
    constrained = int(pc.sum(pc.greater(pc.list_value_length(table.column("gpu_models")), 0)).as_py() or 0)
    ordered = bool(np.all(np.diff(created[has_time]) >= 0))
    phases = Counter(p for p in table.column("phase").to_pylist() if p is not None)
    return {
        "pods": n,
        "arrivals": {
            "with_creation_time": int(has_time.sum()),
            "first_s": float(created[has_time].min()) if has_time.any() else None,
            "last_s": float(created[has_time].max()) if has_time.any() else None,
            "span_s": span,
            "per_hour": round(int(has_time.sum()) / span * 3600, 3) if span > 0 else None,
            "in_creation_order": ordered,
        },
        "running_time_s": _spread(deleted - began),
        "run_to_the_end": int(np.isnan(deleted).sum()),
        "cpu_milli": _spread(_floats(table.column("cpu_milli"))),
        "memory_bytes": _spread(_floats(table.column("memory_bytes"))),
        "gpu": {
            "cpu_only": int(((gpu == 0) & (share == 0)).sum()),
            "gpu_share": int((share > 0).sum()),
            "whole_gpus": {str(k): int(v) for k, v in sorted(Counter(gpu[gpu > 0].tolist()).items())},
            "gpus_requested": int(gpu.sum()),
            "milli_gpu_requested": int(gpu.sum() * 1000 + share.sum()),
            "model_constrained": constrained,
            "models": dict(models.most_common()),
        },
        "phases": dict(phases.most_common()),
    }


def describe_nodes(table: pa.Table) -> dict[str, Any]:
    """Counts, capacity totals, node shapes and GPU models of a node table."""
    cpu = table.column("cpu_milli").to_numpy()
    mem = table.column("memory_bytes").to_numpy()
    gpu = table.column("gpu").to_numpy()
    shapes = Counter(zip(cpu.tolist(), mem.tolist(), gpu.tolist()))
    models = Counter(m for m in table.column("gpu_model").to_pylist() if m is not None)
    return {
        "nodes": table.num_rows,
        "gpu_nodes": int((gpu > 0).sum()),
        "total": {"cpu_milli": int(cpu.sum()), "memory_bytes": int(mem.sum()), "gpu": int(gpu.sum()),
                  "pods": int(table.column("pods").to_numpy().sum())},
        "shapes": [{"cpu_milli": c, "memory_bytes": m, "gpu": g, "nodes": k}
                   for (c, m, g), k in shapes.most_common(10)],
        "distinct_shapes": len(shapes),
        "gpu_models": dict(models.most_common()),
    }
