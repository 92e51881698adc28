"""The node lifecycle controller's per-zone tainting queue (nodelifecycle/scheduler/rate_limited_queue.go)
and the token bucket it is rate limited by (client-go flowcontrol.NewTokenBucketRateLimiter over
golang.org/x/time/rate: ``qps`` tokens a second up to ``burst``, the bucket full at creation)."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

EPSILON = 1e-9
"""Slack for float comparisons of simulated times and token counts."""
EVICTION_RATE_LIMITER_BURST = 1
"""scheduler.EvictionRateLimiterBurst."""


class TokenBucket:
    """A token bucket of ``qps`` tokens a second holding at most ``burst``; ``qps <= 0`` never accepts
    (flowcontrol.NewFakeNeverRateLimiter, what SwapLimiter installs for a zero rate)."""

    def __init__(self, qps: float, burst: int, now: float) -> None:
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._last = now

    def _advance(self, now: float) -> float:
        return min(float(self.burst), self._tokens + max(now - self._last, 0.0) * self.qps)

    def try_accept(self, now: float) -> bool:
        """TryAccept: take a token if one is there."""
        if self.qps <= 0:
            return False
        tokens = self._advance(now)
        self._last = max(now, self._last)
        if tokens + EPSILON >= 1.0:
            self._tokens = max(tokens - 1.0, 0.0)
            return True
        self._tokens = tokens
        return False

    def next_token_at(self, now: float) -> float:
        """When a token will be there (now if one is); infinity for a bucket that never fills."""
        if self.qps <= 0:
            return math.inf
        tokens = self._advance(now)
        return now if tokens + EPSILON >= 1.0 else now + (1.0 - tokens) / self.qps


@dataclass(order=True)
class TimedValue:
    """A node waiting in the queue: processed no earlier than ``process_at``."""

    process_at: float
    seq: int
    value: str = field(compare=False)
    uid: str = field(compare=False)
    added_at: float = field(compare=False)


class RateLimitedTimedQueue:
    """A unique queue of node names ordered by when to process them (ties first-in first-out),
    processed as its token bucket allows. A value stays "added" after it was processed until it is
    removed (UniqueQueue's set), so the same node is not tainted twice."""

    def __init__(self, qps: float, now: float) -> None:
        self.limiter = TokenBucket(qps, EVICTION_RATE_LIMITER_BURST, now)
        self._heap: list[TimedValue] = []
        self._set: set[str] = set()
        self._seq = count()

    def __len__(self) -> int:
        return len(self._heap)

    def head(self) -> TimedValue | None:
        return self._heap[0] if self._heap else None

    def add(self, value: str, uid: str, now: float) -> bool:
        """Add a value to process now, unless it was added and not removed since."""
        if value in self._set:
            return False
        heapq.heappush(self._heap, TimedValue(now, next(self._seq), value, uid, now))
        self._set.add(value)
        return True

    def remove(self, value: str) -> bool:
        """Forget a value (it may be added again); whether it had been added."""
        if value not in self._set:
            return False
        self._set.discard(value)
        self._drop(value)
        return True

    def _drop(self, value: str) -> None:
        kept = [v for v in self._heap if v.value != value]
        if len(kept) != len(self._heap):
            self._heap = kept
            heapq.heapify(self._heap)

    def try_process(self, fn: Callable[[TimedValue], tuple[bool, float]], now: float) -> None:
        """RateLimitedTimedQueue.Try: while a token is there and the head is due, process it; ``fn``
        returns (done, wait), and a value not done is retried ``wait`` seconds (and 1 ns) later."""
        while self._heap:
            if not self.limiter.try_accept(now):
                break
            head = self._heap[0]
            if now + EPSILON < head.process_at:
                break
            done, wait = fn(head)
            heapq.heappop(self._heap)
            if done:
                continue
            heapq.heappush(self._heap, TimedValue(now + wait + 1e-9, next(self._seq), head.value, head.uid,
                                                  head.added_at))

    def swap_limiter(self, qps: float, now: float) -> None:
        """SwapLimiter: a new bucket for a new rate (none for a zero rate); a new bucket starts empty if the
        old one had no token left (it "drains" the new one)."""
        if self.limiter.qps == qps:
            return
        new = TokenBucket(qps, EVICTION_RATE_LIMITER_BURST, now)
        if qps > 0 and not self.limiter.try_accept(now):
            new.try_accept(now)
        self.limiter = new

    def next_action_at(self, now: float) -> float:
        """The earliest time ``try_process`` could act: infinity when empty or never allowed."""
        head = self.head()
        if head is None:
            return math.inf
        return max(self.limiter.next_token_at(now), head.process_at)

    def waits_for_retry(self, now: float) -> bool:
        """Whether the head is a value waiting to be retried (each pass then spends a token on it)."""
        head = self.head()
        return head is not None and head.process_at > now + EPSILON
