"""Node and pod conditions, kept as Kubernetes' JSON dicts (``type``, ``status``, ``reason``, ``message``,
``lastHeartbeatTime``/``lastProbeTime``, ``lastTransitionTime``; times in simulated seconds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kbench.api.objects import Node

Condition = dict[str, Any]


def find(conditions: Sequence[Condition] | None, kind: str) -> Condition | None:
    """GetNodeCondition / GetPodCondition: the condition of that type, if any."""
    return next((c for c in conditions or () if c.get("type") == kind), None)


def node_conditions(node: Node) -> list[Condition]:
    """A copy of the node's status.conditions (each condition copied too)."""
    return [dict(c) for c in node.status.conditions or ()]


def with_node_conditions(node: Node, conditions: list[Condition]) -> Node:
    return node.model_copy(update={"status": node.status.model_copy(update={"conditions": conditions})})


def node_ready_status(node: Node) -> str | None:
    """The status of the node's Ready condition ("True", "False", "Unknown"), None if it has none."""
    c = find(node.status.conditions, "Ready")
    return None if c is None else str(c.get("status"))


def update_pod_condition(conditions: Sequence[Condition] | None, condition: Condition,
                         now: float) -> tuple[list[Condition], bool]:
    """apipod.UpdatePodCondition: add the condition or replace the one of its type; lastTransitionTime is
    now unless the status is unchanged. Returns the new list and whether anything changed."""
    new = {**condition, "lastTransitionTime": now}
    out = [dict(c) for c in conditions or ()]
    for i, old in enumerate(out):
        if old.get("type") != new["type"]:
            continue
        if new.get("status") == old.get("status"):
            new["lastTransitionTime"] = old.get("lastTransitionTime")
        equal = all(new.get(k) == old.get(k) for k in ("status", "reason", "message", "lastProbeTime",
                                                       "lastTransitionTime"))
        out[i] = new
        return out, not equal
    out.append(new)
    return out, True
