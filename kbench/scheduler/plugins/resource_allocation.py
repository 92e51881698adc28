"""Shared resource scoring of NodeResourcesFit and NodeResourcesBalancedAllocation.

Mirrors pkg/scheduler/framework/plugins/noderesources/resource_allocation.go: per configured
resource, (allocatable, node requested + pod request); resources with zero allocatable, and
scalar resources the pod does not request, are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from kbench.api.resources import NON_ZERO_DEFAULTS, int_requests, is_scalar_resource, pod_requests
from kbench.api.objects import Pod
from kbench.cluster.state import R_CPU, R_MEMORY, ClusterState
from kbench.scheduler.framework import MAX_NODE_SCORE

LEAST, MOST, RTCR, BALANCED = 0, 1, 2, 3
MAX_UTILIZATION = 100


@dataclass(frozen=True)
class ResourceSpec:
    """config.ResourceSpec: a resource name and its weight."""

    name: str
    weight: int = 1


@dataclass(frozen=True)
class PodResourceVector:
    """The pod's side of resource scoring, aligned with the configured resources."""

    cols: np.ndarray
    use_nz: np.ndarray
    pod_req: np.ndarray
    weights: np.ndarray

    @property
    def best_effort(self) -> bool:
        """All configured requests zero (BalancedAllocation skips such pods)."""
        return not bool(np.any(self.pod_req != 0))


def pod_vector(pod: Pod, cluster: ClusterState, resources: Sequence[ResourceSpec], use_requested: bool) -> PodResourceVector:
    """calculatePodResourceRequestList: non-zero defaults unless ``use_requested``."""
    amounts = pod_requests(pod, None if use_requested else NON_ZERO_DEFAULTS)
    reqs = int_requests(amounts)
    cols, use_nz, pod_req, weights = [], [], [], []
    for r in resources:
        col = cluster.resources.get(r.name)
        req = reqs.get(r.name, 0)
        if req == 0 and is_scalar_resource(r.name):
            col = -1
        cols.append(col)
        use_nz.append(not use_requested and col in (R_CPU, R_MEMORY))
        pod_req.append(req)
        weights.append(r.weight)
    return PodResourceVector(
        np.array(cols, np.int64), np.array(use_nz, np.bool_), np.array(pod_req, np.int64), np.array(weights, np.int64)
    )


@njit(cache=True, inline="always")
def _trunc_div(a, b):  # pragma: no cover
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@njit(cache=True, inline="always")
def _go_round(x):  # pragma: no cover
    """Go's math.Round: half away from zero, exact."""
    t = math.trunc(x)
    if abs(x - t) >= 0.5:
        t += math.copysign(1.0, x)
    return t


@njit(cache=True, inline="always")
def _broken_linear(p, util, score):  # pragma: no cover
    """helper.BuildBrokenLinearFunction evaluated at p."""
    for i in range(len(util)):
        if p <= util[i]:
            if i == 0:
                return score[0]
            return score[i - 1] + _trunc_div((score[i] - score[i - 1]) * (p - util[i - 1]), util[i] - util[i - 1])
    return score[len(score) - 1]


@njit(cache=True)
def score_resources(idx, alloc, requested, nz_requested, cols, use_nz, pod_req, weights, strategy,
                    shape_util, shape_score, out):  # pragma: no cover
    """out[k] = the resource score of node idx[k] for ``strategy`` (LEAST, MOST, RTCR, BALANCED).

    Mirrors leastResourceScorer, mostResourceScorer, buildRequestedToCapacityRatioScorerFunction
    and balancedResourceScorer; Go's integer division and float64 arithmetic are kept.
    """
    m = len(cols)
    fractions = np.empty(m, np.float64)
    for k in range(len(idx)):
        row = idx[k]
        node_score = 0
        weight_sum = 0
        nf = 0
        total = 0.0
        for j in range(m):
            c = cols[j]
            if c < 0:
                continue
            cap = alloc[row, c]
            if cap == 0:
                continue
            if use_nz[j]:
                req = nz_requested[row, c] + pod_req[j]
            else:
                req = requested[row, c] + pod_req[j]
            w = weights[j]
            if strategy == 0:
                s = 0 if req > cap else ((cap - req) * MAX_NODE_SCORE) // cap
                node_score += s * w
                weight_sum += w
            elif strategy == 1:
                r = cap if req > cap else req
                node_score += ((r * MAX_NODE_SCORE) // cap) * w
                weight_sum += w
            elif strategy == 2:
                if req > cap:
                    s = _broken_linear(MAX_UTILIZATION, shape_util, shape_score)
                else:
                    s = _broken_linear((req * MAX_UTILIZATION) // cap, shape_util, shape_score)
                if s > 0:
                    node_score += s * w
                    weight_sum += w
            else:
                f = req / cap
                if f > 1.0:
                    f = 1.0
                total += f
                fractions[nf] = f
                nf += 1
        if strategy == 3:
            std = 0.0
            if nf == 2:
                std = abs((fractions[0] - fractions[1]) / 2)
            elif nf > 2:
                mean = total / nf
                acc = 0.0
                for j in range(nf):
                    acc = acc + (fractions[j] - mean) * (fractions[j] - mean)
                std = math.sqrt(acc / nf)
            out[k] = np.int64((1 - std) * MAX_NODE_SCORE)
        elif weight_sum == 0:
            out[k] = 0
        elif strategy == 2:
            out[k] = np.int64(_go_round(node_score / weight_sum))
        else:
            out[k] = node_score // weight_sum


def resource_scores(cluster: ClusterState, idx: np.ndarray, vec: PodResourceVector, strategy: int,
                    shape: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Scores of rows ``idx`` under ``strategy``; ``shape`` is RTCR's (utilization, score x10) points."""
    out = np.empty(len(idx), np.int64)
    util, sc = shape if shape is not None else (_NO_SHAPE, _NO_SHAPE)
    score_resources(idx, cluster.alloc, cluster.requested, cluster.nz_requested, vec.cols, vec.use_nz,
                    vec.pod_req, vec.weights, strategy, util, sc, out)
    return out


_NO_SHAPE = np.zeros(1, np.int64)
