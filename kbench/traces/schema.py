"""Arrow schemas of the workload tables kbench replays: one row per node, one row per pod.

Every trace reader in :mod:`kbench.traces` returns tables with exactly these schemas, so the
simulator never sees a source's own column names or units. Each field also carries its unit and
meaning as field metadata (``unit``, ``doc``), which Parquet files written from the tables keep.

Node table (:data:`NODE_SCHEMA`)

============== ============ ============ ==============================================
column         type         unit         meaning
============== ============ ============ ==============================================
name           string       --           node name, unique in the table
cpu_milli      int64        milli-CPU    allocatable CPU (1000 = one core)
memory_bytes   int64        bytes        allocatable memory
pods           int64        pods         allocatable pod count (Kubernetes ``pods``)
gpu            int64        GPUs         number of GPUs on the node
gpu_milli      int64        milli-GPU    GPU capacity, ``1000 * gpu``
gpu_model      string/null  --           GPU model; null for CPU-only nodes
============== ============ ============ ==============================================

Pod table (:data:`POD_SCHEMA`)

================ ============= ========== ==================================================
column           type          unit       meaning
================ ============= ========== ==================================================
name             string        --         pod name, unique in the table
namespace        string        --         namespace
cpu_milli        int64         milli-CPU  CPU request
memory_bytes     int64         bytes      memory request
gpu              int64         GPUs       whole GPUs requested (0 for sharing pods)
gpu_milli        int64         milli-GPU  share of one GPU for a GPU-sharing pod, 1..999;
                                          0 for pods that need no GPU or whole GPUs
gpu_models       list<string>  --         GPU models the pod may run on; empty = any
gpu_spec         string/null   --         the source's model constraint as written (null if none)
num_gpu          int64         GPUs       the source's raw GPU count
trace_gpu_milli  int64         milli-GPU  the source's raw per-GPU share
qos              string/null   --         QoS class as the source records it
phase            string/null   --         final phase as the source records it
created_at       float64/null  seconds    creation time, from the trace start
scheduled_at     float64/null  seconds    time the pod was bound, from the trace start
deleted_at       float64/null  seconds    deletion time, from the trace start
row              int64         --         data row in the source (1 = first row after the
                                          header), for messages
================ ============= ========== ==================================================

A pod needs ``gpu * 1000 + gpu_milli`` milli-GPU in all; ``gpu`` and ``gpu_milli`` are never
both non-zero. How a source's own columns map onto them is documented by its reader (for the
Alibaba trace: :mod:`kbench.traces.alibaba`).

Examples
--------
>>> NODE_SCHEMA.field("memory_bytes").metadata[b"unit"]
b'bytes'
>>> POD_SCHEMA.field("gpu_models").type
ListType(list<item: string>)
"""

from __future__ import annotations

import pyarrow as pa


def _field(name: str, type_: pa.DataType, unit: str, doc: str, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"unit": unit, "doc": doc})


NODE_SCHEMA = pa.schema([
    _field("name", pa.string(), "", "node name, unique in the table"),
    _field("cpu_milli", pa.int64(), "milli-CPU", "allocatable CPU (1000 = one core)"),
    _field("memory_bytes", pa.int64(), "bytes", "allocatable memory"),
    _field("pods", pa.int64(), "pods", "allocatable pod count (Kubernetes 'pods')"),
    _field("gpu", pa.int64(), "GPUs", "number of GPUs on the node"),
    _field("gpu_milli", pa.int64(), "milli-GPU", "GPU capacity, 1000 * gpu"),
    _field("gpu_model", pa.string(), "", "GPU model; null for CPU-only nodes", nullable=True),
])
"""Schema of a node table; see the module docstring for the columns."""

POD_SCHEMA = pa.schema([
    _field("name", pa.string(), "", "pod name, unique in the table"),
    _field("namespace", pa.string(), "", "namespace"),
    _field("cpu_milli", pa.int64(), "milli-CPU", "CPU request"),
    _field("memory_bytes", pa.int64(), "bytes", "memory request"),
    _field("gpu", pa.int64(), "GPUs", "whole GPUs requested (0 for sharing pods)"),
    _field("gpu_milli", pa.int64(), "milli-GPU",
           "share of one GPU for a GPU-sharing pod (1..999); 0 when no GPU or whole GPUs"),
    _field("gpu_models", pa.list_(pa.string()), "", "GPU models the pod may run on; empty = any"),
    _field("gpu_spec", pa.string(), "", "the source's model constraint as written (null if none)",
           nullable=True),
    _field("num_gpu", pa.int64(), "GPUs", "the source's raw GPU count"),
    _field("trace_gpu_milli", pa.int64(), "milli-GPU", "the source's raw per-GPU share"),
    _field("qos", pa.string(), "", "QoS class as the source records it", nullable=True),
    _field("phase", pa.string(), "", "final phase as the source records it", nullable=True),
    _field("created_at", pa.float64(), "seconds", "creation time, from the trace start", nullable=True),
    _field("scheduled_at", pa.float64(), "seconds", "time the pod was bound, from the trace start",
           nullable=True),
    _field("deleted_at", pa.float64(), "seconds", "deletion time, from the trace start", nullable=True),
    _field("row", pa.int64(), "", "data row in the source (1 = first row after the header)"),
])
"""Schema of a pod table; see the module docstring for the columns."""
