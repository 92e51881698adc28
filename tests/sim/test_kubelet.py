"""Kubelets start bound pods after pulling missing images, and end them after their duration."""

from __future__ import annotations

import numpy as np

from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.objects import Node, Pod
from kbench.config.scheduler_config import default_profile
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess


def setup():
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    sched = SchedulerProcess(api, default_profile())
    kubelets = Kubelets(api, image_pull_seconds=2.0)
    return eng, api, sched, kubelets


def node(name: str, images: list[str]) -> Node:
    return Node.model_validate({"metadata": {"name": name},
                                "status": {"allocatable": {"cpu": "4", "memory": "4Gi", "pods": "10"},
                                           "images": [{"names": images, "sizeBytes": 1}] if images else []}})


def pod(name: str, image: str, duration: float | None, node_name: str = "") -> Pod:
    ann = {DURATION_ANNOTATION: str(duration)} if duration is not None else {}
    return Pod.model_validate({"metadata": {"name": name, "annotations": ann},
                               "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": image}]}})


def test_pull_run_finish() -> None:
    eng, api, sched, kubelets = setup()
    api.create(node("warm", ["app:1"]))
    api.create(node("cold", []))
    sched.start()
    kubelets.start()
    eng.at(1.0, lambda: api.create(pod("w", "app:1", 10.0, node_name="warm")))
    eng.at(1.0, lambda: api.create(pod("c", "app:1", 10.0, node_name="cold")))
    eng.at(1.0, lambda: api.create(pod("forever", "app:1", None, node_name="warm")))
    eng.run(until=5.0)
    assert api.get("Pod", "default", "w").status["phase"] == "Running"
    assert api.get("Pod", "default", "w").status["startTime"] == 1.0  # image present: no pull
    assert api.get("Pod", "default", "c").status["startTime"] == 3.0  # one missing image: 2 s pull
    eng.run(until=30.0)
    assert api.get("Pod", "default", "w").status["phase"] == "Succeeded"
    assert api.get("Pod", "default", "c").status["phase"] == "Succeeded"
    assert api.get("Pod", "default", "forever").status["phase"] == "Running"


def test_finished_pod_frees_its_node_for_the_scheduler() -> None:
    eng, api, sched, kubelets = setup()
    api.create(Node.model_validate({"metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "1", "pods": "10"}}}))
    sched.start()
    kubelets.start()
    api.create(Pod.model_validate({"metadata": {"name": "a", "annotations": {DURATION_ANNOTATION: "5"}},
                                   "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1"}}}]}}))
    api.create(Pod.model_validate({"metadata": {"name": "b"},
                                   "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1"}}}]}}))
    eng.run(until=4.0)
    assert api.get("Pod", "default", "a").spec.node_name == "n"
    assert not api.get("Pod", "default", "b").spec.node_name
    eng.run(until=30.0)
    # "a" ran 2 s pulling + 5 s, then Succeeded: the scheduler stops counting it and "b" fits
    assert api.get("Pod", "default", "a").status["phase"] == "Succeeded"
    assert api.get("Pod", "default", "b").spec.node_name == "n"


def test_deleted_pod_holds_its_node_for_its_grace_period() -> None:
    eng, api, sched, kubelets = setup()
    api.create(Node.model_validate({"metadata": {"name": "n", "labels": {"kubernetes.io/hostname": "n"}},
                                    "status": {"allocatable": {"cpu": "1", "pods": "10"},
                                               "images": [{"names": ["x:latest"], "sizeBytes": 1}]}}))
    sched.start()
    kubelets.start()
    spec = {"terminationGracePeriodSeconds": 20,
            "containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1"}}}]}
    api.create(Pod.model_validate({"metadata": {"name": "a", "annotations": {DURATION_ANNOTATION: "1000"}}, "spec": spec}))
    eng.run(until=1.0)
    running = api.get("Pod", "default", "a")
    assert running.status["conditions"] == [{"type": "Ready", "status": "True", "lastTransitionTime": 0.0}]
    eng.at(10.0, lambda: api.delete("Pod", "default", "a"))
    eng.at(11.0, lambda: api.create(Pod.model_validate({"metadata": {"name": "b"}, "spec": spec})))
    eng.run(until=29.0)
    # terminating for 20 s from t=10: still on the node, so "b" cannot fit yet
    assert api.get("Pod", "default", "a").metadata.deletion_timestamp == 30.0
    assert not api.get("Pod", "default", "b").spec.node_name
    eng.run(until=31.0)
    assert [p.metadata.name for p in api.list("Pod")[0]] == ["b"]
    assert kubelets.deleted == {running.metadata.uid: 30.0} and kubelets.running_with_end == 0
    assert api.get("Pod", "default", "b").spec.node_name == "n"
