"""UIDTrackingControllerExpectations (pkg/controller/controller_utils.go): expectations that
remember which pods a controller deleted, so a graceful deletion (first seen as an update that
sets deletionTimestamp, then as a delete) is counted once."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kbench.controllers.expectations import Expectations


class UIDTrackingExpectations:
    """Creation and deletion expectations per controller key, deletions tracked by pod key."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.counts = Expectations(clock)
        self._deletes: dict[str, set[str]] = {}

    def satisfied(self, key: str) -> bool:
        return self.counts.satisfied(key)

    def expect_creations(self, key: str, adds: int) -> None:
        """ExpectCreations: ``adds`` creates sent (replaces any earlier expectation)."""
        self.counts.expect(key, add=adds)

    def creation_observed(self, key: str) -> None:
        self.counts.creation_observed(key)

    def expect_deletions(self, key: str, pod_keys: Iterable[str]) -> None:
        """ExpectDeletions: deletes of these pods (``namespace/name``) sent."""
        keys = set(pod_keys)
        self._deletes[key] = keys
        self.counts.expect(key, delete=len(keys))

    def deletion_observed(self, key: str, pod_key: str) -> None:
        """DeletionObserved: lower the count only for a pod this controller is waiting on, once."""
        keys = self._deletes.get(key)
        if keys is not None and pod_key in keys:
            keys.discard(pod_key)
            self.counts.deletion_observed(key)

    def delete(self, key: str) -> None:
        """DeleteExpectations: the controller object is gone."""
        self.counts.delete(key)
        self._deletes.pop(key, None)
