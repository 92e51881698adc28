"""The Job controller in a small cluster (API server with the JobDefaults admission, scheduler,
kubelets). Expected times are worked by hand from job_controller.go: a pod event queues a sync
1 s later (syncJobBatchPeriod), so each wave of pods starts 1 s after the previous one ended; the
pod-failure backoff counts from the failed pod's finish time."""

from __future__ import annotations

from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.api.workloads import Job
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory, controller_of
from kbench.controllers.job import JobController, JobDefaults
from kbench.controllers.job.pods import JOB_TRACKING_FINALIZER
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import Admission, APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess

INDEX = "batch.kubernetes.io/job-completion-index"


class World:
    def __init__(self, admission: list[Admission] | None = None) -> None:
        self.eng = Engine(np.random.default_rng(0))
        self.api = APIServer(Store(), self.eng, admission=[JobDefaults()] if admission is None else admission)
        self.api.create(Node.model_validate({"metadata": {"name": "n", "labels": {"kubernetes.io/hostname": "n"}},
                                             "status": {"allocatable": {"cpu": "64", "memory": "64Gi", "pods": "110"}}}))
        sched = SchedulerProcess(self.api, default_profile())
        kubelets = Kubelets(self.api)
        factory = InformerFactory(self.api)
        self.ctrl = JobController(self.api, factory)
        sched.start()
        kubelets.start()
        factory.start()
        self.ctrl.start()

    def job(self, name: str = "j") -> Job:
        job = self.api.get("Job", "default", name)
        assert isinstance(job, Job)
        return job

    def pods(self) -> list[Pod]:
        """Every pod ever created (removed ones too), by creation time then name."""
        pods = [p for p in self.api.list("Pod")[0] if isinstance(p, Pod)]
        pods += [p for p in self.api.pods_removed.values() if isinstance(p, Pod)]
        return sorted(pods, key=lambda p: (p.metadata.creation_timestamp, p.metadata.name))

    def events(self, reason: str) -> list[tuple[float, str]]:
        return [(e["time"], e["message"]) for e in self.api.events if e["reason"] == reason]

    def conditions(self, name: str = "j") -> list[tuple[str, str, str]]:
        return [(c.type, c.status, c.reason) for c in self.job(name).status.conditions]

    def set_phase(self, pod: Pod, phase: str) -> None:
        """End a pod's containers as its kubelet would report it."""
        current = self.api.get("Pod", pod.namespace, pod.metadata.name)
        self.api.update(current.model_copy(update={"status": {**current.status, "phase": phase}}))  # type: ignore[attr-defined]


def job(name: str = "j", duration: float | None = 10.0, failure: float = 0.0, grace: int | None = None,
        **spec: Any) -> Job:
    ann = {"kbench.io/failure-probability": str(failure)}
    if duration is not None:
        ann["kbench.io/duration-seconds"] = str(duration)
    pod_spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [
        {"name": "w", "image": "work:1", "resources": {"requests": {"cpu": "100m"}}}]}
    if grace is not None:
        pod_spec["terminationGracePeriodSeconds"] = grace
    return Job.model_validate({"metadata": {"name": name, "namespace": "default"}, "spec": {
        **spec, "template": {"metadata": {"labels": {"app": "batch"}, "annotations": ann}, "spec": pod_spec}}})


