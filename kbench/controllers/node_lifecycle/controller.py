"""The node lifecycle controller (pkg/controller/nodelifecycle/node_lifecycle_controller.go).

Every nodeMonitorPeriod (5 s) ``monitorNodeHealth`` takes in each node's Ready heartbeat and Lease
renewal; a node silent for nodeMonitorGracePeriod (50 s, the default since Kubernetes 1.32 --
kubernetes/kubernetes#126287 raised it from 40 s) gets Ready Unknown (event NodeNotReady on the
node; its pods' Ready conditions set False, event NodeNotReady on each pod). The pass that first
sees a node not Ready queues it in its zone's tainting queue, which ``doNoExecuteTaintingPass``
(every 100 ms) drains at the zone's rate: the node gets ``node.kubernetes.io/unreachable:NoExecute``
(Ready Unknown) or ``node.kubernetes.io/not-ready:NoExecute`` (Ready False), and the taint eviction
controller then removes its pods. A node Ready again loses both taints at the next pass.
Independently, every node update maps its conditions to NoSchedule taints (TaintNodesByCondition:
``node.kubernetes.io/unreachable:NoSchedule`` while Ready is Unknown, ...) and reconciles the beta
os/arch labels.

Zones (``topology.kubernetes.io/region`` and ``zone`` labels) are Normal, PartialDisruption (more
than two nodes and at least 55 % of them not Ready) or FullDisruption (none Ready). A Normal zone
is tainted at --node-eviction-rate (0.1 nodes/s, burst 1: one node at once, then one every 10 s);
a partially disrupted one at --secondary-node-eviction-rate (0.01/s) if it has more than
--large-cluster-size-threshold (50) nodes, else not at all; a fully disrupted one at the normal
rate, unless every zone is fully disrupted: then the controller removes all its NoExecute taints
and stops tainting until some node is Ready again.

Simplifications, and why:

- Only nodes whose kubelet heartbeats (that have a Lease in ``kube-node-lease``) are managed. A
  run without the heartbeat model (:class:`kbench.sim.kubelet.Kubelets` ``heartbeats=False``, the
  default) has no leases, and its nodes stay as their manifests describe them; Kubernetes would
  mark a node whose kubelet never reports Unknown after nodeStartupGracePeriod (60 s).
- Passes that cannot change anything are skipped: no monitor pass runs while no node is managed,
  and a tainting pass runs only on the 100 ms grid points where a zone's queue can act (a token is
  there and its head is due) -- the same outcome as Go's fixed periods.
- Writes are sent and the pass goes on (Go waits for each); a node status update carries the
  resourceVersion the pass read (a Conflict is retried by the next pass), taint and label changes
  are patches. A failed taint write is not retried by the tainting queue.
- The pod worker's and the node worker's queues are one work queue.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from kbench.api.conditions import find, node_ready_status, update_pod_condition
from kbench.api.coordination import NODE_LEASE_NAMESPACE, Lease
from kbench.api.objects import Node, Pod, Taint
from kbench.api.taints import (
    TAINT_NODE_DISK_PRESSURE,
    TAINT_NODE_MEMORY_PRESSURE,
    TAINT_NODE_NETWORK_UNAVAILABLE,
    TAINT_NODE_NOT_READY,
    TAINT_NODE_PID_PRESSURE,
    TAINT_NODE_UNREACHABLE,
    TAINT_NODE_UNSCHEDULABLE,
    set_diff,
    taint_exists,
)
from kbench.controllers.base import Controller, InformerFactory
from kbench.controllers.manager import register
from kbench.controllers.node_lifecycle.health import HealthUpdate, NodeHealth, try_update_node_health
from kbench.controllers.node_lifecycle.node_writes import add_labels, remove_taints, swap_taints
from kbench.controllers.node_lifecycle.rate_limited_queue import RateLimitedTimedQueue, TimedValue
from kbench.controllers.node_lifecycle.zones import (
    FULL_DISRUPTION,
    INITIAL,
    LABEL_EXCLUDE_DISRUPTION,
    NORMAL,
    PARTIAL_DISRUPTION,
    compute_zone_state,
    zone_key,
)
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.pod_node_index import index_pods_by_node, pods_on_node

UNREACHABLE_TAINT = Taint(key=TAINT_NODE_UNREACHABLE, effect="NoExecute")
NOT_READY_TAINT = Taint(key=TAINT_NODE_NOT_READY, effect="NoExecute")

CONDITION_TAINTS: dict[str, dict[str, str]] = {
    "Ready": {"False": TAINT_NODE_NOT_READY, "Unknown": TAINT_NODE_UNREACHABLE},
    "MemoryPressure": {"True": TAINT_NODE_MEMORY_PRESSURE},
    "DiskPressure": {"True": TAINT_NODE_DISK_PRESSURE},
    "NetworkUnavailable": {"True": TAINT_NODE_NETWORK_UNAVAILABLE},
    "PIDPressure": {"True": TAINT_NODE_PID_PRESSURE},
}
"""nodeConditionToTaintKeyStatusMap: condition -> status -> the NoSchedule taint it brings."""
CONDITION_TAINT_KEYS = {key for statuses in CONDITION_TAINTS.values() for key in statuses.values()}

LABEL_RECONCILE = (("kubernetes.io/os", "beta.kubernetes.io/os"), ("kubernetes.io/arch", "beta.kubernetes.io/arch"))
"""labelReconcileInfo: (primary, secondary) labels; the secondary follows the primary."""

NODE_EVICTION_PERIOD = 0.1
"""scheduler.NodeEvictionPeriod: how often the tainting queues are tried."""


@dataclass(frozen=True)
class NodeLifecycleConfig:
    """kube-controller-manager's node lifecycle flags, with their defaults."""

    node_monitor_period: float = 5.0
    node_monitor_grace_period: float = 50.0
    node_startup_grace_period: float = 60.0
    node_eviction_rate: float = 0.1
    secondary_node_eviction_rate: float = 0.01
    large_cluster_size_threshold: int = 50
    unhealthy_zone_threshold: float = 0.55


