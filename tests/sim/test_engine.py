"""The event engine: ordering, cancellation, run(until), errors."""

from __future__ import annotations

import numpy as np
import pytest

from kbench.sim.engine import URGENT, EmptySchedule, Engine


def engine() -> Engine:
    return Engine(np.random.default_rng(1))


def test_time_then_priority_then_insertion_order() -> None:
    eng, seen = engine(), []
    eng.schedule(1.0, seen.append, "late-normal")
    eng.schedule(1.0, seen.append, "late-urgent", priority=URGENT)
    eng.schedule(0.5, seen.append, "early")
    eng.schedule(1.0, seen.append, "late-normal-2")
    eng.run()
    assert seen == ["early", "late-urgent", "late-normal", "late-normal-2"]
    assert eng.now == 1.0 and eng.processed == 4


def test_events_scheduled_while_running() -> None:
    eng, seen = engine(), []

    def tick(n: int) -> None:
        seen.append((eng.now, n))
        if n < 3:
            eng.schedule(2.0, tick, n + 1)

    eng.schedule(0.0, tick, 0)
    eng.run()
    assert seen == [(0.0, 0), (2.0, 1), (4.0, 2), (6.0, 3)]


def test_cancel() -> None:
    eng, seen = engine(), []
    ev = eng.schedule(1.0, seen.append, "x")
    eng.schedule(2.0, seen.append, "y")
    ev.cancel()
    assert eng.peek() == 2.0
    eng.run()
    assert seen == ["y"] and eng.processed == 1


def test_run_until_stops_and_sets_the_clock() -> None:
    eng, seen = engine(), []
    for t in (1.0, 2.0, 3.0):
        eng.schedule(t, seen.append, t)
    eng.run(until=2.0)
    assert seen == [1.0, 2.0] and eng.now == 2.0
    eng.run(until=2.5)
    assert seen == [1.0, 2.0] and eng.now == 2.5
    eng.run()
    assert seen == [1.0, 2.0, 3.0]


def test_errors() -> None:
    eng = engine()
    with pytest.raises(EmptySchedule):
        eng.step()
    with pytest.raises(ValueError, match="delay"):
        eng.schedule(-1.0, print)
    with pytest.raises(ValueError, match="delay"):
        eng.schedule(float("nan"), print)
    eng.run(until=5.0)
    with pytest.raises(ValueError, match="cannot schedule"):
        eng.at(4.0, print)
    with pytest.raises(ValueError, match="before the current time"):
        eng.run(until=1.0)


def test_same_seed_same_draws() -> None:
    assert Engine(np.random.default_rng(7)).rng.random() == Engine(np.random.default_rng(7)).rng.random()
