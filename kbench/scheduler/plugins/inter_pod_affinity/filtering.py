"""InterPodAffinity PreFilter and Filter: required pod affinity, required anti-affinity, and bound pods'
required anti-affinity against the incoming pod (symmetry).

Mirrors pkg/scheduler/framework/plugins/interpodaffinity/filtering.go. Go's three
topologyToMatchedTermCount maps, keyed by (topology key, value), become per-column arrays over the
key's value ids: counts of matching bound pods come per node from ``ClusterState.pod_counts`` and
are summed per domain by a kernel. Filter's per-node checks are then evaluated for every node at
once, so PreFilter leaves one verdict code per node row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import SKIP, SUCCESS, Code, CycleState, PodInfo, Status
from kbench.scheduler.plugins.inter_pod_affinity.terms import (
    NAME,
    IncomingTerms,
    TermMatcher,
    domain_sum,
    existing_pods,
    incoming_terms,
    mark_positive_domains,
    topology_column,
)

PRE_FILTER_KEY = "PreFilter" + NAME
ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"

CODE_AFFINITY, CODE_ANTI_AFFINITY, CODE_EXISTING_ANTI_AFFINITY, CODE_PARSE_ERROR = 1, 2, 3, 4


@dataclass(frozen=True)
class PreFilterState:
    """preFilterState reduced to Filter's verdict: per node row, 0 or the code of the first failed check.

    ``version`` is the cluster version it was computed at; Filter recomputes it if the cluster
    changed since (as Go's AddPod/RemovePod update the state when preemption removes victims).
    """

    codes: np.ndarray
    version: int


def _positive_domains(cluster: ClusterState, col: int, per_node: np.ndarray) -> np.ndarray:
    """Per-domain totals (over the value ids of column ``col``) of a per-node count array."""
    dom = np.zeros(cluster.labels.n_values(col), np.int64)
    domain_sum(cluster.label_val[: cluster.n_nodes, col], per_node, dom)
    return dom


def _mark(cluster: ClusterState, col: int, dom: np.ndarray, out: np.ndarray) -> None:
    mark_positive_domains(cluster.label_val[: cluster.n_nodes, col], dom, out)


def existing_anti_affinity_counts(pi: PodInfo, cluster: ClusterState) -> dict[int, np.ndarray]:
    """Mirrors getExistingAntiAffinityCounts: per topology column, the number of bound pods' required
    anti-affinity terms matching the incoming pod in each domain (columns with no match left out)."""
    pod = pi.pod
    ns, labels = pod.namespace, pod.metadata.labels
    ns_labels = cluster.namespace_labels(ns)
    out: dict[int, np.ndarray] = {}
    for group in existing_pods(cluster).groups.values():
        hits = [t for t in group.terms.required_anti_affinity if t.matches(ns, labels, ns_labels)]
        if not hits:
            continue
        rows, cnt = group.arrays()
        for t in hits:
            col = topology_column(cluster, t.topology_key)
            if col < 0:
                continue
            vals = cluster.label_val[rows, col]
            if not (vals >= 0).any():
                continue
            dom = out.get(col)
            if dom is None:
                dom = out[col] = np.zeros(cluster.labels.n_values(col), np.int64)
            domain_sum(vals, cnt, dom)
    return out


def _affinity_fails(terms: IncomingTerms, pi: PodInfo, cluster: ClusterState) -> np.ndarray:
    """Mirrors satisfyPodAffinity for every node: True where it fails."""
    n = cluster.n_nodes
    has_all_keys = np.ones(n, np.bool_)
    pods_exist = np.ones(n, np.bool_)
    any_count = False
    matching = cluster.pod_counts(terms.all_affinity)[:n]
    for key in dict.fromkeys(t.topology_key for t in terms.required_affinity):
        col = topology_column(cluster, key)
        if col < 0:
            has_all_keys[:] = False
            continue
        has_all_keys &= cluster.label_val[:n, col] >= 0
        dom = _positive_domains(cluster, col, matching)
        any_count = any_count or bool(dom.any())
        exists = np.zeros(n, np.bool_)
        _mark(cluster, col, dom, exists)
        pods_exist &= exists
    first_of_group = not any_count and terms.all_affinity.matches_pod(pi.pod.namespace, pi.pod.metadata.labels)
    return ~(has_all_keys & (pods_exist | first_of_group))


def _by_key(terms: tuple[TermMatcher, ...]) -> dict[str, list[TermMatcher]]:
    out: dict[str, list[TermMatcher]] = {}
    for t in terms:
        out.setdefault(t.topology_key, []).append(t)
    return out


def _anti_affinity_fails(terms: IncomingTerms, cluster: ClusterState) -> np.ndarray:
    """Mirrors satisfyPodAntiAffinity for every node: True where a term's domain holds a matching pod."""
    n = cluster.n_nodes
    fails = np.zeros(n, np.bool_)
    for key, ts in _by_key(terms.required_anti_affinity).items():
        col = topology_column(cluster, key)
        if col < 0:
            continue
        per_node = np.zeros(n, np.int64)
        for t in ts:
            per_node += cluster.pod_counts(t.pods)[:n]
        _mark(cluster, col, _positive_domains(cluster, col, per_node), fails)
    return fails


def compute(pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterState | None]:
    """Mirrors PreFilter (including its Skip) and evaluates Filter's checks on every node."""
    a = pi.pod.spec.affinity
    has_terms = a is not None and (a.pod_affinity is not None or a.pod_anti_affinity is not None)
    if not has_terms and not cluster.anti_affinity_pods:
        return SKIP, None
    terms = incoming_terms(pi, cluster)
    if terms.parse_error is not None:
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, f"parsing pod: {terms.parse_error}"), None
    existing = existing_anti_affinity_counts(pi, cluster) if cluster.anti_affinity_pods else {}
    if not existing and not terms.required_affinity and not terms.required_anti_affinity:
        return SKIP, None
    n = cluster.n_nodes
    codes = np.zeros(n, np.int8)
    existing_fails = np.zeros(n, np.bool_)
    for col, dom in existing.items():
        _mark(cluster, col, dom, existing_fails)
    codes[existing_fails] = CODE_EXISTING_ANTI_AFFINITY
    if terms.required_anti_affinity:
        codes[_anti_affinity_fails(terms, cluster)] = CODE_ANTI_AFFINITY
    if terms.required_affinity:
        codes[_affinity_fails(terms, pi, cluster)] = CODE_AFFINITY
    return SUCCESS, PreFilterState(codes, cluster.version)


