"""What pods.parquet reads from a Pod object, taken once so a deleted pod need not be kept whole.

A run keeps every pod that left the API server for its results row; as a Pod model that is about
8 KB, as PodFacts a few hundred bytes. The times (created, scheduled, started, finished, deleted)
come from the components that saw them, not from here.
"""

from __future__ import annotations

from typing import NamedTuple

from kbench.api.objects import Pod
from kbench.api.qos import qos_class
from kbench.api.resources import pod_int_requests
from kbench.controllers.base import controller_of
from kbench.sim.workload import GPU, GPU_MILLI, gpu_models


class PodFacts(NamedTuple):
    """The columns of a pods.parquet row that come from the Pod itself."""

    uid: str
    namespace: str
    name: str | None
    owner_kind: str | None
    owner_name: str | None
    priority: int
    qos_class: str
    cpu_milli: int
    memory_bytes: int
    gpu: int
    gpu_milli: int
    gpu_model: str | None
    node: str | None
    phase: str


def pod_facts(p: Pod) -> PodFacts:
    """The facts of ``p`` as it is now (its last state, for a deleted pod)."""
    req = pod_int_requests(p)
    gpu = req.get(GPU, 0)
    owner = controller_of(p)
    return PodFacts(
        uid=p.metadata.uid or p.key, namespace=p.namespace, name=p.metadata.name,
        owner_kind=owner.kind if owner else None, owner_name=owner.name if owner else None,
        priority=p.spec.priority or 0, qos_class=qos_class(p),
        cpu_milli=req.get("cpu", 0), memory_bytes=req.get("memory", 0),
        gpu=gpu, gpu_milli=0 if gpu else req.get(GPU_MILLI, 0), gpu_model="|".join(gpu_models(p)) or None,
        node=p.spec.node_name or None, phase=p.status.get("phase", "Pending"),
    )
