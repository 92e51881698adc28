"""activeQ: the pods ready to be scheduled, and the record of pods in flight with the cluster
events that happened while they were being scheduled.

Mirrors pkg/scheduler/backend/queue/active_queue.go of Kubernetes v1.34 (activeQueue, with
SchedulerPopFromBackoffQ and SchedulerQueueingHints on). Pop never blocks: it returns None where
Go's Pop would wait for a pod.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from kbench.api.objects import Pod
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.queue.heap import KeyedHeap
from kbench.scheduler.queue.types import ClusterEvent, HintObject, QueuedPodInfo, pod_priority, pod_uid


@dataclass(frozen=True)
class InFlightEvent:
    """queue.clusterEvent: an event recorded while some pod was in flight, with its objects."""

    event: ClusterEvent
    old: HintObject
    new: HintObject


class _Link:
    """An entry of the in-flight list: a Pod (the start of its attempt) or an InFlightEvent."""

    __slots__ = ("value", "prev", "next")

    def __init__(self, value: Pod | InFlightEvent) -> None:
        self.value = value
        self.prev: _Link | None = None
        self.next: _Link | None = None


class _InFlightList:
    """container/list as inFlightEvents uses it: push at the back, remove anywhere, walk forward."""

    def __init__(self) -> None:
        self.front: _Link | None = None
        self.back: _Link | None = None
        self.size = 0

    def push_back(self, value: Pod | InFlightEvent) -> _Link:
        link = _Link(value)
        link.prev = self.back
        if self.back is None:
            self.front = link
        else:
            self.back.next = link
        self.back = link
        self.size += 1
        return link

    def remove(self, link: _Link) -> None:
        if link.prev is None:
            self.front = link.next
        else:
            link.prev.next = link.next
        if link.next is None:
            self.back = link.prev
        else:
            link.next.prev = link.prev
        link.prev = link.next = None
        self.size -= 1

    def __iter__(self) -> Iterator[Pod | InFlightEvent]:
        link = self.front
        while link is not None:
            yield link.value
            link = link.next


class BackoffPopper(Protocol):
    """backoffQPopper: what activeQ needs of backoffQ to pop from it when activeQ is empty."""

    def len_backoff(self) -> int: ...

    def pop_backoff(self) -> QueuedPodInfo | None: ...


def _active_sort_key(p: QueuedPodInfo) -> tuple[int, int]:
    """PrioritySort.Less as a sort key: higher priority first, then earlier Timestamp."""
    return (-pod_priority(p.pod), p.timestamp_ns)


class ActiveQueue:
    """Mirrors activeQueue: the heap, the scheduling cycle counter and the in-flight records."""

    def __init__(self, backoff_popper: BackoffPopper | None) -> None:
        self.queue: KeyedHeap[QueuedPodInfo] = KeyedHeap(lambda p: p.key, _active_sort_key)
        self.in_flight_pods: dict[str, _Link] = {}
        self.in_flight_events = _InFlightList()
        self.sched_cycle = 0
        self.backoff_popper = backoff_popper
        """Set when SchedulerPopFromBackoffQ is on (always, in v1.34's defaults)."""

    def __len__(self) -> int:
        return len(self.queue)

    def add(self, pinfo: QueuedPodInfo) -> None:
        """Mirrors activeQueue.add (heap AddOrUpdate)."""
        self.queue.add_or_update(pinfo)

    def has(self, key: str) -> bool:
        return key in self.queue

    def get(self, key: str) -> QueuedPodInfo | None:
        return self.queue.get(key)

    def delete(self, key: str) -> QueuedPodInfo | None:
        """Mirrors activeQueue.delete."""
        return self.queue.delete(key)

    def update(self, new_pod: Pod, key: str) -> QueuedPodInfo | None:
        """Mirrors unlockedActiveQueue.update: replace the pod of a queued entry and re-sort it."""
        pinfo = self.queue.get(key)
        if pinfo is None:
            return None
        pinfo.pod_info = PodInfo(new_pod)
        self.queue.add_or_update(pinfo)
        return pinfo

    def pop(self) -> QueuedPodInfo | None:
        """Mirrors activeQueue.unlockedPop: the head of activeQ, else (SchedulerPopFromBackoffQ)
        the head of podBackoffQ whether or not its backoff completed; None when both are empty.

        The pod becomes in flight: Attempts is incremented, the scheduling cycle advances and the
        pod's unschedulable/pending plugins are reset for the new attempt. A pod already in flight
        (a bug upstream) is discarded and the next one is popped, as Go does.
        """
        while True:
            pinfo = self.queue.pop()
            if pinfo is None and self.backoff_popper is not None and self.backoff_popper.len_backoff() != 0:
                pinfo = self.backoff_popper.pop_backoff()
            if pinfo is None:
                return None
            pinfo.attempts += 1
            uid = pinfo.uid
            if uid in self.in_flight_pods:
                continue
            self.in_flight_pods[uid] = self.in_flight_events.push_back(pinfo.pod)
            self.sched_cycle += 1
            pinfo.unschedulable_plugins.clear()
            pinfo.pending_plugins.clear()
            return pinfo

    def pods(self) -> list[Pod]:
        return [p.pod for p in self.queue.items()]

    def in_flight(self) -> list[Pod]:
        """Mirrors listInFlightPods."""
        return [link.value for link in self.in_flight_pods.values() if isinstance(link.value, Pod)]

    def in_flight_event_list(self) -> list[Pod | InFlightEvent]:
        """Mirrors listInFlightEvents: pods and events in the order they were recorded."""
        return list(self.in_flight_events)

    def cluster_events_for_pod(self, pinfo: QueuedPodInfo) -> list[InFlightEvent] | None:
        """Mirrors clusterEventsForPod: the events recorded after the pod was popped; None when
        the pod is not in flight (Go returns an error)."""
        link = self.in_flight_pods.get(pinfo.uid)
        if link is None:
            return None
        out = []
        cur = link.next
        while cur is not None:
            if isinstance(cur.value, InFlightEvent):
                out.append(cur.value)
            cur = cur.next
        return out

    def add_events_if_pod_in_flight(self, old: Pod | None, new: Pod, events: list[ClusterEvent]) -> bool:
        """Mirrors addEventsIfPodInFlight: record the pod's own update events if it is in flight."""
        if pod_uid(new) not in self.in_flight_pods:
            return False
        for event in events:
            self.in_flight_events.push_back(InFlightEvent(event, old, new))
        return True

    def add_event_if_any_in_flight(self, old: HintObject, new: HintObject, event: ClusterEvent) -> bool:
        """Mirrors addEventIfAnyInFlight."""
        if not self.in_flight_pods:
            return False
        self.in_flight_events.push_back(InFlightEvent(event, old, new))
        return True

    def done(self, uid: str) -> None:
        """Mirrors activeQueue.done: forget the in-flight pod and drop the events at the front of
        the list that no remaining in-flight pod can need."""
        link = self.in_flight_pods.pop(uid, None)
        if link is None:
            return
        self.in_flight_events.remove(link)
        while self.in_flight_events.front is not None and isinstance(self.in_flight_events.front.value, InFlightEvent):
            self.in_flight_events.remove(self.in_flight_events.front)
