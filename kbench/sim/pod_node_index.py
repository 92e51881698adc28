"""The ``spec.nodeName`` index of a pod informer (the indexer the node lifecycle, taint eviction and pod
GC controllers add to the shared pod informer), so "the pods of a node" is a lookup, not a scan."""

from __future__ import annotations

from pydantic import BaseModel

from kbench.sim.informers import Informer

NODE_NAME_INDEX = "spec.nodeName"


def node_name_index(obj: BaseModel) -> list[str]:
    """A bound pod's node name; nothing for an unbound pod."""
    name: str = obj.spec.node_name  # type: ignore[attr-defined]
    return [name] if name else []


def index_pods_by_node(pods: Informer) -> None:
    """Add the index to a pod informer (once; before it starts)."""
    if NODE_NAME_INDEX not in pods.indexers:
        pods.add_indexer(NODE_NAME_INDEX, node_name_index)


def pods_on_node(pods: Informer, node: str) -> list[BaseModel]:
    """The cached pods bound to ``node``, in key order."""
    return pods.by_index(NODE_NAME_INDEX, node)
