"""Small Numba kernels of the cycle's book-keeping (counting feasible nodes, summing weighted
scores, picking the best), so a cycle's Python overhead does not grow with the node count."""

from __future__ import annotations

import numpy as np
from numba import njit

from kbench.scheduler.framework import MAX_NODE_SCORE


@njit(cache=True)
def first_feasible(failed_by, need):  # pragma: no cover
    """(feasible count up to the cut, cut position): the cut is just after the ``need``-th feasible
    row, or the end of the chunk if it has fewer."""
    found = 0
    for k in range(len(failed_by)):
        if failed_by[k] < 0:
            found += 1
            if found == need:
                return found, k + 1
    return found, len(failed_by)


@njit(cache=True)
def feasible_rows(rows, failed_by, n_feasible):  # pragma: no cover
    """The rows that passed every filter, in order."""
    out = np.empty(n_feasible, np.int64)
    j = 0
    for k in range(len(rows)):
        if failed_by[k] < 0:
            out[j] = rows[k]
            j += 1
    return out


@njit(cache=True)
def accumulate(totals, scores, weight):  # pragma: no cover
    """totals += weight * scores; False if a score is outside [0, MaxNodeScore] (kube-scheduler
    rejects such a plugin result)."""
    ok = True
    for k in range(len(scores)):
        s = scores[k]
        if s < 0 or s > MAX_NODE_SCORE:
            ok = False
        totals[k] += weight * s
    return ok


@njit(cache=True)
def best(totals):  # pragma: no cover
    """(index of the first highest total, how many rows share it)."""
    top = totals[0]
    first = 0
    count = 1
    for k in range(1, len(totals)):
        t = totals[k]
        if t > top:
            top = t
            first = k
            count = 1
        elif t == top:
            count += 1
    return first, count


@njit(cache=True)
def nth_best(totals, n):  # pragma: no cover
    """Index of the n-th (0-based) row sharing the highest total."""
    top = totals.max()
    seen = 0
    for k in range(len(totals)):
        if totals[k] == top:
            if seen == n:
                return k
            seen += 1
    return -1
