"""What kube-controller-manager's controllers share: informers shared per kind (one watch per
kind for all controllers, as SharedInformerFactory), a work queue per controller, owner
references, and pod creation from a template (controller_utils.go's PodControl)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from pydantic import BaseModel

from kbench.api.objects import ObjectMeta, OwnerReference, Pod
from kbench.controllers.workqueue import BUCKET_BURST, BUCKET_QPS, TokenBucket, WorkQueue
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, object_key
from kbench.sim.informers import Informer, controller_index, namespace_index


class InformerFactory:
    """One informer per kind, indexed by namespace, by controller uid and by the namespace of
    objects without a controller (orphans, which controllers adopt), shared by the controllers."""

    def __init__(self, api: APIServer, delay: float = 0.0) -> None:
        self.api = api
        self.delay = delay
        self._informers: dict[str, Informer] = {}
        self._started = False

    def get(self, kind: str) -> Informer:
        inf = self._informers.get(kind)
        if inf is None:
            if self._started:
                raise RuntimeError(f"informer for {kind} requested after the factory started")
            inf = Informer(self.api, kind, delay=self.delay)
            inf.add_indexer("namespace", namespace_index)
            inf.add_indexer("controller", controller_index)
            inf.add_indexer(ORPHAN_INDEX, orphan_index)
            self._informers[kind] = inf
        return inf

    def start(self) -> None:
        """List and watch every kind requested so far (in the order requested)."""
        self._started = True
        for inf in self._informers.values():
            inf.start()


ORPHAN_INDEX = "orphan"
"""Informer index: the namespace of each object that has no controller (the orphan keys of
PodControllerUIDIndex), so a controller lists its own objects and its namespace's orphans only."""


def orphan_index(obj: BaseModel) -> list[str]:
    """The namespace of an object without a controller; nothing for an owned one."""
    return [] if controller_of(obj) is not None else [obj.metadata.namespace or "default"]  # type: ignore[attr-defined]


def controller_ref(owner: BaseModel) -> OwnerReference:
    """metav1.NewControllerRef: controller and blockOwnerDeletion true."""
    return OwnerReference(api_version=owner.api_version, kind=owner.kind,  # type: ignore[attr-defined]
                          name=owner.metadata.name, uid=owner.metadata.uid or "",  # type: ignore[attr-defined]
                          controller=True, block_owner_deletion=True)


def controller_of(obj: BaseModel) -> OwnerReference | None:
    """metav1.GetControllerOf: the ownerReference with ``controller: true``, if any."""
    return next((o for o in obj.metadata.owner_references if o.controller), None)  # type: ignore[attr-defined]


def is_pod_active(pod: Pod) -> bool:
    """controller.IsPodActive: not Succeeded, not Failed, not being deleted."""
    return pod.status.get("phase") not in ("Succeeded", "Failed") and pod.metadata.deletion_timestamp is None


def is_pod_ready(pod: Pod) -> bool:
    """podutil.IsPodReady: the Ready condition is True."""
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.status.get("conditions", ()))


def is_pod_available(pod: Pod, min_ready_seconds: int, now: float) -> bool:
    """podutil.IsPodAvailable: ready for ``min_ready_seconds``. Go compares with a strict
    ``Before``, but its clock has always moved on a little when a requeue after exactly
    minReadySeconds runs; the simulated clock has not, so the bound is inclusive here."""
    for c in pod.status.get("conditions", ()):
        if c.get("type") == "Ready" and c.get("status") == "True":
            return min_ready_seconds == 0 or float(c.get("lastTransitionTime", 0.0)) + min_ready_seconds <= now
    return False


def pod_from_template(template: Any, owner: BaseModel, generate_name: str | None = None,
                      name: str | None = None, extra_labels: dict[str, str] | None = None) -> Pod:
    """controller.GetPodFromTemplate: the template's labels, annotations and spec, owned by ``owner``."""
    meta = ObjectMeta(
        name=name or "",
        generate_name=None if name else (generate_name if generate_name is not None else f"{owner.metadata.name}-"),  # type: ignore[attr-defined]
        namespace=owner.metadata.namespace,  # type: ignore[attr-defined]
        labels={**template.metadata.labels, **(extra_labels or {})},
        annotations=dict(template.metadata.annotations),
        finalizers=template.metadata.finalizers,
        owner_references=[controller_ref(owner)],
    )
    return Pod(metadata=meta, spec=template.spec)


class Controller:
    """A controller: handlers turn informer events into keys; ``sync(key)`` reconciles one key.

    A sync that raises APIError is retried with the queue's per-key backoff (as a returned error
    is in kube-controller-manager); a successful one resets the backoff."""

    name = "controller"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        self.api = api
        self.engine = api.engine
        self.informers = informers
        self.queue = WorkQueue(api.engine, self._process, bucket=TokenBucket(BUCKET_QPS, BUCKET_BURST))

    def now(self) -> float:
        return self.engine.now

    def start(self) -> None:
        """Called once the shared informers have listed (override to start periodic work)."""

    @property
    def idle(self) -> bool:
        """No work queued, in progress or scheduled (override when a controller keeps other timers)."""
        return self.queue.idle

    def sync(self, key: Hashable) -> None:
        raise NotImplementedError

    def _process(self, key: Hashable) -> None:
        try:
            self.sync(key)
        except APIError:
            self.queue.add_rate_limited(key)
            return
        self.queue.forget(key)

    def event(self, obj: BaseModel, kind: str, reason: str, message: str) -> None:
        """Record a Kubernetes Event about ``obj``."""
        self.api.event(kind, reason, obj.kind, object_key(obj), message)  # type: ignore[attr-defined]

    def write(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None) -> None:
        """Send a write through the API server (it commits after the latency model's delay)."""
        self.api.submit(fn, *args, on_done=on_done)
