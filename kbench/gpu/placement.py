"""Placement-only replay of the FGD paper's experiment: pods arrive one by one and stay.

Mirrors the reference simulator's run (``FGD.md`` §4 and §6, [K:pkg/simulator/simulator.go]):
no departures, no retries, an unschedulable pod is counted as failed; filters are
NodeResourcesFit (CPU, memory, pod count) and Open-Gpu-Share; one GPU policy scores the
feasible nodes (a lone feasible node is taken unscored); ties go to the node first in a seeded
random priority order (the reference prefixes node names with ``rand.Perm`` and picks the
smallest name). After every pod the run logs arrived and allocated milli-GPU and the cluster
fragmentation F(M), from which :mod:`kbench.gpu.curve` draws the arrived-workload curve.

The whole loop is one Numba kernel (:func:`_replay`); per-node fragmentation terms are kept up
to date incrementally, so a pod costs O(nodes x typical types) for FGD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

from kbench.gpu.frag import MILLI, TaskArrays, task_arrays, task_type_of
from kbench.gpu.policies import (
    BEST_FIT,
    DOTPROD,
    FGD,
    GPU_CLUSTERING,
    GPU_PACKING,
    N_TAGS,
    RANDOM,
    affinity_tag,
    best_gpu,
    bestfit_scores,
    clustering_scores,
    dotprod_scores,
    fgd_node,
    frag_from_terms,
    frag_terms_row,
    packing_scores,
    random_gpu,
    take_gpus,
)

IntArray = npt.NDArray[np.int64]
MAX_GPUS = 8
"""Most GPUs a task asks for (and a trace node has)."""


@dataclass(frozen=True)
class Cluster:
    """Nodes as arrays: capacity, GPU count and model id (index into ``model_names``, -1 none)."""

    names: list[str]
    cpu: IntArray
    memory: IntArray
    max_pods: IntArray
    gpus: IntArray
    model_ids: IntArray
    model_names: tuple[str, ...]

    @property
    def total_gpus(self) -> int:
        return int(self.gpus.sum())


@dataclass(frozen=True)
class Tasks:
    """Pods in submission order as arrays; ``allowed[i, j]``: pod i may use model j (all true if any)."""

    names: list[str]
    cpu: IntArray
    memory: IntArray
    gpu_milli: IntArray
    """``d``: per-GPU share (1000 for whole GPUs, 0 for CPU-only)."""
    gpu_count: IntArray
    """``k``."""
    allowed: npt.NDArray[np.bool_]
    models: list[str | None]
    """The pod's model constraint as ``|``-joined names, None for any."""
    clone: npt.NDArray[np.bool_]
    """True for copies appended by inflation."""

    def __len__(self) -> int:
        return len(self.names)


def cluster_from_table(nodes: pa.Table) -> Cluster:
    """A :class:`Cluster` from a node table (:data:`~kbench.traces.schema.NODE_SCHEMA`)."""
    models = sorted({m for m in nodes.column("gpu_model").to_pylist() if m})
    index = {m: i for i, m in enumerate(models)}
    gpus = np.asarray(nodes.column("gpu").to_numpy(), np.int64)
    if gpus.size and gpus.max() > MAX_GPUS:
        raise ValueError(f"a node has {int(gpus.max())} GPUs; the placement replay supports up to {MAX_GPUS}")
    return Cluster(
        names=nodes.column("name").to_pylist(),
        cpu=np.asarray(nodes.column("cpu_milli").to_numpy(), np.int64),
        memory=np.asarray(nodes.column("memory_bytes").to_numpy(), np.int64),
        max_pods=np.asarray(nodes.column("pods").to_numpy(), np.int64),
        gpus=gpus,
        model_ids=np.array([index[m] if m and g else -1 for m, g in zip(nodes.column("gpu_model").to_pylist(), gpus)],
                           np.int64),
        model_names=tuple(models),
    )


def tasks_from_table(pods: pa.Table, model_names: tuple[str, ...], clone: npt.NDArray[np.bool_] | None = None) -> Tasks:
    """:class:`Tasks` from a pod table in submission order; task types as ``frag.task_type_of``."""
    rows = pods.select(["name", "cpu_milli", "memory_bytes", "gpu", "gpu_milli", "gpu_models", "gpu_spec"]).to_pylist()
    types = [task_type_of(r) for r in rows]
    allowed = np.ones((len(rows), len(model_names)), np.bool_)
    for i, t in enumerate(types):
        if t.models:
            allowed[i] = [m in t.models for m in model_names]
    return Tasks(
        names=[r["name"] for r in rows],
        cpu=np.array([t.cpu_milli for t in types], np.int64),
        memory=np.array([r["memory_bytes"] for r in rows], np.int64),
        gpu_milli=np.array([t.gpu_milli_per_gpu for t in types], np.int64),
        gpu_count=np.array([t.gpu_count for t in types], np.int64),
        allowed=allowed,
        models=["|".join(t.models) or None for t in types],
        clone=clone if clone is not None else np.zeros(len(rows), np.bool_),
    )


