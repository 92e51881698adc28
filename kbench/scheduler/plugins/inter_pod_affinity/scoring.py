"""InterPodAffinity PreScore, Score and NormalizeScore.

Mirrors pkg/scheduler/framework/plugins/interpodaffinity/scoring.go. Go's scoreMap
(topology key -> value -> score) becomes one int64 array per topology column over the key's value
ids. The incoming pod's preferred terms are matched against all bound pods through
``ClusterState.pod_counts``; bound pods' own terms (required affinity at hardPodAffinityWeight,
preferred affinity and anti-affinity) are matched against the incoming pod once per group of pods
with identical terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import MAX_NODE_SCORE, SKIP, SUCCESS, Code, CycleState, PodInfo, Status
from kbench.scheduler.plugins.inter_pod_affinity.terms import (
    NAME,
    add_domain_values,
    domain_sum,
    existing_pods,
    incoming_terms,
    topology_column,
)

PRE_SCORE_KEY = "PreScore" + NAME


@dataclass(frozen=True)
class PreScoreState:
    """preScoreState.topologyScore: per topology column, the score of each of its value ids."""

    columns: tuple[int, ...]
    scores: tuple[np.ndarray, ...]


class _ScoreMap:
    """scoreMap under construction; ``touched`` is Go's len(topoScore) > 0 (an entry exists, even of 0)."""

    def __init__(self, cluster: ClusterState) -> None:
        self.cluster = cluster
        self.by_col: dict[int, np.ndarray] = {}

    def add(self, key: str, vals_of: np.ndarray | None, per_node: np.ndarray, weight: int) -> None:
        """Mirrors processTerm for matched pods: ``per_node[i]`` matching pods sit on node ``vals_of[i]``
        (a row index array, or None for all nodes), each adding ``weight`` to its node's domain."""
        cluster = self.cluster
        col = topology_column(cluster, key)
        if col < 0:
            return
        vals = cluster.label_val[: cluster.n_nodes, col] if vals_of is None else cluster.label_val[vals_of, col]
        if not ((vals >= 0) & (per_node > 0)).any():
            return
        dom = self.by_col.get(col)
        if dom is None:
            dom = self.by_col[col] = np.zeros(cluster.labels.n_values(col), np.int64)
        domain_sum(vals, per_node.astype(np.int64) * weight, dom)

    def state(self) -> PreScoreState:
        return PreScoreState(tuple(self.by_col), tuple(self.by_col.values()))


def _has_preferred(pi: PodInfo) -> bool:
    """hasPreferredAffinityConstraints || hasPreferredAntiAffinityConstraints."""
    a = pi.pod.spec.affinity
    if a is None:
        return False
    return bool(
        (a.pod_affinity and a.pod_affinity.preferred_during_scheduling_ignored_during_execution)
        or (a.pod_anti_affinity and a.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution)
    )


def pre_score(state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
              hard_pod_affinity_weight: int, ignore_preferred_terms_of_existing_pods: bool) -> Status:
    """Mirrors PreScore, including its Skips: no nodes, nothing to score, or no topology score at all."""
    if len(idx) == 0:
        return SKIP
    has_constraints = _has_preferred(pi)
    if ignore_preferred_terms_of_existing_pods and not has_constraints:
        return SKIP
    a = pi.pod.spec.affinity
    if a is not None and (a.pod_affinity is not None or a.pod_anti_affinity is not None):
        err = incoming_terms(pi, cluster).parse_error
        if err is not None:
            return Status.of(Code.ERROR, f"failed to parse pod: {err}")
    if not has_constraints and not cluster.affinity_pods:
        return SKIP

    topo = _ScoreMap(cluster)
    pod = pi.pod
    n = cluster.n_nodes
    if has_constraints:
        terms = incoming_terms(pi, cluster)
        for t, w in terms.preferred_affinity:
            topo.add(t.topology_key, None, cluster.pod_counts(t.pods)[:n], w)
        for t, w in terms.preferred_anti_affinity:
            topo.add(t.topology_key, None, cluster.pod_counts(t.pods)[:n], -w)

    ns, labels = pod.namespace, pod.metadata.labels
    ns_labels = cluster.namespace_labels(ns)
    for group in existing_pods(cluster).groups.values():
        g = group.terms
        hits: list[tuple[str, int]] = []
        if hard_pod_affinity_weight > 0:
            hits += [(t.topology_key, hard_pod_affinity_weight) for t in g.required_affinity if t.matches(ns, labels, ns_labels)]
        hits += [(w.term.topology_key, w.weight) for w in g.preferred_affinity if w.term.matches(ns, labels, ns_labels)]
        hits += [(w.term.topology_key, -w.weight) for w in g.preferred_anti_affinity if w.term.matches(ns, labels, ns_labels)]
        if hits:
            rows, cnt = group.arrays()
            for key, w in hits:
                topo.add(key, rows, cnt, w)

    if not topo.by_col:
        return SKIP
    state.write(PRE_SCORE_KEY, topo.state())
    return SUCCESS


def _pre_score_state(state: CycleState) -> PreScoreState:
    """getPreScoreState: StateError if PreScore did not write it."""
    return state.read(PRE_SCORE_KEY, PreScoreState)


def score(state: CycleState, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
    """Mirrors Score: the sum over topology keys the node has of its domain's score."""
    s = _pre_score_state(state)
    out = np.zeros(len(idx), np.int64)
    for col, dom in zip(s.columns, s.scores):
        add_domain_values(idx, cluster.label_val, col, dom, out)
    return out


def normalize(state: CycleState, scores: np.ndarray) -> None:
    """Mirrors NormalizeScore: float64(MaxNodeScore) * (float64(s-min) / float64(max-min)), truncated;
    all 0 when max == min; untouched when the topology score is empty."""
    s = _pre_score_state(state)
    if not s.columns or len(scores) == 0:
        return
    lo, hi = int(scores.min()), int(scores.max())
    diff = hi - lo
    if diff <= 0:
        scores[:] = 0
        return
    scores[:] = (float(MAX_NODE_SCORE) * ((scores - lo).astype(np.float64) / float(diff))).astype(np.int64)
