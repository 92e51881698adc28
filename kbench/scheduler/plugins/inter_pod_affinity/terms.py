"""Parsed pod (anti-)affinity terms, the matchers that count bound pods, and the per-domain kernels.

Mirrors pkg/scheduler/framework/types.go (AffinityTerm, AffinityTerm.Matches, PodInfo.Update,
getNamespacesFromPodAffinityTerm), metav1.LabelSelectorAsSelector with labels.NewRequirement's
validation, and plugin.go's mergeAffinityTermNamespacesIfNotEmpty.

``matchLabelKeys`` and ``mismatchLabelKeys`` are not read here, as kube-scheduler does not read them
either: kube-apiserver merges them into ``labelSelector`` when it creates the pod
(pkg/registry/core/pod/strategy.go, applyMatchLabelKeysAndMismatchLabelKeys), so the scheduler only
ever sees the merged selector.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from kbench.api.label_validation import aggregate, selector_error
from kbench.api.objects import Pod, PodAffinityTerm, WeightedPodAffinityTerm
from kbench.api.selectors import Selector, label_selector
from kbench.cluster.state import ClusterState, IndexKey, PodRecord, selector_index_label
from kbench.scheduler.framework import PodInfo

NAME = "InterPodAffinity"

# ---- terms ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    """framework.AffinityTerm: namespaces, namespace selector, label selector and topology key."""

    namespaces: frozenset[str]
    namespace_selector: Selector
    selector: Selector
    topology_key: str

    def matches(self, namespace: str, labels: Mapping[str, str], ns_labels: Mapping[str, str]) -> bool:
        """Mirrors AffinityTerm.Matches(pod, nsLabels)."""
        if namespace in self.namespaces or self.namespace_selector.matches(ns_labels):
            return self.selector.matches(labels)
        return False


@dataclass(frozen=True, slots=True)
class WeightedTerm:
    """framework.WeightedAffinityTerm."""

    term: AffinityTerm
    weight: int


@dataclass(frozen=True)
class PodTerms:
    """The parsed terms of framework.PodInfo; a group whose selectors fail to parse is empty, as in Go."""

    required_affinity: tuple[AffinityTerm, ...] = ()
    required_anti_affinity: tuple[AffinityTerm, ...] = ()
    preferred_affinity: tuple[WeightedTerm, ...] = ()
    preferred_anti_affinity: tuple[WeightedTerm, ...] = ()
    parse_error: str | None = field(default=None, compare=False)


NO_TERMS = PodTerms()


def _namespaces(pod: Pod, t: PodAffinityTerm) -> frozenset[str]:
    """Mirrors getNamespacesFromPodAffinityTerm: the pod's own namespace when neither field is set."""
    if not t.namespaces and t.namespace_selector is None:
        return frozenset([pod.namespace])
    return frozenset(t.namespaces)


def _term(pod: Pod, t: PodAffinityTerm) -> AffinityTerm | str:
    """Mirrors newAffinityTerm: the parsed term, or the selector's parse error."""
    err = selector_error(t.label_selector) or selector_error(t.namespace_selector)
    if err is not None:
        return err
    return AffinityTerm(_namespaces(pod, t), label_selector(t.namespace_selector), label_selector(t.label_selector), t.topology_key)


def _terms(pod: Pod, raw: Sequence[PodAffinityTerm]) -> tuple[tuple[AffinityTerm, ...], str | None]:
    """Mirrors GetAffinityTerms: all terms, or none and the first error."""
    out = []
    for t in raw:
        parsed = _term(pod, t)
        if isinstance(parsed, str):
            return (), parsed
        out.append(parsed)
    return tuple(out), None


def _weighted(pod: Pod, raw: Sequence[WeightedPodAffinityTerm]) -> tuple[tuple[WeightedTerm, ...], str | None]:
    """Mirrors getWeightedAffinityTerms."""
    terms, err = _terms(pod, [w.pod_affinity_term for w in raw])
    return tuple(WeightedTerm(t, w.weight) for t, w in zip(terms, raw)), err


