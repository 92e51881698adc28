"""client-go's rate-limited work queue on the simulated clock, with DefaultControllerRateLimiter's
two limiters: per-key exponential backoff (5 ms x 2^failures, capped at 1000 s) and the overall
token bucket (10 qps, burst 100, golang.org/x/time/rate semantics); the wait is the longer one."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from kbench.controllers.workqueue import TokenBucket, WorkQueue
from kbench.sim.engine import Engine


def queue(bucket: TokenBucket | None) -> tuple[Engine, WorkQueue, list[tuple[float, Hashable]]]:
    eng = Engine(np.random.default_rng(0))
    seen: list[tuple[float, Hashable]] = []
    q = WorkQueue(eng, lambda key: seen.append((eng.now, key)), bucket=bucket)
    return eng, q, seen


def test_per_key_backoff_doubles_and_forget_resets_it() -> None:
    eng, q, seen = queue(None)
    for _ in range(3):
        q.add_rate_limited("a")  # 5 ms, then 10 ms, then 20 ms: one entry per key, the earliest
    eng.run()
    assert seen == [(0.005, "a")] and q.num_requeues("a") == 3
    q.forget("a")
    q.add_rate_limited("a")
    eng.run()
    assert seen[-1] == (0.010, "a")  # 5 ms after 0.005


def test_the_bucket_lets_a_burst_of_100_through_then_10_a_second() -> None:
    eng, q, seen = queue(TokenBucket(10.0, 100))
    for i in range(103):
        q.add_rate_limited(i)  # distinct keys, first failure each: 5 ms of backoff
    eng.run()
    times = [t for t, _ in seen]
    # 100 tokens: the first 100 wait only their 5 ms; then 0.1, 0.2, 0.3 s of debt
    assert times[:100] == [0.005] * 100 and times[100:] == [0.1, 0.2, 0.3]


def test_token_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    b = TokenBucket(10.0, 100)
    assert [b.reserve(0.0) for _ in range(100)] == [0.0] * 100
    assert b.reserve(0.0) == 0.1  # one token in debt
    assert b.reserve(0.35) == 0.0  # 0.35 s refilled 3.5 tokens: -1 + 3.5 = 2.5, one taken
    assert b.reserve(1000.0) == 0.0 and b.tokens == 99.0  # refilled to the burst, one taken