def _grid_tick(start: float, period: float, t: float, after: float) -> float:
    """The first point of the grid start, start + period, ... at or after ``t`` and strictly after ``after``."""
    k = max(math.ceil((t - start) / period - 1e-6), 0)
    tick = start + k * period
    while tick <= after + 1e-9:
        k += 1
        tick = start + k * period
    return tick


@register
class NodeLifecycleController(Controller):
    """Marks silent nodes Unknown, taints not-ready nodes zone by zone, and keeps condition taints."""

    name = "nodelifecycle"

    def __init__(self, api: APIServer, informers: InformerFactory, config: NodeLifecycleConfig | None = None) -> None:
        super().__init__(api, informers)
        self.config = config or NodeLifecycleConfig()
        self.nodes = informers.get("Node")
        self.pods = informers.get("Pod")
        self.leases = informers.get("Lease")
        index_pods_by_node(self.pods)
        self.nodes.add_handlers(on_add=self._node_changed, on_update=lambda old, new: self._node_changed(new),
                                on_delete=lambda node: self._retry.discard(node.name))
        self.pods.add_handlers(on_add=lambda pod: self._pod_updated(None, pod), on_update=self._pod_updated)
        self.leases.add_handlers(on_add=self._lease_added)
        self.known: dict[str, Node] = {}
        """knownNodeSet."""
        self.health: dict[str, NodeHealth] = {}
        self.zone_states: dict[str, str] = {}
        self.zone_tainters: dict[str, RateLimitedTimedQueue] = {}
        self._retry: set[str] = set()
        """nodesToRetry: nodes whose pods could not all be marked not ready."""
        self._writes = 0
        self._started_at: float | None = None
        self._monitor_timer: Any = None
        self._last_monitor = -math.inf
        self._tainting_timer: Any = None
        self._last_tainting = -math.inf

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the first monitor pass now (wait.Until runs its function at once)."""
        self._started_at = self.now()
        self._monitor()

    @property
    def idle(self) -> bool:
        """No work queued or in flight, no zone queue able to act, and every node's NoExecute taint
        agreeing with its Ready condition (where its zone's rate allows tainting)."""
        if not self.queue.idle or self._writes:
            return False
        now = self.now()
        if any(t.next_action_at(now) < math.inf for t in self.zone_tainters.values()):
            return False
        for name in self.known:
            node = self._node(name)
            if node is None:
                continue
            status, taints = node_ready_status(node), node.spec.taints
            if status == "True":
                if taint_exists(taints, UNREACHABLE_TAINT) or taint_exists(taints, NOT_READY_TAINT):
                    return False
            elif status is not None:
                want = NOT_READY_TAINT if status == "False" else UNREACHABLE_TAINT
                tainter = self.zone_tainters.get(zone_key(node))
                if not taint_exists(taints, want) and tainter is not None and tainter.limiter.qps > 0:
                    return False
        return True

    def _node(self, name: str) -> Node | None:
        node = self.nodes.get(registry_key("Node", None, name))
        return node if isinstance(node, Node) else None

    def _lease(self, name: str) -> Lease | None:
        lease = self.leases.get(registry_key("Lease", NODE_LEASE_NAMESPACE, name))
        return lease if isinstance(lease, Lease) else None

    def _managed(self) -> list[Node]:
        return [n for n in self.nodes.list() if isinstance(n, Node) and self._lease(n.name) is not None]

    def _write(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None) -> None:
        self._writes += 1

        def done(result: Any) -> None:
            self._writes -= 1
            if on_done is not None:
                on_done(result)

        self.write(fn, *args, on_done=done)

    def _node_event(self, name: str, kind: str, reason: str, message: str) -> None:
        self.api.event(kind, reason, "Node", name, message)

    # ---- monitorNodeHealth ---------------------------------------------------------------------

    def _lease_added(self, lease: Lease) -> None:
        """A node started heartbeating: make sure the monitor passes run."""
        if self._started_at is None or self._monitor_timer is not None:
            return
        tick = _grid_tick(self._started_at, self.config.node_monitor_period, self.now(), self._last_monitor)
        self._monitor_timer = self.engine.at(tick, self._monitor)

    def _monitor(self) -> None:
        now = self.now()
        self._monitor_timer = None
        self._last_monitor = now
        nodes = self._managed()
        added, deleted, new_zones = self._classify(nodes)
        for node in new_zones:
            self._add_zone(node, now)
        for node in added:
            self._node_event(node.name, "Normal", "RegisteredNode",
                             f"Node {node.name} event: Registered Node {node.name} in Controller")
            self.known[node.name] = node
            self._add_zone(node, now)
            self._mark_reachable(node)
        for node in deleted:
            self._node_event(node.name, "Normal", "RemovingNode",
                             f"Node {node.name} event: Removing Node {node.name} from Controller")
            del self.known[node.name]
        zone_ready: dict[str, list[str | None]] = {}
        for node in nodes:
            self._update_node(node, now, zone_ready)
        self._handle_disruption(zone_ready, nodes, now)
        self._arm_tainting()
        if nodes or self.known or self.zone_states:
            self._monitor_timer = self.engine.schedule(self.config.node_monitor_period, self._monitor)

    def _classify(self, nodes: list[Node]) -> tuple[list[Node], list[Node], list[Node]]:
        """classifyNodes: nodes new to the controller, nodes gone, known nodes of a zone without a state."""
        added = [n for n in nodes if n.name not in self.known]
        new_zones = [n for n in nodes if n.name in self.known and zone_key(n) not in self.zone_states]
        present = {n.name for n in nodes}
        deleted = [n for name, n in self.known.items() if name not in present]
        return added, deleted, new_zones

    def _add_zone(self, node: Node, now: float) -> None:
        """addPodEvictorForNewZone."""
        zone = zone_key(node)
        if zone not in self.zone_states:
            self.zone_states[zone] = INITIAL
            self.zone_tainters[zone] = RateLimitedTimedQueue(self.config.node_eviction_rate, now)

    def _update_node(self, node: Node, now: float, zone_ready: dict[str, list[str | None]]) -> None:
        """One node of the pass: health (a status write if it went Unknown), zone bookkeeping, then
        taint-based eviction and pods not ready once the status is written."""
        name = node.name
        upd = try_update_node_health(node, self.health.get(name), self._lease(name), now,
                                     self.config.node_monitor_grace_period, self.config.node_startup_grace_period)
        self.health[name] = upd.health
        if LABEL_EXCLUDE_DISRUPTION not in node.metadata.labels:
            zone_ready.setdefault(zone_key(node), []).append(None if upd.current is None else upd.current.get("status"))
        if not upd.write:
            self._after_health(upd, now)
            return

        def written(result: Any) -> None:
            if isinstance(result, APIError):  # "no pods will be evicted"; the next pass tries again
                self.health[name] = upd.unwritten
                return
            self._after_health(upd, now)

        self._write(self.api.update, upd.node, on_done=written)

    def _after_health(self, upd: HealthUpdate, now: float) -> None:
        name = upd.node.name
        if upd.current is not None:
            self._process_taint_based_eviction(upd.node, str(upd.observed.get("status")), now)
            observed, current = upd.observed.get("status"), upd.current.get("status")
            if current != "True" and observed == "True":
                self._node_event(name, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady")
                self._mark_pods_not_ready(pods_on_node(self.pods, name), name)
            elif name in self._retry and observed != "True":
                self._mark_pods_not_ready(pods_on_node(self.pods, name), name)
        self._retry.discard(name)

    def _process_taint_based_eviction(self, node: Node, observed: str, now: float) -> None:
        """processTaintBaseEviction: swap the not-ready and unreachable taints at once if the node has the
        other one, queue it for tainting, or (Ready) remove both."""
        taints = node.spec.taints
        if observed == "False":
            if taint_exists(taints, UNREACHABLE_TAINT):
                self._write(swap_taints, self.api, node.name, [NOT_READY_TAINT], [UNREACHABLE_TAINT], now)
            else:
                self._mark_for_tainting(node, "False", now)
        elif observed == "Unknown":
            if taint_exists(taints, NOT_READY_TAINT):
                self._write(swap_taints, self.api, node.name, [UNREACHABLE_TAINT], [NOT_READY_TAINT], now)
            else:
                self._mark_for_tainting(node, "Unknown", now)
        elif observed == "True":
            self._mark_reachable(node)

    def _mark_for_tainting(self, node: Node, status: str, now: float) -> bool:
        """markNodeForTainting: (re)queue the node unless it is queued or tainted already."""
        tainter = self.zone_tainters[zone_key(node)]
        want = NOT_READY_TAINT if status == "False" else UNREACHABLE_TAINT
        if not taint_exists(node.spec.taints, want):
            tainter.remove(node.name)
        return tainter.add(node.name, node.metadata.uid or "", now)

    def _mark_reachable(self, node: Node) -> bool:
        """markNodeAsReachable: remove both NoExecute taints and take the node out of its zone's queue."""
        present = [t for t in (UNREACHABLE_TAINT, NOT_READY_TAINT) if taint_exists(node.spec.taints, t)]
        if present:
            self._write(remove_taints, self.api, node.name, present)
        tainter = self.zone_tainters.get(zone_key(node))
        return tainter is not None and tainter.remove(node.name)

    def _mark_pods_not_ready(self, pods: list[Any], node: str) -> None:
        """MarkPodsNotReady: set the Ready condition of the node's pods False (event NodeNotReady on each)."""
        now = self.now()
        for pod in pods:
            if not isinstance(pod, Pod) or pod.spec.node_name != node:
                continue
            ready = find(pod.status.get("conditions"), "Ready")
            if ready is None:
                continue
            conditions, changed = update_pod_condition(pod.status.get("conditions"), {**ready, "status": "False"}, now)
            if not changed:
                continue
            updated = pod.model_copy(update={"status": {**pod.status, "conditions": conditions}})
            self._write(self.api.update, updated, on_done=self._marked_not_ready_callback(pod, node))

    def _marked_not_ready_callback(self, pod: Pod, node: str) -> Callable[[Any], None]:
        return lambda result: self._marked_not_ready(pod, node, result)

    def _marked_not_ready(self, pod: Pod, node: str, result: Any) -> None:
        if isinstance(result, APIError):
            if result.reason == "NotFound":
                return
            self._retry.add(node)
        self.api.event("Warning", "NodeNotReady", "Pod", pod.key, "Node is not ready")

    # ---- handleDisruption ----------------------------------------------------------------------

    def _handle_disruption(self, zone_ready: dict[str, list[str | None]], nodes: list[Node], now: float) -> None:
        """Zone states and the tainting rates that follow from them."""
        new_states: dict[str, str] = {}
        all_are_full = True
        for zone, ready in zone_ready.items():
            _, state = compute_zone_state(ready, self.config.unhealthy_zone_threshold)
            if state != FULL_DISRUPTION:
                all_are_full = False
            new_states[zone] = state
            if zone not in self.zone_states:
                self.zone_states[zone] = INITIAL
        all_were_full = True
        for zone in list(self.zone_states):
            if zone not in zone_ready:
                del self.zone_states[zone]
                continue
            if self.zone_states[zone] != FULL_DISRUPTION:
                all_were_full = False
                break
        if all_are_full and all_were_full:
            return
        if all_are_full:
            for node in nodes:
                self._mark_reachable(node)
            for zone in self.zone_states:
                self._tainter(zone, now).swap_limiter(0.0, now)
                self.zone_states[zone] = FULL_DISRUPTION
            return
        if all_were_full:
            for node in nodes:
                health = self.health[node.name]
                health.probe = now
                health.ready_transition = now
            for zone in self.zone_states:
                self._set_limiter(zone, len(zone_ready[zone]), new_states[zone], now)
                self.zone_states[zone] = new_states[zone]
            return
        for zone, state in self.zone_states.items():
            new = new_states.get(zone, "")  # a zone the deletion loop above did not reach: Go's zero value
            if state != new:
                self._set_limiter(zone, len(zone_ready.get(zone, ())), new, now)
                self.zone_states[zone] = new

    def _tainter(self, zone: str, now: float) -> RateLimitedTimedQueue:
        if zone not in self.zone_tainters:
            self.zone_tainters[zone] = RateLimitedTimedQueue(self.config.node_eviction_rate, now)
        return self.zone_tainters[zone]

    def _set_limiter(self, zone: str, size: int, state: str, now: float) -> None:
        """setLimiterInZone: Normal and FullDisruption taint at the eviction rate; PartialDisruption at the
        secondary rate in a zone larger than the large-cluster threshold, else not at all."""
        c = self.config
        if state == PARTIAL_DISRUPTION:
            qps = c.secondary_node_eviction_rate if size > c.large_cluster_size_threshold else 0.0
        elif state in (NORMAL, FULL_DISRUPTION):
            qps = c.node_eviction_rate
        else:
            return
        self._tainter(zone, now).swap_limiter(qps, now)

    # ---- doNoExecuteTaintingPass ---------------------------------------------------------------

    def _arm_tainting(self) -> None:
        """Schedule the next tainting pass at the first 100 ms grid point where a zone queue can act."""
        if self._started_at is None:
            return
        now = self.now()
        when = math.inf
        for t in self.zone_tainters.values():
            when = min(when, now if t.waits_for_retry(now) else t.next_action_at(now))
        if when == math.inf:
            return
        tick = _grid_tick(self._started_at, NODE_EVICTION_PERIOD, max(when, now), self._last_tainting)
        timer = self._tainting_timer
        if timer is not None and not timer.cancelled and timer.time <= tick:
            return
        if timer is not None:
            timer.cancel()
        self._tainting_timer = self.engine.at(tick, self._tainting_pass)

    def _tainting_pass(self) -> None:
        now = self.now()
        self._tainting_timer = None
        self._last_tainting = now
        for tainter in list(self.zone_tainters.values()):
            tainter.try_process(lambda value: self._taint(value, now), now)
        self._arm_tainting()

    def _taint(self, value: TimedValue, now: float) -> tuple[bool, float]:
        """Taint one queued node as its Ready condition says (not-ready for False, unreachable for Unknown)."""
        node = self._node(value.value)
        if node is None:
            return True, 0.0
        status = node_ready_status(node)
        if status is None:
            return False, 0.05
        if status == "False":
            add, remove = NOT_READY_TAINT, UNREACHABLE_TAINT
        elif status == "Unknown":
            add, remove = UNREACHABLE_TAINT, NOT_READY_TAINT
        else:
            return True, 0.0
        self._write(swap_taints, self.api, node.name, [add], [remove], now)
        return True, 0.0

    # ---- node and pod workers ------------------------------------------------------------------

    def _node_changed(self, node: Node) -> None:
        self.queue.add(("node", node.name))

    def _pod_updated(self, old: Pod | None, new: Pod) -> None:
        """podUpdated: a pod newly bound (or rebound) to a node is checked against the node's health."""
        if new.spec.node_name and (old is None or new.spec.node_name != old.spec.node_name):
            self.queue.add(("pod", new.namespace, new.metadata.name))

    def sync(self, key: Hashable) -> None:
        assert isinstance(key, tuple)
        if key[0] == "node":
            self._no_schedule_tainting_pass(key[1])
            self._reconcile_labels(key[1])
        else:
            self._process_pod(key[1], key[2])

    def _no_schedule_tainting_pass(self, name: str) -> None:
        """doNoScheduleTaintingPass: NoSchedule taints for the node's conditions and for spec.unschedulable."""
        node = self._node(name)
        if node is None or self._lease(name) is None:
            return
        want: list[Taint] = []
        for c in node.status.conditions or ():
            key = CONDITION_TAINTS.get(c.get("type"), {}).get(c.get("status"))
            if key is not None:
                want.append(Taint(key=key, effect="NoSchedule"))
        if node.spec.unschedulable:
            want.append(Taint(key=TAINT_NODE_UNSCHEDULABLE, effect="NoSchedule"))
        have = [t for t in node.spec.taints if t.effect == "NoSchedule"
                and (t.key == TAINT_NODE_UNSCHEDULABLE or t.key in CONDITION_TAINT_KEYS)]
        add, remove = set_diff(want, have)
        if add or remove:
            self._write(swap_taints, self.api, name, add, remove, self.now())

    def _reconcile_labels(self, name: str) -> None:
        """reconcileNodeLabels: the beta os/arch labels follow the GA ones."""
        node = self._node(name)
        if node is None or self._lease(name) is None:
            return
        labels = node.metadata.labels
        update = {secondary: labels[primary] for primary, secondary in LABEL_RECONCILE
                  if primary in labels and labels.get(secondary) != labels[primary]}
        if update:
            self._write(add_labels, self.api, name, update)

    def _process_pod(self, namespace: str, name: str) -> None:
        """processPod: a pod bound to a node that is not Ready is marked not ready."""
        pod = self.pods.get(registry_key("Pod", namespace, name))
        if not isinstance(pod, Pod):
            return
        node = pod.spec.node_name
        health = self.health.get(node)
        if health is None:
            return
        if self._node(node) is None:
            raise APIError("NotFound", f'nodes "{node}" not found')
        if health.ready is None:
            return
        if health.ready.get("status") != "True":
            self._mark_pods_not_ready([pod], node)
