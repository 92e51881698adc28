"""Lazy arrivals: fed one at a time, a workload's arrivals run exactly as if all were scheduled up
front (same order among themselves and among other events at the same instant), and objects are
built only when the run reaches them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

from kbench.api.objects import Pod
from kbench.sim.arrivals import Arrivals, feed
from kbench.sim.engine import URGENT, Engine
from kbench.sim.workload import pod_arrivals, pods_from_table
from kbench.traces import load_pods

TIMES = [3.0, 1.0, 1.0, 0.0, 3.0, 2.0]
"""Unsorted, with ties: eager scheduling runs them in (time, list position) order."""


def trace(lazy: bool) -> list[tuple[float, str]]:
    """What runs when, with other events scheduled before, alongside and from the arrivals."""
    eng = Engine(np.random.default_rng(0))
    seen: list[tuple[float, str]] = []
    eng.at(1.0, seen.append, (1.0, "before"))  # scheduled ahead of the arrivals

    def arrived(name: str) -> None:
        seen.append((eng.now, name))
        eng.schedule(0.0, seen.append, (eng.now, f"after-{name}"))  # same instant, later sequence
        eng.schedule(0.0, seen.append, (eng.now, f"urgent-{name}"), priority=URGENT)

    items = [(t, f"a{i}") for i, t in enumerate(TIMES)]
    if lazy:
        feed(eng, Arrivals.of(items), arrived)  # type: ignore[arg-type]
    else:
        for t, name in items:
            eng.at(t, arrived, name)
    eng.at(2.0, seen.append, (2.0, "behind"))  # scheduled after the arrivals
    eng.run()
    return seen


def test_feeding_runs_events_in_the_eager_order() -> None:
    eager, lazy = trace(False), trace(True)
    assert lazy == eager
    assert [n for _, n in eager if n[1:].isdigit()] == ["a3", "a1", "a2", "a5", "a0", "a4"]


def test_reserved_positions_sort_as_if_scheduled_then() -> None:
    eng = Engine(np.random.default_rng(0))
    seen: list[str] = []
    eng.at(1.0, seen.append, "first")
    base = eng.reserve(2)
    eng.at(1.0, seen.append, "third")
    eng.at_position(1.0, base + 1, seen.append, "second-b")
    eng.at_position(1.0, base, seen.append, "second-a")
    eng.run()
    assert seen == ["first", "second-a", "second-b", "third"]


def test_table_pods_are_built_only_when_reached() -> None:
    built: list[int] = []

    def build(order: np.ndarray) -> Iterator[Pod]:
        for pos in order.tolist():
            built.append(pos)
            yield Pod.model_validate({"metadata": {"name": f"p{pos}"}, "spec": {"containers": [{"name": "c"}]}})

    arrivals = Arrivals.lazily(np.array([5.0, 1.0, 3.0]), build)
    assert len(arrivals) == 3 and arrivals.last_time == 5.0 and built == []
    eng = Engine(np.random.default_rng(0))
    names: list[str] = []
    feed(eng, arrivals, lambda p: names.append(p.metadata.name))
    assert built == [1]  # only the first arrival exists before the run
    eng.run(until=3.0)
    assert names == ["p1", "p2"] and built == [1, 2, 0]  # the next one is built when its predecessor runs
    eng.run()
    assert names == ["p1", "p2", "p0"]


@pytest.mark.parametrize("batch", [1, 2, 4096])
def test_pod_table_arrivals_in_time_order_with_row_positions(batch: int) -> None:
    table = load_pods("alibaba-gpu-v2023:default").slice(0, 5)
    shuffled = table.take(pa.array([3, 0, 4, 1, 2]))
    got = list(pod_arrivals(shuffled, 2.0, batch=batch))
    created = [t * 2.0 for t in shuffled.column("created_at").to_pylist()]
    assert [t for _, t, _ in got] == sorted(created)
    assert [pos for pos, _, _ in got] == sorted(range(5), key=lambda i: created[i])
    assert [p.metadata.name for _, _, p in got] == [shuffled.column("name")[pos].as_py() for pos, _, _ in got]
    # the list form keeps row order
    assert [p.metadata.name for _, p in pods_from_table(shuffled, 2.0)] == shuffled.column("name").to_pylist()
