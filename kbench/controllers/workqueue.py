"""client-go's rate-limited work queue, on the simulated clock.

Semantics of ``workqueue.Type``: a key added while queued is not queued twice (``dirty``); a key
added while being processed is queued again when ``done`` is called (``processing``), so one key
is never processed by two workers at once. ``add_rate_limited`` waits the longer of the per-key
5 ms x 2^failures, capped at 1000 s, and, with a token bucket, the bucket's reservation
(DefaultControllerRateLimiter: MaxOf(ItemExponentialFailureRateLimiter, BucketRateLimiter of
10 qps, burst 100)); ``forget`` resets the failures.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable

from kbench.sim.engine import Engine

BASE_DELAY = 0.005
MAX_DELAY = 1000.0
BUCKET_QPS = 10.0
BUCKET_BURST = 100


class TokenBucket:
    """golang.org/x/time/rate's Limiter as BucketRateLimiter uses it (``Reserve().Delay()``): it
    starts full, refills at ``rate`` tokens a second up to ``burst``, and each reservation takes a
    token, going into debt (a wait) when there is none.

    >>> b = TokenBucket(10.0, 2)
    >>> [b.reserve(0.0) for _ in range(4)]
    [0.0, 0.0, 0.1, 0.2]
    >>> b.reserve(1.0)  # 1 s later: -2 + 10 tokens, capped at the burst of 2
    0.0
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = 0.0
        self.last: float | None = None

    def reserve(self, now: float) -> float:
        """Take a token at ``now``; returns how long to wait for it (0 if one was there)."""
        if self.last is None:
            tokens = float(self.burst)  # a new Limiter: the time since its zero "last" fills it
        else:
            tokens = min(float(self.burst), self.tokens + (now - min(self.last, now)) * self.rate)
        tokens -= 1.0
        self.tokens, self.last = tokens, now
        return int(-tokens / self.rate * 1e9) / 1e9 if tokens < 0 else 0.0  # durationFromTokens: whole ns


class WorkQueue:
    """Keys waiting for a controller's sync, processed one at a time as engine events."""

    def __init__(self, engine: Engine, process: Callable[[Hashable], None], base_delay: float = BASE_DELAY,
                 max_delay: float = MAX_DELAY, bucket: TokenBucket | None = None) -> None:
        self.engine = engine
        self.bucket = bucket
        """The overall token bucket of DefaultControllerRateLimiter (None: per-key backoff only)."""
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.process = process
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._failures: dict[Hashable, int] = {}
        self._scheduled = False
        self._waiting: dict[Hashable, float] = {}
        """Key -> when ``add_after`` will add it (one entry per key: the earliest, as client-go's
        delaying queue keeps)."""

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: Hashable) -> None:
        """Queue ``key`` for a sync (once, however often it is added before it runs)."""
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._wake()

    def add_after(self, key: Hashable, delay: float) -> None:
        """Queue ``key`` after ``delay`` simulated seconds."""
        if delay <= 0:
            self.add(key)
            return
        ready = self.engine.now + delay
        if self._waiting.get(key, float("inf")) <= ready:
            return
        self._waiting[key] = ready
        self.engine.at(ready, self._add_later, key, ready)

    def _add_later(self, key: Hashable, ready: float) -> None:
        if self._waiting.get(key) != ready:
            return
        del self._waiting[key]
        self.add(key)

    @property
    def waiting(self) -> int:
        """Keys scheduled by ``add_after`` that have not been added yet."""
        return len(self._waiting)

    @property
    def idle(self) -> bool:
        """Nothing queued, being processed or waiting to be added."""
        return not self._queue and not self._processing and not self._waiting

    def add_rate_limited(self, key: Hashable) -> None:
        """Queue ``key`` again after its exponential per-item backoff (or the bucket's wait, if longer)."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        delay = min(self.base_delay * 2.0 ** n, self.max_delay)
        if self.bucket is not None:
            delay = max(delay, self.bucket.reserve(self.engine.now))
        self.add_after(key, delay)

    def forget(self, key: Hashable) -> None:
        """Reset ``key``'s failure count."""
        self._failures.pop(key, None)

    def num_requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)

    def _wake(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self.engine.schedule(0.0, self._work)

    def _work(self) -> None:
        """One worker step: take the first key, sync it, mark it done."""
        self._scheduled = False
        if not self._queue:
            return
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        try:
            self.process(key)
        finally:
            self._processing.discard(key)
            if key in self._dirty:
                self._queue.append(key)
        if self._queue:
            self._wake()
