"""Node taints: the well-known keys the node controllers use and pkg/util/taints' set operations
(taints are identified by key and effect, ``Taint.MatchTaint``)."""

from __future__ import annotations

from collections.abc import Sequence

from kbench.api.objects import Node, Taint

TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_NODE_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_NODE_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_NODE_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
TAINT_NODE_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_NODE_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"


def matches(a: Taint, b: Taint) -> bool:
    """Taint.MatchTaint: same key and effect."""
    return a.key == b.key and a.effect == b.effect


def taint_exists(taints: Sequence[Taint], taint: Taint) -> bool:
    """taintutils.TaintExists."""
    return any(matches(t, taint) for t in taints)


def taint_key_exists(taints: Sequence[Taint], key: str) -> bool:
    """taintutils.TaintKeyExists."""
    return any(t.key == key for t in taints)


def no_execute(taints: Sequence[Taint]) -> list[Taint]:
    """getNoExecuteTaints: the taints with effect NoExecute."""
    return [t for t in taints if t.effect == "NoExecute"]


def set_diff(new: Sequence[Taint], old: Sequence[Taint]) -> tuple[list[Taint], list[Taint]]:
    """taintutils.TaintSetDiff: taints of ``new`` not in ``old`` (to add), of ``old`` not in ``new`` (to remove)."""
    return [t for t in new if not taint_exists(old, t)], [t for t in old if not taint_exists(new, t)]


def with_taints(node: Node, taints: list[Taint]) -> Node:
    return node.model_copy(update={"spec": node.spec.model_copy(update={"taints": taints})})


def add_or_update_taint(node: Node, taint: Taint) -> tuple[Node, bool]:
    """taintutils.AddOrUpdateTaint: replace the taint with the same key and effect (unless equal), else append."""
    taints: list[Taint] = []
    updated = False
    for t in node.spec.taints:
        if matches(taint, t):
            if taint == t:
                return node, False
            taints.append(taint)
            updated = True
        else:
            taints.append(t)
    if not updated:
        taints.append(taint)
    return with_taints(node, taints), True


def remove_taint(node: Node, taint: Taint) -> tuple[Node, bool]:
    """taintutils.RemoveTaint: drop the taints with the same key and effect."""
    kept = [t for t in node.spec.taints if not matches(taint, t)]
    if len(kept) == len(node.spec.taints):
        return node, False
    return with_taints(node, kept), True
