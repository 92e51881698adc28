"""Turn trace tables into the Kubernetes objects the simulation creates, and schedule their arrival.

GPUs until the device model (issue 5): a node advertises ``nvidia.com/gpu`` (its GPU count) and
``alibabacloud.com/gpu-milli`` (1000 per GPU), as the trace's own Node YAML does; a pod asks for
``nvidia.com/gpu: k`` when it wants k whole GPUs, and for ``alibabacloud.com/gpu-milli`` equal to
its total GPU demand (k x 1000, or its share of one GPU). The default scheduler treats both as
plain extended resources, so a share can be counted against the sum of a node's free GPU
fractions; per-device placement comes with the GPU device model. A GPU model constraint becomes
a required node affinity on the label ``kbench.io/gpu-model``.

Optional columns (the synthetic tables of :mod:`kbench.traces.synthetic`; trace tables lack
them): a node ``zone`` becomes the label ``topology.kubernetes.io/zone``; a pod ``app`` becomes
the label ``app``, and ``spread_topology_key``/``spread_max_skew``/``spread_when_unsatisfiable``
a topology spread constraint whose label selector matches the pod's own ``app``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.objects import Node, Pod
from kbench.sim.arrivals import Arrivals
from kbench.traces.synthetic import ZONE_LABEL

GPU = "nvidia.com/gpu"
GPU_MILLI = "alibabacloud.com/gpu-milli"
GPU_MODEL_LABEL = "kbench.io/gpu-model"
APP_LABEL = "app"


def nodes_from_table(table: pa.Table) -> list[Node]:
    """Node objects from a node table (kbench.traces.schema.NODE_SCHEMA)."""
    out = []
    for r in table.to_pylist():
        alloc = {"cpu": f"{r['cpu_milli']}m", "memory": str(r["memory_bytes"]), "pods": str(r["pods"])}
        labels = {"kubernetes.io/hostname": r["name"]}
        if r["gpu"]:
            alloc[GPU] = str(r["gpu"])
            alloc[GPU_MILLI] = str(r["gpu_milli"])
        if r["gpu_model"]:
            labels[GPU_MODEL_LABEL] = r["gpu_model"]
        if r.get("zone"):
            labels[ZONE_LABEL] = r["zone"]
        out.append(Node.model_validate({"metadata": {"name": r["name"], "labels": labels},
                                        "status": {"capacity": alloc, "allocatable": alloc}}))
    return out


def pods_from_table(table: pa.Table, time_scale: float = 1.0) -> list[tuple[float, Pod]]:
    """(arrival time, Pod) for each row of a pod table (kbench.traces.schema.POD_SCHEMA), in row order."""
    times = _arrival_times(table, time_scale)
    return list(zip(times.tolist(), _pods(table, np.arange(table.num_rows), time_scale)))


def pod_arrivals(table: pa.Table, time_scale: float = 1.0, batch: int = 4096) -> Arrivals:
    """The pods of a pod table as lazy :class:`~kbench.sim.arrivals.Arrivals`: each row becomes a
    Pod when its turn comes (``batch`` rows converted at a time), arriving at ``created_at`` x
    ``time_scale`` (0 when missing).

    A pod runs from its start for (deleted_at - scheduled_at) of the trace (from created_at when it
    was never scheduled there); a pod without a deletion time runs until the end.
    """
    return Arrivals.lazily(_arrival_times(table, time_scale),
                           lambda order: _pods(table, order, time_scale, batch), table)


def _arrival_times(table: pa.Table, time_scale: float) -> np.ndarray:
    """Each row's arrival: created_at (0 when missing) x time_scale."""
    created = table.column("created_at").fill_null(0.0).to_numpy(zero_copy_only=False).astype(np.float64)
    return created * time_scale  # type: ignore[no-any-return]


def _pods(table: pa.Table, order: np.ndarray, time_scale: float, batch: int = 4096) -> Iterator[Pod]:
    """The Pods of the rows at positions ``order``, in that order, ``batch`` rows converted at a time."""
    in_order = bool(np.all(order[1:] > order[:-1]))
    for start in range(0, len(order), batch):
        rows = table.slice(start, batch) if in_order else table.take(pa.array(order[start:start + batch]))
        for r in rows.to_pylist():
            yield _pod_from_row(r, time_scale)


def _pod_from_row(r: dict[str, Any], time_scale: float) -> Pod:
    """The Pod of one pod-table row."""
    requests = {"cpu": f"{r['cpu_milli']}m", "memory": str(r["memory_bytes"])}
    demand = r["gpu"] * 1000 + r["gpu_milli"]
    if r["gpu"]:
        requests[GPU] = str(r["gpu"])
    if demand:
        requests[GPU_MILLI] = str(demand)
    spec: dict = {"containers": [{"name": "main", "image": "trace-task", "resources": {"requests": requests}}]}
    if r["gpu_models"]:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": GPU_MODEL_LABEL, "operator": "In", "values": list(r["gpu_models"])}]}]}}}
    labels = {}
    if r.get("app"):
        labels[APP_LABEL] = r["app"]
    if r.get("spread_topology_key"):
        spec["topologySpreadConstraints"] = [{
            "maxSkew": r["spread_max_skew"], "topologyKey": r["spread_topology_key"],
            "whenUnsatisfiable": r["spread_when_unsatisfiable"],
            "labelSelector": {"matchLabels": {APP_LABEL: r["app"]}} if r.get("app") else None}]
    annotations = {}
    created = r["created_at"] or 0.0
    if r.get("deleted_at") is not None:
        began = r["scheduled_at"] if r.get("scheduled_at") is not None else created
        annotations[DURATION_ANNOTATION] = repr(max(r["deleted_at"] - began, 0.0) * time_scale)
    return Pod.model_validate({"metadata": {"name": r["name"], "namespace": r["namespace"],
                                            "labels": labels, "annotations": annotations}, "spec": spec})


def gpu_models(pod: Pod) -> list[str]:
    """The GPU models a pod's required node affinity allows (``kbench.io/gpu-model In ...``), or []."""
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    required = na.required_during_scheduling_ignored_during_execution if na else None
    for term in required.node_selector_terms if required else []:
        for e in term.match_expressions:
            if e.key == GPU_MODEL_LABEL and e.operator == "In":
                return list(e.values)
    return []
