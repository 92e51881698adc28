"""Kubelets: start bound pods after an image-pull delay, run them for their duration, end them.

One process plays every node's kubelet. A pod bound to a node starts (phase Running, startTime)
after pulling the images the node does not already hold (``image_pull_seconds`` per missing
image; zero when every image is present, the fact ImageLocality scores); then, if it has a
duration, it ends after that long as Succeeded (or Failed, with the workload's failure
probability). Pods without a duration run until deleted.

The workload gives a pod's duration and failure probability in annotations:
``kbench.io/duration-seconds`` and ``kbench.io/failure-probability``.

A node's kubelet runs while its Node object exists and it is not stopped (``stop``/``restart``,
used by :mod:`kbench.sim.node_failures`): a pod bound to a node that does not exist is never
started. A stopped kubelet writes nothing: no pod starts, no status, no removal of deleted pods,
no heartbeats. Its containers keep running (a kubelet down or cut off from the API server, the
node *unreachable*): a pod whose duration ends meanwhile ends then, and its final phase is
written when the kubelet restarts. On restart the kubelet re-reads its pods: it starts those bound
meanwhile (pulling images again), removes those deleted meanwhile (at once if their grace period
is over), writes the phases of those that ended, and reports Ready again for running pods the
node controller marked not ready.

With ``heartbeats`` the kubelets post node status and renew node leases
(:mod:`kbench.sim.node_heartbeat`), which the node lifecycle controller watches. They are off by
default: without failures every heartbeat would find the node healthy, and a months-long trace
would need billions of lease writes to say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kbench.api.annotations import DURATION_ANNOTATION, FAILURE_ANNOTATION
from kbench.api.conditions import find, update_pod_condition
from kbench.api.objects import Node, Pod
from kbench.api.resources import image_names
from kbench.cluster.state import TERMINATED_PHASES
from kbench.errors import APIError
from kbench.scheduler.plugins.image_locality import normalized_image_name
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer
from kbench.sim.node_heartbeat import DEFAULT_LEASE_DURATION_SECONDS, JITTER_FACTOR, NodeHeartbeats
from kbench.sim.pod_node_index import index_pods_by_node, pods_on_node


@dataclass
class Kubelets:
    """The kubelets of all nodes, observing pods and nodes through informers."""

    api: APIServer
    image_pull_seconds: float = 0.0
    watch_delay: float = 0.0
    heartbeats: bool = False
    """Post node status and renew node leases (see the module docstring)."""
    lease_duration_seconds: int = DEFAULT_LEASE_DURATION_SECONDS
    lease_jitter: float = JITTER_FACTOR
    heartbeat_rng: np.random.Generator | None = None
    """Draws the lease renewals' jitter (its own stream; default_rng(0) if not given)."""
    started: dict[str, float] = field(default_factory=dict)
    """uid -> simulated time the pod started."""
    finished: dict[str, float] = field(default_factory=dict)
    """uid -> simulated time the pod's containers succeeded or failed."""
    deleted: dict[str, float] = field(default_factory=dict)
    """uid -> simulated time a deleted pod's containers stopped and its object was removed."""
    running_with_end: int = 0
    """Pods started that will end by themselves (have a duration) and have not ended yet."""

    def __post_init__(self) -> None:
        self.engine = self.api.engine
        self.nodes = Informer(self.api, "Node", delay=self.watch_delay)
        self.pods = Informer(self.api, "Pod", delay=self.watch_delay)
        index_pods_by_node(self.pods)
        self.nodes.add_handlers(on_add=self._node_added, on_delete=self._node_deleted)
        self.pods.add_handlers(on_add=self._seen, on_update=lambda old, new: self._seen(new), on_delete=self._gone)
        self.heartbeat = (NodeHeartbeats(self.api, self.lease_duration_seconds, self.lease_jitter, self.heartbeat_rng)
                          if self.heartbeats else None)
        self.stopped: set[str] = set()
        """Nodes whose kubelet is stopped."""
        self._handled: set[str] = set()
        self._ends: dict[str, Any] = {}
        """uid -> the engine event that ends a running pod with a duration."""
        self._terminations: dict[str, float] = {}
        """uid -> when the kubelet will have stopped a deleted pod (its deletionTimestamp)."""
        self._unreported: dict[str, str] = {}
        """uid -> the phase a pod ended in while its kubelet was stopped (written on restart)."""

    def start(self) -> None:
        self.nodes.start()
        self.pods.start()

    # ---- kubelets starting and stopping --------------------------------------------------------

    def running(self, node: str) -> bool:
        """Whether the node exists and its kubelet is not stopped."""
        return node not in self.stopped and self._node(node) is not None

    def stop(self, node: str) -> None:
        """Stop the node's kubelet: from now on it writes nothing."""
        self.stopped.add(node)
        if self.heartbeat is not None:
            self.heartbeat.stop(node)

    def restart(self, node: str) -> None:
        """Start the node's kubelet again: heartbeats resume and it catches up with its pods."""
        self.stopped.discard(node)
        if self._node(node) is None:
            return
        if self.heartbeat is not None:
            self.heartbeat.start(node)
        self._resync(node)

    def _node_added(self, node: Node) -> None:
        """A node joins: its kubelet starts."""
        self.restart(node.name)

    def _node_deleted(self, node: Node) -> None:
        """A node is gone: so is its kubelet."""
        self.stop(node.name)

    def _resync(self, node: str) -> None:
        """A (re)started kubelet's first sync: write what it could not, then handle every pod as new."""
        for pod in pods_on_node(self.pods, node):
            assert isinstance(pod, Pod)
            uid = pod.metadata.uid or pod.key
            phase = self._unreported.pop(uid, None)
            if phase is not None:
                self.api.submit(self._write_phase, pod.namespace, pod.metadata.name, uid, phase, {})
            elif uid in self.started and uid not in self.finished and pod.metadata.deletion_timestamp is None:
                self.api.submit(self._write_ready, pod.namespace, pod.metadata.name, uid)
            self._seen(pod)

    # ---- pods ----------------------------------------------------------------------------------

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
        node = pod.spec.node_name
        if not node or not self.running(node):
            return
        if pod.metadata.deletion_timestamp is not None:
            self._terminate_by(pod, uid, float(pod.metadata.deletion_timestamp))
            return
        if uid in self._handled or pod.status.get("phase") in TERMINATED_PHASES:
            return
        self._handled.add(uid)
        delay = self.pull_seconds(pod, self._node(node))
        self.engine.schedule(delay, self._start, pod.namespace, pod.metadata.name, uid, node)

    def _gone(self, pod: Pod) -> None:
        """The pod object is deleted: nothing of it is left to start or stop, so its book-keeping goes
        (a run would otherwise keep an entry per pod it ever saw)."""
        uid = pod.metadata.uid or pod.key
        self._handled.discard(uid)
        self._terminations.pop(uid, None)

    def _terminate_by(self, pod: Pod, uid: str, deadline: float) -> None:
        """Stop a deleted pod's containers by its deletionTimestamp (they are given the whole
        grace period), then remove the object with grace 0, as the kubelet's status manager does."""
        if self._terminations.get(uid, float("inf")) <= deadline:
            return
        self._terminations[uid] = deadline
        self.engine.at(max(deadline, self.engine.now), self._terminate, pod.namespace, pod.metadata.name, uid,
                       deadline, pod.spec.node_name)

    def _terminate(self, ns: str, name: str, uid: str, deadline: float, node: str) -> None:
        if self._terminations.get(uid) != deadline or self._exists(ns, name, uid) is None:
            return
        if not self.running(node):
            del self._terminations[uid]  # the restarted kubelet will see the deletion again
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
        pod = self._exists(ns, name, uid)
        if pod is None:
            return None
        status = {**pod.status, "phase": phase, **extra}
        return self.api.update(pod.model_copy(update={"status": status}))  # type: ignore[return-value]

    def _write_ready(self, ns: str, name: str, uid: str) -> Pod | None:
        """Report a running pod Ready again (its containers never stopped); None if it already is."""
        pod = self._exists(ns, name, uid)
        if pod is None or pod.status.get("phase") in TERMINATED_PHASES:
            return None
        ready = find(pod.status.get("conditions"), "Ready")
        if ready is not None and ready.get("status") == "True":
            return None
        conditions, _ = update_pod_condition(pod.status.get("conditions"), {"type": "Ready", "status": "True"},
                                             self.engine.now)
        return self.api.update(pod.model_copy(update={"status": {**pod.status, "conditions": conditions}}))  # type: ignore[return-value]

    def _exists(self, ns: str, name: str, uid: str) -> Pod | None:
        try:
            pod = self.api.get("Pod", ns, name)
        except APIError:
            return None
        return pod if isinstance(pod, Pod) and (pod.metadata.uid or pod.key) == uid else None

    def _start(self, ns: str, name: str, uid: str, node: str) -> None:
        """Start the containers now and report Running and Ready; end them after the pod's duration."""
        pod = self._exists(ns, name, uid)
        if pod is None or pod.metadata.deletion_timestamp is not None:
            return
        if not self.running(node):
            self._handled.discard(uid)  # the restarted kubelet starts it
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
        self._ends[uid] = self.engine.schedule(float(raw), self._end, ns, name, uid, "Failed" if failed else "Succeeded",
                                               node)

    def _end(self, ns: str, name: str, uid: str, phase: str, node: str) -> None:
        self.running_with_end -= 1
        self._ends.pop(uid, None)
        if self._exists(ns, name, uid) is None:
            return
        self.finished[uid] = self.engine.now
        if self.running(node):
            self.api.submit(self._write_phase, ns, name, uid, phase, {})
        else:
            self._unreported[uid] = phase
