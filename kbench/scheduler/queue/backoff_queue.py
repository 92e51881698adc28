"""backoffQ: pods that may be schedulable again but must first wait out a backoff penalty.

Mirrors pkg/scheduler/backend/queue/backoff_queue.go of Kubernetes v1.34 with
SchedulerPopFromBackoffQ on: two heaps (pods rejected by plugins, and pods that failed with an
error), backoff expiries truncated to 1 s ordering windows, and within a window the activeQ order.
"""

from __future__ import annotations

from collections.abc import Callable

from kbench.api.objects import Pod
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.queue.heap import KeyedHeap
from kbench.scheduler.queue.types import NS_PER_SECOND, QueuedPodInfo, pod_priority

BACKOFF_Q_ORDERING_WINDOW_NS = NS_PER_SECOND
"""backoffQOrderingWindowDuration: 1 s, also the period of flushBackoffQCompleted."""
_ZERO_TIME = -(1 << 63)
"""Go's zero time.Time sorts before every real time."""


class BackoffQueue:
    """Mirrors backoffQueue: podBackoffQ and podErrorBackoffQ behind one interface."""

    def __init__(self, now_ns: Callable[[], int], initial_ns: int, max_ns: int) -> None:
        self._now_ns = now_ns
        self.initial_ns = initial_ns
        self.max_ns = max_ns
        self.pod_backoff_q: KeyedHeap[QueuedPodInfo] = KeyedHeap(lambda p: p.key, self._with_priority_key)
        self.pod_error_backoff_q: KeyedHeap[QueuedPodInfo] = KeyedHeap(lambda p: p.key, self._completed_key)

    def _expiry_key(self, p: QueuedPodInfo) -> int:
        bo = self.get_backoff_time(p)
        return _ZERO_TIME if bo is None else bo

    def _with_priority_key(self, p: QueuedPodInfo) -> tuple[int, int, int]:
        """lessBackoffCompletedWithPriority: backoff time, then the activeQ order (PrioritySort)."""
        return (self._expiry_key(p), -pod_priority(p.pod), p.timestamp_ns)

    def _completed_key(self, p: QueuedPodInfo) -> tuple[int]:
        """lessBackoffCompleted: backoff time only."""
        return (self._expiry_key(p),)

    @staticmethod
    def align_to_window(t_ns: int) -> int:
        """Mirrors alignToWindow: truncate to the 1 s ordering window."""
        return t_ns - t_ns % BACKOFF_Q_ORDERING_WINDOW_NS

    def calculate_backoff_duration(self, count: int) -> int:
        """Mirrors calculateBackoffDuration: initial × 2^(count−1), capped at max; 0 for count 0.
        The cap is tested as ``initial > max >> shift`` so no intermediate value overflows."""
        if count == 0:
            return 0
        shift = count - 1
        if self.initial_ns > self.max_ns >> shift:
            return self.max_ns
        return self.initial_ns << shift

    def get_backoff_time(self, p: QueuedPodInfo) -> int | None:
        """Mirrors getBackoffTime: the window-aligned end of the pod's backoff, cached in
        BackoffExpiration; None (Go's zero time, no backoff) when max backoff is 0 or the pod
        never failed. ConsecutiveErrorsCount, when non-zero, replaces UnschedulableCount."""
        if self.max_ns == 0:
            return None
        count = p.consecutive_errors_count if p.consecutive_errors_count > 0 else p.unschedulable_count
        if count == 0:
            return None
        if p.backoff_expiration_ns is None:
            duration = self.calculate_backoff_duration(count)
            p.backoff_expiration_ns = self.align_to_window(p.timestamp_ns + duration)
        return p.backoff_expiration_ns

    def is_pod_backing_off(self, p: QueuedPodInfo) -> bool:
        """Mirrors isPodBackingoff: backing off while the expiry is not before the current window
        (so a pod whose expiry falls in the current second still waits for the next flush)."""
        bo = self.get_backoff_time(p)
        return bo is not None and bo >= self.align_to_window(self._now_ns())

    def _pop_completed(self, q: KeyedHeap[QueuedPodInfo]) -> list[QueuedPodInfo]:
        out = []
        while (head := q.peek()) is not None and not self.is_pod_backing_off(head):
            q.pop()
            out.append(head)
        return out

    def pop_all_backoff_completed(self) -> list[QueuedPodInfo]:
        """Mirrors popAllBackoffCompleted: podBackoffQ's completed pods, then podErrorBackoffQ's."""
        return self._pop_completed(self.pod_backoff_q) + self._pop_completed(self.pod_error_backoff_q)

    def add(self, p: QueuedPodInfo) -> None:
        """Mirrors backoffQueue.add: a pod with no rejecting plugin failed with an error and goes
        to podErrorBackoffQ; the pod is removed from the other heap."""
        if not p.unschedulable_plugins and not p.pending_plugins:
            self.pod_error_backoff_q.add_or_update(p)
            self.pod_backoff_q.delete(p.key)
            return
        self.pod_backoff_q.add_or_update(p)
        self.pod_error_backoff_q.delete(p.key)

    def update(self, new_pod: Pod, key: str) -> QueuedPodInfo | None:
        """Mirrors backoffQueue.update."""
        for q in (self.pod_backoff_q, self.pod_error_backoff_q):
            p = q.get(key)
            if p is not None:
                p.pod_info = PodInfo(new_pod)
                q.add_or_update(p)
                return p
        return None

    def delete(self, key: str) -> QueuedPodInfo | None:
        """Mirrors backoffQueue.delete: the removed pod, or None."""
        p = self.pod_backoff_q.delete(key)
        return p if p is not None else self.pod_error_backoff_q.delete(key)

    def get(self, key: str) -> QueuedPodInfo | None:
        p = self.pod_backoff_q.get(key)
        return p if p is not None else self.pod_error_backoff_q.get(key)

    def has(self, key: str) -> bool:
        return key in self.pod_backoff_q or key in self.pod_error_backoff_q

    def pop_backoff(self) -> QueuedPodInfo | None:
        """Mirrors popBackoff: the head of podBackoffQ only (error backoff is never cut short)."""
        return self.pod_backoff_q.pop()

    def len_backoff(self) -> int:
        """Mirrors lenBackoff: the size of podBackoffQ."""
        return len(self.pod_backoff_q)

    def __len__(self) -> int:
        return len(self.pod_backoff_q) + len(self.pod_error_backoff_q)

    def pods(self) -> list[Pod]:
        """Mirrors backoffQueue.list."""
        return [p.pod for q in (self.pod_backoff_q, self.pod_error_backoff_q) for p in q.items()]

    def next_completion_ns(self) -> int | None:
        """The earliest time at which popAllBackoffCompleted would return a pod: the window after
        the smallest expiry (the heads of both heaps carry their smallest expiries)."""
        times = []
        for q in (self.pod_backoff_q, self.pod_error_backoff_q):
            head = q.peek()
            if head is not None:
                bo = self.get_backoff_time(head)
                times.append(self._now_ns() if bo is None else bo + BACKOFF_Q_ORDERING_WINDOW_NS)
        return min(times) if times else None
