"""Controllers whose syncs wait for their API calls, as a Go controller's worker blocks on its
client: a sync is a generator that yields calls and resumes when they have committed.

A sync yields a :class:`Call` (it resumes with the call's result, or the APIError is raised at
the ``yield``) or a list of calls sent together (goroutines in Go; it resumes with the list of
results, APIErrors included, once every call has committed). Without write latency every call
commits at once and a sync runs to its end in one event.

While a key's sync is waiting, the key counts as being processed: a new request for it runs once
the sync ends (client-go's work queue never hands one key to two workers). A sync that ends with
an APIError is queued again after the per-key backoff (a returned error in Go); one that ends
normally resets the backoff.

Simplified: kube-controller-manager runs a fixed number of workers per controller (5 for
Deployments and ReplicaSets); here syncs of different keys wait for their calls side by side
without a worker limit.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Hashable
from dataclasses import dataclass
from typing import Any

from kbench.controllers.base import Controller
from kbench.errors import APIError


@dataclass(frozen=True)
class Call:
    """An API request a sync waits for: ``fn(*args)`` runs when it commits."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


def call(fn: Callable[..., Any], *args: Any) -> Call:
    """A Call of ``fn(*args)``."""
    return Call(fn, args)


Steps = Generator[Call | list[Call], Any, None]
"""What a blocking sync is: a generator of calls, receiving their results."""


@dataclass
class _Batch:
    results: list[Any]
    remaining: int
    waiting: bool = False


class BlockingController(Controller):
    """A controller whose ``steps(key)`` generator yields API calls and waits for them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._running: dict[Hashable, Steps] = {}
        self._again: set[Hashable] = set()

    def steps(self, key: Hashable) -> Steps:
        """Reconcile ``key``, yielding the API calls to wait for (override)."""
        raise NotImplementedError

    @property
    def idle(self) -> bool:
        return self.queue.idle and not self._running

    def _process(self, key: Hashable) -> None:
        if key in self._running:
            self._again.add(key)
            return
        gen = self.steps(key)
        self._running[key] = gen
        self._advance(key, gen, None, None)

    def _advance(self, key: Hashable, gen: Steps, value: Any, error: APIError | None) -> None:
        """Run the sync until it waits for a call that has not committed, or ends."""
        while True:
            try:
                req = gen.throw(error) if error is not None else gen.send(value)
            except StopIteration:
                self._end(key, None)
                return
            except APIError as e:
                self._end(key, e)
                return
            single = isinstance(req, Call)
            calls = [req] if isinstance(req, Call) else list(req)
            batch = _Batch([None] * len(calls), len(calls))
            for i, c in enumerate(calls):
                self.api.submit(c.fn, *c.args, on_done=self._collector(key, gen, batch, i, single))
            if batch.remaining:
                batch.waiting = True
                return
            value, error = _outcome(batch.results, single)

    def _collector(self, key: Hashable, gen: Steps, batch: _Batch, i: int, single: bool) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            batch.results[i] = result
            batch.remaining -= 1
            if batch.remaining == 0 and batch.waiting:
                self._advance(key, gen, *_outcome(batch.results, single))
        return done

    def _end(self, key: Hashable, error: APIError | None) -> None:
        del self._running[key]
        if error is not None:
            self.queue.add_rate_limited(key)
        else:
            self.queue.forget(key)
        if key in self._again:
            self._again.discard(key)
            self.queue.add(key)


def _outcome(results: list[Any], single: bool) -> tuple[Any, APIError | None]:
    """What the sync resumes with: a single call's result (or its error), or every result."""
    if not single:
        return results, None
    r = results[0]
    return (None, r) if isinstance(r, APIError) else (r, None)
