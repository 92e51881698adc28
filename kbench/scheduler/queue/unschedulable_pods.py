"""The pool of pods that were found unschedulable (or are gated) and wait for a cluster event.

Mirrors pkg/scheduler/backend/queue/unschedulable_pods.go of Kubernetes v1.34. Go iterates this
map in random order when it moves pods; kbench iterates in insertion order, which only decides
the order among pods that then tie in activeQ (same priority and timestamp).
"""

from __future__ import annotations

from collections.abc import Iterator

from kbench.api.objects import Pod
from kbench.scheduler.queue.types import QueuedPodInfo


class UnschedulablePods:
    """Pods by namespace/name. Go's gated/unschedulable metric recorders are not kept: the queue
    counts gated pods when asked (QueuedPodInfo.gated), which is what the recorders track."""

    def __init__(self) -> None:
        self._pods: dict[str, QueuedPodInfo] = {}

    def __len__(self) -> int:
        return len(self._pods)

    def add_or_update(self, pinfo: QueuedPodInfo) -> None:
        """Mirrors unschedulablePods.addOrUpdate."""
        self._pods[pinfo.key] = pinfo

    def delete(self, pod: Pod) -> None:
        """Mirrors unschedulablePods.delete."""
        self._pods.pop(pod.key, None)

    def get(self, pod: Pod) -> QueuedPodInfo | None:
        return self._pods.get(pod.key)

    def __iter__(self) -> Iterator[QueuedPodInfo]:
        return iter(list(self._pods.values()))
