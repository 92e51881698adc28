"""Node selector terms compiled to flat arrays over interned label values, and their Numba matcher.

A requirement becomes (label column, an accept table over that key's value ids, whether a node
without the key passes). Terms are ORed; requirements in a term are ANDed. ``metadata.name``
field requirements use column -2 and a table over node rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.api.selectors import NodeTerm, Requirement, field_matches
from kbench.cluster.state import ClusterState

NAME_FIELD = -2


@dataclass(frozen=True)
class CompiledTerms:
    """ORed terms of ANDed requirements, as arrays a kernel can read.

    ``term_ptr[t]:term_ptr[t+1]`` are the requirements of term t; requirement q reads column
    ``key[q]`` and accepts value ids where ``tab[tab_ptr[q] + v]``; ``missing_ok[q]`` decides for
    nodes without the key. ``weight[t]`` is the term's weight (preferred terms) or 1.
    """

    term_ptr: np.ndarray
    key: np.ndarray
    tab_ptr: np.ndarray
    tab: np.ndarray
    missing_ok: np.ndarray
    weight: np.ndarray


def compile_terms(
    cluster: ClusterState, terms: Sequence[NodeTerm], weights: Sequence[int] | None = None
) -> CompiledTerms:
    """Compile ``terms`` against the cluster's current label interning."""
    term_ptr, keys, tab_ptr, missing = [0], [], [0], []
    tabs: list[np.ndarray] = []
    for t in terms:
        for r in t.labels:
            col, tab, miss = _label_table(cluster, r)
            keys.append(col)
            tabs.append(tab)
            tab_ptr.append(tab_ptr[-1] + len(tab))
            missing.append(miss)
        for r in t.fields:
            tab = np.array([field_matches(r, n) for n in cluster.node_names], np.bool_)
            keys.append(NAME_FIELD)
            tabs.append(tab)
            tab_ptr.append(tab_ptr[-1] + len(tab))
            missing.append(False)
        term_ptr.append(len(keys))
    w = list(weights) if weights is not None else [1] * len(terms)
    return CompiledTerms(
        term_ptr=np.array(term_ptr, np.int64),
        key=np.array(keys, np.int64),
        tab_ptr=np.array(tab_ptr, np.int64),
        tab=np.concatenate(tabs) if tabs else np.zeros(0, np.bool_),
        missing_ok=np.array(missing, np.bool_),
        weight=np.array(w, np.int64),
    )


def _label_table(cluster: ClusterState, r: Requirement) -> tuple[int, np.ndarray, bool]:
    col = cluster.labels.keys.get(r.key)
    missing_ok = r.matches({})
    if col < 0:
        return -1, np.zeros(0, np.bool_), missing_ok
    values = cluster.labels.values[col].values
    return col, np.array([r.matches({r.key: v}) for v in values], np.bool_), missing_ok


def compile_equalities(cluster: ClusterState, labels: dict[str, str]) -> CompiledTerms:
    """A nodeSelector map as one term of `key In (value)` requirements."""
    reqs = tuple(Requirement(k, "In", frozenset([v])) for k, v in sorted(labels.items()))
    return compile_terms(cluster, [NodeTerm(reqs, ())])


@njit(cache=True, inline="always")
def term_matches(ct_term_ptr, ct_key, ct_tab_ptr, ct_tab, ct_missing, label_val, row, t):  # pragma: no cover
    """True if node ``row`` satisfies every requirement of term ``t``."""
    for q in range(ct_term_ptr[t], ct_term_ptr[t + 1]):
        col = ct_key[q]
        if col == -2:
            if not ct_tab[ct_tab_ptr[q] + row]:
                return False
            continue
        v = label_val[row, col] if col >= 0 else -1
        if v < 0:
            if not ct_missing[q]:
                return False
        elif v >= ct_tab_ptr[q + 1] - ct_tab_ptr[q] or not ct_tab[ct_tab_ptr[q] + v]:
            return False
    return True


@njit(cache=True)
def any_term_matches(ct_term_ptr, ct_key, ct_tab_ptr, ct_tab, ct_missing, label_val, row):  # pragma: no cover
    """True if node ``row`` satisfies at least one term."""
    for t in range(len(ct_term_ptr) - 1):
        if term_matches(ct_term_ptr, ct_key, ct_tab_ptr, ct_tab, ct_missing, label_val, row, t):
            return True
    return False


@njit(cache=True)
def weighted_matches(ct_term_ptr, ct_key, ct_tab_ptr, ct_tab, ct_missing, ct_weight, label_val, idx, out):  # pragma: no cover
    """out[k] += sum of weights of the terms node ``idx[k]`` satisfies (preferred node affinity)."""
    for k in range(len(idx)):
        s = 0
        for t in range(len(ct_term_ptr) - 1):
            if term_matches(ct_term_ptr, ct_key, ct_tab_ptr, ct_tab, ct_missing, label_val, idx[k], t):
                s += ct_weight[t]
        out[k] += s
