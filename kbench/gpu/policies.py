"""The six GPU scheduling policies of the FGD paper as Numba score kernels, with their GPU choice.

Reference: hkust-adsl/kubernetes-scheduler-simulator, ``pkg/simulator/plugin/*_score.go`` and
``open_gpu_share.go`` (tags as in ``FGD.md`` §3–§5). Each kernel scores the feasible node rows
``idx`` of one task ``(c, d, k)`` (milli-CPU, milli-GPU per GPU, GPU count) with the reference's
exact integer (or float-then-truncate) arithmetic; higher wins. Conventions of
:mod:`kbench.gpu.devices`: ``gpu_left[n, g]`` is ``R_{n,g}``, ``-1`` pads absent GPUs.

FGD needs, per node and typical task type m, how many GPUs fit m (``fits``) and how much idle
GPU is too small for it (``small``): :func:`frag_terms` computes them, and a caller that keeps
them up to date per node (the placement replay) scores a node in O(types x distinct GPU sizes).

Examples
--------
>>> free = np.array([[1000, 1000, -1, -1], [300, 1000, 1000, 1000]])
>>> packing_scores(free, np.array([2, 4]), np.array([0, 1]), 500, 1)   # fresh node: max(33-2, 2)
array([31, 49])
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from kbench.gpu.frag import MILLI, TaskArrays

MAX_NODE_SCORE = 100
"""framework.MaxNodeScore."""
MAX_SPEC_CPU = 128000
"""MaxSpecCpu: milli-CPU of the largest node [K:pkg/type/open-gpu-share/utils/const.go]."""
MAX_SPEC_GPU = 8000
"""MaxSpecGpu: milli-GPU of the largest node (8 GPUs) [K:const.go]."""

RANDOM, DOTPROD, GPU_CLUSTERING, GPU_PACKING, BEST_FIT, FGD = range(6)
POLICY_NAMES = ("Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD")
"""Plugin names of the six policies, indexed by the ids above."""

GPU_SEL_BEST, GPU_SEL_RANDOM, GPU_SEL_FGD = 0, 1, 2
GPU_SELECTION = (GPU_SEL_RANDOM, GPU_SEL_BEST, GPU_SEL_BEST, GPU_SEL_BEST, GPU_SEL_BEST, GPU_SEL_FGD)
"""How each policy picks the GPU of a sharing task at Reserve [K:open_gpu_share.go:268-325]."""

N_TAGS = 10
"""GpuClustering affinity tags: 0 none (CPU-only), 1 ``share-gpu``, ``1 + k`` for ``<k>-gpu``."""

IntArray = npt.NDArray[np.int64]


def policy_id(name: str) -> int:
    """The id of a policy by plugin name; KeyError if unknown."""
    try:
        return POLICY_NAMES.index(name)
    except ValueError:
        raise KeyError(name) from None


@njit(cache=True)
def affinity_tag(d, k):  # pragma: no cover
    """GpuClustering's tag of a task [K:gpu_clustering_score.go GetGpuAffinityFromPodAnnotation]."""
    if k == 0:
        return 0
    if k == 1 and d < MILLI:
        return 1
    return 1 + k


# --- fragmentation terms (FGD) ----------------------------------------------------------------------


@njit(cache=True)
def frag_terms_row(gpu_row, t_d, fits, small):  # pragma: no cover
    """Fill ``fits[m]`` (#GPUs with R >= d_m) and ``small[m]`` (sum of R < d_m) of one node; returns IDLE."""
    idle = 0
    for g in range(gpu_row.shape[0]):
        if gpu_row[g] >= 0:
            idle += gpu_row[g]
    for m in range(t_d.shape[0]):
        f = 0
        s = 0
        for g in range(gpu_row.shape[0]):
            r = gpu_row[g]
            if r < 0:
                continue
            if r >= t_d[m]:
                f += 1
            else:
                s += r
        fits[m] = f
        small[m] = s
    return idle


