"""The Job controller's work queue: client-go's queue with the rate limiter the controller builds,
NewItemExponentialFailureRateLimiter(DefaultJobApiBackOff 1 s, MaxJobApiBackOff 1 min), so a
failed sync is retried after 1 s, 2 s, 4 s, ... up to a minute."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from kbench.controllers.workqueue import WorkQueue
from kbench.sim.engine import Engine

DEFAULT_JOB_API_BACKOFF = 1.0
MAX_JOB_API_BACKOFF = 60.0


class JobQueue(WorkQueue):
    """A WorkQueue with the Job controller's per-item backoff."""

    def __init__(self, engine: Engine, process: Callable[[Hashable], None]) -> None:
        super().__init__(engine, process, DEFAULT_JOB_API_BACKOFF, MAX_JOB_API_BACKOFF)

    def idle_but_for(self, ignorable: Callable[[Hashable], bool]) -> bool:
        """Nothing queued or being processed, and every key waiting to be added is ``ignorable``."""
        return not self._queue and not self._processing and all(ignorable(k) for k in self._waiting)
