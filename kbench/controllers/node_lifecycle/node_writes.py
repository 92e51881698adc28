"""The node writes of the node lifecycle controller, each run when it commits
(controller_utils.go AddOrUpdateTaintOnNode, RemoveTaintOffNode, controllerutil.SwapNodeControllerTaint,
AddOrUpdateLabelsOnNode): the node is read fresh and patched, so they do not conflict with other
writers; a node that is gone is NotFound."""

from __future__ import annotations

from kbench.api.objects import Node, Taint
from kbench.api.taints import add_or_update_taint, remove_taint
from kbench.sim.apiserver import APIServer


def _get(api: APIServer, name: str) -> Node:
    node = api.get("Node", None, name)
    assert isinstance(node, Node)
    return node


def _patch(api: APIServer, node: Node) -> Node:
    """Write without a resourceVersion precondition (a patch)."""
    meta = node.metadata.model_copy(update={"resource_version": None})
    return api.update(node.model_copy(update={"metadata": meta}))  # type: ignore[return-value]


def swap_taints(api: APIServer, name: str, add: list[Taint], remove: list[Taint], now: float) -> Node:
    """SwapNodeControllerTaint: add (or update) ``add`` with timeAdded now, then remove ``remove``;
    each step writes only if it changes the node."""
    node = _get(api, name)
    changed = False
    for taint in add:
        node, updated = add_or_update_taint(node, taint.model_copy(update={"time_added": now}))
        changed = changed or updated
    if changed:
        node = _patch(api, node)
    removed = False
    for taint in remove:
        node, gone = remove_taint(node, taint)
        removed = removed or gone
    if removed:
        node = _patch(api, node)
    return node


def remove_taints(api: APIServer, name: str, taints: list[Taint]) -> Node:
    """RemoveTaintOffNode."""
    return swap_taints(api, name, [], taints, 0.0)


def add_labels(api: APIServer, name: str, labels: dict[str, str]) -> Node:
    """AddOrUpdateLabelsOnNode."""
    node = _get(api, name)
    if all(node.metadata.labels.get(k) == v for k, v in labels.items()):
        return node
    meta = node.metadata.model_copy(update={"labels": {**node.metadata.labels, **labels}})
    return _patch(api, node.model_copy(update={"metadata": meta}))
