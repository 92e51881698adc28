"""The DaemonSet rolling update (pkg/controller/daemon/update.go rollingUpdate): which old pods to
delete, or which nodes get a surge pod, within maxUnavailable and maxSurge.

Both budgets are scaled from desiredNumberScheduled and rounded up (updatedDesiredNodeCounts);
when both come out 0, maxUnavailable is 1. Without surge, old pods that are not available are
replaced at once and available ones are deleted while fewer than maxUnavailable nodes are
unavailable (a node with no pod, a terminating pod only, both an old and a new pod, or a new pod
not yet available counts as unavailable); the manage loop then creates the replacements, once
the deleted pod has left the node. With surge, a node with an available old pod gets a new pod
while fewer than maxSurge nodes are surging, and the old pod is deleted when the new one is
available.

Simplified: Go ranges over a map of nodes, in random order; kbench takes the nodes in name
order, so which node is updated first is reproducible.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from kbench.api.objects import Node, Pod
from kbench.api.workloads import DaemonSet
from kbench.controllers.base import is_pod_available
from kbench.controllers.blocking import Call
from kbench.controllers.daemonset.util import (
    DaemonPodFit,
    is_pod_updated,
    surge_count,
    template_generation,
    unavailable_count,
)
from kbench.errors import APIError

if TYPE_CHECKING:
    from kbench.controllers.daemonset.controller import DaemonSetController


def find_updated_pods_on_node(pods: Sequence[Pod], hash_: str,
                              generation: int | None) -> tuple[bool, Pod | None, Pod | None]:
    """findUpdatedPodsOnNode: (ok, new pod, old pod) among the pods not being deleted; not ok
    when there are two new or two old ones (the manage loop prunes them first)."""
    new: Pod | None = None
    old: Pod | None = None
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        if is_pod_updated(pod, hash_, generation):
            if new is not None:
                return False, None, None
            new = pod
        else:
            if old is not None:
                return False, None, None
            old = pod
    return True, new, old


def updated_desired_node_counts(ds: DaemonSet, fit: DaemonPodFit, nodes: Sequence[Node],
                                node_pods: dict[str, list[Pod]]) -> tuple[int, int, int]:
    """updatedDesiredNodeCounts: (maxSurge, maxUnavailable, desiredNumberScheduled); adds an empty
    entry to ``node_pods`` for each node that should run a pod and has none."""
    desired = 0
    for node in nodes:
        if not fit.should_run(node)[0]:
            continue
        desired += 1
        node_pods.setdefault(node.name, [])
    max_unavailable = unavailable_count(ds, desired)
    max_surge = surge_count(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def rolling_update(ctrl: DaemonSetController, ds: DaemonSet, fit: DaemonPodFit, nodes: Sequence[Node],
                   hash_: str) -> Generator[Call | list[Call], Any, None]:
    """rollingUpdate: delete old pods (or create surge pods) within the strategy's budgets."""
    node_pods = yield from ctrl.nodes_to_daemon_pods(ds)
    max_surge, max_unavailable, desired = updated_desired_node_counts(ds, fit, nodes, node_pods)
    now = ctrl.now()
    min_ready = ds.spec.min_ready_seconds
    generation = template_generation(ds)

    def available(pod: Pod) -> bool:
        return is_pod_available(pod, min_ready, now)

    if max_surge == 0:
        num_unavailable = 0
        allowed: list[str] = []
        candidates: list[str] = []
        for name in sorted(node_pods):
            ok, new, old = find_updated_pods_on_node(node_pods[name], hash_, generation)
            if not ok or (old is None) == (new is None):
                num_unavailable += 1
            elif new is not None:
                if not available(new):
                    num_unavailable += 1
            elif old is not None and not available(old):
                allowed.append(old.metadata.name)
                num_unavailable += 1
            elif old is not None and num_unavailable < max_unavailable:
                candidates.append(old.metadata.name)
        remaining = min(max(max_unavailable - num_unavailable, 0), len(candidates))
        yield from ctrl.sync_nodes(ds, allowed + candidates[:remaining], [], hash_)
        return

    to_delete: list[str] = []
    should_not_run: list[str] = []
    candidate_nodes: list[str] = []
    allowed_nodes: list[str] = []
    num_surge = num_available = 0
    for name in sorted(node_pods):
        ok, new, old = find_updated_pods_on_node(node_pods[name], hash_, generation)
        if not ok:
            num_surge += 1
            continue
        if old is not None:
            num_available += available(old)
        elif new is not None:
            num_available += available(new)
        if old is None:
            continue
        if new is not None:
            if not available(new):
                num_surge += 1
            else:
                to_delete.append(old.metadata.name)
            continue
        node = ctrl.node(name)
        if node is None:
            raise APIError("NotFound", f'couldn\'t get node for nodeName "{name}": nodes "{name}" not found')
        should_run = fit.should_run(node)[0]
        if not available(old):
            if not should_run:
                to_delete.append(old.metadata.name)
            else:
                allowed_nodes.append(name)
        elif not should_run:
            should_not_run.append(old.metadata.name)
        elif num_surge < max_surge:
            candidate_nodes.append(name)
    deletable = min(num_available - desired, len(should_not_run))
    for pod_name in should_not_run[:max(deletable, 0)]:
        if ctrl.pod(ds.namespace, pod_name) is not None:
            to_delete.append(pod_name)
    remaining = min(max(max_surge - num_surge, 0), len(candidate_nodes))
    yield from ctrl.sync_nodes(ds, to_delete, allowed_nodes + candidate_nodes[:remaining], hash_)
