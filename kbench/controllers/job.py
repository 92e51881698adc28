"""The Job controller (pkg/controller/job/job_controller.go, backoff_utils.go, indexed_job_utils.go):
run pods until ``completions`` succeed, at most ``parallelism`` at a time.

A sync counts the Job's pods (by controller reference): active (not finished, not terminating),
succeeded and failed. A pod counts as failed when it is Failed, or terminating without having
succeeded, or deleted before it finished (podReplacementPolicy TerminatingOrFailed, the default
without a podFailurePolicy; the pod-tracking finalizers that keep such pods countable in
Kubernetes are modelled by remembering every pod counted). Then, in syncJob's order:

* **finished**: more failures than ``backoffLimit`` -> conditions FailureTarget and Failed
  (reason BackoffLimitExceeded, event "Job has reached the specified backoff limit"); past
  ``activeDeadlineSeconds`` from ``status.startTime`` -> Failed with DeadlineExceeded ("Job was
  active longer than specified deadline"); enough successes -> SuccessCriteriaMet and Complete,
  ``completionTime``, event ``Completed`` "Job completed". A finished Job's active pods are deleted.
* **manageJob**: NonIndexed wants ``min(parallelism, completions - succeeded)`` active pods
  (``parallelism`` for a work-queue Job without completions until one pod succeeds, then no new
  ones); Indexed creates one pod per index that has neither succeeded nor an active pod, up to
  ``parallelism``. Extra active pods are deleted (newest first). Pods are created in slow-start
  batches (1, 2, 4, ..., at most 500 per sync) with expectations, and only once the pod failure
  backoff has passed: 10 s after the last failure, doubling per consecutive failure since the last
  success, capped at 6 minutes (DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff).

Pods get the labels the API server's Job strategy puts on the template (``batch.kubernetes.io/
controller-uid``, ``batch.kubernetes.io/job-name``, ``controller-uid``, ``job-name``); Indexed pods
also the index annotation and label ``batch.kubernetes.io/job-completion-index``, hostname
``<job>-<index>`` and names ``<job>-<index>-<suffix>``; ``status.completedIndexes`` is the
compressed interval string ("0-2,4").

Simplified: kbench's kubelet does not restart containers in place, so a ``restartPolicy:
OnFailure`` pod that fails ends Failed and counts as a failure (in Kubernetes its restarts count
towards backoffLimit instead); podFailurePolicy, successPolicy, backoffLimitPerIndex, suspend and
ttlSecondsAfterFinished are accepted and not acted on. ``completions`` lists, per Job, when it was
created, started and finished, for workloads.parquet.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from kbench.api.objects import Pod
from kbench.api.workloads import Condition, Job
from kbench.controllers.base import (
    Controller,
    InformerFactory,
    controller_of,
    is_pod_ready,
    pod_from_template,
)
from kbench.controllers.expectations import Expectations
from kbench.controllers.manager import register
from kbench.controllers.workqueue import WorkQueue
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

BURST = 500
API_BACKOFF = 1.0
MAX_API_BACKOFF = 60.0
"""DefaultJobApiBackOff and MaxJobApiBackOff: the Job controller's own requeue rate limiter."""
BACKOFF_BASE = 10.0
BACKOFF_MAX = 360.0
INDEX_KEY = "batch.kubernetes.io/job-completion-index"


@dataclass
class _Record:
    """What the controller remembers of one Job between syncs (its tracking finalizers' worth)."""

    succeeded: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    succeeded_indexes: set[int] = field(default_factory=set)
    failures_since_success: int = 0
    last_failure: float = 0.0
    finished: bool = False
    row: dict[str, Any] = field(default_factory=dict)


