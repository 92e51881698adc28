"""`kbench run` in placement mode: the FGD paper's experiment on a policy's cluster and pod list.

A policy with ``workload.placement`` replays its pod list as the paper does (``FGD.md`` §6):
shuffled with the run's seed, inflated to ``inflation`` x GPU capacity by appending sampled
copies, submitted one by one with no departures, retries or preemption, scored by the one GPU
policy plugin of the scheduler profile (Random, DotProd, GpuClustering, GpuPacking, BestFit or
FGD) with ties broken by a seeded node priority order. FGD measures fragmentation by the typical
task types of the replayed pod list (before inflation), as the paper does, unless its
``targetWorkload`` arg names another list. The results folder holds ``run.json``,
``pods``, ``attempts``, ``nodes``, ``placements`` (per pod: node, GPUs, arrived/used GPU and
fragmentation after it) and ``arrival_curve`` (FGD.md §6.5).

The filters are NodeResourcesFit (CPU, memory, pod count) and Open-Gpu-Share (GPU model and
capacity): trace pods carry nothing else kube-scheduler's filters test.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from kbench import __version__
from kbench.config.policy import Policy
from kbench.config.scheduler_config import ProfileConfig
from kbench.errors import ConfigError, FieldError
from kbench.gpu.curve import arrival_curve
from kbench.gpu.frag import typical_tasks
from kbench.gpu.placement import (
    Cluster,
    Replay,
    Tasks,
    cluster_from_table,
    replay,
    submission_order,
    tasks_from_table,
    typical_arrays,
)
from kbench.gpu.policies import POLICY_NAMES
from kbench.metrics.schema import PLACEMENT_TABLES as TABLES
from kbench.metrics.writer import write_results
from kbench.sources import node_table, pod_table

TIE_BREAK_STREAM = 7
"""Seed stream of the node priority order (``[seed, 7]``); the shuffle and inflation use ``seed``."""


def gpu_policy_of(profile: ProfileConfig, file: str) -> str:
    """The one GPU policy score plugin of ``profile``; ConfigError when there is none or more scorers."""
    scorers = profile.points.get("score", [])
    gpu = [n for n in scorers if n in POLICY_NAMES]
    others = [n for n in scorers if n not in POLICY_NAMES]
    if len(gpu) != 1 or others:
        raise ConfigError(file, "scheduler.config",
                          f"placement mode scores with exactly one GPU policy plugin ({', '.join(POLICY_NAMES)}) "
                          f"and no other score plugin; the profile scores with {', '.join(scorers) or 'nothing'}")
    return gpu[0]


def trace_label(source: Any) -> str:
    """A short name of a pod source: the list name after ``:`` or the file's stem."""
    text = str(source)
    if ":" in text and not Path(text).exists():
        return text.rsplit(":", 1)[1]
    return Path(text).stem


def run_placement(policy: Policy, path: str | Path, profile: ProfileConfig, seed: int,
                  out: str | Path | None) -> tuple[Path, dict[str, Any]]:
    """Replay ``policy`` in placement mode and write its results folder; returns (folder, run.json)."""
    spec = policy.workload.placement
    assert spec is not None
    base = Path(path).parent
    name = gpu_policy_of(profile, str(path))
    try:
        nodes = node_table(policy, base, seed)
        pods = pod_table(policy, base, seed)
    except FieldError as e:
        raise ConfigError(str(path), e.field, e.message) from None
    cluster = cluster_from_table(nodes)
    if cluster.total_gpus == 0:
        raise ConfigError(str(path), "cluster.nodes", "placement mode needs GPU nodes; the cluster has no GPUs")

    compile_start = time.perf_counter()
    _warm_up()
    compile_seconds = time.perf_counter() - compile_start

    wall_start = time.perf_counter()
    target = getattr(profile.plugins.get(name), "target", None)  # FGD's targetWorkload, if named
    typical = typical_arrays(target.typical if target is not None else typical_tasks(pods), cluster)
    rng = np.random.default_rng(seed)
    ordered, clone = (submission_order(pods, seed, spec.inflation, cluster.total_gpus * 1000, rng) if spec.shuffle
                      else (pods, np.zeros(len(pods), np.bool_)))
    tasks = tasks_from_table(ordered, cluster.model_names, clone)
    rank = np.random.default_rng([seed, TIE_BREAK_STREAM]).permutation(len(cluster.names)).astype(np.int64)
    result = replay(cluster, tasks, typical, POLICY_NAMES.index(name), seed, rank)
    wall = time.perf_counter() - wall_start

    trace = trace_label(policy.workload.pods)
    placed = int((result.node >= 0).sum())
    tables = {
        "pods": _pods(tasks, result, cluster),
        "attempts": _attempts(tasks, result, cluster),
        "nodes": _nodes(cluster, tasks, result),
        "placements": _placements(tasks, result, cluster),
        "arrival_curve": arrival_curve(result.arrived_milli, result.used_milli, result.frag_milli, result.idle_milli,
                                       cluster.total_gpus, policy=name, trace=trace, seed=seed),
    }
    run = {
        "policy": {"name": policy.name, "path": str(path)},
        "mode": "placement",
        "gpu_policy": name,
        "trace": trace,
        "seed": seed,
        "kbench_version": __version__,
        "wall_seconds": round(wall, 3),
        "compile_seconds": round(compile_seconds, 3),
        "sim_seconds": 0.0,
        "events": len(tasks),
        "pods_total": len(tasks),
        "pods_scheduled": placed,
        "pods_failed": len(tasks) - placed,
        "pods_pending_at_end": 0,
        "pods_inflated": int(tasks.clone.sum()),
        "inflation": spec.inflation,
        "gpus_total": cluster.total_gpus,
    }
    target = Path(out) if out is not None else Path("results") / f"{policy.name}-s{seed}"
    write_results(target, run, tables, overwrite=True)
    return target, run


