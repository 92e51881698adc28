"""Kubelets: start bound pods after an image-pull delay, run them for their duration, end them.

One process plays every node's kubelet. A pod bound to a node starts (phase Running, startTime)
after pulling the images the node does not already hold (``image_pull_seconds`` per missing
image; zero when every image is present, the fact ImageLocality scores); then, if it has a
duration, it ends after that long as Succeeded (or Failed, with the workload's failure
probability). Pods without a duration run until deleted.

The workload gives a pod's duration and failure probability in annotations:
``kbench.io/duration-seconds`` and ``kbench.io/failure-probability``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kbench.api.annotations import DURATION_ANNOTATION, FAILURE_ANNOTATION
from kbench.api.objects import Node, Pod
from kbench.api.resources import image_names
from kbench.cluster.state import TERMINATED_PHASES
from kbench.errors import APIError
from kbench.scheduler.plugins.image_locality import normalized_image_name
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer


@dataclass
class Kubelets:
    """The kubelets of all nodes, observing pods and nodes through informers."""

    api: APIServer
    image_pull_seconds: float = 0.0
    watch_delay: float = 0.0
    started: dict[str, float] = field(default_factory=dict)
    """uid -> simulated time the pod started."""
    finished: dict[str, float] = field(default_factory=dict)
    """uid -> simulated time the pod succeeded or failed."""
    deleted: dict[str, float] = field(default_factory=dict)
    """uid -> simulated time a deleted pod's containers stopped and its object was removed."""
    running_with_end: int = 0
    """Pods started that will end by themselves (have a duration) and have not ended yet."""

    def __post_init__(self) -> None:
        self.engine = self.api.engine
        self.nodes = Informer(self.api, "Node", delay=self.watch_delay)
        self.pods = Informer(self.api, "Pod", delay=self.watch_delay)
        self.pods.add_handlers(on_add=self._seen, on_update=lambda old, new: self._seen(new))
        self._handled: set[str] = set()
        self._ends: dict[str, Any] = {}
        """uid -> the engine event that ends a running pod with a duration."""
        self._terminations: dict[str, float] = {}
        """uid -> when the kubelet will have stopped a deleted pod (its deletionTimestamp)."""

    def start(self) -> None:
        self.nodes.start()
        self.pods.start()

    def _node(self, name: str) -> Node | None:
        node = self.nodes.get(registry_key("Node", None, name))
        return node if isinstance(node, Node) else None

    def pull_seconds(self, pod: Pod, node: Node | None) -> float:
        """image_pull_seconds for each of the pod's images the node does not list."""
        have = {n for img in node.status.images for n in img.names} if node else set()
        missing = {normalized_image_name(i) for i in image_names(pod)} - have
        return self.image_pull_seconds * len(missing)

    def _seen(self, pod: Pod) -> None:
        uid = pod.metadata.uid or pod.key
        if pod.metadata.deletion_timestamp is not None and pod.spec.node_name:
            self._terminate_by(pod, uid, float(pod.metadata.deletion_timestamp))
            return
        if not pod.spec.node_name or uid in self._handled or pod.status.get("phase") in TERMINATED_PHASES:
            return
        self._handled.add(uid)
        delay = self.pull_seconds(pod, self._node(pod.spec.node_name))
        self.engine.schedule(delay, self._start, pod.namespace, pod.metadata.name, uid)

    def _terminate_by(self, pod: Pod, uid: str, deadline: float) -> None:
        """Stop a deleted pod's containers by its deletionTimestamp (they are given the whole
        grace period), then remove the object with grace 0, as the kubelet's status manager does."""
        if self._terminations.get(uid, float("inf")) <= deadline:
            return
        self._terminations[uid] = deadline
        self.engine.at(max(deadline, self.engine.now), self._terminate, pod.namespace, pod.metadata.name, uid, deadline)

    def _terminate(self, ns: str, name: str, uid: str, deadline: float) -> None:
        if self._terminations.get(uid) != deadline or self._exists(ns, name, uid) is None:
            return
        end = self._ends.pop(uid, None)
        if end is not None:
            end.cancel()
            self.running_with_end -= 1
        self.deleted[uid] = self.engine.now
        self.api.submit(self._remove, ns, name, uid)

    def _remove(self, ns: str, name: str, uid: str) -> Pod | None:
        if self._exists(ns, name, uid) is None:
            return None
        return self.api.delete("Pod", ns, name, grace_seconds=0)  # type: ignore[return-value]

    def _write_phase(self, ns: str, name: str, uid: str, phase: str, extra: dict[str, object]) -> Pod | None:
        """Patch the pod's status (phase and ``extra``) as it stands when the write commits; None
        if the pod is gone or replaced (kubelets patch status, with no resourceVersion check)."""
        try:
            pod = self.api.get("Pod", ns, name)
        except APIError:
            return None
        if (pod.metadata.uid or pod.key) != uid:  # type: ignore[attr-defined]
            return None
        status = {**pod.status, "phase": phase, **extra}  # type: ignore[attr-defined]
        return self.api.update(pod.model_copy(update={"status": status}))  # type: ignore[return-value]

    def _exists(self, ns: str, name: str, uid: str) -> Pod | None:
        try:
            pod = self.api.get("Pod", ns, name)
        except APIError:
            return None
        return pod if isinstance(pod, Pod) and (pod.metadata.uid or pod.key) == uid else None

    def _start(self, ns: str, name: str, uid: str) -> None:
        """Start the containers now and report Running and Ready; end them after the pod's duration."""
        pod = self._exists(ns, name, uid)
        if pod is None or pod.metadata.deletion_timestamp is not None:
            return
        self.started[uid] = self.engine.now
        now = self.engine.now
        ready = [{"type": "Ready", "status": "True", "lastTransitionTime": now}]
        self.api.submit(self._write_phase, ns, name, uid, "Running", {"startTime": now, "conditions": ready})
        raw = pod.metadata.annotations.get(DURATION_ANNOTATION)
        if raw is None:
            return
        failure = float(pod.metadata.annotations.get(FAILURE_ANNOTATION, 0.0))
        failed = failure > 0 and bool(self.engine.rng.random() < failure)
        self.running_with_end += 1
        self._ends[uid] = self.engine.schedule(float(raw), self._end, ns, name, uid, "Failed" if failed else "Succeeded")

    def _end(self, ns: str, name: str, uid: str, phase: str) -> None:
        self.running_with_end -= 1
        self._ends.pop(uid, None)
        if self._exists(ns, name, uid) is not None:
            self.finished[uid] = self.engine.now
            self.api.submit(self._write_phase, ns, name, uid, phase, {})