@njit(cache=True)
def frag_terms(gpu_left, rows, t_d):  # pragma: no cover
    """(idle[len(rows)], fits[len(rows), M], small[len(rows), M]) for the nodes in ``rows``."""
    n = rows.shape[0]
    m = t_d.shape[0]
    idle = np.zeros(n, np.int64)
    fits = np.zeros((n, m), np.int64)
    small = np.zeros((n, m), np.int64)
    for i in range(n):
        idle[i] = frag_terms_row(gpu_left[rows[i]], t_d, fits[i], small[i])
    return idle, fits, small


@njit(cache=True)
def frag_from_terms(cpu, idle, fits, small, mid, t_cpu, t_k, t_any, t_allowed, t_p):  # pragma: no cover
    """``F_n(M)`` from a node's terms; same branches and summation order as ``frag.node_frag_workload``."""
    total = 0.0
    for m in range(t_cpu.shape[0]):
        f = idle
        if t_k[m] > 0 and (t_any[m] or (mid >= 0 and t_allowed[m, mid])) and cpu >= t_cpu[m] and fits[m] >= t_k[m]:
            f = small[m]
        total += t_p[m] * f
    return total


@njit(cache=True)
def _frag_after_share(cpu, idle, fits, small, mid, r, d, t_cpu, t_d, t_k, t_any, t_allowed,
                      t_p):  # pragma: no cover
    """``F_n(M)`` after ``d`` milli-GPU leaves one GPU holding ``r`` (and ``cpu`` is what is left)."""
    r2 = r - d
    total = 0.0
    for m in range(t_cpu.shape[0]):
        dm = t_d[m]
        f2 = fits[m] - (1 if r >= dm else 0) + (1 if r2 >= dm else 0)
        s2 = small[m] - (r if r < dm else 0) + (r2 if r2 < dm else 0)
        f = idle - d
        if t_k[m] > 0 and (t_any[m] or (mid >= 0 and t_allowed[m, mid])) and cpu >= t_cpu[m] and f2 >= t_k[m]:
            f = s2
        total += t_p[m] * f
    return total


@njit(cache=True)
def _sigmoid_score(before, after):  # pragma: no cover
    """``int64(sigmoid((before - after) / 1000) * 100)`` [K:fgd_score.go, plugin_utils.go sigmoid]."""
    x = (before - after) / 1000.0
    return np.int64(1.0 / (1.0 + math.exp(-x)) * MAX_NODE_SCORE)


@njit(cache=True)
def fgd_node(cpu, gpu_row, idle, fits, small, mid, c, d, k, t_cpu, t_d, t_k, t_any, t_allowed,
             t_p):  # pragma: no cover
    """(score, GPU) of one node for FGD [K:fgd_score.go calculateGpuShareFragExtendScore].

    Sharing task: the best GPU by the score of putting the task on it (lowest index on ties,
    GPUs with equal R give equal scores so only the first of each size is tried); else the
    fitting GPUs are taken tightest first (``NodeResource.Sub``: for whole GPUs, k free ones)
    and the GPU is -1 (the caller takes the k lowest-index free GPUs).
    """
    before = frag_from_terms(cpu, idle, fits, small, mid, t_cpu, t_k, t_any, t_allowed, t_p)
    if k == 1 and d < MILLI:
        best = np.int64(0)
        gpu = -1
        for g in range(gpu_row.shape[0]):
            r = gpu_row[g]
            if r < d:
                continue
            seen = False
            for h in range(g):
                if gpu_row[h] == r:
                    seen = True
                    break
            if seen:
                continue
            after = _frag_after_share(cpu - c, idle, fits, small, mid, r, d, t_cpu, t_d, t_k, t_any,
                                      t_allowed, t_p)
            s = _sigmoid_score(before, after)
            if gpu < 0 or s > best:
                best = s
                gpu = g
        return best, gpu
    if k == 0:
        after = frag_from_terms(cpu - c, idle, fits, small, mid, t_cpu, t_k, t_any, t_allowed, t_p)
        return _sigmoid_score(before, after), -1
    fits2 = fits - k
    after = frag_from_terms(cpu - c, idle - k * MILLI, fits2, small, mid, t_cpu, t_k, t_any, t_allowed, t_p)
    return _sigmoid_score(before, after), -1


