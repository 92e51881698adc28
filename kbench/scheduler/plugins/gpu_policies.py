"""The six GPU policies of the FGD paper as score plugins: Random, DotProd, GpuClustering,
GpuPacking, BestFit and FGD (FGD.md §3–§5).

Each scores the feasible rows with its kernel of :mod:`kbench.gpu.policies` over the cluster's
per-device GPU state (``ClusterState.gpus``); the kernels already give 0..100 (BestFit min-max
normalises inside), so NormalizeScore is the identity. A policy also picks the GPU a sharing pod
takes on the chosen node, as the reference's Reserve does [K:open_gpu_share.go:268-325]: FGD the
GPU its score found (written into CycleState), Random a uniform fitting GPU, the others the
default best fit. Whole-GPU pods always take the lowest-index free GPUs. The scheduler process
asks :func:`gpu_selector`'s plugin for that GPU when it binds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kbench.api.resources import CPU, NON_ZERO_DEFAULTS, pod_int_requests
from kbench.cluster.state import ClusterState
from kbench.config.plugin_args import FGDArgs, RandomArgs
from kbench.errors import FieldError, InputError
from kbench.gpu.policies import (
    bestfit_scores,
    clustering_scores,
    dotprod_scores,
    fgd_scores_for,
    packing_scores,
)
from kbench.gpu.requests import GpuRequest, gpu_request
from kbench.gpu.target import TargetWorkload
from kbench.scheduler.framework import CycleState, Plugin, PodInfo

if TYPE_CHECKING:
    from kbench.config.scheduler_config import ProfileConfig


def task_of(pi: PodInfo) -> tuple[int, GpuRequest]:
    """(``c``, GPU request) of the pod: its CPU request with kube's non-zero default, and ``(d, k)``."""
    return pi.compiled("GpuPolicy", 0, lambda: (pod_int_requests(pi.pod, NON_ZERO_DEFAULTS).get(CPU, 0),
                                                  gpu_request(pi.pod)))


class GpuPolicy(Plugin):
    """Base of the six: identity NormalizeScore and the default GPU choice (best fit)."""

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        return None

    def select_gpu(self, state: CycleState, pi: PodInfo, cluster: ClusterState, row: int) -> int | None:
        """The GPU a sharing pod takes on node ``row``; None: the default rule (best fit)."""
        return None


class Random(GpuPolicy):
    """One feasible node drawn uniformly scores 100, the others 0 [K:random_score.go:42]; a sharing
    pod's GPU is drawn uniformly among the node's fitting GPUs. The reference draws in PreScore;
    here Score draws (the same single draw per cycle), so enabling Random at ``score`` alone, as a
    profile usually lists a score plugin, is enough."""

    NAME = "Random"

    def __init__(self, args: dict[str, Any] | None = None) -> None:
        super().__init__(args)
        self.rng = np.random.default_rng(RandomArgs.parse(args).seed)

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        out = np.zeros(len(idx), np.int64)
        out[self.rng.integers(len(idx))] = 100
        return out

    def select_gpu(self, state: CycleState, pi: PodInfo, cluster: ClusterState, row: int) -> int | None:
        _, req = task_of(pi)
        if not req.sharing:
            return None
        fit = cluster.gpus.fitting_gpus(row, req.d)
        return int(fit[self.rng.integers(fit.size)]) if fit.size else None


class DotProd(GpuPolicy):
    """``int(100 (1 - v_n . v_t / 2))`` over (CPU, GPU) normalised by the largest node [K:dot_product_score.go:64]."""

    NAME = "DotProd"

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        c, req = task_of(pi)
        return dotprod_scores(cluster.cpu_left(), cluster.gpus.free, idx, c, req.d, req.k)  # type: ignore[no-any-return]


class GpuClustering(GpuPolicy):
    """Prefers nodes whose pods share the pod's GPU affinity tag [K:gpu_clustering_score.go:32]."""

    NAME = "GpuClustering"

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        _, req = task_of(pi)
        tags = cluster.gpu_tags[: cluster.n_nodes]
        return clustering_scores(cluster.gpus.free, tags, idx, req.d, req.k)  # type: ignore[no-any-return]


class GpuPacking(GpuPolicy):
    """Shared GPUs first, then free GPUs of used nodes, then empty nodes [K:gpu_packing_score.go:71]."""

    NAME = "GpuPacking"

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        _, req = task_of(pi)
        counts = cluster.gpu_count[: cluster.n_nodes]
        return packing_scores(cluster.gpus.free, counts, idx, req.d, req.k)  # type: ignore[no-any-return]


class BestFit(GpuPolicy):
    """Least CPU and GPU left after the pod, min-max normalised [K:best_fit_score.go:66]."""

    NAME = "BestFit"

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        c, req = task_of(pi)
        return bestfit_scores(cluster.cpu_left(), cluster.gpus.free, idx, c, req.d, req.k)  # type: ignore[no-any-return]


class FGD(GpuPolicy):
    """Fragmentation gradient descent: the node (and GPU) where the pod adds least fragmentation of
    the target workload M, ``floor(100 sigmoid(-dF / 1000))`` [K:fgd_score.go:62]."""

    NAME = "FGD"
    CHOICE = "FGD/gpus"
    """CycleState key: (scored rows, GPU chosen on each; -1 for non-sharing pods)."""

    def __init__(self, args: dict[str, Any] | None = None) -> None:
        super().__init__(args)
        source = FGDArgs.parse(args).targetWorkload
        self.target: TargetWorkload | None = None
        if source is not None:
            try:
                self.target = TargetWorkload.load(source)
            except InputError as e:
                raise FieldError("targetWorkload", str(e)) from None

    def use_run_workload(self, target: TargetWorkload | None) -> None:
        """Measure by the run's workload when the profile names no targetWorkload."""
        if self.target is None:
            self.target = target

    def _scores(self, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.target is None:
            raise FieldError("FGD.targetWorkload", "FGD needs a target workload: name one (a pod list or CSV) in its "
                                                   "pluginConfig args, or run it on a pod-list workload")
        c, req = task_of(pi)
        ledger = cluster.gpus
        return fgd_scores_for(cluster.cpu_left(), ledger.free, ledger.model_ids, idx, c, req.d, req.k,
                              self.target.arrays(ledger))

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        scores, gpus = self._scores(pi, cluster, idx)
        state.write(self.CHOICE, (idx, gpus))
        return scores

    def select_gpu(self, state: CycleState, pi: PodInfo, cluster: ClusterState, row: int) -> int | None:
        if not task_of(pi)[1].sharing:
            return None
        choice = state.get(self.CHOICE)
        hit = np.flatnonzero(choice[0] == row) if choice is not None else np.zeros(0, np.int64)
        if hit.size:
            gpu = int(choice[1][hit[0]])
        else:  # a lone feasible node is taken unscored; the GPU is still FGD's
            gpu = int(self._scores(pi, cluster, np.array([row], np.int64))[1][0])
        return gpu if gpu >= 0 else None


def gpu_selector(profile: ProfileConfig) -> GpuPolicy | None:
    """The profile's GPU policy score plugin that picks sharing pods' GPUs: the one with the highest
    weight (first on ties); None without one (the default rule applies)."""
    best: GpuPolicy | None = None
    for name in profile.points.get("score", []):
        p = profile.plugins.get(name)
        if isinstance(p, GpuPolicy) and (best is None or profile.weights[name] > profile.weights[best.NAME]):
            best = p
    return best
