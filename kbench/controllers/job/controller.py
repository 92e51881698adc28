"""The Job controller process (pkg/controller/job/job_controller.go): informer handlers that queue
Jobs, and syncJob.

Queueing: a Job added, deleted or with a changed spec (generation) is synced at once; pod events
and Job status updates queue a sync after syncJobBatchPeriod (1 s), so the events of one second
are handled by one sync. A change of activeDeadlineSeconds queues a sync for the new deadline.

A sync of an unfinished Job claims its pods, counts the newly finished ones and then:

* fails the Job (FailureTarget, then Failed) when more pods failed than ``backoffLimit``
  (BackoffLimitExceeded) or when it has been active ``activeDeadlineSeconds`` since its
  startTime (DeadlineExceeded), deleting its active pods; otherwise it requeues itself for the
  deadline;
* else, if its expectations are satisfied, manages its pods (manageJob): a suspended Job deletes
  all of them; otherwise the wanted number of active pods is min(parallelism, completions -
  succeeded), or parallelism for a work-queue Job (completions unset) until one pod succeeded;
  excess pods are deleted (the tracking finalizer removed first, duplicated indexes first, then
  ActivePods order); missing pods are created -- after the pod-failure backoff
  (:mod:`.backoff`; while it runs the sync requeues itself for when it ends) -- in slow-start
  batches of 1, 2, 4, ..., at most 500 per sync, each pod from the template with the tracking
  finalizer (Indexed: the lowest pending indexes, ``<job>-<index>-`` names, the index annotation
  and label and hostname ``<job>-<index>``);
* succeeds the Job (SuccessCriteriaMet, then Complete, reason CompletionsReached) when
  ``completions`` pods succeeded (a work-queue Job: one succeeded and none is active);

and writes the status (active, ready, terminating, succeeded, failed, completedIndexes,
startTime, completionTime, conditions) through the finalizer tracking of :mod:`.tracking`.
The terminal condition waits until no pod of the Job is terminating. Events: SuccessfulCreate
"Created pod: NAME", FailedCreate, SuccessfulDelete "Deleted pod: NAME", FailedDelete,
Completed "Job completed", BackoffLimitExceeded "Job has reached the specified backoff limit",
DeadlineExceeded "Job was active longer than specified deadline", Suspended, Resumed,
TooManySucceededPods.

Metrics: ``completions`` is a list with one dict per Job the controller has seen, in the order
seen: ``namespace``, ``name``, ``created_at`` (creationTimestamp), ``started_at`` (when the
controller set startTime), ``completed_at`` / ``failed_at`` (simulated time the status write with
the Complete / Failed condition committed; None until then), ``succeeded`` and ``failed`` (the
counts last written), ``completions_wanted`` (spec.completions, None for a work-queue Job).

Simplified (what kbench does not model):

* The API server keeps no object for its finalizers: a deleted pod disappears at the end of its
  grace period even if the Job has not counted it (it is counted when its deletion is seen, so
  only a pod deleted with grace 0 before any sync saw it goes uncounted); the orphan-pod worker
  that strips finalizers from orphans is therefore not needed. Adopted orphans are not patched
  with the finalizer.
* kbench's kubelet does not restart containers: a ``restartPolicy: OnFailure`` pod whose
  container fails is a Failed pod (in Kubernetes the kubelet restarts the container in place and
  the restarts count towards backoffLimit).
* podFailurePolicy, successPolicy and backoffLimitPerIndex / maxFailedIndexes are ignored;
  ``podReplacementPolicy: Failed`` is honoured (ttlSecondsAfterFinished is the TTL-after-finished
  controller's, :mod:`kbench.controllers.ttl_after_finished`).
* Jobs without a selector (no :class:`.strategy.JobDefaults` admission) get the generated
  selector and labels from the controller, by an update, before their first real sync.
* A pending requeue of a finished or deleted Job does not keep the controller from being idle
  (its sync would change nothing).
* kube-controller-manager runs 5 workers (--concurrent-job-syncs); here syncs of different Jobs
  wait for their API calls side by side (:mod:`kbench.controllers.blocking`).
"""

from __future__ import annotations

from collections.abc import Generator, Hashable
from typing import Any

