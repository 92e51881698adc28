"""What DryRunPreemption finds, and its stopping rule, shared by the generic and the fast search.

Nodes are checked in walk order. A node whose victims break no PDB is a non-violating candidate,
otherwise a violating one; each list keeps at most ``num_candidates`` (kube's candidateList drops
the rest). The search stops once there is a non-violating candidate and the two lists together
hold ``num_candidates``. Candidates come out non-violating first, each list in discovery order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kbench.cluster.state import PodRecord
from kbench.scheduler.preemption.priority import PRIORITY_OFFSET, earliest_start_of_highest, pod_priority

NO_VICTIMS = "No preemption victims found for incoming pod"


@dataclass
class DryRun:
    """Candidates with the numbers pickOneNodeForPreemption compares, and the statuses of the
    nodes that gave none (the reason histogram a FitError reports)."""

    rows: np.ndarray
    violations: np.ndarray
    highest: np.ndarray
    """Priority of the most important victim."""
    sums: np.ndarray
    """Sum over victims of priority + 2^31."""
    counts: np.ndarray
    earliest: np.ndarray
    """Earliest start time among the victims of the highest priority."""
    victims_of: Callable[[int], list[PodRecord]]
    """Victims of candidate i, most important first."""
    reasons: Counter[str] = field(default_factory=Counter)
    n_statuses: int = 0
    """Nodes checked that gave no candidate (their statuses are explicit in kube's NodeToStatus)."""
    errors: list[str] = field(default_factory=list)

    @property
    def n_candidates(self) -> int:
        return len(self.rows)


class CandidateLists:
    """The two bounded candidate lists and the stopping rule of DryRunPreemption."""

    def __init__(self, num_candidates: int) -> None:
        self.cap = num_candidates
        self.non_violating: list[int] = []
        self.violating: list[int] = []

    def add(self, key: int, violating: bool) -> None:
        lst = self.violating if violating else self.non_violating
        if len(lst) < self.cap:
            lst.append(key)

    @property
    def done(self) -> bool:
        return len(self.non_violating) > 0 and len(self.non_violating) + len(self.violating) >= self.cap

    def ordered(self) -> list[int]:
        return self.non_violating + self.violating


def dry_run_of(rows: Sequence[int], victims: Sequence[list[PodRecord]], violations: Sequence[int],
               reasons: Counter[str], n_statuses: int, errors: list[str]) -> DryRun:
    """A DryRun from candidates given as victim lists (the generic search)."""
    vs = list(victims)
    return DryRun(
        rows=np.array(rows, np.int64),
        violations=np.array(violations, np.int64),
        highest=np.array([pod_priority(v[0].pod) for v in vs], np.int64),
        sums=np.array([sum(pod_priority(r.pod) + PRIORITY_OFFSET for r in v) for v in vs], np.int64),
        counts=np.array([len(v) for v in vs], np.int64),
        earliest=np.array([earliest_start_of_highest(v) for v in vs], np.float64),
        victims_of=lambda i: vs[i],
        reasons=reasons,
        n_statuses=n_statuses,
        errors=errors,
    )
