"""A SimPy-sized discrete-event engine: a heap of (time, priority, seq, event) in simulated seconds.

Events at the same time run by priority (lower first), then in the order they were scheduled,
so a run is deterministic. The one random generator of a run is created from its seed and passed
in explicitly; nothing in kbench draws randomness from anywhere else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from heapq import heappop, heappush
from itertools import count
from typing import Any

import numpy as np

URGENT = 0
"""Priority of events that must run before others at the same instant (e.g. watch delivery)."""
NORMAL = 1


class EmptySchedule(Exception):
    """step() was called with no event left."""


@dataclass(eq=False)
class Event:
    """A scheduled callback; ``cancel()`` keeps it from running."""

    time: float
    callback: Callable[..., Any]
    args: tuple[Any, ...] = field(default_factory=tuple)
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Engine:
    """The event heap and the simulated clock.

    Examples
    --------
    >>> eng = Engine(np.random.default_rng(0))
    >>> seen = []
    >>> _ = eng.schedule(2.0, seen.append, "b")
    >>> _ = eng.schedule(1.0, seen.append, "a")
    >>> eng.run()
    >>> seen, eng.now
    (['a', 'b'], 2.0)
    """

    def __init__(self, rng: np.random.Generator, start: float = 0.0) -> None:
        self.rng = rng
        self._now = float(start)
        self._queue: list[tuple[float, int, int, Event]] = []
        self._seq = count()
        self.processed = 0
        """Events run so far (cancelled ones are not counted)."""

    @property
    def now(self) -> float:
        """The current simulated time, in seconds."""
        return self._now

    def schedule(self, delay: float, callback: Callable[..., Any], *args: Any, priority: int = NORMAL) -> Event:
        """Run ``callback(*args)`` ``delay`` simulated seconds from now."""
        if not delay >= 0 or math.isinf(delay):
            raise ValueError(f"delay must be a finite number >= 0, got {delay!r}")
        return self.at(self._now + delay, callback, *args, priority=priority)

    def at(self, time: float, callback: Callable[..., Any], *args: Any, priority: int = NORMAL) -> Event:
        """Run ``callback(*args)`` at simulated time ``time`` (not before now)."""
        return self.at_position(time, next(self._seq), callback, *args, priority=priority)

    def reserve(self, n: int) -> int:
        """Set aside ``n`` consecutive sequence numbers, as if ``n`` events were scheduled now;
        returns the first. :meth:`at_position` schedules into them later."""
        base = next(self._seq)
        self._seq = count(base + n)
        return base

    def at_position(self, time: float, seq: int, callback: Callable[..., Any], *args: Any,
                    priority: int = NORMAL) -> Event:
        """``at`` with a sequence number from :meth:`reserve`: the event sorts among same-time
        events as if it had been scheduled when the numbers were reserved."""
        if not time >= self._now or math.isinf(time):
            raise ValueError(f"cannot schedule at {time!r}: the clock is at {self._now!r}")
        ev = Event(float(time), callback, args)
        heappush(self._queue, (ev.time, priority, seq, ev))
        return ev

    def peek(self) -> float:
        """Time of the next event, or infinity if there is none."""
        while self._queue and self._queue[0][3].cancelled:
            heappop(self._queue)
        return self._queue[0][0] if self._queue else math.inf

    def step(self) -> None:
        """Advance the clock to the next event and run it; EmptySchedule if there is none."""
        if self.peek() == math.inf:
            raise EmptySchedule()
        time, _, _, ev = heappop(self._queue)
        self._now = time
        self.processed += 1
        ev.callback(*ev.args)

    def run(self, until: float | None = None) -> None:
        """Run events until none is left, or up to and including time ``until`` (the clock then
        stands at ``until``)."""
        if until is not None and until < self._now:
            raise ValueError(f"until={until!r} is before the current time {self._now!r}")
        while True:
            nxt = self.peek()
            if nxt == math.inf or (until is not None and nxt > until):
                break
            self.step()
        if until is not None:
            self._now = float(until)
