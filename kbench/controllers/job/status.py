"""Job conditions and the status a sync works on (job_controller.go, pkg/controller/job/util).

Conditions: ``Complete`` and ``Failed`` are terminal. Since JobManagedBy and
JobPodReplacementPolicy (on by default from 1.31) the controller first adds the interim
``SuccessCriteriaMet`` or ``FailureTarget`` condition, with the same reason and message, and adds
the terminal one once no pod of the Job is terminating and every finished pod is counted.
Condition times are whole seconds, as metav1.Time serializes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kbench.api.workloads import Condition, Job, JobStatus

COMPLETE = "Complete"
FAILED = "Failed"
SUSPENDED = "Suspended"
SUCCESS_CRITERIA_MET = "SuccessCriteriaMet"
FAILURE_TARGET = "FailureTarget"
REASON_COMPLETIONS_REACHED = "CompletionsReached"
MESSAGE_COMPLETIONS_REACHED = "Reached expected number of succeeded pods"
REASON_BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded"
MESSAGE_BACKOFF_LIMIT_EXCEEDED = "Job has reached the specified backoff limit"
REASON_DEADLINE_EXCEEDED = "DeadlineExceeded"
MESSAGE_DEADLINE_EXCEEDED = "Job was active longer than specified deadline"


def _seconds(t: float) -> float:
    return float(math.floor(t))


def new_condition(kind: str, status: str, reason: str, message: str, now: float) -> Condition:
    """newCondition: lastProbeTime and lastTransitionTime now."""
    return Condition(type=kind, status=status, reason=reason, message=message,  # type: ignore[arg-type]
                     last_probe_time=_seconds(now), last_transition_time=_seconds(now))


def find_condition(conditions: Sequence[Condition], kind: str) -> Condition | None:
    return next((c for c in conditions if c.type == kind), None)


def is_job_finished(job: Job) -> bool:
    """util.IsJobFinished: a true Complete or Failed condition."""
    return any(c.type in (COMPLETE, FAILED) and c.status == "True" for c in job.status.conditions)


def success_criteria_met(job: Job) -> Condition | None:
    """hasSuccessCriteriaMetCondition: the true SuccessCriteriaMet condition, if any."""
    c = find_condition(job.status.conditions, SUCCESS_CRITERIA_MET)
    return c if c is not None and c.status == "True" else None


def ensure_condition(conditions: list[Condition], kind: str, status: str, reason: str, message: str,
                     now: float) -> bool:
    """ensureJobConditionStatus: add the condition or update the one of its type in place (never
    adding a False one). Returns whether the list changed."""
    for i, c in enumerate(conditions):
        if c.type == kind:
            if c.status != status or c.reason != reason or c.message != message:
                conditions[i] = new_condition(kind, status, reason, message, now)
                return True
            return False
    if status != "False":
        conditions.append(new_condition(kind, status, reason, message, now))
        return True
    return False


@dataclass
class WorkStatus:
    """A mutable copy of a Job's status, as syncJob changes it before writing it."""

    active: int
    succeeded: int
    failed: int
    terminating: int | None
    ready: int | None
    start_time: float | None
    completion_time: Any
    completed_indexes: str
    uncounted_succeeded: list[str] = field(default_factory=list)
    uncounted_failed: list[str] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)

    @classmethod
    def of(cls, s: JobStatus) -> WorkStatus:
        u = s.uncounted_terminated_pods or {}
        return cls(s.active, s.succeeded, s.failed, s.terminating, s.ready,
                   None if s.start_time is None else float(s.start_time), s.completion_time,
                   s.completed_indexes, list(u.get("succeeded") or ()), list(u.get("failed") or ()),
                   list(s.conditions))

    def to_status(self, base: JobStatus) -> JobStatus:
        """The status to write (times at whole seconds; empty uncounted lists omitted)."""
        uncounted = {k: list(v) for k, v in (("succeeded", self.uncounted_succeeded),
                                             ("failed", self.uncounted_failed)) if v}
        return base.model_copy(update={
            "active": self.active, "succeeded": self.succeeded, "failed": self.failed,
            "terminating": self.terminating, "ready": self.ready,
            "start_time": None if self.start_time is None else _seconds(self.start_time),
            "completion_time": self.completion_time, "completed_indexes": self.completed_indexes,
            "uncounted_terminated_pods": uncounted, "conditions": list(self.conditions)})
