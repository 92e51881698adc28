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

from kbench.api.objects import Pod
from kbench.api.resources import NON_ZERO_DEFAULTS, is_scalar_resource, pod_int_requests
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
    best_effort: bool
    """All configured requests zero (BalancedAllocation skips such pods)."""


def pod_vector(pod: Pod, cluster: ClusterState, resources: Sequence[ResourceSpec], use_requested: bool) -> PodResourceVector:
    """calculatePodResourceRequestList: non-zero defaults unless ``use_requested``."""
    reqs = pod_int_requests(pod, None if use_requested else NON_ZERO_DEFAULTS)
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
        np.array(cols, np.int64), np.array(use_nz, np.bool_), np.array(pod_req, np.int64), np.array(weights, np.int64),
        best_effort=not any(pod_req),
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
def _gather(idx, cols, use_nz, pod_req, alloc, requested, nz_requested, cap, req):  # pragma: no cover
    """cap[k, j], req[k, j] = allocatable and (node requested + pod request) of resource j on node
    idx[k] (calculateResourceAllocatableRequest); cap 0 means the resource is left out. Column by
    column, so each pass reads and writes contiguous memory."""
    for j in range(len(cols)):
        c = cols[j]
        if c < 0:
            cap[:, j] = 0
            req[:, j] = 0
            continue
        a = alloc[:, c]
        r = nz_requested[:, c] if use_nz[j] else requested[:, c]
        pr = pod_req[j]
        for k in range(len(idx)):
            row = idx[k]
            cap[k, j] = a[row]
            req[k, j] = r[row] + pr


@njit(cache=True, inline="always")
def _floor_div(a, b):  # pragma: no cover
    """a // b for 0 <= a < 2**53 and 0 < b: the float quotient, corrected by one step each way.
    Branch-free, so loops vectorize (64-bit integer division does not)."""
    q = np.int64(np.float64(a) / np.float64(b))
    q -= np.int64(q * b > a)
    q += np.int64((q + 1) * b <= a)
    return q


FLOAT_EXACT = 2**53
"""Below this, _floor_div is exact; callers check allocatable * MaxNodeScore against it."""


@njit(cache=True)
def _least_most(caps, reqs, weights, most, out):  # pragma: no cover
    """leastResourceScorer / mostResourceScorer (least_allocated.go, most_allocated.go).

    Resource by resource over contiguous columns; a resource with zero allocatable adds nothing
    to the score or the weight sum."""
    n = caps.shape[0]
    node_score = np.zeros(n, np.int64)
    weight_sum = np.zeros(n, np.int64)
    for j in range(caps.shape[1]):
        w = weights[j]
        cap_col = caps[:, j]
        req_col = reqs[:, j]
        for k in range(n):
            cap = cap_col[k]
            req = req_col[k]
            present = cap != 0
            safe_cap = cap if present else 1
            if most:
                s = _floor_div(min(req, cap) * MAX_NODE_SCORE, safe_cap)
            else:
                s = _floor_div(max(cap - req, 0) * MAX_NODE_SCORE, safe_cap)
            node_score[k] += s * w * present
            weight_sum[k] += w * present
    for k in range(n):
        ws = weight_sum[k]
        out[k] = _floor_div(node_score[k], ws if ws != 0 else 1) * (ws != 0)


@njit(cache=True)
def _least_most_int(caps, reqs, weights, most, out):  # pragma: no cover
    """_least_most with 64-bit integer division, for allocatable values too large for floats."""
    for k in range(caps.shape[0]):
        node_score = 0
        weight_sum = 0
        for j in range(caps.shape[1]):
            cap = caps[k, j]
            req = reqs[k, j]
            if cap == 0:
                continue
            if most:
                s = (min(req, cap) * MAX_NODE_SCORE) // cap
            else:
                s = 0 if req > cap else ((cap - req) * MAX_NODE_SCORE) // cap
            node_score += s * weights[j]
            weight_sum += weights[j]
        out[k] = 0 if weight_sum == 0 else node_score // weight_sum


@njit(cache=True)
def _requested_to_capacity(caps, reqs, weights, util, score, out):  # pragma: no cover
    """buildRequestedToCapacityRatioScorerFunction (requested_to_capacity_ratio.go)."""
    for k in range(caps.shape[0]):
        node_score = 0
        weight_sum = 0
        for j in range(caps.shape[1]):
            cap = caps[k, j]
            req = reqs[k, j]
            if cap == 0:
                continue
            p = MAX_UTILIZATION if req > cap else (req * MAX_UTILIZATION) // cap
            s = _broken_linear(p, util, score)
            if s > 0:
                node_score += s * weights[j]
                weight_sum += weights[j]
        out[k] = 0 if weight_sum == 0 else np.int64(_go_round(node_score / weight_sum))


@njit(cache=True)
def _balanced(caps, reqs, out):  # pragma: no cover
    """balancedResourceScorer (balanced_allocation.go), float64 as in Go."""
    fractions = np.empty(caps.shape[1], np.float64)
    for k in range(caps.shape[0]):
        nf = 0
        total = 0.0
        for j in range(caps.shape[1]):
            cap = caps[k, j]
            req = reqs[k, j]
            if cap == 0:
                continue
            f = req / cap
            if f > 1.0:
                f = 1.0
            total += f
            fractions[nf] = f
            nf += 1
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


@njit(cache=True)
def _balanced_two(caps, reqs, out):  # pragma: no cover
    """balancedResourceScorer for exactly two configured resources (the default cpu and memory),
    column-wise: std is |f0 - f1| / 2 when both have allocatable, else 0. Same float64 steps as Go."""
    c0 = caps[:, 0]
    c1 = caps[:, 1]
    r0 = reqs[:, 0]
    r1 = reqs[:, 1]
    for k in range(caps.shape[0]):
        both = (c0[k] != 0) & (c1[k] != 0)
        f0 = min(r0[k] / (c0[k] if c0[k] != 0 else 1), 1.0)
        f1 = min(r1[k] / (c1[k] if c1[k] != 0 else 1), 1.0)
        std = abs((f0 - f1) / 2) if both else 0.0
        out[k] = np.int64((1 - std) * MAX_NODE_SCORE)


def resource_scores(cluster: ClusterState, idx: np.ndarray, vec: PodResourceVector, strategy: int,
                    shape: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Scores of rows ``idx`` under ``strategy``; ``shape`` is RTCR's (utilization, score x10) points."""
    out = np.empty(len(idx), np.int64)
    caps = np.empty((len(idx), len(vec.cols)), np.int64, order="F")
    reqs = np.empty((len(idx), len(vec.cols)), np.int64, order="F")
    _gather(idx, vec.cols, vec.use_nz, vec.pod_req, cluster.alloc, cluster.requested, cluster.nz_requested, caps, reqs)
    if strategy == BALANCED:
        (_balanced_two if len(vec.cols) == 2 else _balanced)(caps, reqs, out)
    elif strategy == RTCR:
        assert shape is not None
        _requested_to_capacity(caps, reqs, vec.weights, shape[0], shape[1], out)
    elif cluster.max_allocatable() * MAX_NODE_SCORE < FLOAT_EXACT:
        _least_most(caps, reqs, vec.weights, strategy == MOST, out)
    else:
        _least_most_int(caps, reqs, vec.weights, strategy == MOST, out)
    return out

