"""NodeAffinity: spec.nodeSelector and required node affinity filter nodes; preferred terms score.

Mirrors pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go, including the
scheduler-enforced ``addedAffinity`` of NodeAffinityArgs and the PreFilterResult that narrows
the nodes to those a ``metadata.name`` field selector names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.api.objects import NodeAffinity as NodeAffinitySpec
from kbench.api.objects import Pod
from kbench.api.selectors import node_term, node_terms
from kbench.cluster.state import ClusterState
from kbench.config.plugin_args import NodeAffinityArgs
from kbench.scheduler.framework import (
    SKIP,
    SUCCESS,
    Code,
    CycleState,
    Plugin,
    PodInfo,
    PreFilterResult,
    Status,
    default_normalize,
)
from kbench.scheduler.node_terms import (
    CompiledTerms,
    any_term_matches,
    compile_equalities,
    compile_terms,
    weighted_matches,
)

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
CODE_POD, CODE_ENFORCED = 1, 2


@dataclass(frozen=True)
class RequiredAffinity:
    """nodeaffinity.RequiredNodeAffinity compiled: nodeSelector equalities AND any required term."""

    selector: CompiledTerms | None
    terms: CompiledTerms | None

    def match_rows(self, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        """Boolean per row of ``idx``: does the node match?"""
        out = np.ones(len(idx), np.bool_)
        _match_required(idx, cluster.label_val, out, *_args(self.selector), *_args(self.terms))
        return out


_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.bool_), np.zeros(0, np.bool_))


def _args(ct: CompiledTerms | None) -> tuple:
    if ct is None:
        return (False,) + _EMPTY
    return (True, ct.term_ptr, ct.key, ct.tab_ptr, ct.tab, ct.missing_ok)


def required_affinity(pod: Pod, cluster: ClusterState) -> RequiredAffinity:
    """Compile nodeaffinity.GetRequiredNodeAffinity(pod) against the cluster's labels."""
    sel = compile_equalities(cluster, pod.spec.node_selector) if pod.spec.node_selector else None
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    req = na.required_during_scheduling_ignored_during_execution if na else None
    terms = compile_terms(cluster, node_terms(req.node_selector_terms)) if req is not None else None
    return RequiredAffinity(sel, terms)


@njit(cache=True)
def _match_required(idx, label_val, out, has_sel, s0, s1, s2, s3, s4, has_terms, t0, t1, t2, t3, t4):  # pragma: no cover
    for k in range(len(idx)):
        row = idx[k]
        if has_sel and not any_term_matches(s0, s1, s2, s3, s4, label_val, row):
            out[k] = False
        elif has_terms and not any_term_matches(t0, t1, t2, t3, t4, label_val, row):
            out[k] = False


@njit(cache=True)
def _filter(idx, failed_by, codes, me, label_val,
            has_add, a0, a1, a2, a3, a4,
            has_sel, s0, s1, s2, s3, s4,
            has_terms, t0, t1, t2, t3, t4):  # pragma: no cover
    for k in range(len(idx)):
        if failed_by[k] >= 0:
            continue
        row = idx[k]
        if has_add and not any_term_matches(a0, a1, a2, a3, a4, label_val, row):
            failed_by[k] = me
            codes[k] = CODE_ENFORCED
        elif (has_sel and not any_term_matches(s0, s1, s2, s3, s4, label_val, row)) or (
            has_terms and not any_term_matches(t0, t1, t2, t3, t4, label_val, row)
        ):
            failed_by[k] = me
            codes[k] = CODE_POD


def _pod_node_affinity(pod: Pod) -> NodeAffinitySpec | None:
    return pod.spec.affinity.node_affinity if pod.spec.affinity else None


def _preferred(spec: NodeAffinitySpec | None) -> tuple[list, list[int]]:
    """Parsed preferred terms and weights; zero-weight and empty terms are dropped as Kubernetes does."""
    terms, weights = [], []
    for p in spec.preferred_during_scheduling_ignored_during_execution if spec else []:
        t = node_term(p.preference)
        if p.weight != 0 and t is not None:
            terms.append(t)
            weights.append(p.weight)
    return terms, weights


class NodeAffinity(Plugin):
    NAME = NAME

    def __init__(self, args: dict | None = None) -> None:
        super().__init__(args)
        self.added = NodeAffinityArgs.parse(args).addedAffinity

    def _added_required(self, cluster: ClusterState) -> CompiledTerms | None:
        req = self.added.required_during_scheduling_ignored_during_execution if self.added else None
        return compile_terms(cluster, node_terms(req.node_selector_terms)) if req is not None else None

    def _compiled(self, pi: PodInfo, cluster: ClusterState) -> tuple[RequiredAffinity, CompiledTerms | None]:
        return pi.compiled(NAME, cluster.epoch, lambda: (required_affinity(pi.pod, cluster), self._added_required(cluster)))

    def pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterResult | None]:
        na = _pod_node_affinity(pi.pod)
        required = na.required_during_scheduling_ignored_during_execution if na else None
        if required is None and self.added is None and not pi.pod.spec.node_selector:
            return SKIP, None
        if required is None or not required.node_selector_terms:
            return SUCCESS, None
        names: set[str] | None = None
        for term in required.node_selector_terms:
            term_names: set[str] | None = None
            for r in term.match_fields:
                if r.key == "metadata.name" and r.operator == "In":
                    term_names = set(r.values) if term_names is None else term_names & set(r.values)
            if term_names is None:
                return SUCCESS, None
            names = term_names if names is None else names | term_names
        if names is not None and not names:
            return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_CONFLICT), None
        return SUCCESS, PreFilterResult(frozenset(names)) if names else None

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        req, added = self._compiled(pi, cluster)
        _filter(idx, failed_by, codes, me, cluster.label_val, *_args(added), *_args(req.selector), *_args(req.terms))

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        reason = ERR_REASON_ENFORCED if code == CODE_ENFORCED else ERR_REASON_POD
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reason)

    def _preferred_terms(self, pi: PodInfo, cluster: ClusterState) -> list[CompiledTerms]:
        def build() -> list[CompiledTerms]:
            out = []
            for spec in (self.added, _pod_node_affinity(pi.pod)):
                terms, weights = _preferred(spec)
                if terms:
                    out.append(compile_terms(cluster, terms, weights))
            return out

        return pi.compiled(NAME + "/preferred", cluster.epoch, build)

    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status:
        pod_pref = _pod_node_affinity(pi.pod)
        has_pod = bool(pod_pref and pod_pref.preferred_during_scheduling_ignored_during_execution)
        has_added = bool(self.added and self.added.preferred_during_scheduling_ignored_during_execution)
        return SUCCESS if has_pod or has_added else SKIP

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        out = np.zeros(len(idx), np.int64)
        for ct in self._preferred_terms(pi, cluster):
            weighted_matches(ct.term_ptr, ct.key, ct.tab_ptr, ct.tab, ct.missing_ok, ct.weight, cluster.label_val, idx, out)
        return out

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        default_normalize(scores, reverse=False)
