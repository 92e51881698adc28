"""Bound pods as rows ("slots") of columnar arrays, for kernels that scan pods rather than nodes.

Each bound pod holds one slot: its node row, priority (``spec.priority``, 0 when unset), start
time, binding sequence number and the amounts it adds to its node's ``requested`` row (the pods
column included). A removed pod's slot is marked free (node -1) and reused by the next pod, so
the table stays as large as the most pods ever bound at once. :class:`ClusterState` keeps it
current in ``add_pod``/``remove_pod``; DefaultPreemption's victim search reads it.

Readers may cache facts they derive per slot from a bound pod (whether a PDB selects it, say) in
``memo``, checked against ``gen``: a slot gets a new generation whenever it is taken or freed.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class PodTable:
    """Slots of bound pods: ``node``, ``priority``, ``start``, ``seq`` and ``req`` arrays."""

    def __init__(self, capacity: int = 64, n_cols: int = 8) -> None:
        cap = max(capacity, 8)
        self.node = np.full(cap, -1, np.int64)
        """Node row per slot; -1 for a free slot."""
        self.priority = np.zeros(cap, np.int64)
        self.start = np.zeros(cap, np.float64)
        self.seq = np.zeros(cap, np.int64)
        """Binding sequence number: orders pods bound to a node as kube-scheduler's NodeInfo lists them."""
        self.req = np.zeros((cap, n_cols), np.int64)
        """Per slot and resource column, what the pod adds to ``ClusterState.requested``."""
        self.gen = np.zeros(cap, np.int64)
        """Generation of each slot: changes whenever the slot is taken or freed."""
        self.records: list[Any] = [None] * cap
        """The PodRecord holding each slot (None when free)."""
        self.by_name: dict[tuple[str, str], int] = {}
        """(namespace, name) -> slot of the bound pod of that name."""
        self.memo: dict[object, Any] = {}
        """Readers' per-slot caches, validated against ``gen``."""
        self.size = 0
        """Slots ever used: every live slot is below it."""
        self._free: list[int] = []
        self._gen = 0

    @property
    def capacity(self) -> int:
        return len(self.node)

    def _grow(self, rows: int, cols: int) -> None:
        if rows > self.capacity:
            cap = max(rows, 2 * self.capacity)
            for name, fill in (("node", -1), ("priority", 0), ("start", 0), ("seq", 0), ("gen", 0)):
                old = getattr(self, name)
                new = np.full(cap, fill, old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
            self.records.extend([None] * (cap - len(self.records)))
        if rows > self.req.shape[0] or cols > self.req.shape[1]:
            new_req = np.zeros((max(rows, self.req.shape[0], self.capacity), max(cols, self.req.shape[1])), np.int64)
            new_req[: self.req.shape[0], : self.req.shape[1]] = self.req
            self.req = new_req

    def add(self, rec: Any, node: int, priority: int, start: float, seq: int, req: dict[int, int], pods_col: int) -> int:
        """Give a bound pod a slot; ``req`` maps resource columns to its requests. Returns the slot."""
        slot = self._free.pop() if self._free else self.size
        need_cols = max(req, default=pods_col) + 1
        self._grow(slot + 1, max(need_cols, pods_col + 1))
        if slot == self.size:
            self.size += 1
        self.node[slot] = node
        self.priority[slot] = priority
        self.start[slot] = start
        self.seq[slot] = seq
        row = self.req[slot]
        row[:] = 0
        for col, v in req.items():
            row[col] += v
        row[pods_col] += 1
        self.records[slot] = rec
        self._gen += 1
        self.gen[slot] = self._gen
        self.by_name[(rec.pod.namespace, rec.pod.metadata.name)] = slot
        return slot

    def ensure_cols(self, n_cols: int) -> None:
        """Make ``req`` at least ``n_cols`` columns wide (resources interned after pods were bound)."""
        self._grow(0, n_cols)

    def remove(self, slot: int) -> None:
        """Free a slot."""
        rec = self.records[slot]
        key = (rec.pod.namespace, rec.pod.metadata.name)
        if self.by_name.get(key) == slot:
            del self.by_name[key]
        self.node[slot] = -1
        self.records[slot] = None
        self._gen += 1
        self.gen[slot] = self._gen
        self._free.append(slot)

    def shift_nodes_after(self, row: int) -> None:
        """Node ``row`` was removed: slots on later rows move up one."""
        live = self.node[: self.size]
        live[live > row] -= 1
