"""A pod's GPU request ``(d, k, models)`` read from its extended resources, once per pod spec.

The workload convention of :mod:`kbench.sim.workload`: ``nvidia.com/gpu: k`` asks for k whole GPUs
(``d = 1000``); a GPU-sharing pod asks only ``alibabacloud.com/gpu-milli: d`` with ``0 < d < 1000``
(``k = 1``); ``gpu-milli`` of 1000 or more without ``nvidia.com/gpu`` means whole GPUs
(``k = gpu-milli / 1000``, which must divide); allowed models come from the required node affinity
on ``kbench.io/gpu-model`` (:func:`~kbench.sim.workload.gpu_models`, empty = any).

Examples
--------
>>> from kbench.api.objects import Pod
>>> p = Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [
...     {"name": "c", "resources": {"requests": {"alibabacloud.com/gpu-milli": "460"}}}]}})
>>> gpu_request(p)
GpuRequest(d=460, k=1, models=())
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from kbench.api.objects import Pod, PodSpec
from kbench.api.resources import pod_int_requests
from kbench.errors import FieldError
from kbench.gpu.frag import MILLI
from kbench.sim.workload import GPU, GPU_MILLI, gpu_models


@dataclass(frozen=True)
class GpuRequest:
    """``d`` milli-GPU on each of ``k`` GPUs of a model in ``models`` (empty = any); k = 0: CPU-only."""

    d: int
    k: int
    models: tuple[str, ...] = ()

    @property
    def sharing(self) -> bool:
        """A GPU-sharing request: part of one GPU."""
        return self.k == 1 and self.d < MILLI

    @property
    def total(self) -> int:
        """Milli-GPU asked for in all (``k * d``)."""
        return self.k * self.d


CPU_ONLY = GpuRequest(0, 0)

_MEMO: dict[int, tuple[weakref.ref[PodSpec], GpuRequest]] = {}
"""id(spec) -> (weak reference to the spec, its request); checked by identity, dropped with the spec."""


def gpu_request(pod: Pod) -> GpuRequest:
    """The GPU request of ``pod``, computed once per PodSpec object (specs are immutable).

    Raises FieldError for a request that is not one of the three forms (gpu-milli >= 1000 not a
    multiple of 1000 without ``nvidia.com/gpu``, or ``nvidia.com/gpu`` with a gpu-milli other than
    ``k * 1000``).
    """
    spec = pod.spec
    key = id(spec)
    hit = _MEMO.get(key)
    if hit is not None and hit[0]() is spec:
        return hit[1]
    req = _compute(pod)
    _MEMO[key] = (weakref.ref(spec, lambda ref: _forget(key, ref)), req)
    return req


def _forget(key: int, ref: weakref.ref[PodSpec]) -> None:
    """Weakref callback: drop the memo of a spec that no longer exists (unless the key was reused)."""
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is ref:
        del _MEMO[key]


def _compute(pod: Pod) -> GpuRequest:
    """gpu_request itself."""
    reqs = pod_int_requests(pod)
    k = reqs.get(GPU, 0)
    milli = reqs.get(GPU_MILLI, 0)
    if k == 0 and milli == 0:
        return CPU_ONLY
    models = tuple(gpu_models(pod))
    where = f"pod {pod.key}: resources.requests"
    if k > 0:
        if milli not in (0, k * MILLI):
            raise FieldError(where, f"{GPU} {k} asks for whole GPUs, so {GPU_MILLI} must be {k * MILLI} "
                                    f"or absent, got {milli}")
        return GpuRequest(MILLI, k, models)
    if milli < MILLI:
        return GpuRequest(milli, 1, models)
    if milli % MILLI:
        raise FieldError(where, f"{GPU_MILLI} {milli} is more than one GPU but not whole GPUs "
                                f"(a multiple of {MILLI}); a pod shares at most one GPU")
    return GpuRequest(MILLI, milli // MILLI, models)
