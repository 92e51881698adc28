"""The StatefulSet controller with the scheduler and kubelets: ordered and parallel creation and
scale-down, partitioned and full rolling updates, OnDelete, failed pods, ordinals.start, status and
events. Expected times are worked by hand from stateful_set_control.go: kubelets start a pod 5 s
after it is bound (its image pull), a deleted running pod leaves 10 s later (its
terminationGracePeriodSeconds), and writes commit at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.api.workloads import StatefulSet
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory, controller_of
from kbench.controllers.statefulset import StatefulSetController
from kbench.controllers.statefulset.revisions import revision_data, revision_name
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess

PULL = 5.0
GRACE = 10


@dataclass
class World:
    eng: Engine
    api: APIServer
    ssc: StatefulSetController

    def pods(self) -> dict[str, Pod]:
        return {p.metadata.name: p for p in self.api.list("Pod")[0] if isinstance(p, Pod)}

    def sts(self) -> StatefulSet:
        sts = self.api.get("StatefulSet", "default", "web")
        assert isinstance(sts, StatefulSet)
        return sts

    def events(self, reason: str) -> list[tuple[float, str]]:
        """(time, pod) of each StatefulSet event with this reason."""
        return [(e["time"], e["message"].split(" ")[2]) for e in self.api.events
                if e["reason"] == reason and e["object_kind"] == "StatefulSet"]

    def revisions(self) -> dict[str, str]:
        return {name: p.metadata.labels["controller-revision-hash"] for name, p in sorted(self.pods().items())}


def world(nodes: int = 3) -> World:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    for i in range(nodes):
        api.create(Node.model_validate({"metadata": {"name": f"n{i}"},
                                        "status": {"allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110"}}}))
    factory = InformerFactory(api)
    ssc = StatefulSetController(api, factory)
    sched = SchedulerProcess(api, default_profile())
    kubelets = Kubelets(api, image_pull_seconds=PULL)
    sched.start()
    kubelets.start()
    factory.start()
    ssc.start()
    return World(eng, api, ssc)


def stateful_set(replicas: int = 3, image: str = "web:1", **spec: Any) -> StatefulSet:
    return StatefulSet.model_validate({"metadata": {"name": "web", "namespace": "default"}, "spec": {
        "replicas": replicas, "serviceName": "nginx", "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "terminationGracePeriodSeconds": GRACE, "containers": [{"name": "web", "image": image}]}}, **spec}})


def update_spec(api: APIServer, **changes: Any) -> None:
    sts = api.get("StatefulSet", "default", "web")
    assert isinstance(sts, StatefulSet)
    api.update(sts.model_copy(update={"spec": sts.spec.model_copy(update=changes)}))


def scale(api: APIServer, replicas: int) -> None:
    """``kubectl scale statefulset/web --replicas=N``."""
    update_spec(api, replicas=replicas)


def set_image(api: APIServer, image: str) -> None:
    sts = api.get("StatefulSet", "default", "web")
    assert isinstance(sts, StatefulSet)
    t = sts.spec.template
    c = t.spec.containers[0].model_copy(update={"image": image})
    update_spec(api, template=t.model_copy(update={"spec": t.spec.model_copy(update={"containers": [c]})}))


def set_partition(api: APIServer, partition: int) -> None:
    sts = api.get("StatefulSet", "default", "web")
    assert isinstance(sts, StatefulSet)
    s = sts.spec.update_strategy
    assert s.rolling_update is not None
    update_spec(api, update_strategy=s.model_copy(update={
        "rolling_update": s.rolling_update.model_copy(update={"partition": partition})}))


def revision(image: str) -> str:
    """The revision name of the test template with ``image``: ``web-<hash>``."""
    return revision_name("web", revision_data(stateful_set(image=image).spec.template), 0)


def test_ordered_ready_creates_each_pod_after_the_previous_is_ready() -> None:
    w = world()
    w.api.create(stateful_set())
    w.eng.run(until=30)
    pods = w.pods()
    assert {n: p.metadata.creation_timestamp for n, p in pods.items()} == {"web-0": 0.0, "web-1": 5.0, "web-2": 10.0}
    assert w.events("SuccessfulCreate") == [(0.0, "web-0"), (5.0, "web-1"), (10.0, "web-2")]
    create = next(e for e in w.api.events if e["reason"] == "SuccessfulCreate")
    assert (create["object"], create["message"]) == ("default/web", "create Pod web-0 in StatefulSet web successful")
    rev = revision("web:1")
    for i, (name, pod) in enumerate(sorted(pods.items())):
        assert pod.metadata.labels == {"app": "web", "statefulset.kubernetes.io/pod-name": name,
                                       "apps.kubernetes.io/pod-index": str(i), "controller-revision-hash": rev}
        assert (pod.spec.hostname, pod.spec.subdomain) == (name, "nginx")
        ref = controller_of(pod)
        assert ref is not None and (ref.kind, ref.name) == ("StatefulSet", "web")
    s = w.sts().status
    assert (s.replicas, s.ready_replicas, s.available_replicas, s.current_replicas, s.updated_replicas,
            s.current_revision, s.update_revision, s.collision_count, s.observed_generation) == (
        3, 3, 3, 3, 3, rev, rev, 0, 1)
    assert w.ssc.idle


def test_ordered_ready_scales_down_from_the_highest_ordinal() -> None:
    # 3 -> 1 at 50: web-2 is deleted, web-1 only once web-2 is gone (60).
    w = world()
    w.api.create(stateful_set())
    w.eng.at(50, scale, w.api, 1)
    w.eng.run(until=100)
    assert w.events("SuccessfulDelete") == [(50.0, "web-2"), (60.0, "web-1")]
    assert sorted(w.pods()) == ["web-0"]
    s = w.sts().status
    assert (s.replicas, s.ready_replicas, s.current_replicas, s.observed_generation) == (1, 1, 1, 2)


def test_parallel_creates_and_deletes_all_at_once() -> None:
    w = world()
    w.api.create(stateful_set(podManagementPolicy="Parallel"))
    w.eng.run(until=30)
    assert {n: p.metadata.creation_timestamp for n, p in w.pods().items()} == {"web-0": 0.0, "web-1": 0.0,
                                                                                "web-2": 0.0}
    w.eng.at(50, scale, w.api, 1)
    w.eng.run(until=100)
    assert w.events("SuccessfulDelete") == [(50.0, "web-2"), (50.0, "web-1")]
    assert sorted(w.pods()) == ["web-0"]


def test_partitioned_rolling_update_updates_only_ordinals_at_or_above_the_partition() -> None:
    # 4 replicas (ready at 20), partition 2, new image at 50: web-3 deleted (50), recreated at the
    # new revision once gone (60), ready at 65, then web-2 deleted (65) and recreated (75, ready 80).
    # web-0 and web-1 stay at the current revision. Partition 0 at 100 rolls them too: web-1
    # (100, recreated 110, ready 115), web-0 (115, 125, 130); then the update revision is current.
    w = world()
    w.api.create(stateful_set(4, updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    w.eng.at(50, set_image, w.api, "web:2")
    w.eng.run(until=99)
    old, new = revision("web:1"), revision("web:2")
    assert w.events("SuccessfulDelete") == [(50.0, "web-3"), (65.0, "web-2")]
    assert w.events("SuccessfulCreate")[4:] == [(60.0, "web-3"), (75.0, "web-2")]
    assert w.revisions() == {"web-0": old, "web-1": old, "web-2": new, "web-3": new}
    s = w.sts().status
    assert (s.current_revision, s.update_revision, s.current_replicas, s.updated_replicas, s.ready_replicas) == (
        old, new, 2, 2, 4)
    w.eng.at(100, set_partition, w.api, 0)
    w.eng.run(until=200)
    assert w.events("SuccessfulDelete")[2:] == [(100.0, "web-1"), (115.0, "web-0")]
    assert w.events("SuccessfulCreate")[6:] == [(110.0, "web-1"), (125.0, "web-0")]
    assert w.revisions() == {f"web-{i}": new for i in range(4)}
    s = w.sts().status
    assert (s.current_revision, s.update_revision, s.current_replicas, s.updated_replicas) == (new, new, 4, 4)


def test_a_failed_pod_is_recreated_with_the_same_name() -> None:
    # web-1 fails at 30: deleted at once (a failed pod has no grace period), recreated at once.
    w = world()
    w.api.create(stateful_set())
    w.eng.run(until=30)
    victim = w.pods()["web-1"]
    w.api.update(victim.model_copy(update={"status": {**victim.status, "phase": "Failed"}}))
    w.eng.run(until=50)
    assert w.events("SuccessfulDelete") == [(30.0, "web-1")]
    assert w.events("SuccessfulCreate")[3:] == [(30.0, "web-1")]
    again = w.pods()["web-1"]
    assert again.metadata.uid != victim.metadata.uid and again.status.get("phase") == "Running"
    assert w.sts().status.ready_replicas == 3


def test_on_delete_recreates_deleted_pods_at_the_update_revision() -> None:
    w = world()
    w.api.create(stateful_set(2, updateStrategy={"type": "OnDelete"}))
    w.eng.at(50, set_image, w.api, "web:2")
    w.eng.run(until=100)
    old, new = revision("web:1"), revision("web:2")
    assert w.events("SuccessfulDelete") == [] and w.revisions() == {"web-0": old, "web-1": old}
    w.api.delete("Pod", "default", "web-0")
    w.eng.run(until=150)
    assert w.events("SuccessfulCreate")[2:] == [(110.0, "web-0")]
    assert w.revisions() == {"web-0": new, "web-1": old}
    s = w.sts().status
    assert (s.current_revision, s.update_revision, s.current_replicas, s.updated_replicas) == (old, new, 1, 1)


def test_ordinals_start() -> None:
    w = world()
    w.api.create(stateful_set(2, ordinals={"start": 5}))
    w.eng.run(until=30)
    assert w.events("SuccessfulCreate") == [(0.0, "web-5"), (5.0, "web-6")]
    assert w.pods()["web-6"].metadata.labels["apps.kubernetes.io/pod-index"] == "6"


def test_a_rollback_reuses_the_old_revision() -> None:
    # web:2 at 50 rolls web-2 (50), web-1 (65), web-0 (80); web:1 again at 200 is the first revision
    # renumbered: the pods get their old revision name back.
    w = world()
    w.api.create(stateful_set())
    w.eng.at(50, set_image, w.api, "web:2")
    w.eng.run(until=150)
    assert w.events("SuccessfulDelete") == [(50.0, "web-2"), (65.0, "web-1"), (80.0, "web-0")]
    w.eng.at(200, set_image, w.api, "web:1")
    w.eng.run(until=300)
    old = revision("web:1")
    assert w.revisions() == {f"web-{i}": old for i in range(3)}
    assert (w.sts().status.current_revision, w.sts().status.update_revision) == (old, old)
    history = w.ssc.histories["default/web"]
    assert {r.name: r.revision for r in history.listed()} == {revision("web:2"): 2, old: 3}
