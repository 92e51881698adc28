"""The resource quota controller: status.hard follows spec.hard and status.used follows the pods
of the namespace (syncResourceQuota, replenishment on pod end and deletion, the 5-minute resync),
with the admission chain charging creates in between. Expected usages are worked by hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kbench.admission.chain import create_system_priority_classes, default_admission
from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.objects import Node, Pod
from kbench.api.quota import ResourceQuota
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory
from kbench.controllers.resource_quota import ResourceQuotaController
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess
from tests.admission.helpers import pod, priority_class, quota


@dataclass
class World:
    eng: Engine
    api: APIServer
    ctrl: ResourceQuotaController

    def status(self, name: str = "q") -> tuple[dict[str, str] | None, dict[str, str] | None]:
        rq = self.api.get("ResourceQuota", "test", name)
        assert isinstance(rq, ResourceQuota)
        def text(rl: dict | None) -> dict[str, str] | None:  # type: ignore[type-arg]
            return None if rl is None else {k: q.text for k, q in rl.items()}
        return text(rq.status.hard), text(rq.status.used)

    def submit(self, t: float, p: Pod, results: dict[str, object]) -> None:
        """Create ``p`` at time ``t`` and record the outcome (the pod or the APIError)."""
        self.eng.at(t, lambda: self.api.submit(self.api.create, p,
                                               on_done=lambda r: results.__setitem__(p.metadata.name, r)))


def world(run_pods: bool = False) -> World:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.admission = default_admission(api)
    create_system_priority_classes(api)
    factory = InformerFactory(api)
    ctrl = ResourceQuotaController(api, factory)
    if run_pods:
        api.create(Node.model_validate({"metadata": {"name": "n"},
                                        "status": {"allocatable": {"cpu": "8", "memory": "8Gi", "pods": "110"},
                                                   "images": [{"names": ["x:latest"], "sizeBytes": 1}]}}))
        SchedulerProcess(api, default_profile()).start()
        Kubelets(api).start()
    factory.start()
    ctrl.start()
    return World(eng, api, ctrl)


def test_first_sync_copies_hard_and_measures_pod_resources() -> None:
    w = world()
    w.api.create(pod("before", requests={"cpu": "250m"}))
    w.api.create(quota("q", {"pods": "4", "requests.cpu": "2", "services": "1"}, with_status=False))
    w.eng.run(until=1.0)
    # services is not a pod resource: limited, not measured
    assert w.status() == ({"pods": "4", "requests.cpu": "2", "services": "1"}, {"pods": "1", "requests.cpu": "250m"})


def test_empty_namespace_usage_is_zero() -> None:
    w = world()
    w.api.create(quota("q", {"pods": "4", "limits.memory": "1Gi"}, with_status=False))
    w.eng.run(until=1.0)
    assert w.status()[1] == {"pods": "0", "limits.memory": "0"}


def test_deleted_pod_releases_its_usage() -> None:
    w = world()
    w.api.create(quota("q", {"pods": "2", "requests.cpu": "2"}, with_status=False))
    w.eng.run(until=1.0)
    w.api.create(pod("a", requests={"cpu": "1"}))
    w.api.create(pod("b", requests={"cpu": "500m"}))
    assert w.status()[1] == {"pods": "2", "requests.cpu": "1500m"}
    try:
        w.api.create(pod("c", requests={"cpu": "100m"}))
        raise AssertionError("expected the quota to reject c")
    except APIError as e:
        assert str(e) == ('pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, '
                          "limited: pods=2")
    w.api.delete("Pod", "test", "a")  # unbound: removed at once
    w.eng.run(until=2.0)
    assert w.status()[1] == {"pods": "1", "requests.cpu": "500m"}
    w.api.create(pod("c", requests={"cpu": "100m"}))
    assert w.status()[1] == {"pods": "2", "requests.cpu": "600m"}


def test_finished_pod_stops_counting_but_count_pods_keeps_it() -> None:
    w = world(run_pods=True)
    w.api.create(quota("q", {"pods": "1", "count/pods": "5", "requests.memory": "1Gi"}, with_status=False))
    results: dict[str, object] = {}
    job = pod("job", requests={"memory": "1Gi"})
    job = job.model_copy(update={"metadata": job.metadata.model_copy(update={"annotations": {DURATION_ANNOTATION: "10"}})})
    w.submit(1.0, job, results)
    w.submit(5.0, pod("early", requests={"memory": "512Mi"}), results)
    w.submit(20.0, pod("late", requests={"memory": "512Mi"}), results)
    w.eng.run(until=30.0)
    assert isinstance(results["job"], Pod)
    assert str(results["early"]) == ('pods "early" is forbidden: exceeded quota: q, requested: pods=1,'
                                     "requests.memory=512Mi, used: pods=1,requests.memory=1Gi, "
                                     "limited: pods=1,requests.memory=1Gi")
    assert isinstance(results["late"], Pod)
    # job Succeeded at 11 s: it leaves pods and requests.memory, stays in count/pods
    assert w.status()[1] == {"pods": "1", "count/pods": "2", "requests.memory": "512Mi"}


def test_overcharge_from_a_failed_write_is_corrected_by_the_resync() -> None:
    w = world()
    w.api.create(quota("q", {"pods": "5"}, with_status=False))
    w.eng.run(until=1.0)
    w.api.create(pod("a"))
    try:
        w.api.create(pod("a"))  # admitted and charged, then AlreadyExists in storage
        raise AssertionError("expected AlreadyExists")
    except APIError as e:
        assert e.reason == "AlreadyExists"
    assert w.status()[1] == {"pods": "2"}
    w.eng.run(until=299.0)
    assert w.status()[1] == {"pods": "2"}
    w.eng.run(until=301.0)
    assert w.status()[1] == {"pods": "1"}


def test_spec_change_is_synced_and_status_writes_do_not_requeue() -> None:
    w = world()
    w.api.create(quota("q", {"pods": "5"}, with_status=False))
    w.eng.run(until=1.0)
    rq = w.api.get("ResourceQuota", "test", "q")
    assert isinstance(rq, ResourceQuota)
    w.api.update(rq.model_copy(update={"spec": rq.spec.model_copy(update={"hard": {
        "pods": rq.spec.hard["pods"], "requests.cpu": rq.spec.hard["pods"]}})}))
    w.eng.run(until=2.0)
    assert w.status() == ({"pods": "5", "requests.cpu": "5"}, {"pods": "0", "requests.cpu": "0"})
    assert w.ctrl.idle


def test_scoped_quota_counts_only_matching_pods() -> None:
    w = world()
    w.api.create(priority_class("high", 1000))
    selector = {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}
    w.api.create(pod("h", priorityClassName="high"))
    w.api.create(pod("plain"))
    w.api.create(pod("deadline", activeDeadlineSeconds=60))
    w.api.create(quota("high", {"pods": "10"}, with_status=False, scopeSelector=selector))
    w.api.create(quota("terminating", {"pods": "10"}, with_status=False, scopes=["Terminating"]))
    w.api.create(quota("besteffort", {"pods": "10"}, with_status=False, scopes=["BestEffort"]))
    w.eng.run(until=1.0)
    assert w.status("high")[1] == {"pods": "1"}
    assert w.status("terminating")[1] == {"pods": "1"}
    assert w.status("besteffort")[1] == {"pods": "3"}
