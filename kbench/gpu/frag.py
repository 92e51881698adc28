"""GPU fragmentation measure of FGD (Weng et al., ATC '23), as its reference simulator computes it.

Reference: hkust-adsl/kubernetes-scheduler-simulator (tags ``[K:path:line]`` as in
``FGD.md``). All GPU quantities are integer milli-GPU (one GPU = 1000); memory is not part of
the measure.

- A **task type** is the reference's ``PodResource`` key ``(MilliCpu, MilliGpu per GPU,
  GpuNumber, GpuType)`` [K:pkg/type/resource.go PodResource]: :class:`TaskType`.
- The **target workload** M is the most popular task types of a trace covering 95% of its tasks,
  renormalised [K:pkg/utils/frag.go:381 GetTypicalPods]: :func:`typical_tasks`.
- ``F_n(m)`` is the fragment of node n measured by task type m and ``F_n(M) = sum_m p_m F_n(m)``
  [K:pkg/utils/frag.go:147 NodeGpuShareFragAmount]: :func:`node_frag`,
  :func:`node_frag_workload`, and the Numba kernel :func:`cluster_frag` for many nodes at once.

Examples
--------
>>> t = TaskType(cpu_milli=4000, gpu_milli_per_gpu=500, gpu_count=1)
>>> node_frag(8000, np.array([1000, 300, 0, 1000]), "G2", t)   # the 300-milli GPU is too small
300
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

MILLI = 1000
"""Milli-GPU in one GPU [K:pkg/type/open-gpu-share/utils/const.go MILLI]."""
GPU_COUNTS = (0, 1, 2, 4, 8)
"""GPU counts a task may request (``k_m``); 0 = CPU-only."""
DEFAULT_MILLI_CPU_REQUEST = 100
"""CPU a task with a zero CPU request counts as (kube-scheduler's ``GetNonzeroRequests``, used by
[K:pkg/utils/utils.go GetPodResource]); no bundled trace has such a task."""
DEFAULT_POPULARITY_THRESHOLD = 0.95
"""Share of the trace's tasks the typical task types must cover ([KG] podPopularityThreshold=95)."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, order=True)
class TaskType:
    """A task type ``(c_m, d_m, k_m, T_m)`` [K:pkg/type/resource.go PodResource].

    Attributes
    ----------
    cpu_milli
        CPU request ``c_m`` (milli-CPU).
    gpu_milli_per_gpu
        Share of each requested GPU ``d_m``: 1..999 for a GPU-sharing task (``gpu_count == 1``),
        1000 for whole-GPU tasks, 0 for CPU-only tasks.
    gpu_count
        GPUs requested ``k_m``, one of :data:`GPU_COUNTS`.
    models
        Allowed GPU models ``T_m``; empty = any.
    spec
        The constraint as the trace writes it (``gpu_spec``): the reference keys task types by
        this string, so ``V100M16|V100M32|V100M32`` and ``V100M16|V100M32`` are different types
        with the same ``models``. Defaults to ``models`` joined with ``|``.
    """

    cpu_milli: int
    gpu_milli_per_gpu: int
    gpu_count: int
    models: tuple[str, ...] = ()
    spec: str = ""

    def __post_init__(self) -> None:
        if self.cpu_milli < 0:
            raise ValueError(f"cpu_milli must be >= 0, got {self.cpu_milli}")
        if self.gpu_count not in GPU_COUNTS:
            raise ValueError(f"gpu_count must be one of {GPU_COUNTS}, got {self.gpu_count}")
        d, k = self.gpu_milli_per_gpu, self.gpu_count
        if k == 0 and d != 0:
            raise ValueError(f"a CPU-only task (gpu_count 0) has gpu_milli_per_gpu 0, got {d}")
        if k >= 1 and not 1 <= d <= MILLI:
            raise ValueError(f"gpu_milli_per_gpu must be in 1..{MILLI} for a GPU task, got {d}")
        if not self.spec and self.models:
            object.__setattr__(self, "spec", "|".join(self.models))
        if k > 1 and d != MILLI:
            raise ValueError(f"a {k}-GPU task takes whole GPUs (gpu_milli_per_gpu {MILLI}), got {d}")