@njit(cache=True)
def fgd_scores(cpu_left, gpu_left, model_ids, idx, idle, fits, small, c, d, k, t_cpu, t_d, t_k, t_any,
               t_allowed, t_p):  # pragma: no cover
    """(scores, GPUs) of FGD over rows ``idx``; ``idle/fits/small`` are per row of ``idx`` (:func:`frag_terms`)."""
    n = idx.shape[0]
    scores = np.zeros(n, np.int64)
    gpus = np.full(n, -1, np.int64)
    for i in range(n):
        row = idx[i]
        s, g = fgd_node(cpu_left[row], gpu_left[row], idle[i], fits[i], small[i], model_ids[row], c, d, k,
                        t_cpu, t_d, t_k, t_any, t_allowed, t_p)
        scores[i] = s
        gpus[i] = g
    return scores, gpus


def fgd_scores_for(cpu_left: IntArray, gpu_left: IntArray, model_ids: IntArray, idx: IntArray,
                   c: int, d: int, k: int, tasks: TaskArrays) -> tuple[IntArray, IntArray]:
    """FGD's (scores, GPUs) over rows ``idx``, computing the fragmentation terms on the way."""
    idle, fits, small = frag_terms(gpu_left, idx, tasks.gpu_milli)
    return fgd_scores(cpu_left, gpu_left, model_ids, idx, idle, fits, small, c, d, k, tasks.cpu,  # type: ignore[no-any-return]
                      tasks.gpu_milli, tasks.gpu_count, tasks.any_model, tasks.allowed, tasks.popularity)


# --- baselines --------------------------------------------------------------------------------------


@njit(cache=True)
def _idle(gpu_row):  # pragma: no cover
    total = 0
    for g in range(gpu_row.shape[0]):
        if gpu_row[g] > 0:
            total += gpu_row[g]
    return total


@njit(cache=True)
def dotprod_scores(cpu_left, gpu_left, idx, c, d, k):  # pragma: no cover
    """DotProd (merge, norm by max) [K:dot_product_score.go]: ``int(100 (1 - (v_n . v_t) / 2))``,
    ``v_n = (C_n / 128000, IDLE_n / 8000)``, ``v_t = (c / 128000, k d / 8000)``."""
    n = idx.shape[0]
    out = np.zeros(n, np.int64)
    p0 = c / MAX_SPEC_CPU
    p1 = (k * d) / MAX_SPEC_GPU
    for i in range(n):
        row = idx[i]
        dot = 0.0
        dot += (cpu_left[row] / MAX_SPEC_CPU) * p0
        dot += (_idle(gpu_left[row]) / MAX_SPEC_GPU) * p1
        out[i] = np.int64(MAX_NODE_SCORE * (1.0 - dot / 2.0))
    return out