def _warm_up() -> None:
    """Load (or compile) the replay kernel on a one-node cluster, for every policy."""
    nodes = pa.table({"name": ["n"], "cpu_milli": [1000], "memory_bytes": [1], "pods": [2], "gpu": [2],
                      "gpu_milli": [2000], "gpu_model": ["X"]})
    cluster = cluster_from_table(nodes)
    pods = pa.table({"name": ["a", "b"], "cpu_milli": [1, 1], "memory_bytes": [0, 0], "gpu": [0, 1],
                     "gpu_milli": [500, 0], "gpu_models": pa.array([[], []], pa.list_(pa.string())),
                     "gpu_spec": pa.array([None, None], pa.string())})
    tasks = tasks_from_table(pods, cluster.model_names)
    typical = typical_arrays(typical_tasks(pods), cluster)
    for pid in range(len(POLICY_NAMES)):
        replay(cluster, tasks, typical, pid, 0, np.zeros(1, np.int64))


def _gpu_text(row: np.ndarray) -> str | None:
    ids = [str(int(g)) for g in row if g >= 0]
    return ",".join(ids) or None


def _pods(tasks: Tasks, r: Replay, cluster: Cluster) -> pa.Table:
    n = len(tasks)
    seq = np.arange(n, dtype=np.float64)
    bound = r.node >= 0
    whole = tasks.gpu_milli == 1000
    return pa.table({
        "uid": tasks.names if not tasks.clone.any() else [f"{name}#{i}" for i, name in enumerate(tasks.names)],
        "namespace": ["default"] * n,
        "name": tasks.names,
        "owner_kind": pa.nulls(n, pa.string()),
        "owner_name": pa.nulls(n, pa.string()),
        "priority": pa.array(np.zeros(n, np.int32)),
        "qos_class": ["Burstable"] * n,
        "cpu_milli": tasks.cpu,
        "memory_bytes": tasks.memory,
        "gpu": np.where(whole, tasks.gpu_count, 0),
        "gpu_milli": np.where(whole, 0, tasks.gpu_milli),
        "gpu_model": tasks.models,
        "created_at": seq,
        "scheduled_at": pa.array(np.where(bound, seq, np.nan), from_pandas=True),
        "started_at": pa.array(np.where(bound, seq, np.nan), from_pandas=True),
        "finished_at": pa.nulls(n, pa.float64()),
        "deleted_at": pa.array(np.where(bound, np.nan, seq), from_pandas=True),
        "node": [cluster.names[i] if i >= 0 else None for i in r.node],
        "gpu_index": [_gpu_text(row) for row in r.gpus],
        "attempts": pa.array(np.ones(n, np.int32)),
        "preemptions": pa.array(np.zeros(n, np.int32)),
        "phase": ["Running" if b else "Failed" for b in bound],
    }, schema=TABLES["pods"])


def _attempts(tasks: Tasks, r: Replay, cluster: Cluster) -> pa.Table:
    n = len(tasks)
    bound = r.node >= 0
    uids = _pods_uids(tasks)
    return pa.table({
        "time": np.arange(n, dtype=np.float64),
        "pod_uid": uids,
        "result": ["scheduled" if b else "unschedulable" for b in bound],
        "nodes_evaluated": pa.array(np.full(n, len(cluster.names), np.int32)),
        "feasible_nodes": pa.array(r.feasible.astype(np.int32)),
        "node": [cluster.names[i] if i >= 0 else None for i in r.node],
        "top_score": pa.array(np.where(bound, r.top_score, 0), mask=~bound),
    }, schema=TABLES["attempts"])


def _pods_uids(tasks: Tasks) -> list[str]:
    return tasks.names if not tasks.clone.any() else [f"{name}#{i}" for i, name in enumerate(tasks.names)]


def _nodes(cluster: Cluster, tasks: Tasks, r: Replay) -> pa.Table:
    bound = r.node >= 0
    cpu = np.bincount(r.node[bound], weights=tasks.cpu[bound], minlength=len(cluster.names)).astype(np.int64)
    mem = np.bincount(r.node[bound], weights=tasks.memory[bound].astype(np.float64),
                      minlength=len(cluster.names)).astype(np.int64)
    return pa.table({
        "name": cluster.names, "cpu_milli": cluster.cpu, "memory_bytes": cluster.memory, "gpu": cluster.gpus,
        "gpu_model": [cluster.model_names[m] if m >= 0 else None for m in cluster.model_ids],
        "peak_cpu_milli": cpu, "peak_memory_bytes": mem, "final_cpu_milli": cpu, "final_memory_bytes": mem,
    }, schema=TABLES["nodes"])


def _placements(tasks: Tasks, r: Replay, cluster: Cluster) -> pa.Table:
    return pa.table({
        "seq": np.arange(len(tasks), dtype=np.int64),
        "pod_uid": _pods_uids(tasks),
        "clone": tasks.clone,
        "node": [cluster.names[i] if i >= 0 else None for i in r.node],
        "gpu_index": [_gpu_text(row) for row in r.gpus],
        "feasible_nodes": r.feasible,
        "score": r.top_score,
        "arrived_milli_gpu": r.arrived_milli,
        "used_milli_gpu": r.used_milli,
        "idle_milli_gpu": r.idle_milli,
        "frag_milli_gpu": r.frag_milli,
    }, schema=TABLES["placements"])
