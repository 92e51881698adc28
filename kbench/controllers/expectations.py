"""ControllerExpectations (pkg/controller/controller_utils.go): how many creates and deletes a
controller has sent and not yet seen through its informer, so it does not act twice on a stale
cache. A key's expectations are satisfied when both counts are at most 0, when there are none,
or 5 minutes after they were set (ExpectationsTimeout)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

EXPECTATIONS_TIMEOUT = 300.0


@dataclass
class _Expectation:
    add: int
    delete: int
    timestamp: float


class Expectations:
    """Pending creates and deletes per controller key."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._by_key: dict[str, _Expectation] = {}

    def satisfied(self, key: str) -> bool:
        """SatisfiedExpectations: True when the controller may trust its cache for ``key``."""
        e = self._by_key.get(key)
        if e is None:
            return True
        if e.add <= 0 and e.delete <= 0:
            return True
        return self.clock() - e.timestamp > EXPECTATIONS_TIMEOUT

    def expect(self, key: str, add: int = 0, delete: int = 0) -> None:
        """SetExpectations (ExpectCreations / ExpectDeletions): replace the counts, restart the clock."""
        self._by_key[key] = _Expectation(add, delete, self.clock())

    def raise_(self, key: str, add: int = 0, delete: int = 0) -> None:
        """RaiseExpectations: more creates or deletes sent."""
        e = self._by_key.get(key)
        if e is not None:
            e.add += add
            e.delete += delete

    def creation_observed(self, key: str) -> None:
        """LowerExpectations(key, 1, 0): a create was seen (or failed)."""
        e = self._by_key.get(key)
        if e is not None:
            e.add -= 1

    def deletion_observed(self, key: str) -> None:
        """LowerExpectations(key, 0, 1): a delete was seen (or failed)."""
        e = self._by_key.get(key)
        if e is not None:
            e.delete -= 1

    def delete(self, key: str) -> None:
        """DeleteExpectations: the controller object is gone."""
        self._by_key.pop(key, None)
