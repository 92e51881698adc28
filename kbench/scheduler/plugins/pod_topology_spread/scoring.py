"""PodTopologySpread PreScore, Score and NormalizeScore: soft (ScheduleAnyway) constraints.

Mirrors pkg/scheduler/framework/plugins/podtopologyspread/scoring.go. PreScore marks the
candidate domains (values of the filtered nodes; a node without the key counts as value ""),
the ignored nodes (filtered nodes missing a key, unless the constraints are the system defaults)
and sums the matching pods of every node of a candidate domain, filtered or not. Score adds
``cnt * ln(size+2) + (maxSkew-1)`` per constraint the node has the key of, the hostname key
counting the node's own pods; NormalizeScore maps to ``100 * (max+min-s) / max``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import MAX_NODE_SCORE
from kbench.scheduler.plugins.pod_topology_spread.common import Compiled, Constraint, node_pod_counts

PRE_SCORE_STATE_KEY = "PreScorePodTopologySpread"
"""preScoreStateKey."""

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_L1 = 6.666666666666735130e-01
_L2 = 3.999999999940941908e-01
_L3 = 2.857142874366239149e-01
_L4 = 2.222219843214978396e-01
_L5 = 1.818357216161805012e-01
_L6 = 1.531383769920937332e-01
_L7 = 1.479819860511658591e-01
_HSQRT2 = 7.07106781186547524401e-01


def go_log(x: float) -> float:
    """Go's math.Log on amd64 (math/log_amd64.s), operation by operation, for finite x > 0."""
    f1, ki = math.frexp(x)
    if f1 <= _HSQRT2:
        f1 *= 2.0
        ki -= 1
    f = f1 - 1.0
    k = float(ki)
    s = f / (2.0 + f)
    s2 = s * s
    s4 = s2 * s2
    t1 = s2 * (_L1 + s4 * (_L3 + s4 * (_L5 + s4 * _L7)))
    t2 = s4 * (_L2 + s4 * (_L4 + s4 * _L6))
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


@lru_cache(maxsize=65536)
def topology_normalizing_weight(size: int) -> float:
    """Mirrors topologyNormalizingWeight: math.Log(float64(size + 2))."""
    return go_log(float(size + 2))


@dataclass
class PreScoreState:
    """preScoreState: constraints, counts per candidate domain and weights.

    Domain ``d`` of constraint ``c`` lives at ``ptr[c] + d`` of ``candidate`` (the domain is a key
    of TopologyValueToPodCounts[c]) and ``counts``; ``d`` is the label value id, or ``empty_slot[c]``
    for nodes without the key. IgnoredNodes are the rows without ``has_all`` when ``require_all``.
    """

    constraints: tuple[Constraint, ...]
    cols: np.ndarray
    values: np.ndarray
    hostname: np.ndarray
    ptr: np.ndarray
    empty_slot: np.ndarray
    has_all: np.ndarray
    require_all: bool
    candidate: np.ndarray
    counts: np.ndarray
    topo_size: np.ndarray
    weights: np.ndarray
    skew1: np.ndarray
    node_counts: list[np.ndarray]
    scored_idx: np.ndarray | None = None

    def topology_value_to_pod_counts(self, cluster: ClusterState, c: int) -> dict[str, int]:
        """TopologyValueToPodCounts[c] with value strings (for tests and explanations)."""
        col = int(self.cols[c])
        lo, hi = int(self.ptr[c]), int(self.ptr[c + 1])
        values = cluster.labels.values[col].values if col >= 0 else []
        out: dict[str, int] = {}
        for d in range(hi - lo):
            if self.candidate[lo + d]:
                out[values[d] if d < len(values) else ""] = int(self.counts[lo + d])
        return out

    def ignored_nodes(self, cluster: ClusterState, idx: np.ndarray) -> set[str]:
        """IgnoredNodes among the rows ``idx`` (for tests and explanations)."""
        if not self.require_all:
            return set()
        return {cluster.node_names[int(r)] for r in idx if not self.has_all[r]}


@njit(cache=True)
def _num_ignored(idx, require_all, has_all):  # pragma: no cover
    """len(IgnoredNodes): the rows of ``idx`` missing some topology key, when ``require_all``."""
    num = 0
    if require_all:
        for k in range(len(idx)):
            if not has_all[idx[k]]:
                num += 1
    return num


@njit(cache=True)
def _domain_counts(idx, n, vals, empty_slot, lo, require_all, has_all, included, node_counts,
                   candidate, counts):  # pragma: no cover
    """initPreScoreState's candidate domains of one constraint (returns topoSize), then PreScore's
    processAllNode: each node's count goes to its domain if that is a candidate."""
    size = 0
    for k in range(len(idx)):
        row = idx[k]
        if require_all and not has_all[row]:
            continue
        v = vals[row]
        d = lo + (v if v >= 0 else empty_slot)
        if not candidate[d]:
            candidate[d] = True
            size += 1
    for row in range(n):
        if require_all and not has_all[row]:
            continue
        if not included[row]:
            continue
        v = vals[row]
        d = lo + (v if v >= 0 else empty_slot)
        if candidate[d]:
            counts[d] += node_counts[row]
    return size


