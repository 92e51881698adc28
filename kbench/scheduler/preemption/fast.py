"""The fast victim search: when other pods matter to the pod's filters only through resources.

It applies when every filter plugin the cycle did not skip is NodeResourcesFit or one that looks
at the node alone (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity): the pod then has
no host ports, no pod (anti-)affinity, no hard topology spread constraints, and no bound pod has
required anti-affinity (their PreFilters returned Skip). The node-only filters are evaluated once
per node; removing and reprieving pods then only changes the node's requested resources, which
the kernel tracks from the pod table. The result equals the generic search's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from kbench.api.policy import PDBView
from kbench.api.resources import pod_int_requests
from kbench.cluster.state import R_PODS, ClusterState, PodRecord
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import CycleState, PodInfo
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.nominated_filters import nominated_to_add
from kbench.scheduler.preemption import kernels as K
from kbench.scheduler.preemption.dry_run import NO_VICTIMS, DryRun
from kbench.scheduler.preemption.pdb import slot_pdbs
from kbench.scheduler.preemption.priority import pod_priority
from kbench.scheduler.preemption.search_generic import zero_victims_error

FIT = "NodeResourcesFit"
NODE_ONLY = frozenset({"NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity"})
"""Filters whose verdict depends on the node and the pod only, never on other pods."""


def applies(fw: Framework, state: CycleState) -> bool:
    """Whether the fast search gives the generic search's result for this cycle."""
    active = {p.NAME for p in fw.filter if p.NAME not in state.skip_filter}
    return FIT in active and active <= NODE_ONLY | {FIT}


def _nominated_extra(pi: PodInfo, cluster: ClusterState, walk: np.ndarray, nominated: NominatedPods | None) -> np.ndarray:
    """Per walk position, the requests of the nominated pods filters add there ((0, 0) if none)."""
    table = cluster.pod_table
    if nominated is None:
        return np.zeros((0, 0), np.int64)
    pos = {int(r): k for k, r in enumerate(walk.tolist())}
    extra: np.ndarray | None = None
    for name in nominated.node_names():
        k = pos.get(cluster.node_index.get(name, -1))
        if k is None:
            continue
        for p in nominated_to_add(pi, name, nominated):
            if extra is None:
                extra = np.zeros((len(walk), table.req.shape[1]), np.int64)
            extra[k, R_PODS] += 1
            for res, v in pod_int_requests(p).items():
                col = cluster.resources.get(res)
                if col >= 0:
                    extra[k, col] += v
    return extra if extra is not None else np.zeros((0, 0), np.int64)


def dry_run_fast(fw: Framework, state: CycleState, pi: PodInfo, cluster: ClusterState, walk: np.ndarray,
                 pdbs: Sequence[PDBView], num_candidates: int, nominated: NominatedPods | None) -> DryRun:
    """The dry run of :func:`~.search_generic.dry_run_generic`, for a cycle where :func:`applies`."""
    fit = next(p for p in fw.filter if p.NAME == FIT)
    fr = fit._fit_request(pi, cluster)  # type: ignore[attr-defined]
    table = cluster.pod_table
    table.ensure_cols(cluster.n_resources)
    m = len(walk)
    failed_by = np.full(m, -1, np.int16)
    codes = np.zeros(m, np.int64)
    for j, p in enumerate(fw.filter):
        if p.NAME != FIT and p.NAME not in state.skip_filter:
            p.filter(state, pi, cluster, walk, failed_by, codes, j)  # type: ignore[attr-defined]
    ptr, idx = slot_pdbs(cluster, pdbs)
    allowed = np.array([p.disruptions_allowed for p in pdbs], np.int64)
    (status, code, cand_pos, cand_viol, vic_start, vic_len, highest, sums, earliest, victims,
     n_cand) = K.dry_run_kernel(walk, failed_by >= 0, table.node, table.priority, table.start, table.seq,
                                table.req, table.size, cluster.alloc, cluster.requested, fr.cols, fr.vals,
                                R_PODS, pod_priority(pi.pod), _nominated_extra(pi, cluster, walk, nominated),
                                ptr, idx, allowed, num_candidates, cluster.n_nodes)
    viol = cand_viol[:n_cand]
    order = np.concatenate((np.flatnonzero(viol == 0), np.flatnonzero(viol > 0)))
    records = table.records
    starts, lens = vic_start[order], vic_len[order]

    def victims_of(i: int) -> list[PodRecord]:
        a = int(starts[i])
        return [records[s] for s in victims[a: a + int(lens[i])].tolist()]

    reasons: Counter[str] = Counter()
    errors: list[str] = []
    reasons[NO_VICTIMS] = int(np.count_nonzero(status == K.NO_VICTIMS))
    for c, n in zip(*np.unique(code[status == K.FIT_FAIL], return_counts=True)):
        for r in fit.filter_status(state, pi, cluster, int(c)).reasons:  # type: ignore[attr-defined]
            reasons[r] += int(n)
    static = status == K.STATIC_FAIL
    for j in np.unique(failed_by[static]):
        p = fw.filter[int(j)]
        mine = static & (failed_by == j)
        for c, n in zip(*np.unique(codes[mine], return_counts=True)):
            for r in p.filter_status(state, pi, cluster, int(c)).reasons:  # type: ignore[attr-defined]
                reasons[r] += int(n)
    for k in np.flatnonzero(status == K.ZERO_VICTIMS).tolist():
        msg = zero_victims_error(cluster.node_names[int(walk[k])])
        errors.append(msg)
        reasons[msg] += 1
    n_statuses = int(np.count_nonzero(status >= K.NO_VICTIMS))
    return DryRun(rows=walk[cand_pos[:n_cand][order]], violations=viol[order], highest=highest[:n_cand][order],
                  sums=sums[:n_cand][order], counts=vic_len[:n_cand][order], earliest=earliest[:n_cand][order],
                  victims_of=victims_of, reasons=+reasons, n_statuses=n_statuses, errors=errors)
