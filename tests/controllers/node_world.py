"""A small cluster for the node lifecycle tests: heartbeating kubelets (no jitter: leases renewed at
t = 0, 10, 20, ...), the node lifecycle, taint eviction and pod GC controllers started at
``CONTROLLERS_START`` (so their 5 s, 100 ms and 20 s grids never share an instant with a renewal),
DefaultTolerationSeconds admission and a failure injector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kbench.admission.default_toleration_seconds import DefaultTolerationSeconds
from kbench.api.annotations import DURATION_ANNOTATION
from kbench.api.conditions import find
from kbench.api.objects import Node, Pod
from kbench.controllers.base import InformerFactory
from kbench.controllers.node_lifecycle import NodeLifecycleConfig, NodeLifecycleController
from kbench.controllers.podgc import PodGCController
from kbench.controllers.taint_eviction import TaintEvictionController
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.node_failures import NodeFailures

CONTROLLERS_START = 2.5


@dataclass
class World:
    eng: Engine
    api: APIServer
    kubelets: Kubelets
    lifecycle: NodeLifecycleController
    eviction: TaintEvictionController
    podgc: PodGCController
    failures: NodeFailures

    def node(self, name: str) -> Node:
        n = self.api.get("Node", None, name)
        assert isinstance(n, Node)
        return n

    def ready(self, name: str) -> str | None:
        c = find(self.node(name).status.conditions, "Ready")
        return None if c is None else c["status"]

    def taints(self, name: str) -> set[tuple[str, str]]:
        return {(t.key, t.effect) for t in self.node(name).spec.taints}

    def pod(self, name: str) -> Pod | None:
        try:
            p = self.api.get("Pod", "default", name)
        except APIError:
            return None
        assert isinstance(p, Pod)
        return p

    def events(self, reason: str) -> list[tuple[float, str, str]]:
        return [(e["time"], e["object"], e["message"]) for e in self.api.events if e["reason"] == reason]


def node(name: str, zone: str = "zone-a", cpu: str = "4", **labels: str) -> Node:
    return Node.model_validate({"metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone, **labels}},
                                "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "20"}}})


def pod(name: str, node_name: str, tolerations: list[dict[str, Any]] | None = None,
        duration: float | None = None) -> Pod:
    ann = {DURATION_ANNOTATION: str(duration)} if duration is not None else {}
    return Pod.model_validate({"metadata": {"name": name, "annotations": ann},
                               "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "x"}],
                                        "tolerations": tolerations or []}})


def world(nodes: dict[str, str], config: NodeLifecycleConfig | None = None, admission: bool = True) -> World:
    """Nodes (name -> zone) created at t=0 with their kubelets; the controllers start at CONTROLLERS_START."""
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng, admission=[DefaultTolerationSeconds()] if admission else [])
    for name, zone in nodes.items():
        api.create(node(name, zone))
    kubelets = Kubelets(api, heartbeats=True, lease_jitter=0.0)
    kubelets.start()
    factory = InformerFactory(api)
    lifecycle = NodeLifecycleController(api, factory, config)
    eviction = TaintEvictionController(api, factory)
    podgc = PodGCController(api, factory)

    def start() -> None:
        factory.start()
        for c in (lifecycle, eviction, podgc):
            c.start()

    eng.at(CONTROLLERS_START, start)
    return World(eng, api, kubelets, lifecycle, eviction, podgc, NodeFailures(api, kubelets))
