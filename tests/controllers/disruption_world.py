"""A bare control plane for the disruption controller tests: the API server and the controller on
shared informers, no scheduler and no kubelet. Objects are made as disruption_test.go makes them
(pods Ready, in namespace default, labelled foo=bar; controllers named foobar)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from kbench.api.objects import Pod, ReplicationController
from kbench.api.policy import PodDisruptionBudget
from kbench.api.workloads import Deployment, ReplicaSet, StatefulSet
from kbench.controllers.base import InformerFactory
from kbench.controllers.disruption import DisruptionController
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.latency import CommitClock, Constant

FOO_BAR = {"foo": "bar"}
READY = [{"type": "Ready", "status": "True"}]
KEY = "default/foobar"


@dataclass
class World:
    eng: Engine
    api: APIServer
    dc: DisruptionController

    def settle(self) -> None:
        """Run everything due now (watch deliveries, queued syncs, writes without latency)."""
        self.eng.run(until=self.eng.now)

    def sync(self, key: str = KEY) -> None:
        """dc.sync(key): queue the PDB and run."""
        self.dc.queue.add(key)
        self.settle()

    def pdb(self, name: str = "foobar") -> PodDisruptionBudget:
        p = self.api.get("PodDisruptionBudget", "default", name)
        assert isinstance(p, PodDisruptionBudget)
        return p

    def status(self, name: str = "foobar") -> tuple[int, int, int, int, dict[str, float]]:
        """(disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods, disruptedPods): the
        arguments of VerifyPdbStatus."""
        s = self.pdb(name).status
        return s.disruptions_allowed, s.current_healthy, s.desired_healthy, s.expected_pods, dict(s.disrupted_pods)

    def condition(self, name: str = "foobar") -> tuple[str, str]:
        """The DisruptionAllowed condition's (status, reason)."""
        c = next(c for c in self.pdb(name).status.conditions if c.type == "DisruptionAllowed")
        return c.status, c.reason

    def events(self, reason: str) -> list[dict[str, Any]]:
        return [e for e in self.api.events if e["reason"] == reason]

    def add(self, obj: BaseModel) -> BaseModel:
        created = self.api.create(obj)
        self.settle()
        return created

    def update(self, obj: BaseModel) -> BaseModel:
        current = self.api.get(obj.kind, "default", obj.metadata.name)  # type: ignore[attr-defined]
        updated = self.api.update(obj.model_copy(update={"metadata": current.metadata}))  # type: ignore[attr-defined]
        self.settle()
        return updated


def world(start: float = 0.0, latency: float = 0.0) -> World:
    eng = Engine(np.random.default_rng(0), start=start)
    clock = CommitClock(Constant(seconds=latency), np.random.default_rng(1)) if latency else None
    api = APIServer(Store(), eng, latency=clock)
    factory = InformerFactory(api)
    dc = DisruptionController(api, factory)
    factory.start()
    dc.start()
    return World(eng, api, dc)


def pdb(min_available: int | str | None = None, max_unavailable: int | str | None = None,
        selector: dict[str, Any] | None = None, name: str = "foobar", **status: Any) -> PodDisruptionBudget:
    """newMinAvailablePodDisruptionBudget / newMaxUnavailablePodDisruptionBudget."""
    spec: dict[str, Any] = {"selector": selector if selector is not None else {"matchLabels": FOO_BAR}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return PodDisruptionBudget.model_validate({"metadata": {"name": name, "namespace": "default"}, "spec": spec,
                                               "status": status})


def owner(obj: BaseModel, api_version: str | None = None) -> dict[str, Any]:
    """An ownerReference with controller: true to ``obj`` (updatePodOwnerToRc/Rs/Ss)."""
    return {"apiVersion": api_version or obj.api_version, "kind": obj.kind,  # type: ignore[attr-defined]
            "name": obj.metadata.name, "uid": obj.metadata.uid, "controller": True}  # type: ignore[attr-defined]


def pod(name: str, labels: dict[str, str] | None = None, owners: list[dict[str, Any]] | None = None,
        ready: bool = True, **meta: Any) -> Pod:
    """newPod: Ready, labelled foo=bar."""
    return Pod.model_validate({
        "metadata": {"name": name, "namespace": "default", "labels": labels if labels is not None else FOO_BAR,
                     "ownerReferences": owners or [], **meta},
        "spec": {"containers": [{"name": "c"}]},
        "status": {"conditions": READY if ready else []}})


def replica_set(replicas: int, name: str = "foobar", selector: dict[str, str] | None = None,
                owners: list[dict[str, Any]] | None = None) -> ReplicaSet:
    return ReplicaSet.model_validate({"metadata": {"name": name, "namespace": "default", "labels": FOO_BAR,
                                                   "ownerReferences": owners or []},
                                      "spec": {"replicas": replicas, "selector": {"matchLabels": selector or FOO_BAR}}})


def deployment(replicas: int, name: str = "foobar", selector: dict[str, str] | None = None) -> Deployment:
    return Deployment.model_validate({"metadata": {"name": name, "namespace": "default", "labels": FOO_BAR},
                                      "spec": {"replicas": replicas, "selector": {"matchLabels": selector or FOO_BAR}}})


def stateful_set(replicas: int, name: str = "foobar") -> StatefulSet:
    return StatefulSet.model_validate({"metadata": {"name": name, "namespace": "default", "labels": FOO_BAR},
                                       "spec": {"replicas": replicas, "selector": {"matchLabels": FOO_BAR}}})


def replication_controller(replicas: int, name: str = "foobar",
                           selector: dict[str, str] | None = None) -> ReplicationController:
    return ReplicationController.model_validate({
        "metadata": {"name": name, "namespace": "default", "labels": FOO_BAR},
        "spec": {"replicas": replicas, "selector": selector or FOO_BAR}})