@njit(cache=True)
def _filter(idx, failed_by, codes, me, node_codes):  # pragma: no cover
    for k in range(len(idx)):
        if failed_by[k] < 0:
            c = node_codes[idx[k]]
            if c != 0:
                failed_by[k] = me
                codes[k] = c


def pre_filter(state: CycleState, pi: PodInfo, cluster: ClusterState) -> Status:
    """Mirrors PreFilter: writes the PreFilterState unless the status is Skip or a failure."""
    status, s = compute(pi, cluster)
    if s is not None:
        state.write(PRE_FILTER_KEY, s)
    return status


def filter_nodes(state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
                 failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
    """Mirrors Filter on the rows ``idx``, computing the PreFilter state if it is missing or stale."""
    s = state.get(PRE_FILTER_KEY)
    if not isinstance(s, PreFilterState) or s.version != cluster.version:
        status, s = compute(pi, cluster)
        if s is None:
            if not status.skip:
                _filter(idx, failed_by, codes, me, np.full(cluster.n_nodes, CODE_PARSE_ERROR, np.int8))
            return
        state.write(PRE_FILTER_KEY, s)
    _filter(idx, failed_by, codes, me, s.codes)


def filter_status(pi: PodInfo, cluster: ClusterState, code: int) -> Status:
    """The Status Filter returns for a verdict code, with Go's reason strings."""
    if code == CODE_AFFINITY:
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_AFFINITY_RULES_NOT_MATCH)
    if code == CODE_ANTI_AFFINITY:
        return Status.of(Code.UNSCHEDULABLE, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
    if code == CODE_EXISTING_ANTI_AFFINITY:
        return Status.of(Code.UNSCHEDULABLE, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)
    return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, f"parsing pod: {incoming_terms(pi, cluster).parse_error}")