def submission_order(pods: pa.Table, seed: int, ratio: float | None, total_gpu_milli: int,
                     rng: np.random.Generator) -> tuple[pa.Table, npt.NDArray[np.bool_]]:
    """The pods in the order the reference submits them, and which rows are inflation copies.

    Mirrors [K:simulator.go:843] and ``TunePodsByNodeTotalResource`` [K:simulator.go:1105-1140]:
    sort by name and shuffle; then, if the total GPU request ``sum k d`` is below ``ratio`` x
    capacity, append copies drawn uniformly (with replacement) from the trace until the next copy
    would pass it (the stop test adds the copy's per-GPU ``d``, the reference's quirk); if above,
    remove random pods until it is not. ``ratio`` None (or <= 0) keeps the trace as it is.
    """
    order = np.argsort(np.array(pods.column("name").to_pylist(), dtype=object), kind="stable")
    order = order[rng.permutation(len(order))]
    d = np.asarray(pods.column("gpu_milli").to_numpy(), np.int64)
    k = np.asarray(pods.column("gpu").to_numpy(), np.int64)
    per_gpu = np.where(k > 0, MILLI, d)
    demand = np.where(k > 0, k * MILLI, d)
    total = int(demand.sum())
    rows = list(order)
    if ratio is not None and ratio > 0:
        target = ratio * total_gpu_milli
        if total > target:
            while total > target and rows:
                victim = rows.pop(int(rng.integers(len(rows))))
                total -= int(demand[victim])
        elif total < target:
            n = len(pods)
            extra: list[int] = []
            while True:
                i = int(rng.integers(n))
                if total + int(per_gpu[i]) > target:
                    break
                total += int(demand[i])
                extra.append(i)
            clone_mask = np.zeros(len(rows) + len(extra), np.bool_)
            clone_mask[len(rows):] = True
            return pods.take(np.array(rows + extra, np.int64)), clone_mask
    return pods.take(np.array(rows, np.int64)), np.zeros(len(rows), np.bool_)


@dataclass(frozen=True)
class Replay:
    """What a placement replay logged, one entry per submitted pod (in order)."""

    node: IntArray
    """Node row of each pod, -1 if it failed."""
    gpus: IntArray
    """int64[pods, 8]: GPU indices each pod took, -1 padded."""
    feasible: IntArray
    """Nodes that passed the filters."""
    top_score: IntArray
    """Score of the chosen node (0 when it was the lone feasible node or the pod failed)."""
    arrived_milli: IntArray
    """Cumulative milli-GPU requested by the pods submitted so far, failed ones included."""
    used_milli: IntArray
    """Allocated milli-GPU after the pod."""
    frag_milli: npt.NDArray[np.float64]
    """Cluster fragmentation F(M) after the pod (milli-GPU)."""
    idle_milli: IntArray
    """Unallocated milli-GPU after the pod."""


def replay(cluster: Cluster, tasks: Tasks, typical: TaskArrays, policy: int, seed: int,
           rank: IntArray) -> Replay:
    """Submit ``tasks`` in order to ``cluster`` under ``policy`` (an id of :mod:`kbench.gpu.policies`).

    ``rank[n]`` is node n's tie-break priority (lowest wins); ``seed`` seeds the Random policy's
    draws. ``typical`` must use ``cluster.model_names``.
    """
    if typical.model_names != cluster.model_names:
        raise ValueError("typical task arrays use other model names than the cluster")
    return Replay(*_replay(
        policy, seed, cluster.cpu, cluster.memory, cluster.max_pods, cluster.gpus, cluster.model_ids, rank,
        tasks.cpu, tasks.memory, tasks.gpu_milli, tasks.gpu_count, tasks.allowed,
        typical.cpu, typical.gpu_milli, typical.gpu_count, typical.any_model, typical.allowed, typical.popularity))


def typical_arrays(typical: list, cluster: Cluster) -> TaskArrays:  # type: ignore[type-arg]
    """:func:`~kbench.gpu.frag.task_arrays` over the cluster's models."""
    return task_arrays(typical, cluster.model_names)


@njit(cache=True)
def _fits(gpu_row, d, k):  # pragma: no cover
    """Whether at least k GPUs have ``R >= d`` (Open-Gpu-Share's capacity test)."""
    n = 0
    for g in range(gpu_row.shape[0]):
        if gpu_row[g] >= d:
            n += 1
    return n >= k


