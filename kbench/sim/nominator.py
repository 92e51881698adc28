"""The scheduler's nominator: pods that preemption nominated to a node and that are not bound yet.

Mirrors the scheduling queue's nominator (pkg/scheduler/backend/queue/nominator.go): a pod is
nominated when DefaultPreemption picks a node for it (``status.nominatedNodeName``), and leaves
the nominator when it is assumed on a node, deleted, or its nomination is cleared (a
higher-priority pod preempted on the same node, getLowerPriorityNominatedPods). Cycles of pods of
equal or lower priority filter each node as if its nominated pods ran there
(kbench.scheduler.nominated_filters), in scheduling and in preemption's dry run alike.
"""

from __future__ import annotations

from kbench.api.objects import Pod


class Nominator:
    """Nominated pods by node name, and each pod's node by uid."""

    def __init__(self) -> None:
        self._by_node: dict[str, dict[str, Pod]] = {}
        self._node_of: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._node_of)

    def add(self, pod: Pod, node: str) -> None:
        """Nominate ``pod`` to ``node`` (replacing an earlier nomination)."""
        uid = pod.metadata.uid or pod.key
        self.remove(uid)
        self._by_node.setdefault(node, {})[uid] = pod
        self._node_of[uid] = node

    def remove(self, uid: str) -> str | None:
        """Forget ``uid``'s nomination; returns the node it had, if any."""
        node = self._node_of.pop(uid, None)
        if node is not None:
            pods = self._by_node[node]
            pods.pop(uid, None)
            if not pods:
                del self._by_node[node]
        return node

    def node_of(self, uid: str) -> str | None:
        return self._node_of.get(uid)

    def pods_for_node(self, node: str) -> list[Pod]:
        """The pods nominated to ``node``, in nomination order (NominatedPodsForNode)."""
        return list(self._by_node.get(node, {}).values())

    def node_names(self) -> list[str]:
        """The nodes that have nominated pods."""
        return list(self._by_node)