def test_parallelism_two_completions_five_runs_three_waves() -> None:
    # t=0 the Job's add syncs at once: 2 pods (slow start 1 + 1). They succeed at 10; the sync at
    # 11 counts 2 and creates min(2, 5-2) = 2; at 22 it counts 4 and creates 1; at 33 it counts 5
    # with none active: SuccessCriteriaMet, then Complete (no pod terminating).
    w = World()
    w.api.create(job(parallelism=2, completions=5))
    w.eng.run(until=100)
    pods = w.pods()
    assert [p.metadata.creation_timestamp for p in pods] == [0.0, 0.0, 11.0, 11.0, 22.0]
    assert all(p.status["phase"] == "Succeeded" for p in pods)
    assert all(JOB_TRACKING_FINALIZER not in (p.metadata.finalizers or ()) for p in pods)
    s = w.job().status
    assert (s.active, s.succeeded, s.failed, s.ready, s.terminating) == (0, 5, 0, 0, 0)
    assert (s.start_time, s.completion_time, s.uncounted_terminated_pods) == (0.0, 33.0, {})
    assert w.conditions() == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                              ("Complete", "True", "CompletionsReached")]
    assert w.job().status.conditions[1].message == "Reached expected number of succeeded pods"
    assert w.events("Completed") == [(33.0, "Job completed")]
    assert [m for _, m in w.events("SuccessfulCreate")] == [f"Created pod: {p.metadata.name}" for p in pods]
    ref = controller_of(pods[0])
    assert ref is not None and (ref.kind, ref.name, ref.uid) == ("Job", "j", w.job().metadata.uid)
    assert w.ctrl.completions == [{"namespace": "default", "name": "j", "created_at": 0.0, "started_at": 0.0,
                                   "completed_at": 33.0, "failed_at": None, "succeeded": 5, "failed": 0,
                                   "completions_wanted": 5}]
    assert w.ctrl.idle


def test_pod_failures_back_off_10_then_20_seconds_until_the_backoff_limit() -> None:
    # Pods run 5 s and always fail. Pod 1 (t=0) fails at 5; the sync at 6 sees 1 failure: wait
    # 10 s from 5, so pod 2 is created at 15 and fails at 20; the sync at 21 sees 2 consecutive
    # failures: 20 s from 20, pod 3 at 40 fails at 45; the sync at 46 counts 3 > backoffLimit 2.
    w = World()
    w.api.create(job(duration=5.0, failure=1.0, backoffLimit=2))
    w.eng.run(until=200)
    pods = w.pods()
    created = [p.metadata.creation_timestamp for p in pods]
    assert created == [0.0, 15.0, 40.0]
    assert [b - a for a, b in zip(created, created[1:])] == [5.0 + 10.0, 5.0 + 20.0]
    assert all(p.status["phase"] == "Failed" for p in pods)
    s = w.job().status
    assert (s.active, s.succeeded, s.failed, s.completion_time) == (0, 0, 3, None)
    assert w.conditions() == [("FailureTarget", "True", "BackoffLimitExceeded"),
                              ("Failed", "True", "BackoffLimitExceeded")]
    assert w.events("BackoffLimitExceeded") == [(46.0, "Job has reached the specified backoff limit")]
    assert w.ctrl.completions[0]["failed_at"] == 46.0 and w.ctrl.completions[0]["completed_at"] is None


def test_backoff_doubles_up_to_the_ten_minute_cap() -> None:
    # Pods fail after 5 s. The sync 1 s after each failure waits backoff - 1 s, so each pod is
    # created backoff seconds after the previous one failed: 10, 20, 40, 80, 160, 320, then
    # 640 capped at MaxJobPodFailureBackOff (600), 600. The 9th failure exceeds backoffLimit 8.
    w = World()
    w.api.create(job(duration=5.0, failure=1.0, backoffLimit=8))
    w.eng.run(until=3000)
    created = [p.metadata.creation_timestamp for p in w.pods()]
    gaps = [b - (a + 5.0) for a, b in zip(created, created[1:])]
    assert gaps == [10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 600.0, 600.0]
    assert w.events("BackoffLimitExceeded") == [(created[-1] + 6.0, "Job has reached the specified backoff limit")]


