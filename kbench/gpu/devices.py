"""Per-device GPU state of a cluster (columnar), with the Open-Gpu-Share filter and GPU binding.

Reference: hkust-adsl/kubernetes-scheduler-simulator (tags ``[K:path:line]`` as in ``FGD.md``
§1 and §4). Conventions as in :mod:`kbench.gpu.frag`: ``R_{n,g}`` is the unallocated milli-GPU of
GPU g on node n (1000 per GPU), stored as int64 with ``-1`` padding the slots of absent GPUs.

- **Can host** [K:pkg/simulator/plugin/open_gpu_share.go:81 Filter,
  K:pkg/type/open-gpu-share/cache/gpunodeinfo.go:132]: a CPU-only task (k = 0) passes; a GPU
  task needs a GPU node whose model is allowed (empty = any) and at least k GPUs with
  ``R >= d`` (k = 1: any GPU with ``R >= d``; k > 1: d = 1000, so k fully free GPUs).
  :meth:`GpuLedger.can_host` and the Numba kernel :func:`can_host_rows` for many nodes.
- **GPU binding** [K:pkg/simulator/plugin/open_gpu_share.go:268-325 Reserve,
  K:pkg/type/resource.go:348]: whole-GPU tasks get the k lowest-index fully free GPUs; a
  sharing task gets the GPU its policy chose or, by default, the "best" one: smallest
  ``R >= d``, lowest index on ties (:meth:`GpuLedger.best_gpu`).

Examples
--------
>>> ledger = GpuLedger()
>>> ledger.add_node(0, 4, "G2")
0
>>> ledger.free[0] = [1000, 300, 0, 1000]
>>> ledger.best_gpu(0, 250), ledger.best_gpu(0, 500)
(1, 0)
>>> ledger.allocate(0, 1000, 2)
(0, 3)
>>> ledger.free[0].tolist()
[0, 300, 0, 0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from numba import njit

from kbench.gpu.frag import MILLI

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_MODEL = -1
"""Model id of a node without GPUs (or without a model name)."""
UNKNOWN_MODEL = -2
"""Model id an allowed-model list gets for a name no node has (matches no node)."""


def check_task(d: int, k: int) -> None:
    """Raise ValueError unless ``(d, k)`` is a valid GPU request (as :class:`~kbench.gpu.frag.TaskType`).

    k = 0: d = 0 (CPU-only); k = 1: 1 <= d <= 1000; k > 1: d = 1000 (whole GPUs). Any k >= 0 is
    accepted (the traces only use :data:`~kbench.gpu.frag.GPU_COUNTS`, but a ledger need not).
    """
    if k < 0:
        raise ValueError(f"gpu count k must be >= 0, got {k}")
    if k == 0 and d != 0:
        raise ValueError(f"a CPU-only task (k 0) has d 0, got {d}")
    if k == 1 and not 1 <= d <= MILLI:
        raise ValueError(f"a 1-GPU task has d in 1..{MILLI}, got {d}")
    if k > 1 and d != MILLI:
        raise ValueError(f"a {k}-GPU task takes whole GPUs (d {MILLI}), got {d}")


class GpuLedger:
    """Unallocated milli-GPU ``R_{n,g}`` of every GPU of every node, plus each node's GPU model.

    Nodes are rows in the order added (:meth:`add_node`); :attr:`free` is a live int64 view of
    shape ``(nodes, max GPUs)`` padded with ``-1``; :attr:`model_ids` indexes
    :attr:`model_names` (``-1`` = no GPU model).
    """

    def __init__(self) -> None:
        self._free: IntArray = np.full((0, 0), -1, dtype=np.int64)
        self._models: IntArray = np.zeros(0, dtype=np.int64)
        self._n = 0
        self._gmax = 0
        self.model_names: list[str] = []
        self._model_index: dict[str, int] = {}

    # --- structure --------------------------------------------------------------------------------

    @property
    def n_nodes(self) -> int:
        return self._n

    @property
    def max_gpus(self) -> int:
        return self._gmax

    @property
    def free(self) -> IntArray:
        """int64[nodes, max GPUs]: ``R_{n,g}``, ``-1`` for absent GPUs (a view: writes go through)."""
        return self._free[: self._n, : self._gmax]

    @property
    def model_ids(self) -> IntArray:
        """int64[nodes]: index into :attr:`model_names`, ``-1`` for none (a view)."""
        return self._models[: self._n]

    def model_id(self, name: str | None) -> int:
        """Intern a model name; ``None``/``""`` -> ``-1``."""
        if not name:
            return NO_MODEL
        mid = self._model_index.get(name)
        if mid is None:
            mid = len(self.model_names)
            self.model_names.append(name)
            self._model_index[name] = mid
        return mid

    def allowed_ids(self, models: Iterable[str]) -> IntArray:
        """Model ids of allowed model names for :func:`can_host_rows` (empty = any model).

        Names no node has map to ``-2`` so that a constraint naming only unknown models still
        matches nothing (rather than becoming "any").
        """
        ids = [self._model_index.get(m, UNKNOWN_MODEL) for m in models]
        return np.array(ids, dtype=np.int64)

    def add_node(self, name_index: int, gpu_count: int, model: str | None) -> int:
        """Append a node with ``gpu_count`` fully free GPUs of ``model``; returns its row.

        ``name_index`` is the node's row and must be the next one (nodes are added in order).
        """
        if name_index != self._n:
            raise ValueError(f"nodes are added in order: expected index {self._n}, got {name_index}")
        if gpu_count < 0:
            raise ValueError(f"gpu_count must be >= 0, got {gpu_count}")
        rows, cols = self._free.shape
        if self._n == rows or gpu_count > cols:
            new_rows = max(8, 2 * rows) if self._n == rows else rows
            new = np.full((new_rows, max(cols, gpu_count)), -1, dtype=np.int64)
            new[:rows, :cols] = self._free
            self._free = new
            models = np.full(new.shape[0], NO_MODEL, dtype=np.int64)
            models[: self._models.shape[0]] = self._models
            self._models = models
        row = self._n
        self._free[row, :gpu_count] = MILLI
        self._models[row] = self.model_id(model) if gpu_count > 0 else NO_MODEL
        self._gmax = max(self._gmax, gpu_count)
        self._n += 1
        return row

    def _row(self, node: int) -> IntArray:
        if not 0 <= node < self._n:
            raise IndexError(f"node {node} out of range for {self._n} nodes")
        return self._free[node, : self._gmax]

    # --- queries ----------------------------------------------------------------------------------

    def can_host(self, node: int, d: int, k: int, models: Sequence[str] = ()) -> bool:
        """Whether ``node`` passes the Open-Gpu-Share filter for a task ``(d, k, models)``.

        Mirrors [K:pkg/simulator/plugin/open_gpu_share.go:81] with
        [K:pkg/type/open-gpu-share/cache/gpunodeinfo.go:132]: CPU-only tasks pass; a GPU task
        needs an allowed model (empty = any) and at least k GPUs with ``R >= d``.
        """
        check_task(d, k)
        r = self._row(node)
        if k == 0:
            return True
        if models and (self._models[node] == NO_MODEL or self.model_names[self._models[node]] not in models):
            return False
        return int(np.count_nonzero(r >= d)) >= k

    def fitting_gpus(self, node: int, d: int) -> IntArray:
        """Indices (ascending) of the GPUs of ``node`` with ``R >= d``."""
        if not 1 <= d <= MILLI:
            raise ValueError(f"d must be in 1..{MILLI}, got {d}")
        return np.flatnonzero(self._row(node) >= d).astype(np.int64)

    def best_gpu(self, node: int, d: int) -> int:
        """The "best" GPU for a sharing task: smallest ``R >= d``, lowest index on ties.

        Mirrors the default GPU selection of [K:pkg/simulator/plugin/open_gpu_share.go:268-325].
        Raises ValueError when no GPU has ``R >= d``.
        """
        fit = self.fitting_gpus(node, d)
        if fit.size == 0:
            raise ValueError(f"node {node} has no GPU with {d} milli-GPU left")
        r = self._row(node)[fit]
        return int(fit[int(np.argmin(r))])  # argmin returns the first minimum

    # --- updates ----------------------------------------------------------------------------------

    def allocate(self, node: int, d: int, k: int, gpu: int | None = None) -> tuple[int, ...]:
        """Take ``d`` milli-GPU on each of k GPUs of ``node``; returns the GPU indices.

        Whole-GPU tasks (d = 1000) get the k lowest-index fully free GPUs
        [K:pkg/type/resource.go:348]; a sharing task gets ``gpu`` if given, else
        :meth:`best_gpu`. CPU-only tasks (k = 0) take nothing. Raises ValueError when the node
        cannot host the task (or ``gpu`` lacks ``d``) and leaves the ledger unchanged.
        """
        check_task(d, k)
        r = self._row(node)
        if k == 0:
            if gpu is not None:
                raise ValueError("a CPU-only task takes no GPU")
            return ()
        if gpu is not None:
            if k != 1:
                raise ValueError(f"a GPU index can only be given for a 1-GPU task, got k {k}")
            if not 0 <= gpu < self._gmax or r[gpu] < d:
                raise ValueError(f"GPU {gpu} of node {node} cannot host {d} milli-GPU")
            chosen: tuple[int, ...] = (gpu,)
        elif d == MILLI:
            full = np.flatnonzero(r == MILLI)
            if full.size < k:
                raise ValueError(f"node {node} has {full.size} fully free GPUs, {k} needed")
            chosen = tuple(int(g) for g in full[:k])
        else:
            chosen = (self.best_gpu(node, d),)
        for g in chosen:
            r[g] -= d
        return chosen

    def release(self, node: int, gpus: Iterable[int], d: int) -> None:
        """Give back ``d`` milli-GPU on each of ``gpus`` of ``node`` (undo :meth:`allocate`).

        Raises ValueError (ledger unchanged) for an absent GPU or if a GPU would exceed 1000.
        """
        r = self._row(node)
        idx = [int(g) for g in gpus]
        if d < 0:
            raise ValueError(f"d must be >= 0, got {d}")
        if len(set(idx)) != len(idx):
            raise ValueError(f"duplicate GPUs in {idx}")
        for g in idx:
            if not 0 <= g < self._gmax or r[g] < 0:
                raise ValueError(f"node {node} has no GPU {g}")
            if r[g] + d > MILLI:
                raise ValueError(f"GPU {g} of node {node} would exceed {MILLI} milli-GPU")
        for g in idx:
            r[g] += d

    def can_host_many(self, rows: IntArray | Sequence[int], d: int, k: int,
                      models: Sequence[str] = ()) -> BoolArray:
        """:meth:`can_host` for many nodes at once, via :func:`can_host_rows`."""
        check_task(d, k)
        rows_a = np.ascontiguousarray(rows, dtype=np.int64)
        if rows_a.size and (rows_a.min() < 0 or rows_a.max() >= self._n):
            raise IndexError(f"rows out of range for {self._n} nodes")
        return can_host_rows(np.ascontiguousarray(self.free), rows_a, d, k,
                             np.ascontiguousarray(self.model_ids), self.allowed_ids(models))


@njit(cache=True)
def can_host_rows(free, rows, d, k, model_ids, allowed_model_ids):  # pragma: no cover
    """bool[len(rows)]: the Open-Gpu-Share filter for task ``(d, k)`` on each node in ``rows``.

    Same rule as :meth:`GpuLedger.can_host` [K:pkg/type/open-gpu-share/cache/gpunodeinfo.go:132]:
    k = 0 passes; else the node's model must be in ``allowed_model_ids`` (empty = any; a node
    with model id -1 matches no constraint) and at least k GPUs must have ``R >= d`` (padding
    ``-1`` never fits, so a node without GPUs never hosts a GPU task).
    """
    out = np.zeros(rows.shape[0], dtype=np.bool_)
    for i in range(rows.shape[0]):
        n = rows[i]
        if k == 0:
            out[i] = True
            continue
        if allowed_model_ids.shape[0] > 0:
            mid = model_ids[n]
            ok = False
            if mid >= 0:
                for j in range(allowed_model_ids.shape[0]):
                    if allowed_model_ids[j] == mid:
                        ok = True
                        break
            if not ok:
                continue
        fits = 0
        for g in range(free.shape[1]):
            if free[n, g] >= d:
                fits += 1
        out[i] = fits >= k
    return out
