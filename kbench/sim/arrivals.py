"""A workload's arrivals, built lazily and fed to the engine one at a time.

A million-pod trace cannot be a million Pod objects waiting in the event heap (about 5 KB each).
:class:`Arrivals` yields (position, time, object) in time order, building objects as it goes
(a pod table converts a batch of rows at a time), and :func:`feed` keeps one arrival in the heap:
the next enters when the one before it runs, at the heap position (time, priority, sequence) it
would have had if every arrival had been scheduled up front. A run is therefore event for event
the one of eager scheduling, while memory holds only the arrivals that have happened.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from kbench.sim.engine import Engine

Arrival = tuple[float, BaseModel]


@dataclass
class Arrivals:
    """``count`` objects arriving from time 0 to ``last_time``; iterating yields (position, time,
    object) in (time, position) order, position being the object's place in its source."""

    count: int
    last_time: float
    _items: Callable[[], Iterator[tuple[int, float, BaseModel]]]
    table: pa.Table | None = None
    """The pod table the objects are built from (None: a list of objects)."""

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[int, float, BaseModel]]:
        return self._items()

    @classmethod
    def of(cls, arrivals: Sequence[Arrival]) -> Arrivals:
        """Arrivals from a list of (time, object) (manifests, scenarios: already objects)."""
        order = sorted(range(len(arrivals)), key=lambda i: arrivals[i][0])
        last = max((t for t, _ in arrivals), default=-math.inf)
        return cls(len(arrivals), last, lambda: ((i, arrivals[i][0], arrivals[i][1]) for i in order))

    @classmethod
    def lazily(cls, times: np.ndarray, build: Callable[[np.ndarray], Iterator[BaseModel]],
               table: pa.Table | None = None) -> Arrivals:
        """Arrivals at ``times`` (by source position) whose objects ``build(positions)`` makes, in
        the order of the positions it is given (from ``table``, if they come from one)."""
        order = np.argsort(times, kind="stable")
        last = float(times.max()) if len(times) else -math.inf

        def items() -> Iterator[tuple[int, float, BaseModel]]:
            for pos, obj in zip(order.tolist(), build(order)):
                yield pos, float(times[pos]), obj

        return cls(len(times), last, items, table)


def feed(engine: Engine, arrivals: Arrivals, callback: Callable[[Any], None]) -> None:
    """Schedule ``callback(obj)`` at each arrival's time, keeping one arrival in the heap at a time,
    each at the position eager scheduling (``engine.at`` for all, in source order, now) gives it."""
    base = engine.reserve(len(arrivals))
    items = iter(arrivals)

    def push() -> None:
        nxt = next(items, None)
        if nxt is not None:
            pos, t, obj = nxt
            engine.at_position(t, base + pos, arrive, obj)

    def arrive(obj: Any) -> None:
        push()
        callback(obj)

    push()