def test_active_deadline_fails_the_job_and_deletes_its_active_pods() -> None:
    # Two 100 s pods, activeDeadlineSeconds 30, grace 5 s. The first sync (t=0) sets startTime and
    # requeues for t=30; then the pods are deleted (deletionTimestamp 35), counted as failed, and
    # the Job gets FailureTarget. The kubelet removes them at 35; the sync at 36 adds Failed.
    w = World()
    w.api.create(job(duration=100.0, grace=5, parallelism=2, completions=4, activeDeadlineSeconds=30))
    w.eng.run(until=31)
    s = w.job().status
    assert (s.active, s.failed, s.terminating, s.ready) == (0, 2, 2, 0)
    assert w.conditions() == [("FailureTarget", "True", "DeadlineExceeded")]
    assert [t for t, _ in w.events("SuccessfulDelete")] == [30.0, 30.0]
    w.eng.run(until=100)
    assert w.conditions() == [("FailureTarget", "True", "DeadlineExceeded"), ("Failed", "True", "DeadlineExceeded")]
    assert w.events("DeadlineExceeded") == [(36.0, "Job was active longer than specified deadline")]
    assert len(w.pods()) == 2 and all(w.api.pods_removed_at[p.metadata.uid or ""] == 35.0 for p in w.pods())
    assert w.job().status.terminating == 0 and w.ctrl.completions[0]["failed_at"] == 36.0


def test_indexed_job_runs_each_index_once() -> None:
    # Indexes 0,1 at t=0, 2,3 at 11, 4 at 22 (lowest pending first); completedIndexes grows "0,1"
    # (an interval of two is written with a comma), "0-3", "0-4".
    w = World()
    w.api.create(job(parallelism=2, completions=5, completionMode="Indexed"))
    w.eng.run(until=12)
    assert w.job().status.completed_indexes == "0,1"
    w.eng.run(until=100)
    pods = w.pods()
    assert [(p.metadata.creation_timestamp, int(p.metadata.annotations[INDEX])) for p in pods] == [
        (0.0, 0), (0.0, 1), (11.0, 2), (11.0, 3), (22.0, 4)]
    for p in pods:
        ix = p.metadata.annotations[INDEX]
        assert p.metadata.labels[INDEX] == ix and p.spec.hostname == f"j-{ix}"
        assert p.metadata.name.startswith(f"j-{ix}-") and len(p.metadata.name) == len(f"j-{ix}-") + 5
        assert p.spec.containers[0].env == [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {
            "fieldRef": {"fieldPath": f"metadata.labels['{INDEX}']"}}}]
    s = w.job().status
    assert (s.completed_indexes, s.succeeded, s.completion_time) == ("0-4", 5, 33.0)


def test_work_queue_job_completes_once_one_pod_succeeded_and_none_is_active() -> None:
    # Parallelism 3, no completions, pods without a duration. One pod succeeds at 5: the sync at
    # 6 wants only the 2 still active (no new pod) and is not complete; the others succeed at 20,
    # and the sync at 21 completes the Job.
    w = World()
    w.api.create(job(duration=None, parallelism=3))
    w.eng.run(until=5)
    pods = w.pods()
    assert len(pods) == 3 and w.job().spec.completions is None
    w.set_phase(pods[0], "Succeeded")
    w.eng.run(until=20)
    assert len(w.pods()) == 3 and w.job().status.succeeded == 1 and w.job().status.active == 2
    assert w.conditions() == []
    for p in pods[1:]:
        w.set_phase(p, "Succeeded")
    w.eng.run(until=60)
    assert len(w.pods()) == 3
    assert w.conditions() == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                              ("Complete", "True", "CompletionsReached")]
    assert w.job().status.completion_time == 21.0 and w.job().status.succeeded == 3


