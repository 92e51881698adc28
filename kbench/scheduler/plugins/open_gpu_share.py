"""OpenGpuShare: a GPU pod needs a node whose GPUs can host it, device by device.

Mirrors the Open-Gpu-Share filter of the FGD reference simulator
[K:pkg/simulator/plugin/open_gpu_share.go:81] (FGD.md §1, §4): CPU-only pods pass; a pod asking
``d`` milli-GPU on each of ``k`` GPUs (:mod:`kbench.gpu.requests`) needs a node with GPUs, of an
allowed model, with at least k GPUs whose free milli-GPU is ``>= d``. NodeResourcesFit still
counts ``nvidia.com/gpu`` and ``alibabacloud.com/gpu-milli`` as extended resources; this filter
adds what those sums cannot see (a share needs room on one GPU, not across several).
"""

from __future__ import annotations

import numpy as np

from kbench.cluster.state import ClusterState
from kbench.gpu.devices import can_host_rows
from kbench.gpu.requests import gpu_request
from kbench.scheduler.framework import Code, CycleState, Plugin, PodInfo, Status

NAME = "OpenGpuShare"
NO_GPU, WRONG_MODEL, NOT_ENOUGH = 1, 2, 3
"""Reason codes: the node has no GPU, none of an allowed model, or too few GPUs with room for the share."""
REASONS = {
    NO_GPU: "node(s) didn't have GPUs",
    WRONG_MODEL: "node(s) didn't have a GPU of an allowed model",
    NOT_ENOUGH: "node(s) didn't have enough free GPU",
}


def allowed_model_ids(pi: PodInfo, cluster: ClusterState) -> np.ndarray:
    """The pod's allowed GPU models as ledger model ids (empty: any), cached per cluster epoch."""
    return pi.compiled(NAME, cluster.epoch, lambda: cluster.gpus.allowed_ids(gpu_request(pi.pod).models))


class OpenGpuShare(Plugin):
    NAME = NAME

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        req = gpu_request(pi.pod)
        if req.k == 0:
            return
        ledger = cluster.gpus
        allowed = allowed_model_ids(pi, cluster)
        ok = can_host_rows(ledger.free, idx, req.d, req.k, ledger.model_ids, allowed)
        bad = np.flatnonzero(~ok & (failed_by < 0))
        if bad.size == 0:
            return
        rows = idx[bad]
        models = ledger.model_ids[rows]
        model_ok = np.isin(models, allowed) if allowed.size else np.ones(rows.size, np.bool_)
        failed_by[bad] = me
        codes[bad] = np.where(cluster.gpu_count[rows] == 0, NO_GPU, np.where(model_ok, NOT_ENOUGH, WRONG_MODEL))

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        code_of = Code.UNSCHEDULABLE if code == NOT_ENOUGH else Code.UNSCHEDULABLE_AND_UNRESOLVABLE
        return Status.of(code_of, REASONS[code])