def pod_terms(pod: Pod) -> PodTerms:
    """Mirrors PodInfo.Update: parse the four term groups, aggregating their errors."""
    a = pod.spec.affinity
    if a is None or (a.pod_affinity is None and a.pod_anti_affinity is None):
        return NO_TERMS
    aff, anti = a.pod_affinity, a.pod_anti_affinity
    req, e1 = _terms(pod, aff.required_during_scheduling_ignored_during_execution if aff else [])
    req_anti, e2 = _terms(pod, anti.required_during_scheduling_ignored_during_execution if anti else [])
    pref, e3 = _weighted(pod, aff.preferred_during_scheduling_ignored_during_execution if aff else [])
    pref_anti, e4 = _weighted(pod, anti.preferred_during_scheduling_ignored_during_execution if anti else [])
    errors = [
        f"{group}: {e}"
        for group, e in (
            ("requiredAffinityTerms", e1),
            ("requiredAntiAffinityTerms", e2),
            ("preferredAffinityTerms", e3),
            ("preferredAntiAffinityTerms", e4),
        )
        if e is not None
    ]
    return PodTerms(req, req_anti, pref, pref_anti, aggregate(errors) if errors else None)


# ---- the incoming pod's terms and matchers for ClusterState.pod_counts ------------------------


@dataclass(frozen=True, slots=True)
class PodSelection:
    """The pods an incoming pod's term selects once its namespaceSelector is merged: a bound-pod matcher
    for ``ClusterState.pod_counts`` (the topology key is left out, so terms differing only in it share
    one counter).

    ``all_namespaces`` is an empty namespaceSelector (every namespace); otherwise the selector's
    namespaces were merged into ``namespaces``, so no namespace labels are needed.
    """

    namespaces: frozenset[str]
    all_namespaces: bool
    selector: Selector

    def matches_pod(self, namespace: str, labels: Mapping[str, str]) -> bool:
        """AffinityTerm.Matches(pod, nil) for a merged term."""
        return (self.all_namespaces or namespace in self.namespaces) and self.selector.matches(labels)

    def matches(self, rec: PodRecord, state: ClusterState) -> bool:
        return self.matches_pod(rec.namespace, rec.labels)

    def index_key(self) -> IndexKey:
        """Its one namespace (if it selects exactly one) and a matchLabels pair of its selector,
        which every pod it selects has (ClusterState indexes on it)."""
        ns = next(iter(self.namespaces)) if not self.all_namespaces and len(self.namespaces) == 1 else None
        label = selector_index_label(self.selector.requirements)
        return (ns, *label) if label is not None else (ns, None, None)


@dataclass(frozen=True, slots=True)
class TermMatcher:
    """An incoming pod's term after mergeAffinityTermNamespacesIfNotEmpty."""

    pods: PodSelection
    topology_key: str


@dataclass(frozen=True, slots=True)
class AllTermsMatcher:
    """Bound pods matching every term (podMatchesAllAffinityTerms, false for no terms)."""

    terms: tuple[PodSelection, ...]

    def matches_pod(self, namespace: str, labels: Mapping[str, str]) -> bool:
        return bool(self.terms) and all(t.matches_pod(namespace, labels) for t in self.terms)

    def matches(self, rec: PodRecord, state: ClusterState) -> bool:
        return self.matches_pod(rec.namespace, rec.labels)

    def index_key(self) -> IndexKey | None:
        """The first term's: a pod must match every term."""
        return self.terms[0].index_key() if self.terms else None


def merged(term: AffinityTerm, cluster: ClusterState) -> TermMatcher:
    """Mirrors mergeAffinityTermNamespacesIfNotEmpty: namespaces selected by the namespaceSelector
    among existing Namespace objects join ``namespaces``; an empty selector stays 'all namespaces'."""
    sel = term.namespace_selector
    if sel.empty:
        return TermMatcher(PodSelection(term.namespaces, True, term.selector), term.topology_key)
    names = {n for n, labels in cluster.namespaces.items() if sel.matches(labels)}
    return TermMatcher(PodSelection(term.namespaces | names, False, term.selector), term.topology_key)


@dataclass(frozen=True)
class IncomingTerms:
    """The incoming pod's parsed terms with their namespaceSelectors merged, as PreFilter and PreScore use them."""

    parse_error: str | None
    required_affinity: tuple[TermMatcher, ...]
    required_anti_affinity: tuple[TermMatcher, ...]
    preferred_affinity: tuple[tuple[TermMatcher, int], ...]
    preferred_anti_affinity: tuple[tuple[TermMatcher, int], ...]

    @property
    def all_affinity(self) -> AllTermsMatcher | PodSelection:
        """The matcher of podMatchesAllAffinityTerms over the required affinity terms (one term: its own)."""
        if len(self.required_affinity) == 1:
            return self.required_affinity[0].pods
        return AllTermsMatcher(tuple(t.pods for t in self.required_affinity))


