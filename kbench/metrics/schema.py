"""The results schema (DESIGN.md §5): one folder per run with run.json and six Parquet tables.

Each table is an Arrow schema whose fields carry their meaning in metadata (``doc``), so the
Parquet files document themselves. Times are simulated seconds (float64); resources use the
scheduler's units (milli-cpu, bytes, counts, milli-GPU).
"""

from __future__ import annotations

import pyarrow as pa


def _f(name: str, kind: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, kind, nullable=nullable, metadata={"doc": doc})


PODS = pa.schema([
    _f("uid", pa.string(), "pod uid (namespace/name when the source has none)", False),
    _f("namespace", pa.string(), "namespace", False),
    _f("name", pa.string(), "pod name", False),
    _f("owner_kind", pa.string(), "kind of the controlling owner (Job, ReplicaSet, ...), null if none"),
    _f("owner_name", pa.string(), "name of the controlling owner"),
    _f("priority", pa.int32(), "spec.priority after admission (0 when unset)", False),
    _f("qos_class", pa.string(), "Guaranteed, Burstable or BestEffort", False),
    _f("cpu_milli", pa.int64(), "effective cpu request, milli-cores", False),
    _f("memory_bytes", pa.int64(), "effective memory request, bytes", False),
    _f("gpu", pa.int64(), "whole GPUs requested (nvidia.com/gpu)", False),
    _f("gpu_milli", pa.int64(), "share of one GPU requested, milli-GPU (0 when whole GPUs or none)", False),
    _f("gpu_model", pa.string(), "allowed GPU models, '|'-separated, null for any"),
    _f("created_at", pa.float64(), "creation time", False),
    _f("scheduled_at", pa.float64(), "time of the successful binding, null if never bound"),
    _f("started_at", pa.float64(), "time the kubelet started the pod"),
    _f("finished_at", pa.float64(), "time the pod succeeded or failed"),
    _f("deleted_at", pa.float64(), "time the pod object was deleted"),
    _f("node", pa.string(), "node the pod was bound to, null if never bound"),
    _f("gpu_index", pa.string(), "GPU indices the pod took on its node, comma-separated; null without GPUs"),
    _f("attempts", pa.int32(), "scheduling attempts", False),
    _f("preemptions", pa.int32(), "times the pod was preempted", False),
    _f("phase", pa.string(), "final phase: Pending, Running, Succeeded or Failed", False),
])

ATTEMPTS = pa.schema([
    _f("time", pa.float64(), "simulated time of the attempt", False),
    _f("pod_uid", pa.string(), "pod uid", False),
    _f("result", pa.string(), "scheduled, unschedulable or nominated", False),
    _f("nodes_evaluated", pa.int32(), "nodes the filters ran on", False),
    _f("feasible_nodes", pa.int32(), "nodes that passed every filter", False),
    _f("node", pa.string(), "chosen (or nominated) node, null if none"),
    _f("top_score", pa.int64(), "weighted total of the chosen node, null if none"),
])

TIMESERIES = pa.schema([
    _f("time", pa.float64(), "sample time", False),
    _f("pending", pa.int64(), "pods created and not bound", False),
    _f("running", pa.int64(), "pods bound and not finished", False),
    _f("alloc_cpu", pa.float64(), "sum of cpu requests of bound pods / sum of allocatable cpu", False),
    _f("alloc_memory", pa.float64(), "same for memory", False),
    _f("alloc_gpu", pa.float64(), "same for GPUs (milli-GPU), null without GPUs"),
    _f("gpu_frag_ratio", pa.float64(), "GPU fragmentation ratio (FGD), null without GPUs"),
    _f("etcd_revision", pa.int64(), "etcd header revision", False),
    _f("etcd_keys", pa.int64(), "live keys in etcd", False),
    _f("terminating", pa.int64(), "pods being deleted (deletionTimestamp set) and not yet gone", False),
    _f("unavailable_replicas", pa.int64(), "sum of Deployments' status.unavailableReplicas", False),
    _f("nodes_not_ready", pa.int64(), "nodes whose Ready condition is not True", False),
])

EVENTS = pa.schema([
    _f("time", pa.float64(), "simulated time", False),
    _f("type", pa.string(), "Normal or Warning", False),
    _f("reason", pa.string(), "Scheduled, FailedScheduling, Preempted, Evicted, NodeNotReady, ...", False),
    _f("object_kind", pa.string(), "kind of the involved object", False),
    _f("object", pa.string(), "namespace/name of the involved object", False),
    _f("message", pa.string(), "the event message, kube-style", False),
])

