"""The taint eviction controller (pkg/controller/tainteviction/taint_eviction.go, kube-controller-manager's
"taint-eviction-controller"): pods on a node with NoExecute taints they do not all tolerate are
deleted at once; pods that tolerate them all for a while (``tolerationSeconds``) are deleted when
the shortest of the tolerations they use runs out (getMinTolerationTime), counted from when the
controller saw the taint; pods that tolerate them forever stay. A taint removed in time cancels
the deletion (event TaintManagerEviction "Cancelling deletion of Pod NS/NAME").

A deletion records the event TaintManagerEviction "Marking for deletion Pod NS/NAME", adds the
pod condition DisruptionTarget (reason DeletionByTaintManager) and deletes the pod with its
grace period (retried 5 times, 10 ms apart, on failure). On a node whose kubelet is gone nobody
confirms the deletion: the pod stays Terminating (its controller already counts it as gone and
replaces it) until the kubelet returns, or the Node is deleted and the pod GC force-deletes it.

Simplified: the node and pod update queues are one work queue in arrival order (Go's workers
take pending node updates first; either order reaches the same decisions).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from kbench.api.conditions import update_pod_condition
from kbench.api.objects import Node, Pod, Taint, Toleration
from kbench.api.selectors import tolerates
from kbench.api.taints import no_execute
from kbench.controllers.base import Controller, InformerFactory
from kbench.controllers.manager import register
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.pod_node_index import index_pods_by_node, pods_on_node

RETRIES = 5
RETRY_DELAY = 0.01


def matching_tolerations(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> tuple[bool, list[Toleration]]:
    """v1helper.GetMatchingTolerations: whether every taint is tolerated, and for each taint the first
    toleration that tolerates it."""
    if not taints:
        return True, []
    used = []
    for taint in taints:
        tol = next((t for t in tolerations if tolerates(t, taint)), None)
        if tol is None:
            return False, []
        used.append(tol)
    return True, used


def min_toleration_seconds(tolerations: Sequence[Toleration]) -> float:
    """getMinTolerationTime: the shortest tolerationSeconds (0 if one is <= 0 or there are none), -1 if all
    tolerate forever."""
    if not tolerations:
        return 0.0
    least = math.inf
    for t in tolerations:
        if t.toleration_seconds is not None:
            if t.toleration_seconds <= 0:
                return 0.0
            least = min(least, float(t.toleration_seconds))
    return -1.0 if least == math.inf else least


@dataclass(eq=False)
class _Worker:
    """A TimedWorker: a deletion due at ``fire_at``; ``timer`` None once it runs. An immediate one (due
    when created) has no timer at all and cannot be cancelled."""

    created_at: float
    fire_at: float
    immediate: bool
    timer: Any = None


@register
class TaintEvictionController(Controller):
    """Deletes pods from nodes with NoExecute taints they do not tolerate (long enough)."""

    name = "taint-eviction-controller"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.pods = informers.get("Pod")
        self.nodes = informers.get("Node")
        index_pods_by_node(self.pods)
        self.pods.add_handlers(on_add=lambda pod: self._pod_updated(None, pod), on_update=self._pod_updated,
                               on_delete=lambda pod: self._pod_updated(pod, None))
        self.nodes.add_handlers(on_add=lambda node: self._node_updated(None, node), on_update=self._node_updated,
                                on_delete=lambda node: self._node_updated(node, None))
        self.tainted_nodes: dict[str, list[Taint]] = {}
        """taintedNodes: node -> its NoExecute taints (nodes without any are absent)."""
        self.workers: dict[str, _Worker] = {}
        """taintEvictionQueue: "ns/name" -> the pod's pending or running deletion."""
        self._running = 0
        """Deletions whose writes are in flight (a cancelled one runs to its end)."""

    @property
    def idle(self) -> bool:
        """No update queued and no deletion pending or in flight."""
        return self.queue.idle and not self.workers and self._running == 0

    # ---- informer handlers ---------------------------------------------------------------------

    def _pod_updated(self, old: Pod | None, new: Pod | None) -> None:
        """PodUpdated: a pod whose tolerations or node changed is looked at again."""
        if old is not None and new is not None and (old.spec.tolerations == new.spec.tolerations
                                                    and old.spec.node_name == new.spec.node_name):
            return
        pod = new if new is not None else old
        assert pod is not None
        self.queue.add(("pod", pod.namespace, pod.metadata.name, pod.spec.node_name))

    def _node_updated(self, old: Node | None, new: Node | None) -> None:
        """NodeUpdated: a node whose NoExecute taints changed is looked at again."""
        if old is not None and new is not None and no_execute(old.spec.taints) == no_execute(new.spec.taints):
            return
        node = new if new is not None else old
        assert node is not None
        self.queue.add(("node", node.name))

    def sync(self, key: Hashable) -> None:
        assert isinstance(key, tuple)
        if key[0] == "node":
            self._handle_node_update(key[1])
        else:
            self._handle_pod_update(key[1], key[2], key[3])

    def _handle_pod_update(self, namespace: str, name: str, node_name: str) -> None:
        pod = self.pods.get(registry_key("Pod", namespace, name))
        key = f"{namespace}/{name}"
        if not isinstance(pod, Pod):
            self._cancel_with_event(key)
            return
        if pod.spec.node_name != node_name or not node_name:
            return
        taints = self.tainted_nodes.get(node_name)
        if taints is None:
            return
        self._process_pod_on_node(pod, taints, self.now())

    def _handle_node_update(self, name: str) -> None:
        node = self.nodes.get(registry_key("Node", None, name))
        if not isinstance(node, Node):
            self.tainted_nodes.pop(name, None)
            return
        taints = no_execute(node.spec.taints)
        if taints:
            self.tainted_nodes[name] = taints
        else:
            self.tainted_nodes.pop(name, None)
        pods = [p for p in pods_on_node(self.pods, name) if isinstance(p, Pod)]
        if not pods:
            return
        if not taints:
            for pod in pods:
                self._cancel_with_event(f"{pod.namespace}/{pod.metadata.name}")
            return
        now = self.now()
        for pod in pods:
            self._process_pod_on_node(pod, taints, now)

    # ---- processPodOnNode ----------------------------------------------------------------------

    def _process_pod_on_node(self, pod: Pod, taints: list[Taint], now: float) -> None:
        key = f"{pod.namespace}/{pod.metadata.name}"
        if not taints:
            self._cancel_with_event(key)
        all_tolerated, used = matching_tolerations(taints, pod.spec.tolerations)
        if not all_tolerated:
            self._cancel_with_event(key)
            self._add_work(pod, now, now)
            return
        seconds = min_toleration_seconds(used)
        if seconds < 0:
            self._cancel_with_event(key)
            return
        start, trigger = now, now + seconds
        scheduled = self.workers.get(key)
        if scheduled is not None and not scheduled.immediate:
            start = scheduled.created_at
            if start + seconds < trigger:
                return
            self._cancel_with_event(key)
        self._add_work(pod, start, trigger)

    def _add_work(self, pod: Pod, created_at: float, fire_at: float) -> None:
        """TimedWorkerQueue.AddWork: nothing if the pod already has a deletion; run it now if it is due."""
        key = f"{pod.namespace}/{pod.metadata.name}"
        if key in self.workers:
            return
        delay = fire_at - created_at
        worker = _Worker(created_at, fire_at, immediate=delay <= 0)
        self.workers[key] = worker
        if worker.immediate:
            self._fire(worker, pod.namespace, pod.metadata.name)
        else:
            worker.timer = self.engine.schedule(delay, self._fire, worker, pod.namespace, pod.metadata.name)

    def _cancel_with_event(self, key: str) -> None:
        """cancelWorkWithEvent: drop the pod's deletion; a cancelled pending one is reported."""
        worker = self.workers.pop(key, None)
        if worker is None or worker.immediate:
            return
        if worker.timer is not None:
            worker.timer.cancel()
        self.api.event("Normal", "TaintManagerEviction", "Pod", key, f"Cancelling deletion of Pod {key}")

    # ---- deletePodHandler ----------------------------------------------------------------------

    def _fire(self, worker: _Worker, namespace: str, name: str) -> None:
        key = f"{namespace}/{name}"
        worker.timer = None
        self._running += 1
        self.api.event("Normal", "TaintManagerEviction", "Pod", key, f"Marking for deletion Pod {key}")
        self._attempt(worker, namespace, name, 1)

    def _attempt(self, worker: _Worker, namespace: str, name: str, attempt: int) -> None:
        """addConditionAndDeletePod: mark the pod a disruption target, then delete it."""
        self.write(self._add_condition, namespace, name,
                   on_done=lambda result: self._conditioned(worker, namespace, name, attempt, result))

    def _add_condition(self, namespace: str, name: str) -> Pod:
        pod = self.api.get("Pod", namespace, name)
        assert isinstance(pod, Pod)
        condition = {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                     "message": "Taint manager: deleting due to NoExecute taint"}
        conditions, changed = update_pod_condition(pod.status.get("conditions"), condition, self.now())
        if not changed:
            return pod
        meta = pod.metadata.model_copy(update={"resource_version": None})
        return self.api.update(pod.model_copy(update={"metadata": meta,  # type: ignore[return-value]
                                                      "status": {**pod.status, "conditions": conditions}}))

    def _conditioned(self, worker: _Worker, namespace: str, name: str, attempt: int, result: Any) -> None:
        if isinstance(result, Exception):
            self._retry(worker, namespace, name, attempt)
            return
        self.write(self.api.delete, "Pod", namespace, name,
                   on_done=lambda deleted: self._deleted(worker, namespace, name, attempt, deleted))

    def _deleted(self, worker: _Worker, namespace: str, name: str, attempt: int, result: Any) -> None:
        if isinstance(result, Exception):
            self._retry(worker, namespace, name, attempt)
            return
        self._finish(worker, namespace, name)

    def _retry(self, worker: _Worker, namespace: str, name: str, attempt: int) -> None:
        if attempt >= RETRIES:
            self._finish(worker, namespace, name)
            return
        self.engine.schedule(RETRY_DELAY, self._attempt, worker, namespace, name, attempt + 1)

    def _finish(self, worker: _Worker, namespace: str, name: str) -> None:
        self._running -= 1
        key = f"{namespace}/{name}"
        if self.workers.get(key) is worker:
            del self.workers[key]
