"""The target workload M of FGD for a live cluster, and the cluster's fragmentation ratio.

M is a list of typical task types with their popularity (:func:`kbench.gpu.frag.typical_tasks`);
the kernels want it as arrays over the GPU model names of the cluster's ledger, which grow as
nodes join, so :class:`TargetWorkload` rebuilds them when the names change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.gpu.devices import GpuLedger
from kbench.gpu.frag import TaskArrays, TaskType, cluster_frag, task_arrays, typical_tasks
from kbench.traces.alibaba import load_pods


class TargetWorkload:
    """M as :class:`~kbench.gpu.frag.TaskArrays` over a ledger's model names (rebuilt when they change)."""

    def __init__(self, typical: Sequence[tuple[TaskType, float]]) -> None:
        self.typical = list(typical)
        self._names: list[str] | None = None
        self._arrays: TaskArrays | None = None

    @classmethod
    def load(cls, source: str) -> TargetWorkload:
        """M of a pod list name (``alibaba-gpu-v2023:default``) or pod CSV path."""
        return cls(typical_tasks(load_pods(source)))

    def arrays(self, ledger: GpuLedger) -> TaskArrays:
        if self._arrays is None or self._names != ledger.model_names:
            self._names = list(ledger.model_names)
            self._arrays = task_arrays(self.typical, self._names)
        return self._arrays


def frag_ratio(cluster: ClusterState, target: TargetWorkload) -> float | None:
    """``F(M) / sum_n IDLE_n`` (FGD.md §2, "frag ratio" as a fraction): the share of idle GPU that
    is fragment for M. None when the cluster has no GPU; 0.0 when none is idle."""
    ledger = cluster.gpus
    free = ledger.free
    if not (free >= 0).any():
        return None
    idle = int(free.clip(min=0).sum())
    if idle == 0:
        return 0.0
    frag = cluster_frag(cluster.cpu_left(), free, ledger.model_ids, target.arrays(ledger))
    return float(np.sum(frag) / idle)