@njit(cache=True)
def _replay(policy, seed, n_cpu, n_mem, n_pods, n_gpus, model_ids, rank, p_cpu, p_mem, p_d, p_k, p_allowed,
            t_cpu, t_d, t_k, t_any, t_allowed, t_p):  # pragma: no cover
    np.random.seed(seed)
    n = n_cpu.shape[0]
    m = t_cpu.shape[0]
    gmax = MAX_GPUS
    cpu_left = n_cpu.copy()
    mem_left = n_mem.copy()
    pods_left = n_pods.copy()
    gpu_left = np.full((n, gmax), -1, np.int64)
    for i in range(n):
        for g in range(n_gpus[i]):
            gpu_left[i, g] = MILLI
    tags = np.zeros((n, N_TAGS), np.int64)
    idle = np.zeros(n, np.int64)
    fits = np.zeros((n, m), np.int64)
    small = np.zeros((n, m), np.int64)
    node_frag = np.zeros(n, np.float64)
    for i in range(n):
        idle[i] = frag_terms_row(gpu_left[i], t_d, fits[i], small[i])
        node_frag[i] = frag_from_terms(cpu_left[i], idle[i], fits[i], small[i], model_ids[i], t_cpu, t_k, t_any,
                                       t_allowed, t_p)
    total_idle = idle.sum()
    capacity = total_idle

    P = p_cpu.shape[0]
    out_node = np.full(P, -1, np.int64)
    out_gpus = np.full((P, gmax), -1, np.int64)
    out_feasible = np.zeros(P, np.int64)
    out_score = np.zeros(P, np.int64)
    out_arrived = np.zeros(P, np.int64)
    out_used = np.zeros(P, np.int64)
    out_frag = np.zeros(P, np.float64)
    out_idle = np.zeros(P, np.int64)
    feasible = np.empty(n, np.int64)
    chosen = np.empty(gmax, np.int64)
    fgd_gpu = np.full(n, -1, np.int64)
    arrived = 0
    for j in range(P):
        c = p_cpu[j]
        d = p_d[j]
        k = p_k[j]
        arrived += k * d
        nf = 0
        for i in range(n):
            if cpu_left[i] < c or mem_left[i] < p_mem[j] or pods_left[i] < 1:
                continue
            if k > 0:
                mid = model_ids[i]
                if mid < 0 or not p_allowed[j, mid] or not _fits(gpu_left[i], d, k):
                    continue
            feasible[nf] = i
            nf += 1
        out_feasible[j] = nf
        node = -1
        gpu = -1
        if nf == 1:
            node = feasible[0]
            if policy == FGD and k == 1 and d < 1000:
                s, gpu = fgd_node(cpu_left[node], gpu_left[node], idle[node], fits[node], small[node],
                                  model_ids[node], c, d, k, t_cpu, t_d, t_k, t_any, t_allowed, t_p)
        elif nf > 1:
            idx = feasible[:nf]
            if policy == RANDOM:
                scores = np.zeros(nf, np.int64)
                scores[np.random.randint(nf)] = 100
            elif policy == DOTPROD:
                scores = dotprod_scores(cpu_left, gpu_left, idx, c, d, k)
            elif policy == GPU_CLUSTERING:
                scores = clustering_scores(gpu_left, tags, idx, d, k)
            elif policy == GPU_PACKING:
                scores = packing_scores(gpu_left, n_gpus, idx, d, k)
            elif policy == BEST_FIT:
                scores = bestfit_scores(cpu_left, gpu_left, idx, c, d, k)
            else:
                scores = np.zeros(nf, np.int64)
                for q in range(nf):
                    r = idx[q]
                    s, g = fgd_node(cpu_left[r], gpu_left[r], idle[r], fits[r], small[r], model_ids[r], c, d, k,
                                    t_cpu, t_d, t_k, t_any, t_allowed, t_p)
                    scores[q] = s
                    fgd_gpu[q] = g
            best = 0
            for q in range(1, nf):
                if scores[q] > scores[best] or (scores[q] == scores[best] and rank[idx[q]] < rank[idx[best]]):
                    best = q
            node = idx[best]
            out_score[j] = scores[best]
            if policy == FGD:
                gpu = fgd_gpu[best]
        if node >= 0:
            taken = 0
            if k == 1 and d < 1000:
                if policy == FGD:
                    chosen[0] = gpu
                elif policy == RANDOM:
                    chosen[0] = random_gpu(gpu_left[node], d)
                else:
                    chosen[0] = best_gpu(gpu_left[node], d)
                taken = 1
            elif k > 0:
                taken = take_gpus(gpu_left[node], d, k, chosen)
            for q in range(taken):
                gpu_left[node, chosen[q]] -= d
                out_gpus[j, q] = chosen[q]
            cpu_left[node] -= c
            mem_left[node] -= p_mem[j]
            pods_left[node] -= 1
            tags[node, affinity_tag(d, k)] += 1
            total_idle -= k * d
            idle[node] = frag_terms_row(gpu_left[node], t_d, fits[node], small[node])
            node_frag[node] = frag_from_terms(cpu_left[node], idle[node], fits[node], small[node], model_ids[node],
                                              t_cpu, t_k, t_any, t_allowed, t_p)
        out_node[j] = node
        out_arrived[j] = arrived
        out_used[j] = capacity - total_idle
        out_idle[j] = total_idle
        f = 0.0
        for i in range(n):
            f += node_frag[i]
        out_frag[j] = f
    return out_node, out_gpus, out_feasible, out_score, out_arrived, out_used, out_frag, out_idle
