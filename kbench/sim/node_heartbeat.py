"""A kubelet's heartbeats: the node status it posts and the node Lease it renews.

When a kubelet starts (its node appears, or it comes back after a stop) it posts the node's status
conditions as pkg/kubelet/nodestatus's setters do (MemoryPressure, DiskPressure and PIDPressure
False, Ready True; lastHeartbeatTime now, lastTransitionTime now where the status changed; events
NodeHasSufficientMemory, NodeHasNoDiskPressure, NodeHasSufficientPID where those changed and
NodeReady where an existing Ready condition changed) and starts its node lease controller
(component-helpers/apimachinery/lease, as pkg/kubelet/nodelease configures it): the Lease
``kube-node-lease/<node>`` (holderIdentity the node, leaseDurationSeconds 40, an ownerReference to
the Node) is created if missing, then renewed (``renewTime`` = when the request is sent) every
renewInterval = 0.25 x 40 s = 10 s, jittered up to 4 % (``wait.JitterUntil(sync, 10s, 0.04,
sliding)``: the wait starts when the previous renewal has returned). Renewals update the lease
last written (its resourceVersion); if that fails the lease is read back (or created) and updated.

Simplified: after start the kubelet posts node status again only on its next start; Kubernetes'
kubelet also re-posts every nodeStatusReportFrequency (5 min) or on a change of the node's state,
which moves the node controller's probe time only where the lease, renewed every 10 s, already
has. The jitter draws from the generator given (its own stream, so heartbeats do not perturb
other draws).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kbench.api.conditions import find, node_conditions, with_node_conditions
from kbench.api.coordination import NODE_LEASE_NAMESPACE, Lease, LeaseSpec
from kbench.api.objects import Node, ObjectMeta, OwnerReference
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

DEFAULT_LEASE_DURATION_SECONDS = 40
"""kubelet --node-lease-duration-seconds."""
RENEW_INTERVAL_FRACTION = 0.25
"""nodelease.renewIntervalFraction: the lease is renewed every quarter of its duration."""
JITTER_FACTOR = 0.04
"""The lease controller's wait.JitterUntil factor."""

KUBELET_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "NodeHasSufficientMemory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "NodeHasSufficientPID"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status", "NodeReady"),
)
"""(type, status, reason, message, event) of a healthy kubelet's conditions, in setter order."""


def healthy_conditions(node: Node, now: float) -> tuple[list[dict[str, Any]], list[str]]:
    """The node's conditions after a healthy kubelet's setters ran at ``now``, and the events they record."""
    conditions = node_conditions(node)
    events = []
    for kind, status, reason, message, event in KUBELET_CONDITIONS:
        old = find(conditions, kind)
        changed = old is None or old.get("status") != status
        new = {"type": kind, "status": status, "lastHeartbeatTime": now,
               "lastTransitionTime": now if changed else old.get("lastTransitionTime"),  # type: ignore[union-attr]
               "reason": reason, "message": message}
        if old is None:
            conditions.append(new)
        else:
            conditions[conditions.index(old)] = new
        if changed and (kind != "Ready" or old is not None):
            events.append(event)
    return conditions, events


