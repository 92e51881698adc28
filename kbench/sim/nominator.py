"""The scheduler's nominator: pods that preemption nominated to a node and that are not bound yet.

Mirrors the scheduling queue's nominator (pkg/scheduler/backend/queue/nominator.go): a pod is
nominated when DefaultPreemption picks a node for it (``status.nominatedNodeName``), and leaves
the nominator when it is bound, deleted, or its nomination is cleared (a higher-priority pod
preempted on the same node, getLowerPriorityNominatedPods). Cycles of pods of equal or lower
priority count the nominated pods' requests on their nodes (RunFilterPluginsWithNominatedPods).

Simplified: a cycle holds a nominated pod's resource requests and pod slot on its node; kube also
adds the pod to the node's pod list for the other filters (its labels for spreading and
inter-pod affinity, its host ports). DefaultPreemption's dry run does add them fully.
"""

from __future__ import annotations

from collections.abc import Iterator

from kbench.api.objects import Pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.queue.types import pod_priority


class Nominator:
    """Nominated pods by node name, and each pod's node by uid."""

    def __init__(self) -> None:
        self._by_node: dict[str, dict[str, Pod]] = {}
        self._node_of: dict[str, str] = {}
        self._requests: dict[str, tuple[dict[int, int], int, int]] = {}

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
        self._requests.pop(uid, None)
        if node is not None:
            pods = self._by_node[node]
            pods.pop(uid, None)
            if not pods:
                del self._by_node[node]
        return node

    def requests(self, pod: Pod, cluster: ClusterState) -> tuple[dict[int, int], int, int]:
        """The nominated pod's requests in the cluster's resource columns (computed once)."""
        uid = pod.metadata.uid or pod.key
        hit = self._requests.get(uid)
        if hit is None:
            hit = self._requests[uid] = cluster.requests_of(pod)
        return hit

    def node_of(self, uid: str) -> str | None:
        return self._node_of.get(uid)

    def pods_for_node(self, node: str) -> list[Pod]:
        """The pods nominated to ``node``, in nomination order (NominatedPodsForNode)."""
        return list(self._by_node.get(node, {}).values())

    def node_names(self) -> list[str]:
        """The nodes that have nominated pods."""
        return list(self._by_node)

    def to_honour(self, pod: Pod) -> Iterator[tuple[str, Pod]]:
        """(node, nominated pod) for every other nominated pod of priority >= ``pod``'s: the ones its
        cycle must treat as if already on their nodes (addGENominatedPods)."""
        uid = pod.metadata.uid or pod.key
        p = pod_priority(pod)
        for node, pods in self._by_node.items():
            for other_uid, other in pods.items():
                if other_uid != uid and pod_priority(other) >= p:
                    yield node, other
