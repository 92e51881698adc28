"""tryUpdateNodeHealth: what the node lifecycle controller concludes about one node in a monitor pass.

The controller keeps, per node, when it last saw a sign of life (``probe``: a new Ready heartbeat
in the node's status or a newer ``renewTime`` on its Lease, stamped with the controller's own
clock) and the Ready condition it last saw. A node with no sign of life for the grace period
(nodeMonitorGracePeriod; nodeStartupGracePeriod while it never posted a Ready condition) gets its
Ready, MemoryPressure, DiskPressure and PIDPressure conditions set to Unknown. This is a pure
function: the controller writes the node when ``write`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from kbench.api.conditions import Condition, find, node_conditions, with_node_conditions
from kbench.api.coordination import Lease
from kbench.api.objects import Node

STALE_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
"""The conditions set to Unknown when a node goes silent (not NetworkUnavailable: the control plane owns it)."""


@dataclass
class NodeHealth:
    """nodeHealthData: the controller's memory of a node."""

    probe: float
    """When the controller last saw a sign of life (its own clock)."""
    ready_transition: float
    ready: Condition | None
    """The Ready condition of the status the controller last took in."""
    lease: Lease | None = None
    """The lease whose renewal it last took in."""


@dataclass(frozen=True)
class HealthUpdate:
    """The outcome of tryUpdateNodeHealth for one node."""

    node: Node
    """The node with its conditions as the controller wants them."""
    grace: float
    observed: Condition
    """The Ready condition before this pass (a fake Unknown one if the node never had one)."""
    current: Condition | None
    """The Ready condition after this pass."""
    write: bool
    """Whether the node's status must be written (Ready changed to Unknown)."""
    health: NodeHealth
    """What to remember (once the write, if any, succeeded)."""
    unwritten: NodeHealth
    """What to remember if the write fails."""


def _lease_renewed(saved: Lease | None, observed: Lease | None) -> bool:
    if observed is None:
        return False
    if saved is None:
        return True
    before, after = saved.spec.renew_time, observed.spec.renew_time
    return before is not None and after is not None and before < after


def try_update_node_health(node: Node, saved: NodeHealth | None, lease: Lease | None, now: float,
                           monitor_grace: float, startup_grace: float) -> HealthUpdate:
    """One node's health check at ``now`` given what the controller remembers (``saved``) and the
    node's Lease (None if it has none)."""
    conditions = node_conditions(node)
    current = find(conditions, "Ready")
    created = float(node.metadata.creation_timestamp or 0.0)
    health = None if saved is None else NodeHealth(saved.probe, saved.ready_transition, saved.ready, saved.lease)
    if current is None:
        observed: Condition = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": created,
                               "lastTransitionTime": created}
        grace = startup_grace
        if health is not None:
            health.ready = None
        else:
            health = NodeHealth(created, created, None)
    else:
        observed = dict(current)
        grace = monitor_grace
    saved_ready = None if health is None else health.ready
    saved_lease = None if health is None else health.lease
    if health is None:
        health = NodeHealth(now, now, current)
    elif saved_ready is None and current is not None:
        health = NodeHealth(now, now, current)
    elif (saved_ready is not None and current is not None
          and saved_ready.get("lastHeartbeatTime") != current.get("lastHeartbeatTime")):
        changed = saved_ready.get("lastTransitionTime") != current.get("lastTransitionTime")
        health = NodeHealth(now, now if changed else health.ready_transition, current)
    if _lease_renewed(saved_lease, lease):
        health.lease = lease
        health.probe = now
    if now > health.probe + grace:
        for kind in STALE_CONDITIONS:
            c = find(conditions, kind)
            if c is None:
                conditions.append({"type": kind, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                                   "message": "Kubelet never posted node status.", "lastHeartbeatTime": created,
                                   "lastTransitionTime": now})
            elif c.get("status") != "Unknown":
                c.update({"status": "Unknown", "reason": "NodeStatusUnknown",
                          "message": "Kubelet stopped posting node status.", "lastTransitionTime": now})
        current = find(conditions, "Ready")
        if current != observed:
            written = NodeHealth(health.probe, now, current, lease)
            return HealthUpdate(with_node_conditions(node, conditions), grace, observed, current, True, written, health)
    return HealthUpdate(node, grace, observed, current, False, health, health)