class NodeHeartbeats:
    """The status posting and lease controllers of every kubelet of the simulation."""

    def __init__(self, api: APIServer, lease_duration_seconds: int = DEFAULT_LEASE_DURATION_SECONDS,
                 jitter: float = JITTER_FACTOR, rng: np.random.Generator | None = None) -> None:
        self.api = api
        self.engine = api.engine
        self.lease_duration_seconds = lease_duration_seconds
        self.renew_interval = lease_duration_seconds * RENEW_INTERVAL_FRACTION
        self.jitter = jitter
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self._latest: dict[str, Lease] = {}
        """node -> the lease its controller last wrote (latestLease)."""
        self._epoch: dict[str, int] = {}
        """node -> how many times its kubelet started; callbacks of an earlier run are ignored."""
        self._timers: dict[str, Any] = {}
        self._running: set[str] = set()

    def running(self, node: str) -> bool:
        """Whether the node's kubelet is running (started and not stopped since)."""
        return node in self._running

    def start(self, node: str) -> None:
        """The node's kubelet starts: post its status, run its lease controller (first sync now)."""
        if self.running(node):
            return
        epoch = self._epoch.get(node, 0) + 1
        self._epoch[node] = epoch
        self._running.add(node)
        self.api.submit(self._post_status, node, self.engine.now)
        self._sync(node, epoch)

    def stop(self, node: str) -> None:
        """The node's kubelet stops: no more status posts or renewals (its latestLease is lost with it)."""
        if not self.running(node):
            return
        self._running.discard(node)
        self._epoch[node] += 1
        timer = self._timers.pop(node, None)
        if timer is not None:
            timer.cancel()
        self._latest.pop(node, None)

    def _post_status(self, name: str, now: float) -> Node | None:
        try:
            node = self.api.get("Node", None, name)
        except APIError:
            return None
        assert isinstance(node, Node)
        conditions, events = healthy_conditions(node, now)
        for event in events:
            self.api.event("Normal", event, "Node", name, f"Node {name} status is now: {event}")
        # a status patch: no resourceVersion precondition
        unversioned = node.model_copy(update={"metadata": node.metadata.model_copy(update={"resource_version": None})})
        return self.api.update(with_node_conditions(unversioned, conditions))  # type: ignore[return-value]

    def _sync(self, node: str, epoch: int) -> None:
        if self._epoch.get(node) != epoch:
            return
        self._timers.pop(node, None)
        self.api.submit(self._renew, node, self.engine.now, on_done=lambda result: self._synced(node, epoch, result))

    def _synced(self, node: str, epoch: int, result: Any) -> None:
        if self._epoch.get(node) != epoch:
            return
        if isinstance(result, Lease):
            self._latest[node] = result
        delay = self.renew_interval
        if self.jitter > 0:
            delay += float(self.rng.random()) * self.jitter * self.renew_interval
        self._timers[node] = self.engine.schedule(delay, self._sync, node, epoch)

    def _renew(self, node: str, renew_time: float) -> Lease | None:
        """controller.sync: update the latest lease with a new renewTime; failing that, read the lease
        (create it if missing, which needs the Node for its ownerReference) and update it."""
        latest = self._latest.get(node)
        if latest is not None:
            try:
                return self._update(latest, node, renew_time)
            except APIError:
                pass
        try:
            current = self.api.get("Lease", NODE_LEASE_NAMESPACE, node)
        except APIError:
            return self._create(node, renew_time)
        assert isinstance(current, Lease)
        return self._update(current, node, renew_time)

    def _owner(self, node: str) -> list[OwnerReference]:
        n = self.api.get("Node", None, node)
        return [OwnerReference(api_version="v1", kind="Node", name=node, uid=n.metadata.uid or "")]  # type: ignore[attr-defined]

    def _create(self, node: str, renew_time: float) -> Lease | None:
        try:
            owners = self._owner(node)
        except APIError:
            return None
        lease = Lease(metadata=ObjectMeta(name=node, namespace=NODE_LEASE_NAMESPACE, owner_references=owners),
                      spec=LeaseSpec(holder_identity=node, lease_duration_seconds=self.lease_duration_seconds,
                                     renew_time=renew_time))
        return self.api.create(lease)  # type: ignore[return-value]

    def _update(self, base: Lease, node: str, renew_time: float) -> Lease:
        meta = base.metadata
        if not meta.owner_references:
            try:
                meta = meta.model_copy(update={"owner_references": self._owner(node)})
            except APIError:
                pass
        lease = base.model_copy(update={"metadata": meta, "spec": base.spec.model_copy(update={"renew_time": renew_time})})
        return self.api.update(lease)  # type: ignore[return-value]
