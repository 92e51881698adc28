"""pickOneNodeForPreemption, and the FitError a preemption without candidates reports."""

from __future__ import annotations

from collections import Counter

import numpy as np

from kbench.scheduler.preemption.dry_run import DryRun

NOT_HELPFUL = "Preemption is not helpful for scheduling"
"""The status of nodes the dry run did not check (SetAbsentNodesStatus)."""


def pick_one(dr: DryRun) -> int:
    """Index of the chosen candidate: fewest PDB violations, then the lowest highest-victim
    priority, the smallest sum of (priority + 2^31), the fewest victims, the latest earliest start
    of the highest-priority victims; then the first in candidate order."""
    keys = (np.arange(dr.n_candidates), -dr.earliest, dr.counts, dr.sums, dr.highest, dr.violations)
    return int(np.lexsort(keys)[0])


def fit_error(n_nodes: int, dr: DryRun | None) -> str:
    """FitError.Error() for the dry run's node statuses, nodes it did not check counted as
    "Preemption is not helpful for scheduling"."""
    reasons: Counter[str] = Counter() if dr is None else Counter(dr.reasons)
    absent = n_nodes - (0 if dr is None else dr.n_statuses)
    if absent > 0:
        reasons[NOT_HELPFUL] += absent
    histogram = sorted(f"{n} {r}" for r, n in reasons.items())
    msg = f"0/{n_nodes} nodes are available:"
    if histogram:
        msg += " " + ", ".join(histogram) + "."
    return msg


def aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(errs).Error(): one message, or "[a, b]" (duplicates dropped)."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