@njit(cache=True)
def clustering_scores(gpu_left, tag_counts, idx, d, k):  # pragma: no cover
    """GpuClustering [K:gpu_clustering_score.go]: ``25 (8000 - IDLE) / 8000`` plus 75 (node hosts only
    this task's tag), 50 (this tag among others), 25 (no GPU pods) or 0 (only other tags); 0 for
    CPU-only tasks."""
    n = idx.shape[0]
    out = np.zeros(n, np.int64)
    tag = affinity_tag(d, k)
    if tag == 0:
        return out
    for i in range(n):
        row = idx[i]
        base = MAX_NODE_SCORE // 4 * (MAX_SPEC_GPU - _idle(gpu_left[row])) // MAX_SPEC_GPU
        distinct = 0
        for t in range(1, tag_counts.shape[1]):
            if tag_counts[row, t] > 0:
                distinct += 1
        if tag_counts[row, tag] > 0:
            out[i] = base + (MAX_NODE_SCORE * 3 // 4 if distinct == 1 else MAX_NODE_SCORE * 2 // 4)
        else:
            out[i] = base + (MAX_NODE_SCORE // 4 if distinct == 0 else 0)
    return out


@njit(cache=True)
def packing_scores(gpu_left, gpu_count, idx, d, k):  # pragma: no cover
    """GpuPacking [K:gpu_packing_score.go getPackingScore]: shared GPUs first
    (``max(100 - sum(R 100 / 1000) / 10, 50)``), then free GPUs of used nodes
    (``max(50 - #free used, 33)``), then empty nodes (``max(33 - F, F)``); 0 for CPU-only tasks."""
    n = idx.shape[0]
    out = np.zeros(n, np.int64)
    if k == 0:
        return out
    for i in range(n):
        row = idx[i]
        r = gpu_left[row]
        free = 0
        for g in range(r.shape[0]):
            if r[g] == MILLI:
                free += 1
        if free == gpu_count[row]:
            out[i] = max(MAX_NODE_SCORE // 3 - free, free)
            continue
        order = np.argsort(r, kind="mergesort")  # stable: SortedMilliGpuLeftIndexList(true)
        need = k
        free_used = 0
        ratio = 0
        for j in range(order.shape[0]):
            if need == 0:
                break
            left = r[order[j]]
            if left >= 0 and d <= left:
                need -= 1
                ratio += left * 100 // MILLI
                if left == MILLI:
                    free_used += 1
        if need != 0:
            out[i] = 0
        elif free_used > 0:
            out[i] = max(MAX_NODE_SCORE // 2 - free_used, MAX_NODE_SCORE // 3)
        else:
            out[i] = max(MAX_NODE_SCORE - ratio // 10, MAX_NODE_SCORE // 2)
    return out


@njit(cache=True)
def bestfit_scores(cpu_left, gpu_left, idx, c, d, k):  # pragma: no cover
    """BestFit [K:best_fit_score.go getBestFitScore] then its min-max NormalizeScore
    [K:plugin_utils.go]: ``int(100 (1 - (0.5 (C_n - c) / 128000 + 0.5 (IDLE_n - k d) / 8000)))``."""
    n = idx.shape[0]
    out = np.zeros(n, np.int64)
    for i in range(n):
        row = idx[i]
        s = 0.0
        s += (cpu_left[row] - c) / MAX_SPEC_CPU * 0.5
        s += (_idle(gpu_left[row]) - k * d) / MAX_SPEC_GPU * 0.5
        out[i] = np.int64((1.0 - s) * MAX_NODE_SCORE)
    normalize_min_max(out)
    return out


@njit(cache=True)
def normalize_min_max(scores):  # pragma: no cover
    """The reference's NormalizeScore, in place: ``(s - lo) * 100 // (hi - lo)``; all 0 if equal."""
    if scores.shape[0] == 0:
        return
    hi = scores.max()
    lo = scores.min()
    span = hi - lo
    for i in range(scores.shape[0]):
        scores[i] = 0 if span == 0 else (scores[i] - lo) * MAX_NODE_SCORE // span


# --- GPU choice -------------------------------------------------------------------------------------


@njit(cache=True)
def best_gpu(gpu_row, d):  # pragma: no cover
    """The fitting GPU with the least left, lowest index on ties (allocateGpuIdBasedOnBestFit); -1 if none."""
    best = -1
    for g in range(gpu_row.shape[0]):
        if gpu_row[g] >= d and (best < 0 or gpu_row[g] < gpu_row[best]):
            best = g
    return best


@njit(cache=True)
def random_gpu(gpu_row, d):  # pragma: no cover
    """A fitting GPU by reservoir sampling (allocateGpuIdBasedOnRandomFit); -1 if none."""
    chosen = -1
    count = 0
    for g in range(gpu_row.shape[0]):
        if gpu_row[g] >= d:
            count += 1
            if np.random.randint(count) == 0:
                chosen = g
    return chosen


@njit(cache=True)
def take_gpus(gpu_row, d, k, out):  # pragma: no cover
    """Whole-GPU binding: the k lowest-index fully free GPUs into ``out`` (AllocateExclusiveGpuId);
    returns how many were found."""
    n = 0
    for g in range(gpu_row.shape[0]):
        if n == k:
            break
        if gpu_row[g] == MILLI:
            out[n] = g
            n += 1
    return n