NODES = pa.schema([
    _f("name", pa.string(), "node name", False),
    _f("cpu_milli", pa.int64(), "allocatable cpu, milli-cores", False),
    _f("memory_bytes", pa.int64(), "allocatable memory, bytes", False),
    _f("gpu", pa.int64(), "GPUs", False),
    _f("gpu_model", pa.string(), "GPU model, null without GPUs"),
    _f("peak_cpu_milli", pa.int64(), "highest requested cpu over the run", False),
    _f("peak_memory_bytes", pa.int64(), "highest requested memory over the run", False),
    _f("final_cpu_milli", pa.int64(), "requested cpu at the end", False),
    _f("final_memory_bytes", pa.int64(), "requested memory at the end", False),
])

WORKLOADS = pa.schema([
    _f("kind", pa.string(), "Deployment (one row per rollout) or Job (one row per Job)", False),
    _f("namespace", pa.string(), "namespace", False),
    _f("name", pa.string(), "object name", False),
    _f("revision", pa.int64(), "Deployment revision the rollout brought in; null for Jobs"),
    _f("replicas", pa.int64(), "desired replicas (Deployment) or completions (Job), null if unset"),
    _f("started_at", pa.float64(), "rollout start (new ReplicaSet revision) or Job creation", False),
    _f("completed_at", pa.float64(), "rollout complete (NewReplicaSetAvailable) or Job Complete; null if not"),
    _f("failed_at", pa.float64(), "Job Failed (BackoffLimitExceeded, DeadlineExceeded); null otherwise"),
    _f("duration", pa.float64(), "completed_at (or failed_at) - started_at; null while in progress"),
    _f("succeeded", pa.int64(), "Job pods succeeded; null for Deployments"),
    _f("failed", pa.int64(), "Job pods failed; null for Deployments"),
])

ARRIVAL_CURVE = pa.schema([
    _f("policy", pa.string(), "GPU policy (score plugin) of the run", False),
    _f("trace", pa.string(), "pod list replayed (e.g. default, gpushare40)", False),
    _f("seed", pa.int64(), "run seed", False),
    _f("arrived_pct", pa.int64(), "GPU requested by the pods submitted so far, % of GPU capacity (0..130)", False),
    _f("alloc_gpu_pct", pa.float64(), "allocated GPU, % of capacity (mean over the pods logged at this %)"),
    _f("unalloc_gpu_pct", pa.float64(), "100 - alloc_gpu_pct"),
    _f("frag_amount_pct", pa.float64(), "fragmentation F(M), % of all GPU"),
    _f("frag_ratio_pct", pa.float64(), "fragmentation F(M), % of unallocated GPU; null when none is left"),
])
"""Schema of ``arrival_curve.parquet`` (one row per arrived % with data)."""

PLACEMENTS = pa.schema([
    _f("seq", pa.int64(), "submission order (0-based)", False),
    _f("pod_uid", pa.string(), "pod uid", False),
    _f("clone", pa.bool_(), "a copy appended by inflation", False),
    _f("node", pa.string(), "node the pod was placed on, null if it failed"),
    _f("gpu_index", pa.string(), "GPU indices it took on the node, comma-separated; null without GPUs"),
    _f("feasible_nodes", pa.int64(), "nodes that passed the filters", False),
    _f("score", pa.int64(), "score of the chosen node (0 when it was the only feasible one)", False),
    _f("arrived_milli_gpu", pa.int64(), "GPU requested by the pods submitted so far, failed ones included", False),
    _f("used_milli_gpu", pa.int64(), "GPU allocated after this pod", False),
    _f("idle_milli_gpu", pa.int64(), "GPU unallocated after this pod", False),
    _f("frag_milli_gpu", pa.float64(), "cluster fragmentation F(M) after this pod (FGD.md §2)", False),
])
"""Placement mode: one row per submitted pod, in order (kbench.gpu.experiment)."""

TABLES: dict[str, pa.Schema] = {
    "pods": PODS,
    "attempts": ATTEMPTS,
    "timeseries": TIMESERIES,
    "events": EVENTS,
    "nodes": NODES,
    "workloads": WORKLOADS,
}
"""Table name (file ``<name>.parquet``) to schema: the tables of a simulated run."""

PLACEMENT_TABLES: dict[str, pa.Schema] = {
    "pods": PODS,
    "attempts": ATTEMPTS,
    "nodes": NODES,
    "placements": PLACEMENTS,
    "arrival_curve": ARRIVAL_CURVE,
}
"""The tables of a placement-mode run (kbench.gpu.experiment)."""

SCHEMAS: dict[str, pa.Schema] = {**TABLES, **PLACEMENT_TABLES}
"""Every table a results folder may hold."""

RUN_JSON_REQUIRED = (
    "policy", "seed", "kbench_version", "wall_seconds", "compile_seconds", "sim_seconds", "events",
    "pods_total", "pods_scheduled", "pods_failed", "pods_pending_at_end",
)
"""Keys every run.json has (DESIGN.md §5)."""