def completed_indexes(indexes: set[int]) -> str:
    """Kubernetes' compressed interval format: sorted runs, "a-b" for runs of two or more."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(indexes):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [i]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(out)


def backoff_delay(failures_since_success: int) -> float:
    """Seconds before a new pod after that many consecutive failures (0 without failures)."""
    if failures_since_success <= 0:
        return 0.0
    return min(BACKOFF_BASE * 2.0 ** (failures_since_success - 1), BACKOFF_MAX)


def _index(pod: Pod) -> int | None:
    raw = pod.metadata.annotations.get(INDEX_KEY)
    return int(raw) if raw is not None and raw.isdigit() else None


@register
class JobController(Controller):
    """Creates and counts the pods of every Job."""

    name = "job"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.queue = WorkQueue(api.engine, self._process, API_BACKOFF, MAX_API_BACKOFF)
        self.jobs = informers.get("Job")
        self.pods = informers.get("Pod")
        self.expectations = Expectations(self.now)
        self.records: dict[str, _Record] = {}
        self.completions: list[dict[str, Any]] = []
        """One row per Job: namespace, name, created_at, started_at, completed_at, failed_at,
        succeeded, failed, completions_wanted (workloads.parquet)."""
        self.jobs.add_handlers(on_add=self._job_changed, on_update=lambda old, new: self._job_changed(new))
        self.pods.add_handlers(on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted)

    # ---- handlers ------------------------------------------------------------------------------

    def _job_changed(self, job: Job) -> None:
        self.queue.add(job.key)

    def _owner_key(self, pod: Pod) -> str | None:
        ref = controller_of(pod)
        return f"{pod.namespace}/{ref.name}" if ref is not None and ref.kind == "Job" else None

    def _pod_added(self, pod: Pod) -> None:
        key = self._owner_key(pod)
        if key is not None:
            self.expectations.creation_observed(key)
            self.queue.add(key)

    def _pod_updated(self, old: Pod, new: Pod) -> None:
        key = self._owner_key(new)
        if key is None:
            return
        if old.metadata.deletion_timestamp is None and new.metadata.deletion_timestamp is not None:
            self.expectations.deletion_observed(key)
        self.queue.add(key)

    def _pod_deleted(self, pod: Pod) -> None:
        key = self._owner_key(pod)
        if key is None:
            return
        if pod.metadata.deletion_timestamp is None:
            self.expectations.deletion_observed(key)
        rec = self.records.get(key)
        uid = pod.metadata.uid or pod.key
        if rec is not None and uid not in rec.succeeded and uid not in rec.failed:
            if pod.status.get("phase") == "Succeeded":
                self._count_success(rec, pod)
            else:
                self._count_failure(rec, uid, self.now())
        self.queue.add(key)

    # ---- sync ----------------------------------------------------------------------------------

    def _process(self, key: Hashable) -> None:
        """A sync's creates commit later: their failure requeues the Job with backoff, and only a
        sync that sends no create, or whose creates all succeed, resets it (syncJob's error)."""
        try:
            launched = self.reconcile(key)
        except APIError:
            self.queue.add_rate_limited(key)
            return
        if not launched:
            self.queue.forget(key)

    def sync(self, key: Hashable) -> None:
        self.reconcile(key)

    def reconcile(self, key: Hashable) -> bool:
        """Sync one Job; True when it sent pod creates (whose outcome decides the backoff)."""
        assert isinstance(key, str)
        launched = False
        ns, name = key.split("/", 1)
        job = self.jobs.get(b"/registry/jobs/" + key.encode())
        if not isinstance(job, Job):
            self.expectations.delete(key)
            self.records.pop(key, None)
            return False
        rec = self.records.setdefault(key, _Record())
        if not rec.row:
            rec.row = {"namespace": ns, "name": name, "created_at": job.metadata.creation_timestamp or 0.0,
                       "started_at": None, "completed_at": None, "failed_at": None, "succeeded": 0, "failed": 0,
                       "completions_wanted": job.spec.completions}
            self.completions.append(rec.row)
        if rec.finished:
            return False
        now = self.now()
        pods = [p for p in self.pods.by_index("controller", job.metadata.uid or "") if isinstance(p, Pod)]
        active: list[Pod] = []
        for p in pods:
            uid = p.metadata.uid or p.key
            phase = p.status.get("phase")
            if phase == "Succeeded":
                if uid not in rec.succeeded:
                    self._count_success(rec, p)
            elif phase == "Failed" or p.metadata.deletion_timestamp is not None:
                if uid not in rec.failed:
                    self._count_failure(rec, uid, now)
            else:
                active.append(p)
        start = job.status.start_time if job.status.start_time is not None else now
        rec.row["started_at"] = start
        spec = job.spec
        indexed = spec.completion_mode == "Indexed"
        succeeded = len(rec.succeeded_indexes) if indexed else len(rec.succeeded)
        failed = len(rec.failed)
        conditions: list[Condition] = list(job.status.conditions)
        finished: str | None = None
        if failed > (spec.backoff_limit or 0):
            finished = "BackoffLimitExceeded"
        elif spec.active_deadline_seconds is not None and now - start >= spec.active_deadline_seconds:
            finished = "DeadlineExceeded"
        elif (spec.completions is not None and succeeded >= spec.completions) or (
                spec.completions is None and succeeded > 0 and not active):
            finished = "Complete"
        if finished is not None:
            for p in active:
                self._delete(job, key, p)
            active = []
            rec.finished = True
            if finished == "Complete":
                conditions += [_condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now),
                               _condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now)]
                rec.row["completed_at"] = now
                self.event(job, "Normal", "Completed", "Job completed")
            else:
                message = ("Job has reached the specified backoff limit" if finished == "BackoffLimitExceeded"
                           else "Job was active longer than specified deadline")
                conditions += [_condition("FailureTarget", finished, message, now),
                               _condition("Failed", finished, message, now)]
                rec.row["failed_at"] = now
                self.event(job, "Warning", finished, message)
        elif self.expectations.satisfied(key):
            active, launched = self._manage(job, key, rec, active, succeeded, now)
        if spec.active_deadline_seconds is not None and finished is None:
            self.queue.add_after(key, max(start + spec.active_deadline_seconds - now, 0.0))
        rec.row["succeeded"], rec.row["failed"] = succeeded, failed
        status = job.status.model_copy(update={
            "active": len(active), "succeeded": succeeded, "failed": failed,
            "ready": sum(is_pod_ready(p) for p in active), "start_time": start, "conditions": conditions,
            "completion_time": now if finished == "Complete" else job.status.completion_time,
            "completed_indexes": completed_indexes(rec.succeeded_indexes) if indexed else "",
        })
        if status != job.status:
            self.write(self.api.update, job.model_copy(update={"status": status}), on_done=lambda r: self._written(key, r))
        return launched

    def _written(self, key: str, result: Any) -> None:
        if isinstance(result, APIError):
            self.queue.add_rate_limited(key)

    def _count_success(self, rec: _Record, pod: Pod) -> None:
        rec.succeeded.add(pod.metadata.uid or pod.key)
        rec.failures_since_success = 0
        idx = _index(pod)
        if idx is not None:
            rec.succeeded_indexes.add(idx)

    def _count_failure(self, rec: _Record, uid: str, now: float) -> None:
        rec.failed.add(uid)
        rec.failures_since_success += 1
        rec.last_failure = now

    def _manage(self, job: Job, key: str, rec: _Record, active: list[Pod], succeeded: int,
                now: float) -> tuple[list[Pod], bool]:
        """manageJob: delete extra active pods, or create missing ones once the backoff has passed;
        returns the pods still active and whether creates were sent."""
        spec = job.spec
        parallelism = spec.parallelism or 0
        if spec.completion_mode == "Indexed":
            assert spec.completions is not None
            busy = {_index(p) for p in active}
            missing = [i for i in range(spec.completions) if i not in rec.succeeded_indexes and i not in busy]
            want = min(parallelism, len(active) + len(missing))
        elif spec.completions is None:
            want = len(active) if succeeded > 0 else parallelism
            missing = []
        else:
            want = max(min(parallelism, spec.completions - succeeded), 0)
            missing = []
        if len(active) > want:
            extra = sorted(active, key=lambda p: (p.metadata.creation_timestamp or 0.0, p.metadata.name), reverse=True)
            victims = extra[: len(active) - want]
            self.expectations.expect(key, delete=len(victims))
            for p in victims:
                self._delete(job, key, p)
            return [p for p in active if p not in victims], False
        diff = min(want - len(active), BURST)
        if diff <= 0:
            return active, False
        wait = rec.last_failure + backoff_delay(rec.failures_since_success) - now
        if rec.failures_since_success and wait > 0:
            self.queue.add_after(key, wait)
            return active, False
        indexes: list[int | None] = list(missing[:diff]) if spec.completion_mode == "Indexed" else [None] * diff
        self.expectations.expect(key, add=len(indexes))
        self._create_batches(job, key, indexes, 1)
        return active, True

    def _create_batches(self, job: Job, key: str, indexes: list[int | None], batch: int) -> None:
        """Slow start: a batch of 1, then 2, 4, ... each once the previous one has committed; a
        failed create skips the rest (taken off the expectations)."""
        now_batch, rest = indexes[:batch], indexes[batch:]
        results: list[Any] = []

        def done(result: Any) -> None:
            results.append(result)
            if isinstance(result, APIError):
                self.expectations.creation_observed(key)
                self.event(job, "Warning", "FailedCreate", f"Error creating: {result}")
            else:
                self.event(job, "Normal", "SuccessfulCreate", f"Created pod: {result.metadata.name}")
            if len(results) < len(now_batch):
                return
            if any(isinstance(r, APIError) for r in results):
                for _ in rest:
                    self.expectations.creation_observed(key)
                self.queue.add_rate_limited(key)
            elif rest:
                self._create_batches(job, key, rest, 2 * batch)
            else:
                self.queue.forget(key)

        for idx in now_batch:
            self.write(self.api.create, self._pod(job, idx), on_done=done)

    def _pod(self, job: Job, idx: int | None) -> Pod:
        uid = job.metadata.uid or ""
        labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": job.metadata.name,
                  "controller-uid": uid, "job-name": job.metadata.name}
        if idx is None:
            return pod_from_template(job.spec.template, job, extra_labels=labels)
        labels[INDEX_KEY] = str(idx)
        pod = pod_from_template(job.spec.template, job, generate_name=f"{job.metadata.name}-{idx}-",
                                extra_labels=labels)
        meta = pod.metadata.model_copy(update={"annotations": {**pod.metadata.annotations, INDEX_KEY: str(idx)}})
        spec = pod.spec.model_copy(update={"hostname": f"{job.metadata.name}-{idx}"})
        return pod.model_copy(update={"metadata": meta, "spec": spec})

    def _delete(self, job: Job, key: str, pod: Pod) -> None:
        def done(result: Any) -> None:
            if isinstance(result, APIError):
                self.expectations.deletion_observed(key)
            else:
                self.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {pod.metadata.name}")

        self.write(self.api.delete, "Pod", pod.namespace, pod.metadata.name, on_done=done)


def _condition(kind: str, reason: str, message: str, now: float) -> Condition:
    return Condition(type=kind, status="True", reason=reason, message=message, last_probe_time=now,
                     last_transition_time=now)