def test_lowering_parallelism_deletes_excess_pods_without_counting_them_failed() -> None:
    # parallelism 3 -> 1 at t=10 (a spec change syncs at once): 2 pods are deleted, their tracking
    # finalizer removed first, so they never count as failed; they terminate for 30 s.
    w = World()
    w.api.create(job(duration=None, parallelism=3, completions=3))
    w.eng.run(until=10)
    j = w.job()
    w.api.update(j.model_copy(update={"spec": j.spec.model_copy(update={"parallelism": 1})}))
    w.eng.run(until=12)
    s = w.job().status
    assert (s.active, s.terminating, s.failed) == (1, 2, 0)
    assert [t for t, _ in w.events("SuccessfulDelete")] == [10.0, 10.0]
    deleted = [p for p in w.pods() if p.metadata.deletion_timestamp is not None]
    assert len(deleted) == 2 and all(JOB_TRACKING_FINALIZER not in (p.metadata.finalizers or ()) for p in deleted)
    w.eng.run(until=50)
    s = w.job().status
    assert (s.active, s.terminating, s.failed) == (1, 0, 0) and len(w.pods()) == 3


def test_suspended_job_waits_and_resumes_with_a_new_start_time() -> None:
    w = World()
    w.api.create(job(parallelism=2, completions=2, suspend=True))
    w.eng.run(until=10)
    assert w.pods() == [] and w.job().status.start_time is None
    assert w.conditions() == [("Suspended", "True", "JobSuspended")] and w.events("Suspended") == [(0.0, "Job suspended")]
    j = w.job()
    w.api.update(j.model_copy(update={"spec": j.spec.model_copy(update={"suspend": False})}))
    w.eng.run(until=15)
    assert [p.metadata.creation_timestamp for p in w.pods()] == [10.0, 10.0]
    assert w.conditions() == [("Suspended", "False", "JobResumed")] and w.events("Resumed") == [(10.0, "Job resumed")]
    assert w.job().status.start_time == 10.0
    w.eng.run(until=40)
    assert w.job().status.completion_time == 21.0


def test_a_failed_create_stops_the_slow_start() -> None:
    # An admission plugin refuses pods beyond 3: batches of 1 and 2 succeed, the batch of 4 fails
    # whole and the 8th pod is never tried.
    def at_most_three(obj: Any) -> Any:
        if isinstance(obj, Pod) and len(w.api.list("Pod")[0]) >= 3:
            raise APIError("Forbidden", "exceeded quota")
        return obj

    w = World(admission=[JobDefaults(), at_most_three])
    w.api.create(job(duration=None, parallelism=8, completions=8))
    w.eng.run(until=0.5)
    first = [e for e in w.api.events if e["time"] == 0.0 and e["reason"] in ("SuccessfulCreate", "FailedCreate")]
    assert [e["reason"] for e in first] == ["SuccessfulCreate"] * 3 + ["FailedCreate"] * 4
    assert all(e["message"] == "Error creating: exceeded quota" for e in first[3:])
    assert w.job().status.active == 3


def test_controller_generates_the_selector_when_no_admission_did() -> None:
    w = World(admission=[])
    w.api.create(job(parallelism=1, completions=1))
    w.eng.run(until=20)
    j = w.job()
    uid = j.metadata.uid or ""
    assert j.spec.selector is not None and j.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    pod = w.pods()[0]
    assert {k: pod.metadata.labels[k] for k in ("batch.kubernetes.io/controller-uid", "controller-uid",
                                                 "batch.kubernetes.io/job-name", "job-name", "app")} == {
        "batch.kubernetes.io/controller-uid": uid, "controller-uid": uid, "batch.kubernetes.io/job-name": "j",
        "job-name": "j", "app": "batch"}
    assert w.job().status.succeeded == 1


def test_pending_backoff_keeps_the_controller_busy_but_a_finished_jobs_deadline_does_not() -> None:
    w = World()
    w.api.create(job("f", duration=5.0, failure=1.0, backoffLimit=1))
    w.eng.run(until=8)
    assert not w.ctrl.idle  # the replacement waits until 15
    w.eng.run(until=30)
    assert w.ctrl.idle and w.conditions("f")[-1][0] == "Failed"
    w.api.create(job("d", duration=5.0, activeDeadlineSeconds=3600))
    w.eng.run(until=60)
    assert w.conditions("d")[-1][0] == "Complete" and w.ctrl.idle
