"""The Job controller, with expected times worked by hand from job_controller.go's rules."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Node
from kbench.api.workloads import Job
from kbench.config.scheduler_config import default_profile
from kbench.controllers.job import backoff_delay, completed_indexes
from kbench.controllers.manager import ControllerManager
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess


def world():
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.create(Node.model_validate({"metadata": {"name": "n", "labels": {"kubernetes.io/hostname": "n"}},
                                    "status": {"allocatable": {"cpu": "64", "memory": "64Gi", "pods": "110"},
                                               "images": [{"names": ["work:latest"], "sizeBytes": 1}]}}))
    sched = SchedulerProcess(api, default_profile())
    kubelets = Kubelets(api)
    manager = ControllerManager(api, enabled=["job"])
    sched.start()
    kubelets.start()
    manager.start()
    return eng, api, manager.controllers["job"]


def job(name: str, duration: float, failure: float = 0.0, **spec: object) -> Job:
    ann = {"kbench.io/duration-seconds": str(duration), "kbench.io/failure-probability": str(failure)}
    return Job.model_validate({"metadata": {"name": name}, "spec": {
        **spec, "template": {"metadata": {"annotations": ann}, "spec": {
            "restartPolicy": "Never", "containers": [{"name": "w", "image": "work",
                                                      "resources": {"requests": {"cpu": "1"}}}]}}}})


def pods_of(api: APIServer) -> list:
    return sorted([p for p in api.list("Pod")[0]] + list(api.pods_removed.values()),
                  key=lambda p: (p.metadata.creation_timestamp, p.metadata.name))


def condition_types(api: APIServer, name: str) -> list[str]:
    return [c.type for c in api.get("Job", "default", name).status.conditions]


def test_parallelism_two_completions_five_finishes_in_three_waves() -> None:
    eng, api, ctrl = world()
    api.create(job("j", 10.0, parallelism=2, completions=5))
    eng.run(until=100.0)
    starts = [p.metadata.creation_timestamp for p in pods_of(api)]
    assert starts == [0.0, 0.0, 10.0, 10.0, 20.0]  # 2 + 2 + 1, each wave when the previous ends
    status = api.get("Job", "default", "j").status
    assert (status.succeeded, status.failed, status.active) == (5, 0, 0)
    assert status.completion_time == 30.0 and condition_types(api, "j") == ["SuccessCriteriaMet", "Complete"]
    pod = pods_of(api)[0]
    assert pod.metadata.labels["batch.kubernetes.io/job-name"] == "j" and pod.metadata.name.startswith("j-")
    assert [e["message"] for e in api.events if e["reason"] == "Completed"] == ["Job completed"]
    assert ctrl.completions[0]["completed_at"] == 30.0


def test_failures_back_off_10_then_20_seconds_and_hit_the_backoff_limit() -> None:
    eng, api, _ = world()
    api.create(job("f", 1.0, failure=1.0, backoffLimit=2))
    eng.run(until=200.0)
    # pod 1 at 0 fails at 1; the next waits 10 s (11, fails 12), then 20 s (32, fails 33): 3 > 2
    assert [p.metadata.creation_timestamp for p in pods_of(api)] == [0.0, 11.0, 32.0]
    status = api.get("Job", "default", "f").status
    assert status.failed == 3 and condition_types(api, "f") == ["FailureTarget", "Failed"]
    assert [(e["time"], e["message"]) for e in api.events if e["reason"] == "BackoffLimitExceeded"] == [
        (33.0, "Job has reached the specified backoff limit")]


def test_active_deadline_fails_the_job_and_deletes_its_pods() -> None:
    eng, api, _ = world()
    api.create(job("d", 100.0, parallelism=2, completions=2, activeDeadlineSeconds=25))
    eng.run(until=24.0)
    assert api.get("Job", "default", "d").status.active == 2
    eng.run(until=90.0)
    assert condition_types(api, "d") == ["FailureTarget", "Failed"]
    assert [(e["time"], e["reason"]) for e in api.events if e["reason"] == "DeadlineExceeded"] == [(25.0, "DeadlineExceeded")]
    deleted = [e["time"] for e in api.events if e["reason"] == "SuccessfulDelete"]
    assert deleted == [25.0, 25.0]


def test_indexed_job_runs_every_index_once() -> None:
    eng, api, _ = world()
    api.create(job("ix", 5.0, parallelism=3, completions=5, completionMode="Indexed"))
    eng.run(until=60.0)
    pods = pods_of(api)
    indexes = sorted(int(p.metadata.annotations["batch.kubernetes.io/job-completion-index"]) for p in pods)
    assert indexes == [0, 1, 2, 3, 4]
    assert all(p.metadata.name.startswith(f"ix-{p.metadata.labels['batch.kubernetes.io/job-completion-index']}-")
               and p.spec.hostname == f"ix-{p.metadata.labels['batch.kubernetes.io/job-completion-index']}"
               for p in pods)
    status = api.get("Job", "default", "ix").status
    assert status.completed_indexes == "0-4" and status.succeeded == 5


def test_work_queue_job_completes_after_the_first_success_and_others_finish() -> None:
    eng, api, _ = world()
    api.create(job("wq", 10.0, parallelism=3))
    eng.run(until=60.0)
    assert len(pods_of(api)) == 3  # no new pods once one succeeded
    assert condition_types(api, "wq") == ["SuccessCriteriaMet", "Complete"]


def test_backoff_cap_and_completed_index_format() -> None:
    assert [backoff_delay(n) for n in (0, 1, 2, 3, 6, 7, 20)] == [0.0, 10.0, 20.0, 40.0, 320.0, 360.0, 360.0]
    assert completed_indexes({0, 1, 2, 4, 6, 7}) == "0-2,4,6-7"
    assert completed_indexes(set()) == ""
