"""Proportional scaling of a Deployment in mid-rollout: cases transcribed from Kubernetes'
TestScale (pkg/controller/deployment/sync_test.go). As there, maxSurge and maxUnavailable are 0,
every ReplicaSet is annotated with the old size (desired-replicas = max-replicas = old), and
creation times are older < old < new. The Deployment is paused, so its sync is exactly ``scale``
(no rollout), and no ReplicaSet controller runs."""

from __future__ import annotations

import numpy as np
import pytest

from kbench.api.workloads import Deployment, ReplicaSet
from kbench.controllers.base import InformerFactory, controller_ref
from kbench.controllers.deployment import DeploymentController
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from tests.controllers.apps_world import template

CASES = [
    # name, old replicas, new replicas, new RS (name, size), old RSs [(name, size)] newest first,
    # expected new size, expected old sizes
    ("normal scaling event: 10 -> 12", 10, 12, ("foo-v1", 10), [], 12, []),
    ("normal scaling event: 10 -> 5", 10, 5, ("foo-v1", 10), [], 5, []),
    ("proportional scaling: 5 -> 10", 5, 10, ("foo-v2", 2), [("foo-v1", 3)], 4, [6]),
    ("proportional scaling: 5 -> 3", 5, 3, ("foo-v2", 2), [("foo-v1", 3)], 1, [2]),
    ("proportional scaling: 9 -> 4", 9, 4, ("foo-v2", 8), [("foo-v1", 1)], 4, [0]),
    ("proportional scaling: 7 -> 10", 7, 10, ("foo-v3", 2), [("foo-v2", 3), ("foo-v1", 2)], 3, [4, 3]),
    ("proportional scaling: 13 -> 8", 13, 8, ("foo-v3", 2), [("foo-v2", 8), ("foo-v1", 3)], 1, [5, 2]),
    ("leftover distribution: 3 -> 4", 3, 4, ("foo-v3", 1), [("foo-v2", 1), ("foo-v1", 1)], 2, [1, 1]),
    ("leftover distribution: 3 -> 2", 3, 2, ("foo-v3", 1), [("foo-v2", 1), ("foo-v1", 1)], 1, [1, 0]),
]


def _rs(d: Deployment, name: str, size: int, old_replicas: int, image: str, revision: int) -> ReplicaSet:
    t = template(image)
    t["metadata"]["labels"]["pod-template-hash"] = name
    return ReplicaSet.model_validate({
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web", "pod-template-hash": name},
                     "ownerReferences": [controller_ref(d).model_dump(by_alias=True)],
                     "annotations": {"deployment.kubernetes.io/desired-replicas": str(old_replicas),
                                     "deployment.kubernetes.io/max-replicas": str(old_replicas),
                                     "deployment.kubernetes.io/revision": str(revision)}},
        "spec": {"replicas": size, "selector": {"matchLabels": {"app": "web", "pod-template-hash": name}},
                 "template": t}})


def _scaled(old: int, new: int, new_rs: tuple[str, int], old_rss: list[tuple[str, int]],
            paused: bool = True) -> tuple[APIServer, DeploymentController]:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    d = api.create(Deployment.model_validate({"metadata": {"name": "foo", "namespace": "default"}, "spec": {
        "replicas": new, "paused": paused, "selector": {"matchLabels": {"app": "web"}}, "template": template("app:new"),
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}}}))
    assert isinstance(d, Deployment)
    # creation times: oldest first, one second apart, the new ReplicaSet last
    for i, (name, size) in enumerate(reversed(old_rss)):
        eng.at(float(i), api.create, _rs(d, name, size, old, f"app:{name}", i + 1))
    eng.at(float(len(old_rss)), api.create, _rs(d, new_rs[0], new_rs[1], old, "app:new", len(old_rss) + 1))
    eng.run(until=10)
    factory = InformerFactory(api)
    dc = DeploymentController(api, factory)
    factory.start()
    dc.start()
    eng.run(until=20)
    return api, dc


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_scale(case: tuple) -> None:  # type: ignore[type-arg]
    _, old, new, new_rs, old_rss, want_new, want_old = case
    api, _ = _scaled(old, new, new_rs, old_rss)
    sizes = {rs.metadata.name: rs.spec.replicas for rs in api.list("ReplicaSet")[0]}  # type: ignore[attr-defined]
    assert sizes[new_rs[0]] == want_new
    assert [sizes[name] for name, _ in old_rss] == want_old
    # every active ReplicaSet now carries the new size in its annotations
    for rs in api.list("ReplicaSet")[0]:
        if rs.spec.replicas > 0:  # type: ignore[attr-defined]
            assert rs.metadata.annotations["deployment.kubernetes.io/desired-replicas"] == str(new)  # type: ignore[attr-defined]


def test_scaling_event_of_a_running_deployment() -> None:
    # Not paused: the desired-replicas annotation (10) differs from spec.replicas (12), so the sync
    # is a scaling event rather than a rollout, with kube's event wording.
    api, _ = _scaled(10, 12, ("foo-v1", 10), [], paused=False)
    assert api.get("ReplicaSet", "default", "foo-v1").spec.replicas == 12  # type: ignore[attr-defined]
    assert [e["message"] for e in api.events if e["reason"] == "ScalingReplicaSet"] == [
        "Scaled up replica set foo-v1 from 10 to 12"]
