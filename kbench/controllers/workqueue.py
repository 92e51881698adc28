"""client-go's rate-limited work queue, on the simulated clock.

Semantics of ``workqueue.Type``: a key added while queued is not queued twice (``dirty``); a key
added while being processed is queued again when ``done`` is called (``processing``), so one key
is never processed by two workers at once. ``add_rate_limited`` waits per key 5 ms x 2^failures,
capped at 1000 s (ItemExponentialFailureRateLimiter of DefaultControllerRateLimiter; its overall
10 qps token bucket is not modelled), and ``forget`` resets the failures.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable

from kbench.sim.engine import Engine

BASE_DELAY = 0.005
MAX_DELAY = 1000.0


class WorkQueue:
    """Keys waiting for a controller's sync, processed one at a time as engine events."""

    def __init__(self, engine: Engine, process: Callable[[Hashable], None], base_delay: float = BASE_DELAY,
                 max_delay: float = MAX_DELAY) -> None:
        self.engine = engine
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
        """Queue ``key`` again after its exponential per-item backoff."""
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(self.base_delay * 2.0 ** n, self.max_delay))

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
