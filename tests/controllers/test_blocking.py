"""Blocking syncs: a sync waits for its calls to commit, a key requested while its sync waits runs
once after it, and a sync ending in an APIError is retried after the queue's backoff."""

from __future__ import annotations

from typing import Any

import numpy as np

from kbench.api.objects import Namespace
from kbench.controllers.base import InformerFactory
from kbench.controllers.blocking import BlockingController, Steps, call
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.latency import CommitClock, Constant


class Recorder(BlockingController):
    """Creates namespace ``key-<n>`` and then ``key-<n>-b``; fails its first sync when asked."""

    name = "recorder"

    def __init__(self, api: APIServer, informers: InformerFactory, fail_first: bool = False) -> None:
        super().__init__(api, informers)
        self.log: list[tuple[float, str]] = []
        self.fail_first = fail_first
        self.syncs = 0

    def steps(self, key: Any) -> Steps:
        n = self.syncs
        self.syncs += 1
        self.log.append((self.now(), f"start {n}"))
        created = yield call(self.api.create, Namespace.model_validate({"metadata": {"name": f"{key}-{n}"}}))
        results = yield [call(self.api.create, Namespace.model_validate({"metadata": {"name": f"{key}-{n}-{i}"}}))
                         for i in range(2)]
        self.log.append((self.now(), f"end {n} {created.metadata.name} {len(results)}"))
        if self.fail_first and n == 0:
            raise APIError("Conflict", "first sync fails")


def _setup(fail_first: bool = False) -> tuple[Engine, Recorder]:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng, latency=CommitClock(Constant(seconds=1.0), np.random.default_rng(1)))
    return eng, Recorder(api, InformerFactory(api), fail_first)


def test_sync_waits_for_its_calls_and_requests_wait_for_the_sync() -> None:
    eng, c = _setup()
    c.queue.add("a")
    eng.at(0.5, c.queue.add, "a")  # while the first sync waits: runs once it has ended
    eng.at(0.6, c.queue.add, "a")
    eng.run(until=10)
    assert c.log == [(0.0, "start 0"), (2.0, "end 0 a-0 2"), (2.0, "start 1"), (4.0, "end 1 a-1 2")]
    assert c.idle


def test_failed_sync_is_retried_after_backoff() -> None:
    eng, c = _setup(fail_first=True)
    c.queue.add("a")
    eng.run(until=10)
    # the first sync ends with an error at 2 s and is retried 5 ms later (the first backoff step)
    assert c.log[:3] == [(0.0, "start 0"), (2.0, "end 0 a-0 2"), (2.005, "start 1")]
    assert c.queue.num_requeues("a") == 0 and c.idle
