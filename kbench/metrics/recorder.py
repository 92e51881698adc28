"""The timeseries recorder: samples the simulated cluster every interval for timeseries.parquet,
and keeps each node's peak allocation for nodes.parquet.

It reads the scheduler's cache (allocation, queue lengths) and counts what the cache does not
hold (terminating pods, nodes not Ready) from the scheduler's informers, so sampling costs the
same whatever the cluster's size. With a target workload M (the typical task types of the run's
pod table, FGD.md §2) it also samples the GPU fragmentation ratio F(M) / idle GPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.gpu.target import TargetWorkload, frag_ratio
from kbench.sim.scheduler import SchedulerProcess
from kbench.sim.workload import GPU_MILLI


def node_ready(node: Node) -> bool:
    """The node's Ready condition is True (a node reporting no conditions counts as Ready)."""
    conditions = node.status.conditions or []
    for c in conditions:
        if c.get("type") == "Ready":
            return bool(c.get("status") == "True")
    return True


@dataclass
class Recorder:
    """Samples the cluster every ``interval`` simulated seconds."""

    sched: SchedulerProcess
    interval: float
    target: TargetWorkload | None = None
    """M of ``gpu_frag_ratio``; None leaves the column null (a workload that is no pod table)."""
    rows: list[dict[str, Any]] = field(default_factory=list)
    peak: dict[str, np.ndarray] = field(default_factory=dict)
    """Node name -> highest requested (cpu, memory) seen at a sample (see ``peaks``)."""
    _rows: np.ndarray | None = None
    _row_names: list[str] = field(default_factory=list)
    terminating: int = 0
    not_ready: int = 0
    _frag: tuple[int, float | None] = (-1, None)
    """(cluster version, gpu_frag_ratio) of the last computation: unchanged clusters reuse it."""

    def __post_init__(self) -> None:
        self.sched.pods.add_handlers(on_update=self._pod_updated, on_delete=self._pod_deleted)
        self.sched.nodes.add_handlers(on_add=lambda n: self._node_changed(None, n),
                                      on_update=self._node_changed, on_delete=lambda n: self._node_changed(n, None))

    def _pod_updated(self, old: Pod, new: Pod) -> None:
        if old.metadata.deletion_timestamp is None and new.metadata.deletion_timestamp is not None:
            self.terminating += 1

    def _pod_deleted(self, pod: Pod) -> None:
        if pod.metadata.deletion_timestamp is not None:
            self.terminating -= 1

    def _node_changed(self, old: Node | None, new: Node | None) -> None:
        self.not_ready += int(new is not None and not node_ready(new)) - int(old is not None and not node_ready(old))

    def start(self) -> None:
        self.sched.engine.schedule(0.0, self._sample)

    def sample_now(self) -> None:
        c = self.sched.cluster
        n = c.n_nodes
        req, alloc = c.requested[:n], c.alloc[:n]
        if self._row_names != c.node_names:  # nodes joined or left: fold the rows into names first
            self._fold()
            self._row_names = list(c.node_names)
            self._rows = np.array([self.peak.get(name, np.zeros(2, np.int64)) for name in self._row_names],
                                  np.int64).reshape(n, 2)
        assert self._rows is not None
        np.maximum(self._rows, req[:, :2], out=self._rows)
        lengths = self.sched.queue.lengths()

        def ratio(name: str) -> float | None:
            col = c.resources.get(name)
            if col < 0 or alloc[:, col].sum() == 0:
                return None
            return float(req[:, col].sum() / alloc[:, col].sum())

        api = self.sched.api
        unavailable = sum(d.status.unavailable_replicas for d in api.list("Deployment")[0])  # type: ignore[attr-defined]
        self.rows.append({
            "time": self.sched.engine.now,
            "pending": int(lengths.active + lengths.backoff + lengths.unschedulable + lengths.in_flight),
            "running": len(c.pods),
            "alloc_cpu": ratio("cpu") or 0.0,
            "alloc_memory": ratio("memory") or 0.0,
            "alloc_gpu": ratio(GPU_MILLI),
            "gpu_frag_ratio": self._frag_ratio(),
            "etcd_revision": api.store.revision,
            "etcd_keys": api.store.key_count,
            "terminating": self.terminating,
            "unavailable_replicas": unavailable,
            "nodes_not_ready": self.not_ready,
        })

    def _frag_ratio(self) -> float | None:
        """The cluster's FGD frag ratio for ``target`` (None without one), recomputed only when the
        cluster changed since the last sample."""
        c = self.sched.cluster
        if self.target is None:
            return None
        if self._frag[0] != c.version:
            self._frag = (c.version, frag_ratio(c, self.target))
        return self._frag[1]

    def _fold(self) -> None:
        if self._rows is not None:
            for name, row in zip(self._row_names, self._rows, strict=True):
                self.peak[name] = row.copy()

    def peaks(self) -> dict[str, np.ndarray]:
        """Node name -> highest requested (cpu, memory) at any sample, for every node ever seen."""
        self._fold()
        return self.peak

    def _sample(self) -> None:
        self.sample_now()
        self.sched.engine.schedule(self.interval, self._sample)