def task_type_of(row: Mapping[str, Any]) -> TaskType:
    """The task type of one pod-table row (:data:`~kbench.traces.schema.POD_SCHEMA`).

    Mirrors [K:pkg/utils/utils.go GetPodResource]: ``d`` is the trace's per-GPU share (1000 for
    whole GPUs), ``k`` the GPU count, both 0 for CPU-only tasks; a zero CPU request counts as
    :data:`DEFAULT_MILLI_CPU_REQUEST`. ``models`` is the row's ``gpu_models`` as loaded (split on
    ``|``, empty pieces and repeats dropped) and ``spec`` its ``gpu_spec`` as written, which, as in
    the reference, is what tells task types apart.

    Examples
    --------
    >>> task_type_of({"cpu_milli": 6000, "gpu": 0, "gpu_milli": 460, "gpu_models": []})
    TaskType(cpu_milli=6000, gpu_milli_per_gpu=460, gpu_count=1, models=(), spec='')
    >>> task_type_of({"cpu_milli": 8000, "gpu": 2, "gpu_milli": 0, "gpu_models": ["T4"], "gpu_spec": "T4|T4"})
    TaskType(cpu_milli=8000, gpu_milli_per_gpu=1000, gpu_count=2, models=('T4',), spec='T4|T4')
    >>> task_type_of({"cpu_milli": 4000, "gpu": 0, "gpu_milli": 0, "gpu_models": None})
    TaskType(cpu_milli=4000, gpu_milli_per_gpu=0, gpu_count=0, models=(), spec='')
    """
    cpu = int(row["cpu_milli"]) or DEFAULT_MILLI_CPU_REQUEST
    gpu, share = int(row["gpu"]), int(row["gpu_milli"])
    models = tuple(row.get("gpu_models") or ())
    spec = row.get("gpu_spec") or ""
    if gpu > 0:
        return TaskType(cpu, MILLI, gpu, models, spec)
    if share > 0:
        return TaskType(cpu, share, 1, models, spec)
    return TaskType(cpu, 0, 0, models, spec)


def _reference_order_key(t: TaskType) -> tuple[int, int, int, str]:
    """The fields [K:pkg/type/resource.go PodResource.Less] compares, in its order."""
    return (t.cpu_milli, t.gpu_milli_per_gpu, t.gpu_count, t.spec)


