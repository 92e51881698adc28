"""filterPodsWithPDBViolation: which victims would break a PodDisruptionBudget.

A PDB covers a pod of its namespace that its (non-empty) selector matches; a pod with no labels
is skipped, and so is a pod the PDB already lists in ``disruptedPods``. Evicting a covered pod
uses one of the PDB's ``disruptionsAllowed``; a pod that takes some PDB below zero is violating.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kbench.api.policy import PDBView
from kbench.cluster.state import ClusterState, PodRecord


def covers(pdb: PDBView, rec: PodRecord) -> bool:
    """The PDB counts an eviction of this pod (labels present, matched, not already disrupted)."""
    labels = rec.labels
    return bool(labels) and pdb.matches(rec.namespace, labels) and rec.pod.metadata.name not in pdb.disrupted_pods


def split_violating(victims: Sequence[PodRecord], pdbs: Sequence[PDBView]) -> tuple[list[PodRecord], list[PodRecord]]:
    """(violating, non-violating), each keeping the order of ``victims``."""
    allowed = [p.disruptions_allowed for p in pdbs]
    violating: list[PodRecord] = []
    other: list[PodRecord] = []
    for rec in victims:
        violated = False
        for i, pdb in enumerate(pdbs):
            if covers(pdb, rec):
                allowed[i] -= 1
                violated |= allowed[i] < 0
        (violating if violated else other).append(rec)
    return violating, other


MEMO_LIMIT = 256
"""PDB selectors whose per-slot coverage the pod table keeps (the oldest is dropped beyond)."""


def _selected(cluster: ClusterState, pdb: PDBView) -> np.ndarray:
    """Per pod-table slot: the PDB's namespace and selector cover the pod (disruptedPods aside).
    Cached in the table's memo per (namespace, selector); only slots taken or freed since are
    looked at again."""
    table = cluster.pod_table
    size = table.size
    key = ("pdb", pdb.namespace, pdb.selector)
    gen, match = table.memo.pop(key, (np.zeros(0, np.int64), np.zeros(0, np.bool_)))
    if len(gen) < size:
        gen = np.concatenate((gen, np.full(size - len(gen), -1, np.int64)))
        match = np.concatenate((match, np.zeros(size - len(match), np.bool_)))
    records = table.records
    for s in np.flatnonzero(gen[:size] != table.gen[:size]).tolist():
        rec = records[s]
        match[s] = rec is not None and bool(rec.labels) and pdb.matches(rec.namespace, rec.labels)
    gen[:size] = table.gen[:size]
    if len(table.memo) >= MEMO_LIMIT:
        del table.memo[next(iter(table.memo))]
    table.memo[key] = (gen, match)
    return match[:size]


def slot_pdbs(cluster: ClusterState, pdbs: Sequence[PDBView]) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, idx): for pod-table slot s, ``idx[ptr[s]:ptr[s + 1]]`` are the PDBs covering its pod
    (:func:`covers`), in PDB order."""
    table = cluster.pod_table
    size = table.size
    slots: list[np.ndarray] = []
    which: list[np.ndarray] = []
    for i, pdb in enumerate(pdbs):
        if pdb.selector.nothing or pdb.selector.empty:
            continue
        covered = _selected(cluster, pdb).copy()
        for name in pdb.disrupted_pods:
            s = table.by_name.get((pdb.namespace, name))
            if s is not None:
                covered[s] = False
        hit = np.flatnonzero(covered)
        slots.append(hit)
        which.append(np.full(len(hit), i, np.int64))
    if not slots:
        return np.zeros(size + 1, np.int64), np.zeros(0, np.int64)
    all_slots = np.concatenate(slots)
    order = np.argsort(all_slots, kind="stable")
    ptr = np.zeros(size + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(all_slots, minlength=size))
    return ptr, np.concatenate(which)[order]