def pre_score_state(cc: Compiled, namespace: str, require_all: bool, cluster: ClusterState,
                    idx: np.ndarray) -> PreScoreState:
    """Mirrors initPreScoreState and the counting of PreScore, for compiled constraints."""
    n = cluster.n_nodes
    k = len(cc.constraints)
    size = int(cc.score_ptr[-1])
    candidate = np.zeros(size, np.bool_)
    counts = np.zeros(size, np.int64)
    topo_size = np.zeros(k, np.int64)
    weights = np.zeros(k, np.float64)
    node_counts: list[np.ndarray] = []
    for i, c in enumerate(cc.constraints):
        per_node = node_pod_counts(cluster, namespace, c.selector)
        node_counts.append(per_node)
        if cc.hostname[i]:
            topo_size[i] = len(idx) - _num_ignored(idx, require_all, cc.has_all)
        else:
            topo_size[i] = _domain_counts(idx, n, cc.values[i], int(cc.empty_slot[i]),
                                          int(cc.score_ptr[i]), require_all, cc.has_all, cc.included[i], per_node,
                                          candidate, counts)
        weights[i] = topology_normalizing_weight(int(topo_size[i]))
    return PreScoreState(
        constraints=cc.constraints,
        cols=cc.cols,
        values=cc.values,
        hostname=cc.hostname,
        ptr=cc.score_ptr,
        empty_slot=cc.empty_slot,
        has_all=cc.has_all,
        require_all=require_all,
        candidate=candidate,
        counts=counts,
        topo_size=topo_size,
        weights=weights,
        skew1=(cc.max_skew - 1).astype(np.float64),
        node_counts=node_counts,
    )


@njit(cache=True)
def _add_constraint(idx, require_all, has_all, vals, hostname, node_counts, counts, lo, weight, skew1,
                    acc, last, out):  # pragma: no cover
    """score += scoreForCount(cnt, maxSkew, weight) where the node has the topology key (ignored
    nodes score 0); after the last constraint, int64(math.Round(score)), exactly: half away from
    zero, for scores >= 0."""
    for k in range(len(idx)):
        row = idx[k]
        if not (require_all and not has_all[row]):
            v = vals[row]
            if v >= 0:
                cnt = node_counts[row] if hostname else counts[lo + v]
                acc[k] += float(cnt) * weight + skew1
        if last:
            t = math.floor(acc[k])
            if acc[k] - t >= 0.5:
                t += 1.0
            out[k] = np.int64(t)


def score_rows(s: PreScoreState, idx: np.ndarray) -> np.ndarray:
    """Mirrors Score for the rows ``idx``; remembers them for NormalizeScore."""
    s.scored_idx = idx
    acc = np.zeros(len(idx), np.float64)
    out = np.zeros(len(idx), np.int64)
    last = len(s.constraints) - 1
    for i in range(len(s.constraints)):
        _add_constraint(idx, s.require_all, s.has_all, s.values[i], bool(s.hostname[i]),
                        s.node_counts[i], s.counts, int(s.ptr[i]), float(s.weights[i]), float(s.skew1[i]), acc,
                        i == last, out)
    return out


_EXACT = float(1 << 52)


@njit(cache=True)
def _normalize(scores, idx, require_all, has_all):  # pragma: no cover
    """NormalizeScore; the integer division is done by a float reciprocal and corrected to exact."""
    min_score = np.iinfo(np.int64).max
    max_score = 0
    for k in range(len(scores)):
        if require_all and not has_all[idx[k]]:
            continue
        if scores[k] < min_score:
            min_score = scores[k]
        if scores[k] > max_score:
            max_score = scores[k]
    inv = 1.0 / max_score if max_score > 0 else 0.0
    for k in range(len(scores)):
        if require_all and not has_all[idx[k]]:
            scores[k] = 0
        elif max_score == 0:
            scores[k] = MAX_NODE_SCORE
        else:
            x = MAX_NODE_SCORE * (max_score + min_score - scores[k])
            if x >= _EXACT:
                q = x // max_score
            else:
                q = np.int64(x * inv)
                while q * max_score > x:
                    q -= 1
                while (q + 1) * max_score <= x:
                    q += 1
            scores[k] = q


def normalize_scores(s: PreScoreState, scores: np.ndarray) -> None:
    """Mirrors NormalizeScore in place: ignored nodes 0, the others 100*(max+min-s)/max (100 if max is 0)."""
    idx = s.scored_idx
    if idx is None or len(idx) != len(scores):
        raise ValueError("NormalizeScore needs the scores of the last Score call")
    _normalize(scores, idx, s.require_all, s.has_all)
