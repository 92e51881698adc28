"""The TTL-after-finished controller with the Job controller and the garbage collector: a finished
Job goes ttlSecondsAfterFinished after its Complete condition's lastTransitionTime, its pods with
it (ttlafterfinished_controller.go's processJob, worked by hand)."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Node
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory
from kbench.controllers.garbage_collector import GarbageCollector
from kbench.controllers.job import JobController, JobDefaults
from kbench.controllers.ttl_after_finished import TTLAfterFinishedController
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess
from tests.controllers.test_job import job


def world() -> tuple[Engine, APIServer]:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng, admission=[JobDefaults()])
    api.create(Node.model_validate({"metadata": {"name": "n", "labels": {"kubernetes.io/hostname": "n"}},
                                    "status": {"allocatable": {"cpu": "64", "memory": "64Gi", "pods": "110"}}}))
    factory = InformerFactory(api)
    controllers = [JobController(api, factory), GarbageCollector(api, factory), TTLAfterFinishedController(api, factory)]
    SchedulerProcess(api, default_profile()).start()
    Kubelets(api).start()
    factory.start()
    for c in controllers:
        c.start()
    return eng, api


def exists(api: APIServer, kind: str, name: str) -> bool:
    try:
        api.get(kind, "default", name)
    except APIError:
        return False
    return True


def test_a_finished_job_goes_ttl_seconds_after_it_completed_and_its_pods_with_it() -> None:
    # 2 pods run 0..10 s; the sync 1 s later counts both: Complete at 11; TTL 60: gone at 71
    eng, api = world()
    api.create(job("j", parallelism=2, completions=2, ttlSecondsAfterFinished=60))
    api.create(job("keep", parallelism=1, completions=1))  # no TTL: stays
    eng.run(until=70.9)
    assert exists(api, "Job", "j") and len(api.list("Pod")[0]) == 3
    eng.run(until=71.0)
    assert not exists(api, "Job", "j") and exists(api, "Job", "keep")
    assert [p.metadata.name.startswith("keep") for p in api.list("Pod")[0]] == [True]
    assert sorted(t for uid, t in api.pods_removed_at.items()) == [71.0, 71.0]


def test_a_ttl_changed_before_expiry_is_read_again() -> None:
    eng, api = world()
    api.create(job("j", parallelism=1, completions=1, ttlSecondsAfterFinished=60))
    eng.run(until=50.0)
    current = api.get("Job", "default", "j")
    api.update(current.model_copy(update={"spec": current.spec.model_copy(update={"ttl_seconds_after_finished": 120})}))
    eng.run(until=130.9)
    assert exists(api, "Job", "j")  # 11 + 120 = 131
    eng.run(until=131.0)
    assert not exists(api, "Job", "j")