def typical_tasks(pod_table: pa.Table,
                  threshold: float = DEFAULT_POPULARITY_THRESHOLD) -> list[tuple[TaskType, float]]:
    """The target workload M: the most popular task types and their renormalised popularity.

    Mirrors [K:pkg/utils/frag.go:381 GetTypicalPods] with the paper's settings
    (isInvolvedCpuPods=true, podIncreaseStep=1, gpuResWeight=0): every task counts 1, CPU-only
    ones included; types are sorted by count, descending, and kept one by one until their
    cumulative count is ``>= threshold`` of all tasks; popularity ``p_m = count_m / kept``.

    Ties in count are broken as the reference does (``sort.Sort(sort.Reverse(TargetPodList))``,
    whose ``Less`` compares count, then ``PodResource.Less``): the **larger** type first by
    ``(cpu_milli, gpu_milli_per_gpu, gpu_count, spec)``. This only decides which
    of equally popular types is kept at the cut, but makes M deterministic and the reference's.

    Parameters
    ----------
    pod_table
        A pod table of :data:`~kbench.traces.schema.POD_SCHEMA` (the original trace, before any
        inflation).
    threshold
        Share of tasks to cover, in (0, 1].

    Examples
    --------
    >>> from kbench.traces.alibaba import load_pods
    >>> m = typical_tasks(load_pods("alibaba-gpu-v2023:default"))
    >>> len(m), round(sum(p for _, p in m), 12)
    (35, 1.0)
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    names = [c for c in ("cpu_milli", "gpu", "gpu_milli", "gpu_models", "gpu_spec") if c in pod_table.column_names]
    cols = pod_table.select(names).to_pylist()
    counts = Counter(task_type_of(r) for r in cols)
    total = sum(counts.values())
    if total == 0:
        return []
    ranked = sorted(counts.items(), key=lambda kv: (kv[1], _reference_order_key(kv[0])), reverse=True)
    expected = threshold * total
    kept: list[tuple[TaskType, int]] = []
    cum = 0
    for t, c in ranked:
        if cum >= expected:
            break
        kept.append((t, c))
        cum += c
    return [(t, c / cum) for t, c in kept]


def node_frag(cpu_left: int, gpu_left: IntArray | Sequence[int], node_model: str | None,
              task: TaskType) -> int:
    """``F_n(m)``: milli-GPU of node n that is fragment for task type m.

    Mirrors [K:pkg/utils/frag.go:556 GetNodePodFrag] with the amounts of
    [K:pkg/utils/frag.go:147 NodeGpuShareFragAmount] (sum of all but the Q3 "satisfied" share):
    with ``IDLE = sum_g R_g``, a CPU-only task, a model mismatch
    [K:pkg/utils/utils.go:956 IsNodeAccessibleToPod], or a node that lacks CPU or cannot host
    the task on its GPUs [K:pkg/utils/frag.go:543 CanNodeHostPodOnGpuMemory] gives ``IDLE``; a
    node that can host it gives ``sum_g R_g * [R_g < d]``.

    Parameters
    ----------
    cpu_left
        ``C_n``, milli-CPU left.
    gpu_left
        ``R_{n,g}``, milli-GPU left on each GPU of the node (empty for a CPU-only node).
    node_model
        ``type(n)``; ``None`` or ``""`` for a CPU-only node.
    task
        The task type m.

    Examples
    --------
    >>> node_frag(8000, [1000, 600], "T4", TaskType(4000, 1000, 1))  # whole GPU: 600 is fragment
    600
    >>> node_frag(2000, [1000, 600], "T4", TaskType(4000, 1000, 1))  # lacks CPU: all idle GPU
    1600
    """
    left = [int(r) for r in gpu_left]
    idle = sum(left)
    if task.gpu_count == 0:
        return idle
    if task.models and (not node_model or node_model not in task.models):
        return idle
    d = task.gpu_milli_per_gpu
    if cpu_left >= task.cpu_milli and sum(1 for r in left if r >= d) >= task.gpu_count:
        return sum(r for r in left if r < d)
    return idle


def node_frag_workload(cpu_left: int, gpu_left: IntArray | Sequence[int], node_model: str | None,
                       typical: Sequence[tuple[TaskType, float]]) -> float:
    """``F_n(M) = sum_m p_m F_n(m)``, summed in the order of ``typical``.

    Mirrors [K:pkg/utils/frag.go:147 NodeGpuShareFragAmount] followed by
    ``FragAmountSumExceptQ3`` (the value FGD scores with, ``NodeGpuShareFragAmountScore``).

    Examples
    --------
    >>> m = [(TaskType(4000, 500, 1), 0.75), (TaskType(4000, 0, 0), 0.25)]
    >>> node_frag_workload(8000, [1000, 300], "G2", m)   # 0.75 * 300 + 0.25 * 1300
    550.0
    """
    total = 0.0
    for task, p in typical:
        total += p * node_frag(cpu_left, gpu_left, node_model, task)
    return total


@dataclass(frozen=True)
class TaskArrays:
    """A target workload as arrays for :func:`cluster_frag`.

    ``allowed[m, j]`` says whether task m may run on model ``model_names[j]`` (all true for a
    task with no model constraint); node model ids index ``model_names`` (-1 = CPU-only node).
    """

    cpu: IntArray
    gpu_milli: IntArray
    gpu_count: IntArray
    any_model: npt.NDArray[np.bool_]
    allowed: npt.NDArray[np.bool_]
    popularity: FloatArray
    model_names: tuple[str, ...]


def task_arrays(typical: Sequence[tuple[TaskType, float]], model_names: Sequence[str]) -> TaskArrays:
    """Pack a target workload (e.g. from :func:`typical_tasks`) for :func:`cluster_frag`.

    Examples
    --------
    >>> ta = task_arrays([(TaskType(1000, 500, 1, ("T4",)), 1.0)], ["G2", "T4"])
    >>> ta.allowed.tolist(), ta.any_model.tolist()
    ([[False, True]], [False])
    """
    names = tuple(model_names)
    m = len(typical)
    allowed = np.zeros((m, len(names)), dtype=np.bool_)
    for i, (t, _) in enumerate(typical):
        allowed[i] = [not t.models or name in t.models for name in names]
    return TaskArrays(
        cpu=np.array([t.cpu_milli for t, _ in typical], dtype=np.int64),
        gpu_milli=np.array([t.gpu_milli_per_gpu for t, _ in typical], dtype=np.int64),
        gpu_count=np.array([t.gpu_count for t, _ in typical], dtype=np.int64),
        any_model=np.array([not t.models for t, _ in typical], dtype=np.bool_),
        allowed=allowed,
        popularity=np.array([p for _, p in typical], dtype=np.float64),
        model_names=names,
    )


def cluster_frag(cpu_left: IntArray, gpu_left: IntArray, model_ids: IntArray,
                 tasks: TaskArrays) -> FloatArray:
    """``F_n(M)`` of every node at once (float64[n]), equal to :func:`node_frag_workload`.

    Mirrors [K:pkg/utils/frag.go:147 NodeGpuShareFragAmount] per node.

    Parameters
    ----------
    cpu_left
        int64[n], milli-CPU left per node.
    gpu_left
        int64[n, gmax], milli-GPU left per GPU; ``-1`` pads the slots of GPUs a node lacks.
    model_ids
        int64[n], index into ``tasks.model_names`` of each node's model; -1 for a CPU-only node
        or a model no task names.
    tasks
        From :func:`task_arrays`.

    Examples
    --------
    >>> ta = task_arrays([(TaskType(4000, 500, 1), 0.75), (TaskType(4000, 0, 0), 0.25)], ["G2"])
    >>> cluster_frag(np.array([8000, 0]), np.array([[1000, 300], [1000, -1]]), np.array([0, 0]), ta)
    array([ 550., 1000.])
    """
    cpu = np.ascontiguousarray(cpu_left, dtype=np.int64)
    gpu = np.ascontiguousarray(gpu_left, dtype=np.int64)
    ids = np.ascontiguousarray(model_ids, dtype=np.int64)
    if gpu.ndim != 2 or cpu.shape != (gpu.shape[0],) or ids.shape != cpu.shape:
        raise ValueError(f"shapes: cpu_left {cpu.shape}, gpu_left {gpu.shape}, model_ids {ids.shape}; "
                         "expected (n,), (n, gmax), (n,)")
    if ids.size and int(ids.max()) >= len(tasks.model_names):
        raise ValueError(f"model id {int(ids.max())} out of range for {len(tasks.model_names)} models")
    return _cluster_frag(cpu, gpu, ids, tasks.cpu, tasks.gpu_milli, tasks.gpu_count,
                         tasks.any_model, tasks.allowed, tasks.popularity)


@njit(cache=True)
def _cluster_frag(cpu_left, gpu_left, model_ids, t_cpu, t_d, t_k, t_any, t_allowed,
                  t_p):  # pragma: no cover
    """Kernel of :func:`cluster_frag`; same branch logic and summation order as :func:`node_frag`."""
    n = cpu_left.shape[0]
    gmax = gpu_left.shape[1]
    out = np.zeros(n, dtype=np.float64)
    for i in range(n):
        idle = 0
        for g in range(gmax):
            if gpu_left[i, g] >= 0:
                idle += gpu_left[i, g]
        total = 0.0
        for m in range(t_cpu.shape[0]):
            f = idle
            if t_k[m] > 0:
                mid = model_ids[i]
                ok = t_any[m] or (mid >= 0 and t_allowed[m, mid])
                if ok and cpu_left[i] >= t_cpu[m]:
                    d = t_d[m]
                    fits = 0
                    small = 0
                    for g in range(gmax):
                        r = gpu_left[i, g]
                        if r < 0:
                            continue
                        if r >= d:
                            fits += 1
                        else:
                            small += r
                    if fits >= t_k[m]:
                        f = small
            total += t_p[m] * f
        out[i] = total
    return out
