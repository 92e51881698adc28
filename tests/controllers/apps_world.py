"""A small cluster for the ReplicaSet and Deployment tests: API server (optionally with a constant
write latency), scheduler, kubelets, and the two controllers on shared informers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.api.workloads import Deployment, ReplicaSet
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory, controller_of, is_pod_ready
from kbench.controllers.deployment import DeploymentController
from kbench.controllers.replicaset import ReplicaSetController
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.latency import CommitClock, Constant
from kbench.sim.scheduler import SchedulerProcess


@dataclass
class World:
    eng: Engine
    api: APIServer
    factory: InformerFactory
    rsc: ReplicaSetController
    dc: DeploymentController | None
    sched: SchedulerProcess | None
    kubelets: Kubelets | None


def world(nodes: int = 3, cpu: str = "16", pull: float = 0.0, latency: float = 0.0, scheduler: bool = True,
          deployments: bool = True) -> World:
    """Nodes n0.. with ``cpu`` CPUs; kubelets pull a missing image in ``pull`` seconds; writes commit
    ``latency`` seconds after they are sent. Start it with :func:`start`."""
    eng = Engine(np.random.default_rng(0))
    clock = CommitClock(Constant(seconds=latency), np.random.default_rng(1)) if latency else None
    api = APIServer(Store(), eng, latency=clock)
    for i in range(nodes):
        api.create(Node.model_validate({"metadata": {"name": f"n{i}", "labels": {"kubernetes.io/hostname": f"n{i}"}},
                                        "status": {"allocatable": {"cpu": cpu, "memory": "64Gi", "pods": "110"}}}))
    factory = InformerFactory(api)
    rsc = ReplicaSetController(api, factory)
    dc = DeploymentController(api, factory) if deployments else None
    sched = SchedulerProcess(api, default_profile()) if scheduler else None
    kubelets = Kubelets(api, image_pull_seconds=pull) if scheduler else None
    return World(eng, api, factory, rsc, dc, sched, kubelets)


def start(w: World) -> None:
    if w.sched is not None and w.kubelets is not None:
        w.sched.start()
        w.kubelets.start()
    w.factory.start()
    w.rsc.start()
    if w.dc is not None:
        w.dc.start()


def template(image: str = "app:1", labels: dict[str, str] | None = None, cpu: str = "100m") -> dict[str, Any]:
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": image, "resources": {"requests": {"cpu": cpu}}}]}}


def replica_set(name: str, replicas: int, **spec: Any) -> ReplicaSet:
    return ReplicaSet.model_validate({"metadata": {"name": name, "namespace": "default"},
                                      "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                                               "template": template(), **spec}})


def deployment(name: str = "web", replicas: int = 10, image: str = "app:1", **spec: Any) -> Deployment:
    return Deployment.model_validate({"metadata": {"name": name, "namespace": "default"},
                                      "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                                               "template": template(image), **spec}})


def update_spec(api: APIServer, kind: str, name: str, **changes: Any) -> None:
    """Change top-level spec fields of a stored object (``kubectl scale`` / ``edit``)."""
    obj = api.get(kind, "default", name)
    api.update(obj.model_copy(update={"spec": obj.spec.model_copy(update=changes)}))  # type: ignore[attr-defined]


def scale(api: APIServer, kind: str, name: str, replicas: int) -> None:
    """``kubectl scale``."""
    update_spec(api, kind, name, replicas=replicas)


def set_image(api: APIServer, name: str, image: str) -> None:
    """``kubectl set image deployment/NAME app=IMAGE``."""
    d = api.get("Deployment", "default", name)
    t = d.spec.template  # type: ignore[attr-defined]
    c = t.spec.containers[0].model_copy(update={"image": image})
    update_spec(api, "Deployment", name, template=t.model_copy(update={"spec": t.spec.model_copy(update={"containers": [c]})}))


def pods(api: APIServer) -> list[Pod]:
    return [p for p in api.list("Pod")[0] if isinstance(p, Pod)]


def live(api: APIServer) -> list[Pod]:
    """Pods not being deleted."""
    return [p for p in pods(api) if p.metadata.deletion_timestamp is None]


def owned_by(api: APIServer, rs_name: str) -> list[Pod]:
    return [p for p in pods(api) if (ref := controller_of(p)) is not None and ref.name == rs_name]


def ready(api: APIServer) -> list[Pod]:
    return [p for p in live(api) if is_pod_ready(p)]


def replica_sets(api: APIServer) -> list[ReplicaSet]:
    return [rs for rs in api.list("ReplicaSet")[0] if isinstance(rs, ReplicaSet)]


def events(api: APIServer, reason: str) -> list[dict[str, Any]]:
    return [e for e in api.events if e["reason"] == reason]