from kbench.api.objects import OwnerReference, Pod
from kbench.api.selectors import label_selector
from kbench.api.workloads import Job
from kbench.controllers.base import (
    ORPHAN_INDEX,
    InformerFactory,
    controller_of,
    is_pod_active,
    is_pod_ready,
)
from kbench.controllers.blocking import BlockingController, Call, Steps, call
from kbench.controllers.expectations import Expectations
from kbench.controllers.job.backoff import BackoffRecord, BackoffStore
from kbench.controllers.job.indexed import (
    UNKNOWN_INDEX,
    completion_index,
    first_pending_indexes,
    format_indexes,
    generate_name_with_index,
    has,
    indexes_of,
    is_indexed,
    total,
    with_indexes,
)
from kbench.controllers.job.pods import (
    JOB_TRACKING_FINALIZER,
    active_pods_for_removal,
    base_template,
    create_job_pod,
    delete_job_pod,
    has_tracking_finalizer,
    indexed_template,
    is_pod_failed,
    is_pod_terminating,
    only_replace_failed_pods,
    remove_tracking_finalizer,
)
from kbench.controllers.job.queue import JobQueue
from kbench.controllers.job.status import (
    COMPLETE,
    FAILED,
    FAILURE_TARGET,
    MESSAGE_BACKOFF_LIMIT_EXCEEDED,
    MESSAGE_COMPLETIONS_REACHED,
    MESSAGE_DEADLINE_EXCEEDED,
    REASON_BACKOFF_LIMIT_EXCEEDED,
    REASON_COMPLETIONS_REACHED,
    REASON_DEADLINE_EXCEEDED,
    SUCCESS_CRITERIA_MET,
    SUSPENDED,
    WorkStatus,
    ensure_condition,
    find_condition,
    is_job_finished,
    new_condition,
    success_criteria_met,
)
from kbench.controllers.job.strategy import generate_selector
from kbench.controllers.job.tracking import (
    MAX_UNCOUNTED_PODS,
    FinalizerExpectations,
    SyncCtx,
    can_remove_finalizer,
    clean_uncounted,
    new_finished_pods,
    pod_uid,
    succeeded_indexes,
)
from kbench.controllers.manager import register
from kbench.controllers.ref_manager import claim
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer

SYNC_JOB_BATCH_PERIOD = 1.0
MAX_POD_CREATE_DELETE_PER_SYNC = 500
SLOW_START_INITIAL_BATCH_SIZE = 1
JOB_CONTROLLER_NAME = "kubernetes.io/job-controller"
"""The spec.managedBy value (or none) of Jobs this controller syncs."""

Gen = Generator[Call | list[Call], Any, Any]