def incoming_terms(pi: PodInfo, cluster: ClusterState) -> IncomingTerms:
    """NewPodInfo(pod) plus mergeAffinityTermNamespacesIfNotEmpty on every term, cached per cluster epoch."""

    def build() -> IncomingTerms:
        t = pod_terms(pi.pod)
        return IncomingTerms(
            t.parse_error,
            tuple(merged(x, cluster) for x in t.required_affinity),
            tuple(merged(x, cluster) for x in t.required_anti_affinity),
            tuple((merged(w.term, cluster), w.weight) for w in t.preferred_affinity),
            tuple((merged(w.term, cluster), w.weight) for w in t.preferred_anti_affinity),
        )

    return pi.compiled(NAME + "/terms", cluster.epoch, build)


# ---- bound pods with affinity, grouped by their terms ------------------------------------------


@dataclass(eq=False)
class ExistingGroup:
    """Bound pods sharing identical parsed terms: their count per node row."""

    terms: PodTerms
    per_node: dict[int, int] = field(default_factory=dict)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(node rows, pods of the group on each) as int64 arrays."""
        return (
            np.fromiter(self.per_node.keys(), np.int64, len(self.per_node)),
            np.fromiter(self.per_node.values(), np.int64, len(self.per_node)),
        )


class ExistingPods:
    """ClusterState.affinity_pods (Go's PodsWithAffinity) grouped by parsed terms.

    Each bound pod's terms are parsed once, and a cycle visits groups, not pods. Syncing relies on
    dicts keeping insertion order: pods bound since the last sync (re-bound ones included, as a new
    PodRecord) form the tail of ``affinity_pods``, found by walking back to the first record already
    seen; unbound pods are found by a key-set difference, only when the sizes show some left.
    """

    def __init__(self) -> None:
        self._version = -1
        self._seen: dict[str, PodRecord] = {}
        self._group_of: dict[str, ExistingGroup] = {}
        self.groups: dict[PodTerms, ExistingGroup] = {}

    def _remove(self, uid: str) -> None:
        rec = self._seen.pop(uid)
        group = self._group_of.pop(uid)
        left = group.per_node[rec.node] - 1
        if left:
            group.per_node[rec.node] = left
        else:
            del group.per_node[rec.node]
            if not group.per_node:
                del self.groups[group.terms]

    def _add(self, uid: str, rec: PodRecord) -> None:
        self._seen[uid] = rec
        terms = pod_terms(rec.pod)
        group = self.groups.get(terms)
        if group is None:
            group = self.groups[terms] = ExistingGroup(terms)
        group.per_node[rec.node] = group.per_node.get(rec.node, 0) + 1
        self._group_of[uid] = group

    def sync(self, cluster: ClusterState) -> None:
        """Bring the groups up to date with ``cluster.affinity_pods``."""
        if self._version == cluster.version:
            return
        current, seen = cluster.affinity_pods, self._seen
        tail = []
        for uid, rec in reversed(current.items()):
            if seen.get(uid) is rec:
                break
            tail.append((uid, rec))
        for uid, rec in reversed(tail):
            if uid in seen:
                self._remove(uid)
            self._add(uid, rec)
        if len(seen) > len(current):
            for uid in seen.keys() - current.keys():
                self._remove(uid)
        self._version = cluster.version


_INDEXES: weakref.WeakKeyDictionary[ClusterState, ExistingPods] = weakref.WeakKeyDictionary()


def existing_pods(cluster: ClusterState) -> ExistingPods:
    """The synced grouping of ``cluster``'s bound pods with pod (anti-)affinity."""
    index = _INDEXES.get(cluster)
    if index is None:
        index = _INDEXES[cluster] = ExistingPods()
    index.sync(cluster)
    return index


# ---- per-domain kernels -----------------------------------------------------------------------


@njit(cache=True)
def domain_sum(vals, per_node, out):  # pragma: no cover
    """out[v] += per_node[i] for every i whose topology value id vals[i] is >= 0."""
    for i in range(len(vals)):
        v = vals[i]
        if v >= 0:
            out[v] += per_node[i]


@njit(cache=True)
def mark_positive_domains(vals, dom, out):  # pragma: no cover
    """out[i] = True where node i has the key and its domain total is positive."""
    for i in range(len(vals)):
        v = vals[i]
        if v >= 0 and dom[v] > 0:
            out[i] = True


@njit(cache=True)
def add_domain_values(idx, label_val, col, dom, out):  # pragma: no cover
    """out[k] += dom[value of node idx[k] for column col], for nodes having the key."""
    for k in range(len(idx)):
        v = label_val[idx[k], col]
        if v >= 0:
            out[k] += dom[v]


def topology_column(cluster: ClusterState, key: str) -> int:
    """The label column of ``key``, -1 if no node has ever had it."""
    return cluster.labels.keys.get(key)
