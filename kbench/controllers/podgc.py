"""The pod garbage collector (pkg/controller/podgc/gc_controller.go, kube-controller-manager's "podgc").

Every gcCheckPeriod (20 s) it:

- deletes the oldest terminated pods (phase Succeeded or Failed; evicted ones first, then by
  creation time, then name) beyond --terminated-pod-gc-threshold (12,500);
- force-deletes terminating pods on a node that is not Ready and carries the
  ``node.kubernetes.io/out-of-service`` taint (an operator's word that the node is gone);
- force-deletes orphaned pods, bound to a node that does not exist: a missing node is quarantined
  for quarantineTime (40 s); if it still does not exist then (a GET to the API server), each of
  its pods is marked Failed with the condition DisruptionTarget (reason DeletionByPodGC) and
  deleted with grace 0;
- force-deletes terminating pods that were never bound to a node.

Pods of a node that is unreachable but still exists are left alone: they stay Terminating after
the taint eviction controller deleted them, as in Kubernetes, until their kubelet comes back, the
Node object is deleted or the node is tainted out-of-service.

Simplified: the pod lists are kept current from the informer (terminated pods in a heap) instead
of being listed every pass, and passes are run only on the 20 s grid points where one of the four
collections has something to look at -- the same outcome as a pass every 20 s.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from kbench.api.conditions import node_ready_status, update_pod_condition
from kbench.api.objects import Node, Pod
from kbench.api.taints import TAINT_NODE_OUT_OF_SERVICE, taint_key_exists
from kbench.cluster.state import TERMINATED_PHASES
from kbench.controllers.base import Controller, InformerFactory
from kbench.controllers.manager import register
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.pod_node_index import index_pods_by_node, pods_on_node

GC_CHECK_PERIOD = 20.0
QUARANTINE_TIME = 40.0
TERMINATED_POD_GC_THRESHOLD = 12500
"""--terminated-pod-gc-threshold; 0 disables the collection of terminated pods."""


def _evicted(pod: Pod) -> bool:
    """eviction.PodIsEvicted: Failed with reason Evicted."""
    return pod.status.get("phase") == "Failed" and pod.status.get("reason") == "Evicted"


def _order(pod: Pod) -> tuple[bool, float, str]:
    """byEvictionAndCreationTimestamp."""
    return not _evicted(pod), float(pod.metadata.creation_timestamp or 0.0), pod.metadata.name


@register
class PodGCController(Controller):
    """Deletes terminated pods beyond a threshold and pods no kubelet will ever remove."""

    name = "podgc"
    terminated_pod_gc_threshold = TERMINATED_POD_GC_THRESHOLD

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.pods = informers.get("Pod")
        self.nodes = informers.get("Node")
        index_pods_by_node(self.pods)
        self.pods.add_handlers(on_add=self._pod_seen, on_update=lambda old, new: self._pod_seen(new),
                               on_delete=self._pod_deleted)
        self.nodes.add_handlers(on_add=self._node_seen, on_update=lambda old, new: self._node_seen(new),
                                on_delete=self._node_deleted)
        self._terminated: dict[str, tuple[bool, float, str, str, str]] = {}
        """uid -> heap entry of each terminated pod."""
        self._heap: list[tuple[bool, float, str, str, str]] = []
        self._terminating: dict[str, Pod] = {}
        """key -> terminating pods (deletionTimestamp set)."""
        self._terminating_on: dict[str, int] = {}
        """node name ('' for unbound) -> terminating pods there (so a check is O(1), not O(pods))."""
        self._oos: set[str] = set()
        """Nodes not Ready and tainted out-of-service (their terminating pods are force-deleted)."""
        self._missing: set[str] = set()
        """Names of nodes that do not exist and have pods bound to them."""
        self._quarantine: dict[str, float] = {}
        """nodeQueue: missing node -> when its quarantine ends."""
        self._timer: Any = None
        self._last_pass = -math.inf
        self._started_at: float | None = None
        self._writes = 0

    def start(self) -> None:
        self._started_at = self.now()
        self._arm()

    @property
    def idle(self) -> bool:
        return self.queue.idle and self._timer is None and self._writes == 0

    # ---- informer handlers ---------------------------------------------------------------------

    def _pod_seen(self, pod: Pod) -> None:
        uid = pod.metadata.uid or pod.key
        if pod.status.get("phase") in TERMINATED_PHASES and uid not in self._terminated:
            entry = (*_order(pod), pod.namespace, uid)
            self._terminated[uid] = entry
            heapq.heappush(self._heap, entry)
        if pod.metadata.deletion_timestamp is not None:
            if pod.key not in self._terminating:
                node_name = pod.spec.node_name
                self._terminating_on[node_name] = self._terminating_on.get(node_name, 0) + 1
            self._terminating[pod.key] = pod
        node = pod.spec.node_name
        if node and self.nodes.get(registry_key("Node", None, node)) is None:
            self._missing.add(node)
        self._arm()

    def _pod_deleted(self, pod: Pod) -> None:
        self._terminated.pop(pod.metadata.uid or pod.key, None)
        gone = self._terminating.pop(pod.key, None)
        if gone is not None:
            left = self._terminating_on[gone.spec.node_name] - 1
            if left:
                self._terminating_on[gone.spec.node_name] = left
            else:
                del self._terminating_on[gone.spec.node_name]
        node = pod.spec.node_name
        if node in self._missing and not pods_on_node(self.pods, node):
            self._missing.discard(node)
        if self._timer is not None and not self._needs_pass():
            self._timer.cancel()
            self._timer = None

    def _node_seen(self, node: Node) -> None:
        if node_ready_status(node) != "True" and taint_key_exists(node.spec.taints, TAINT_NODE_OUT_OF_SERVICE):
            self._oos.add(node.name)
            if self._terminating:
                self._arm()
        else:
            self._oos.discard(node.name)

    def _node_deleted(self, node: Node) -> None:
        self._oos.discard(node.name)
        if pods_on_node(self.pods, node.name):
            self._missing.add(node.name)
            self._arm()

    # ---- passes --------------------------------------------------------------------------------

    def _out_of_service(self, pod: Pod) -> bool:
        node = self.nodes.get(registry_key("Node", None, pod.spec.node_name))
        return (isinstance(node, Node) and node_ready_status(node) != "True"
                and taint_key_exists(node.spec.taints, TAINT_NODE_OUT_OF_SERVICE))

    def _needs_pass(self) -> bool:
        threshold = self.terminated_pod_gc_threshold
        return bool((threshold > 0 and len(self._terminated) > threshold) or self._missing or self._quarantine
                    or "" in self._terminating_on or any(n in self._terminating_on for n in self._oos))

    def _arm(self) -> None:
        if self._started_at is None or self._timer is not None or not self._needs_pass():
            return
        k = max(math.ceil((self.now() - self._started_at) / GC_CHECK_PERIOD - 1e-9), 0)
        tick = self._started_at + k * GC_CHECK_PERIOD
        if tick <= self._last_pass + 1e-9:
            tick += GC_CHECK_PERIOD
        self._timer = self.engine.at(tick, self._gc)

    def _gc(self) -> None:
        self._timer = None
        self._last_pass = self.now()
        if self.terminated_pod_gc_threshold > 0:
            self._gc_terminated()
        self._gc_terminating()
        self._gc_orphaned()
        self._gc_unscheduled_terminating()
        self._arm()

    def _gc_terminated(self) -> None:
        excess = len(self._terminated) - self.terminated_pod_gc_threshold
        while excess > 0 and self._heap:
            entry = heapq.heappop(self._heap)
            if self._terminated.get(entry[4]) != entry:
                continue
            pod = self.pods.get(registry_key("Pod", entry[3], entry[2]))
            if isinstance(pod, Pod):
                self._mark_failed_and_delete(pod, None, requeue=entry)
            excess -= 1

    def _gc_terminating(self) -> None:
        pods = sorted((p for p in self._terminating.values() if p.spec.node_name and self._out_of_service(p)),
                      key=_order)
        for pod in pods:
            self._mark_failed_and_delete(pod, None)

    def _gc_orphaned(self) -> None:
        now = self.now()
        for node in sorted(self._missing):
            if self.nodes.get(registry_key("Node", None, node)) is not None or not pods_on_node(self.pods, node):
                self._missing.discard(node)
                continue
            self._quarantine[node] = min(self._quarantine.get(node, math.inf), now + QUARANTINE_TIME)
        deleted = set()
        for node, ready in sorted(self._quarantine.items()):
            if ready > now + 1e-9:
                continue
            del self._quarantine[node]
            if self.nodes.get(registry_key("Node", None, node)) is None and not self._node_exists(node):
                deleted.add(node)
        condition = {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC",
                     "message": "PodGC: node no longer exists"}
        for node in sorted(deleted):
            for pod in pods_on_node(self.pods, node):
                assert isinstance(pod, Pod)
                self._mark_failed_and_delete(pod, condition)

    def _node_exists(self, name: str) -> bool:
        try:
            self.api.get("Node", None, name)
        except APIError:
            return False
        return True

    def _gc_unscheduled_terminating(self) -> None:
        for pod in [p for p in self._terminating.values() if not p.spec.node_name]:
            self._mark_failed_and_delete(pod, None)

    # ---- markFailedAndDeletePodWithCondition ---------------------------------------------------

    def _mark_failed_and_delete(self, pod: Pod, condition: dict[str, Any] | None,
                                requeue: tuple[bool, float, str, str, str] | None = None) -> None:
        """Patch a pod that has not terminated to Failed (with ``condition``), then delete it with grace 0."""
        self._writes += 1
        ns, name, uid = pod.namespace, pod.metadata.name, pod.metadata.uid or pod.key

        def deleted(result: Any) -> None:
            self._writes -= 1
            if isinstance(result, APIError) and requeue is not None and requeue[4] in self._terminated:
                heapq.heappush(self._heap, requeue)

        def patched(result: Any) -> None:
            if isinstance(result, APIError):
                deleted(result)
                return
            self.write(self.api.delete, "Pod", ns, name, 0, on_done=deleted)

        if pod.status.get("phase") in TERMINATED_PHASES:
            self.write(self.api.delete, "Pod", ns, name, 0, on_done=deleted)
        else:
            self.write(self._patch_failed, ns, name, uid, condition, on_done=patched)

    def _patch_failed(self, namespace: str, name: str, uid: str, condition: dict[str, Any] | None) -> Pod:
        """PatchPodStatus with the pod's UID as precondition: phase Failed, and the condition if given."""
        pod = self.api.get("Pod", namespace, name)
        assert isinstance(pod, Pod)
        if (pod.metadata.uid or pod.key) != uid:
            raise APIError("Conflict", f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
                                       f"{pod.metadata.uid}")
        status = {**pod.status, "phase": "Failed"}
        if condition is not None:
            status["conditions"], _ = update_pod_condition(pod.status.get("conditions"), condition, self.now())
        meta = pod.metadata.model_copy(update={"resource_version": None})
        return self.api.update(pod.model_copy(update={"metadata": meta, "status": status}))  # type: ignore[return-value]