@register
class JobController(BlockingController):
    """kube-controller-manager's ``job`` controller."""

    name = "job"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.job_queue = JobQueue(api.engine, self._process)
        self.queue = self.job_queue
        self.jobs: Informer = informers.get("Job")
        self.pods: Informer = informers.get("Pod")
        self.expectations = Expectations(self.now)
        self.finalizer_expectations = FinalizerExpectations()
        self.backoff = BackoffStore()
        self.completions: list[dict[str, Any]] = []
        """One record per Job for metrics (see the module docstring)."""
        self._records: dict[str, dict[str, Any]] = {}
        self.jobs.add_handlers(on_add=self._add_job, on_update=self._update_job, on_delete=self._delete_job)
        self.pods.add_handlers(on_add=self._add_pod, on_update=self._update_pod,
                               on_delete=lambda pod: self._delete_pod(pod, final=True))

    @property
    def idle(self) -> bool:
        """No sync running or queued, and no requeue pending but those of finished or deleted Jobs."""
        return not self._running and self.job_queue.idle_but_for(self._settled)

    def _settled(self, key: Hashable) -> bool:
        namespace, name = str(key).split("/", 1)
        job = self._get(namespace, name)
        return job is None or is_job_finished(job)

    # ---- lookups ------------------------------------------------------------------------------

    def _get(self, namespace: str, name: str) -> Job | None:
        job = self.jobs.get(registry_key("Job", namespace, name))
        return job if isinstance(job, Job) else None

    def _resolve(self, namespace: str, ref: OwnerReference) -> Job | None:
        """resolveControllerRef: the cached Job the reference names, if its uid matches."""
        if ref.kind != "Job":
            return None
        job = self._get(namespace, ref.name)
        return job if job is not None and job.metadata.uid == ref.uid else None

    def _pod_jobs(self, pod: Pod) -> list[Job]:
        """GetPodJobs: the Jobs of the pod's namespace whose selector matches its labels."""
        if not pod.metadata.labels:
            return []
        return [j for j in self.jobs.by_index("namespace", pod.namespace)
                if isinstance(j, Job) and label_selector(j.spec.selector).matches(pod.metadata.labels)]

    def _record(self, job: Job) -> dict[str, Any]:
        uid = job.metadata.uid or job.key
        rec = self._records.get(uid)
        if rec is None:
            rec = self._records[uid] = {
                "namespace": job.namespace, "name": job.metadata.name,
                "created_at": float(job.metadata.creation_timestamp or 0.0), "started_at": None,
                "completed_at": None, "failed_at": None, "succeeded": 0, "failed": 0,
                "completions_wanted": job.spec.completions}
            self.completions.append(rec)
        return rec

    # ---- handlers -----------------------------------------------------------------------------

    def _batched(self, key: str) -> None:
        """enqueueSyncJobBatched."""
        self.queue.add_after(key, SYNC_JOB_BATCH_PERIOD)

    def _add_job(self, job: Job) -> None:
        self._record(job)
        self.queue.add(job.key)

    def _update_job(self, old: Job, cur: Job) -> None:
        if cur.metadata.generation == old.metadata.generation:
            self._batched(cur.key)
        else:
            self.queue.add(cur.key)
        ads, start = cur.spec.active_deadline_seconds, cur.status.start_time
        if start is not None and ads is not None and old.spec.active_deadline_seconds != ads:
            self.queue.add_after(cur.key, ads - (self.now() - float(start)))

    def _delete_job(self, job: Job) -> None:
        self.queue.add(job.key)

    def _add_pod(self, pod: Pod) -> None:
        if pod.metadata.deletion_timestamp is not None:
            self._delete_pod(pod, final=False)
            return
        ref = controller_of(pod)
        if ref is not None:
            job = self._resolve(pod.namespace, ref)
            if job is not None:
                self.expectations.creation_observed(job.key)
                self._batched(job.key)
            return
        for job in self._pod_jobs(pod):
            self._batched(job.key)

    def _update_pod(self, old: Pod, cur: Pod) -> None:
        if cur.metadata.resource_version == old.metadata.resource_version:
            return
        if cur.metadata.deletion_timestamp is not None:
            self._delete_pod(cur, final=False)
            return
        finalizer_removed = not has_tracking_finalizer(cur)
        cur_ref, old_ref = controller_of(cur), controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            prev = self._resolve(old.namespace, old_ref)
            if prev is not None:
                if finalizer_removed:
                    self.finalizer_expectations.removal_observed(prev.key, pod_uid(cur))
                self._batched(prev.key)
        if cur_ref is not None:
            job = self._resolve(cur.namespace, cur_ref)
            if job is None:
                return
            if finalizer_removed:
                self.finalizer_expectations.removal_observed(job.key, pod_uid(cur))
            self._batched(job.key)
            return
        if cur.metadata.labels != old.metadata.labels or ref_changed:
            for job in self._pod_jobs(cur):
                self._batched(job.key)

    def _delete_pod(self, pod: Pod, final: bool) -> None:
        ref = controller_of(pod)
        if ref is None:
            return
        job = self._resolve(pod.namespace, ref)
        if job is None or is_job_finished(job):
            return
        self.expectations.deletion_observed(job.key)
        if final or not has_tracking_finalizer(pod):
            self.finalizer_expectations.removal_observed(job.key, pod_uid(pod))
        self._batched(job.key)

    # ---- sync ---------------------------------------------------------------------------------

    def steps(self, key: Hashable) -> Steps:
        """syncJob."""
        key = str(key)
        namespace, name = key.split("/", 1)
        job = self._get(namespace, name)
        if job is None:
            self.expectations.delete(key)
            self.finalizer_expectations.delete(key)
            self.backoff.remove(key)
            return
        if job.spec.managed_by not in (None, JOB_CONTROLLER_NAME):
            return
        if is_job_finished(job):
            self.backoff.remove(key)
            return
        if job.spec.selector is None:
            yield call(self._write_generated_selector, job)
            return
        satisfied = self.expectations.satisfied(key)
        pods = yield from self._pods_for_job(job)
        now = self.now()
        active_pods = [p for p in pods if is_pod_active(p)]
        status = WorkStatus.of(job.status)
        ctx = SyncCtx(job=job, pods=pods, active_pods=active_pods, status=status,
                      uncounted_succeeded=frozenset(status.uncounted_succeeded),
                      uncounted_failed=frozenset(status.uncounted_failed),
                      expected_rm_finalizers=self.finalizer_expectations.expected(key),
                      ready=sum(1 for p in active_pods if is_pod_ready(p)),
                      terminating=sum(1 for p in pods if is_pod_terminating(p)),
                      new_backoff_record=BackoffRecord(key))
        active = len(active_pods)
        new_succeeded, new_failed = new_finished_pods(ctx)
        ctx.succeeded = status.succeeded + len(new_succeeded) + len(ctx.uncounted_succeeded)
        ctx.failed = status.failed + len(new_failed) + len(ctx.uncounted_failed)
        if status.start_time is None and not job.spec.suspend:
            status.start_time = now
            self._record(job)["started_at"] = now
        ctx.new_backoff_record = self.backoff.new_record(key, new_succeeded, new_failed, now)
        self._check_terminal(ctx, now)
        if is_indexed(job):
            ctx.prev_succeeded_indexes, ctx.succeeded_indexes = succeeded_indexes(job, pods)
            ctx.succeeded = total(ctx.succeeded_indexes)
        manage_error: APIError | None = None
        suspend_changed = False
        if ctx.finished_condition is not None:
            deleted_ready, deleted, manage_error = yield from self._delete_active_pods(job, active_pods)
            if deleted != active or not satisfied:
                ctx.finished_condition = None
            active -= deleted
            ctx.terminating += deleted
            ctx.ready -= deleted_ready
        else:
            manage_called = False
            if satisfied and job.metadata.deletion_timestamp is None:
                active, manage_error = yield from self._manage_job(job, ctx)
                manage_called = True
            if job.spec.completions is None:
                complete = ctx.succeeded > 0 and active == 0
            else:
                complete = ctx.succeeded >= job.spec.completions and active == 0
            if complete:
                ctx.finished_condition = new_condition(SUCCESS_CRITERIA_MET, "True", REASON_COMPLETIONS_REACHED,
                                                       MESSAGE_COMPLETIONS_REACHED, now)
            elif manage_called:
                suspend_changed = self._suspend_condition(job, status, now)
        needs_update = (suspend_changed or active != status.active or ctx.ready != status.ready
                        or ctx.terminating != status.terminating)
        status.active, status.ready, status.terminating = active, ctx.ready, ctx.terminating
        yield from self._track_status(ctx, needs_update)
        if manage_error is not None:
            raise manage_error

    def _check_terminal(self, ctx: SyncCtx, now: float) -> None:
        """The finished condition a sync starts from: an existing SuccessCriteriaMet or FailureTarget,
        else BackoffLimitExceeded or DeadlineExceeded; or requeue for the deadline."""
        job, status = ctx.job, ctx.status
        ctx.finished_condition = success_criteria_met(job)
        if ctx.finished_condition is not None:
            return
        target = find_condition(job.status.conditions, FAILURE_TARGET)
        if target is not None and target.status == "True":
            ctx.finished_condition = new_condition(FAILED, "True", target.reason, target.message, now)
            return
        ads = job.spec.active_deadline_seconds
        if ctx.failed > (job.spec.backoff_limit or 0):
            ctx.finished_condition = new_condition(FAILURE_TARGET, "True", REASON_BACKOFF_LIMIT_EXCEEDED,
                                                   MESSAGE_BACKOFF_LIMIT_EXCEEDED, now)
        elif ads is not None and status.start_time is not None and not job.spec.suspend:
            elapsed = now - status.start_time
            if elapsed >= ads:
                ctx.finished_condition = new_condition(FAILURE_TARGET, "True", REASON_DEADLINE_EXCEEDED,
                                                       MESSAGE_DEADLINE_EXCEEDED, now)
            else:
                self.queue.add_after(job.key, ads - elapsed)

    def _suspend_condition(self, job: Job, status: WorkStatus, now: float) -> bool:
        """The Suspended condition True (event Suspended) or False (event Resumed, startTime reset)."""
        if job.spec.suspend:
            if ensure_condition(status.conditions, SUSPENDED, "True", "JobSuspended", "Job suspended", now):
                self.event(job, "Normal", "Suspended", "Job suspended")
                return True
            return False
        if ensure_condition(status.conditions, SUSPENDED, "False", "JobResumed", "Job resumed", now):
            self.event(job, "Normal", "Resumed", "Job resumed")
            status.start_time = now
            self._record(job)["started_at"] = now
            return True
        return False

    def _write_generated_selector(self, job: Job) -> Job:
        """The API strategy's generated selector and labels, written by the controller for a Job
        created without them."""
        current = self.api.get("Job", job.namespace, job.metadata.name)
        assert isinstance(current, Job)
        if current.spec.selector is not None:
            return current
        return self.api.update(generate_selector(current, current.metadata.uid or ""))  # type: ignore[return-value]

    def _pods_for_job(self, job: Job) -> Gen:
        """getPodsForJob: the pods the Job controls after adoption and release; adopted ones are
        treated as carrying the tracking finalizer."""
        candidates = self.pods.by_index("controller", job.metadata.uid or "")
        candidates += self.pods.by_index(ORPHAN_INDEX, job.namespace)
        claimed = yield from claim(self.api, job, label_selector(job.spec.selector),
                                   [p for p in candidates if isinstance(p, Pod)])
        out: list[Pod] = []
        for p in claimed:
            assert isinstance(p, Pod)
            adopted = all(r.uid != job.metadata.uid for r in p.metadata.owner_references)
            if adopted and not has_tracking_finalizer(p):
                fins = [*(p.metadata.finalizers or []), JOB_TRACKING_FINALIZER]
                p = p.model_copy(update={"metadata": p.metadata.model_copy(update={"finalizers": fins})})
            out.append(p)
        return out

    # ---- managing pods ------------------------------------------------------------------------

    def _manage_job(self, job: Job, ctx: SyncCtx) -> Gen:
        """manageJob: delete excess active pods or create missing ones; returns (active, error)."""
        key = job.key
        active = len(ctx.active_pods)
        parallelism = job.spec.parallelism or 0
        if job.spec.suspend:
            victims = active_pods_for_removal(job, ctx.active_pods, active)
            self.expectations.expect(key, delete=len(victims))
            removed_ready, removed, err = yield from self._delete_job_pods(job, victims)
            ctx.terminating += removed
            ctx.ready -= removed_ready
            return active - removed, err
        if job.spec.completions is None:
            want = active if ctx.succeeded > 0 else parallelism
        else:
            want = max(0, min(job.spec.completions - ctx.succeeded, parallelism))
        victims = active_pods_for_removal(job, ctx.active_pods, max(0, active - want))
        victims = victims[:MAX_POD_CREATE_DELETE_PER_SYNC]
        if victims:
            self.expectations.expect(key, delete=len(victims))
            removed_ready, removed, err = yield from self._delete_job_pods(job, victims)
            ctx.terminating += removed
            ctx.ready -= removed_ready
            return active - removed, err
        terminating = ctx.terminating if only_replace_failed_pods(job) else 0
        diff = want - terminating - active
        if diff <= 0:
            return active, None
        remaining = ctx.new_backoff_record.remaining(self.now())
        if remaining > 0:
            self.queue.add_after(key, max(remaining, SYNC_JOB_BATCH_PERIOD))
            return active, None
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list[int] = []
        if is_indexed(job):
            busy = indexes_of(ctx.active_pods)
            if only_replace_failed_pods(job):
                busy += indexes_of(p for p in ctx.pods if is_pod_terminating(p))
            indexes = first_pending_indexes(ctx.succeeded_indexes, busy, diff, job.spec.completions or 0)
            diff = len(indexes)
        self.expectations.expect(key, add=diff)
        active += diff
        template = base_template(job)
        first_error: APIError | None = None
        size = min(diff, SLOW_START_INITIAL_BATCH_SIZE)
        while diff > 0:
            calls = []
            for _ in range(size):
                if indexes:
                    ix = indexes.pop(0)
                    calls.append(call(create_job_pod, self.api, job, indexed_template(template, job, ix),
                                      generate_name_with_index(job.metadata.name, ix)))
                else:
                    calls.append(call(create_job_pod, self.api, job, template, None))
            results = yield calls
            errors = [r for r in results if isinstance(r, APIError)]
            for _ in errors:
                self.expectations.creation_observed(key)
            active -= len(errors)
            if errors and first_error is None:
                first_error = errors[0]
            skipped = diff - size
            if errors and skipped > 0:
                active -= skipped
                for _ in range(skipped):
                    self.expectations.creation_observed(key)
                break
            diff -= size
            size = min(2 * size, diff)
        return active, first_error

    def _delete_job_pods(self, job: Job, pods: list[Pod]) -> Gen:
        """deleteJobPods: remove each pod's tracking finalizer, then delete it; a failure lowers the
        deletion expectations. Returns (deleted ready, deleted, first error)."""
        key = job.key
        deleted, error = len(pods), None
        failed: set[str] = set()

        def fail(p: Pod, e: APIError) -> None:
            nonlocal deleted, error
            self.expectations.deletion_observed(key)
            if e.reason != "NotFound":
                deleted -= 1
                error = error or e

        tracked = [p for p in pods if has_tracking_finalizer(p)]
        if tracked:
            results = yield [call(remove_tracking_finalizer, self.api, p.namespace, p.metadata.name) for p in tracked]
            for p, r in zip(tracked, results):
                if isinstance(r, APIError):
                    fail(p, r)
                    failed.add(pod_uid(p))
        targets = [p for p in pods if pod_uid(p) not in failed]
        if targets:
            results = yield [call(delete_job_pod, self.api, job, p.metadata.name) for p in targets]
            for p, r in zip(targets, results):
                if isinstance(r, APIError):
                    fail(p, r)
        return sum(1 for p in targets if is_pod_ready(p)), deleted, error

    def _delete_active_pods(self, job: Job, pods: list[Pod]) -> Gen:
        """deleteActivePods: delete every active pod (finalizers kept). Returns (deleted ready,
        deleted, first error)."""
        if not pods:
            return 0, 0, None
        results = yield [call(delete_job_pod, self.api, job, p.metadata.name) for p in pods]
        deleted, error = len(pods), None
        for r in results:
            if isinstance(r, APIError) and r.reason != "NotFound":
                deleted -= 1
                error = error or r
        return sum(1 for p in pods if is_pod_ready(p)), deleted, error

    # ---- status -------------------------------------------------------------------------------

    def _track_status(self, ctx: SyncCtx, needs_flush: bool) -> Gen:
        """trackJobStatusAndRemoveFinalizers: record finished pods as uncounted, remove their
        finalizers, count them, and add the terminal condition when it is due."""
        job, status, now = ctx.job, ctx.status, self.now()
        indexed = is_indexed(job)
        completions = job.spec.completions or 0
        pods = sorted(ctx.pods, key=completion_index) if indexed else ctx.pods
        with_finalizer = {pod_uid(p) for p in pods
                          if has_tracking_finalizer(p) and pod_uid(p) not in ctx.expected_rm_finalizers}
        if clean_uncounted(status, with_finalizer):
            needs_flush = True
        to_remove: list[Pod] = []
        new_indexes: list[int] = []
        reached_max = False
        for p in pods:
            uid = pod_uid(p)
            if not has_tracking_finalizer(p) or uid in ctx.expected_rm_finalizers:
                continue
            considered_failed = is_pod_failed(p, job)
            if not can_remove_finalizer(ctx, p, considered_failed):
                continue
            to_remove.append(p)
            ix = completion_index(p)
            if p.status.get("phase") == "Succeeded" and uid not in ctx.uncounted_failed:
                if indexed:
                    if ix != UNKNOWN_INDEX and ix < completions and not has(ctx.prev_succeeded_indexes, ix):
                        new_indexes.append(ix)
                        needs_flush = True
                elif uid not in ctx.uncounted_succeeded:
                    needs_flush = True
                    status.uncounted_succeeded.append(uid)
            elif considered_failed or (ctx.finished_condition is not None
                                       and ctx.finished_condition.type != SUCCESS_CRITERIA_MET):
                valid = not indexed or (ix != UNKNOWN_INDEX and ix < completions)
                if uid not in ctx.uncounted_failed and valid:
                    needs_flush = True
                    status.uncounted_failed.append(uid)
            if len(new_indexes) + len(status.uncounted_succeeded) + len(status.uncounted_failed) >= MAX_UNCOUNTED_PODS:
                reached_max = True
                break
        if indexed:
            ctx.succeeded_indexes = with_indexes(ctx.succeeded_indexes, sorted(set(new_indexes)))
            text = format_indexes(ctx.succeeded_indexes)
            if text != status.completed_indexes:
                needs_flush = True
            status.succeeded = total(ctx.succeeded_indexes)
            status.completed_indexes = text
        fc = ctx.finished_condition
        if fc is not None and fc.type == FAILURE_TARGET:
            status.conditions.append(fc)
            needs_flush = True
            ctx.finished_condition = new_condition(FAILED, "True", fc.reason, fc.message, now)
        elif fc is not None and fc.type == SUCCESS_CRITERIA_MET:
            met = find_condition(status.conditions, SUCCESS_CRITERIA_MET)
            if met is None or met.status != "True":
                status.conditions.append(fc)
                needs_flush = True
            ctx.finished_condition = new_condition(COMPLETE, "True", fc.reason, fc.message, now)
        needs_flush = yield from self._flush(ctx, to_remove, with_finalizer, needs_flush)
        finished = not reached_max and self._enact_finished(ctx, now)
        if finished or needs_flush:
            yield from self._write_status(ctx)
            if finished and ctx.finished_condition is not None:
                self._record_finished(ctx.job, ctx.finished_condition)

    def _flush(self, ctx: SyncCtx, to_remove: list[Pod], with_finalizer: set[str], needs_flush: bool) -> Gen:
        """flushUncountedAndRemoveFinalizers: write the status with the new uncounted uids (then
        store the backoff record), remove the finalizers, count the pods that lost them; on a failed
        removal write the partial progress and raise. Returns whether a write is still pending."""
        if needs_flush:
            yield from self._write_status(ctx)
            self.backoff.update(ctx.new_backoff_record)
            needs_flush = False
        remove_error: APIError | None = None
        if to_remove:
            key = ctx.job.key
            self.finalizer_expectations.expect_removed(key, [pod_uid(p) for p in to_remove])
            results = yield [call(remove_tracking_finalizer, self.api, p.namespace, p.metadata.name)
                             for p in to_remove]
            for p, r in zip(to_remove, results):
                if isinstance(r, APIError):
                    self.finalizer_expectations.removal_observed(key, pod_uid(p))
                    if r.reason != "NotFound":
                        remove_error = remove_error or r
                        continue
                with_finalizer.discard(pod_uid(p))
        if clean_uncounted(ctx.status, with_finalizer):
            needs_flush = True
        if remove_error is not None:
            if needs_flush:
                yield from self._write_status(ctx)
            raise remove_error
        return needs_flush

    def _enact_finished(self, ctx: SyncCtx, now: float) -> bool:
        """enactJobFinished: add the Complete or Failed condition once every finished pod is counted
        and none is terminating."""
        fc, status = ctx.finished_condition, ctx.status
        if fc is None or status.uncounted_succeeded or status.uncounted_failed or ctx.terminating > 0:
            return False
        ensure_condition(status.conditions, fc.type, fc.status, fc.reason, fc.message, now)
        if fc.type == COMPLETE:
            status.completion_time = fc.last_transition_time
        return True

    def _write_status(self, ctx: SyncCtx) -> Gen:
        """updateJobStatus (UpdateStatus with the cached resourceVersion; Conflict if stale)."""
        written = yield call(self.api.update, ctx.job.model_copy(update={"status": ctx.status.to_status(ctx.job.status)}))
        assert isinstance(written, Job)
        ctx.job = written
        rec = self._record(written)
        rec["succeeded"], rec["failed"] = written.status.succeeded, written.status.failed

    def _record_finished(self, job: Job, fc: Any) -> None:
        """recordJobFinished: the events of a finished Job (and the metrics record)."""
        rec = self._record(job)
        if fc.type == COMPLETE:
            if job.spec.completions is not None and job.status.succeeded > job.spec.completions:
                self.event(job, "Warning", "TooManySucceededPods",
                           "Too many succeeded pods running after completion count reached")
            self.event(job, "Normal", "Completed", "Job completed")
            rec["completed_at"] = self.now()
        else:
            self.event(job, "Warning", fc.reason, fc.message)
            rec["failed_at"] = self.now()
