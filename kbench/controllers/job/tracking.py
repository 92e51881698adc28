"""Counting finished pods with the tracking finalizer (job_controller.go, tracking_utils.go).

Every pod a Job creates carries ``batch.kubernetes.io/job-tracking``. A finished pod that still
has it is not counted yet: the controller adds its uid to ``status.uncountedTerminatedPods``
(writing the status), removes the finalizer from the pod, then moves the uids whose finalizer is
gone into ``succeeded`` and ``failed`` (writing the status again). Indexed Jobs count succeeded
pods by index in ``completedIndexes`` instead. The uids whose finalizer removal was sent but not
yet seen in the pod informer are remembered (uidTrackingExpectations), so a stale cache does not
count a pod twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kbench.api.objects import Pod
from kbench.api.workloads import Condition, Job
from kbench.controllers.job.backoff import BackoffRecord
from kbench.controllers.job.indexed import (
    UNKNOWN_INDEX,
    Interval,
    completion_index,
    is_indexed,
    parse_indexes,
    with_indexes,
)
from kbench.controllers.job.pods import has_tracking_finalizer, is_pod_failed
from kbench.controllers.job.status import WorkStatus

MAX_UNCOUNTED_PODS = 500
"""MaxUncountedPods: at most this many uids (and new indexes) in uncountedTerminatedPods per sync."""


def pod_uid(pod: Pod) -> str:
    return pod.metadata.uid or pod.key


@dataclass
class SyncCtx:
    """syncJobCtx: what one sync of a Job has read and decided."""

    job: Job
    pods: list[Pod]
    active_pods: list[Pod]
    status: WorkStatus
    uncounted_succeeded: frozenset[str]
    uncounted_failed: frozenset[str]
    expected_rm_finalizers: frozenset[str]
    ready: int
    terminating: int
    new_backoff_record: BackoffRecord
    succeeded: int = 0
    failed: int = 0
    finished_condition: Condition | None = None
    prev_succeeded_indexes: list[Interval] = field(default_factory=list)
    succeeded_indexes: list[Interval] = field(default_factory=list)


class FinalizerExpectations:
    """uidTrackingExpectations: per Job key, the pod uids whose finalizer removal is not yet observed."""

    def __init__(self) -> None:
        self._uids: dict[str, set[str]] = {}

    def expected(self, key: str) -> frozenset[str]:
        return frozenset(self._uids.get(key, ()))

    def expect_removed(self, key: str, uids: Iterable[str]) -> None:
        self._uids.setdefault(key, set()).update(uids)

    def removal_observed(self, key: str, uid: str) -> None:
        uids = self._uids.get(key)
        if uids is not None:
            uids.discard(uid)

    def delete(self, key: str) -> None:
        self._uids.pop(key, None)


def _valid(ctx: SyncCtx, uncounted: frozenset[str], keep: Callable[[Pod], bool]) -> list[Pod]:
    """getValidPodsWithFilter: pods with the finalizer, not yet uncounted or expected to lose it,
    with a valid index for an Indexed Job, that ``keep`` accepts."""
    out = []
    completions = ctx.job.spec.completions or 0
    for p in ctx.pods:
        uid = pod_uid(p)
        if not has_tracking_finalizer(p) or uid in uncounted or uid in ctx.expected_rm_finalizers:
            continue
        if is_indexed(ctx.job):
            ix = completion_index(p)
            if ix == UNKNOWN_INDEX or ix >= completions:
                continue
        if keep(p):
            out.append(p)
    return out


def new_finished_pods(ctx: SyncCtx) -> tuple[list[Pod], list[Pod]]:
    """getNewFinishedPods: the succeeded and the failed pods not counted anywhere yet."""
    succeeded = _valid(ctx, ctx.uncounted_succeeded, lambda p: p.status.get("phase") == "Succeeded")
    failed = _valid(ctx, ctx.uncounted_failed, lambda p: is_pod_failed(p, ctx.job))
    return succeeded, failed


def succeeded_indexes(job: Job, pods: Iterable[Pod]) -> tuple[list[Interval], list[Interval]]:
    """calculateSucceededIndexes: completedIndexes as stored, and with the indexes of succeeded
    pods that still carry the finalizer."""
    completions = job.spec.completions or 0
    prev = parse_indexes(job.status.completed_indexes, completions)
    new = sorted({ix for p in pods if p.status.get("phase") == "Succeeded" and has_tracking_finalizer(p)
                  and (ix := completion_index(p)) != UNKNOWN_INDEX and ix < completions})
    return prev, with_indexes(prev, new)


def clean_uncounted(status: WorkStatus, with_finalizer: set[str]) -> bool:
    """cleanUncountedPodsWithoutFinalizers: count the uncounted uids whose pod lost its finalizer.
    Returns whether the status changed."""
    changed = False
    keep = [u for u in status.uncounted_succeeded if u in with_finalizer]
    if len(keep) != len(status.uncounted_succeeded):
        changed = True
        status.succeeded += len(status.uncounted_succeeded) - len(keep)
        status.uncounted_succeeded = keep
    keep = [u for u in status.uncounted_failed if u in with_finalizer]
    if len(keep) != len(status.uncounted_failed):
        changed = True
        status.failed += len(status.uncounted_failed) - len(keep)
        status.uncounted_failed = keep
    return changed


def can_remove_finalizer(ctx: SyncCtx, pod: Pod, considered_failed: bool) -> bool:
    """canRemoveFinalizer (without backoffLimitPerIndex): the Job is being deleted or finishing,
    or the pod succeeded or is considered failed."""
    return (ctx.job.metadata.deletion_timestamp is not None or ctx.finished_condition is not None
            or pod.status.get("phase") == "Succeeded" or considered_failed)
