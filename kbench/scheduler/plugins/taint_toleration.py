"""TaintToleration: NoSchedule/NoExecute taints a pod does not tolerate filter the node out;
untolerated PreferNoSchedule taints lower its score.

Mirrors pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.api.objects import Taint, Toleration
from kbench.api.selectors import tolerated
from kbench.cluster.state import NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, ClusterState
from kbench.scheduler.framework import SUCCESS, Code, CycleState, Plugin, PodInfo, Status, default_normalize

NAME = "TaintToleration"


@dataclass(frozen=True)
class _Tolerated:
    """Per interned taint id: whether the pod's tolerations tolerate it (all, and PreferNoSchedule ones)."""

    any: np.ndarray
    prefer: np.ndarray


def tolerated_table(tolerations: Sequence[Toleration], cluster: ClusterState) -> np.ndarray:
    """Per interned taint id: do ``tolerations`` tolerate it (v1helper.TolerationsTolerateTaint)."""
    taints = [Taint(key=k, value=v, effect=e) for k, v, e in cluster.taints.values]  # type: ignore[arg-type]
    return np.array([tolerated(tolerations, t) for t in taints], np.bool_)


def _compile(pi: PodInfo, cluster: ClusterState) -> _Tolerated:
    tols = pi.pod.spec.tolerations
    return _Tolerated(
        any=tolerated_table(tols, cluster),
        prefer=tolerated_table([t for t in tols if t.effect in ("", "PreferNoSchedule")], cluster),
    )


@njit(cache=True, inline="always")
def first_untolerated(row, taint_ids, taint_effect, ok):  # pragma: no cover
    """The first NoSchedule/NoExecute taint id of node ``row`` not tolerated per ``ok``, or -1
    (FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc)."""
    for j in range(taint_ids.shape[1]):
        t = taint_ids[row, j]
        if t < 0:
            break
        e = taint_effect[t]
        if (e == NO_SCHEDULE or e == NO_EXECUTE) and not ok[t]:
            return t
    return -1


@njit(cache=True)
def _filter(idx, failed_by, codes, me, taint_ids, taint_effect, ok):  # pragma: no cover
    for k in range(len(idx)):
        if failed_by[k] >= 0:
            continue
        t = first_untolerated(idx[k], taint_ids, taint_effect, ok)
        if t >= 0:
            failed_by[k] = me
            codes[k] = t + 1


@njit(cache=True)
def _score(idx, taint_ids, taint_effect, ok, out):  # pragma: no cover
    """countIntolerableTaintsPreferNoSchedule per node."""
    for k in range(len(idx)):
        row = idx[k]
        n = 0
        for j in range(taint_ids.shape[1]):
            t = taint_ids[row, j]
            if t < 0:
                break
            if taint_effect[t] == PREFER_NO_SCHEDULE and not ok[t]:
                n += 1
        out[k] = n


class TaintToleration(Plugin):
    NAME = NAME

    def _tolerated(self, pi: PodInfo, cluster: ClusterState) -> _Tolerated:
        return pi.compiled(NAME, cluster.epoch, lambda: _compile(pi, cluster))

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        if cluster.nodes_with_effect[NO_SCHEDULE] == 0 and cluster.nodes_with_effect[NO_EXECUTE] == 0:
            return
        _filter(idx, failed_by, codes, me, cluster.taint_ids, cluster.taint_effect, self._tolerated(pi, cluster).any)

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        key, value, _ = cluster.taints.values[code - 1]
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, f"node(s) had untolerated taint {{{key}: {value}}}")

    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status:
        return SUCCESS

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        if cluster.nodes_with_effect[PREFER_NO_SCHEDULE] == 0:
            return np.zeros(len(idx), np.int64)
        out = np.empty(len(idx), np.int64)
        _score(idx, cluster.taint_ids, cluster.taint_effect, self._tolerated(pi, cluster).prefer, out)
        return out

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        default_normalize(scores, reverse=True)
