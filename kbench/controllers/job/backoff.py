"""The Job controller's pod-failure backoff (pkg/controller/job/backoff_utils.go).

Per Job the controller keeps a record of the failures since the last success and the time of the
last failure. A sync that sees new finished pods derives the next record from the stored one
(newBackoffRecord): new failures with no new success add up; a new success resets the count to
the failures that finished after the latest success. The delay before replacement pods may be
created is DefaultJobPodFailureBackOff (10 s) doubled per further failure, capped at
MaxJobPodFailureBackOff (10 min in the current controller; older ones capped at 6 min, the figure
the Job documentation still gives), minus the time since the last failure. The record is stored
only once the sync's status write has succeeded, and dropped when the Job finishes or is deleted.

A pod's finish time (getFinishedTime) is, in order: when its containers terminated, the
transition of its Ready condition to False, its deletionTimestamp less its grace period, its
creationTimestamp. kbench's kubelet reports no container statuses, so the containers' end is
read as startTime + ``kbench.io/duration-seconds`` (exactly when the kubelet ended them) once
that time has passed; times are whole seconds, as metav1.Time serializes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.objects import Pod

DEFAULT_JOB_POD_FAILURE_BACKOFF = 10.0
MAX_JOB_POD_FAILURE_BACKOFF = 600.0


@dataclass(frozen=True)
class BackoffRecord:
    """backoffRecord: consecutive failures since the last success, and when the last one finished."""

    key: str
    failures_after_last_success: int = 0
    last_failure_time: float | None = None

    def remaining(self, now: float, default: float = DEFAULT_JOB_POD_FAILURE_BACKOFF,
                  maximum: float = MAX_JOB_POD_FAILURE_BACKOFF) -> float:
        """getRemainingTime: seconds until replacement pods may be created (0 when none)."""
        return remaining_for_failures(now, default, maximum, self.failures_after_last_success,
                                      self.last_failure_time)


def backoff_duration(failures: int, default: float = DEFAULT_JOB_POD_FAILURE_BACKOFF,
                     maximum: float = MAX_JOB_POD_FAILURE_BACKOFF) -> float:
    """The delay after ``failures`` consecutive failures: ``default`` doubled failures - 1 times, capped."""
    d = default
    for _ in range(1, failures):
        d *= 2
        if d >= maximum:
            return maximum
    return d


def remaining_for_failures(now: float, default: float, maximum: float, failures: int,
                           last_failure_time: float | None) -> float:
    """getRemainingTimeForFailuresCount: the backoff less the time since the last failure, at least 0."""
    if failures == 0 or last_failure_time is None:
        return 0.0
    d = backoff_duration(failures, default, maximum)
    elapsed = now - last_failure_time
    return 0.0 if d < elapsed else d - elapsed


def _seconds(t: object) -> float:
    return float(math.floor(float(t)))  # type: ignore[arg-type]


def finished_time(pod: Pod, now: float) -> float:
    """getFinishedTime, with the containers' end as kbench's kubelet produces it (module docstring)."""
    start, duration = pod.status.get("startTime"), pod.metadata.annotations.get(DURATION_ANNOTATION)
    if pod.status.get("phase") in ("Succeeded", "Failed") and start is not None and duration is not None:
        end = float(start) + float(duration)
        if end <= now:
            return _seconds(end)
    for c in pod.status.get("conditions", ()):
        if c.get("type") == "Ready" and c.get("status") == "False" and c.get("lastTransitionTime") is not None:
            return _seconds(c["lastTransitionTime"])
    meta = pod.metadata
    if meta.deletion_timestamp is not None:
        return _seconds(float(meta.deletion_timestamp) - (meta.deletion_grace_period_seconds or 0))
    return _seconds(meta.creation_timestamp or 0.0)


class BackoffStore:
    """backoffStore: the stored record of each Job key."""

    def __init__(self) -> None:
        self._records: dict[str, BackoffRecord] = {}

    def get(self, key: str) -> BackoffRecord | None:
        return self._records.get(key)

    def new_record(self, key: str, succeeded: Sequence[Pod], failed: Sequence[Pod], now: float) -> BackoffRecord:
        """newBackoffRecord: the stored record advanced by the newly succeeded and failed pods."""
        old = self._records.get(key) or BackoffRecord(key)
        if not succeeded and not failed:
            return old
        fail_times = sorted(finished_time(p, now) for p in failed)
        if not succeeded:
            return BackoffRecord(key, old.failures_after_last_success + len(failed), fail_times[-1])
        last_success = max(finished_time(p, now) for p in succeeded)
        after = [t for t in fail_times if t > last_success]
        return BackoffRecord(key, len(after), after[-1] if after else None)

    def update(self, record: BackoffRecord) -> None:
        """updateBackoffRecord."""
        self._records[record.key] = record

    def remove(self, key: str) -> None:
        """removeBackoffRecord."""
        self._records.pop(key, None)
