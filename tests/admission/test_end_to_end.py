"""End to end: a timed manifest workload (PriorityClass, ResourceQuota, LimitRange, pods with
arrival times) applied to a simulated control plane with kube-apiserver's admission chain, the
scheduler, kubelets and the resource quota controller. Expected outcomes worked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel

from kbench.admission.chain import create_system_priority_classes, default_admission
from kbench.api.objects import Node, Pod
from kbench.api.quota import ResourceQuota
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory
from kbench.controllers.resource_quota import ResourceQuotaController
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.scheduler import SchedulerProcess
from kbench.traces.manifests import load_timed_manifests

WORKLOAD = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
description: batch that may preempt
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: team}
spec: {hard: {pods: "2", requests.cpu: "2"}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec: {limits: [{type: Container, defaultRequest: {cpu: 500m}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: team, annotations: {kbench.io/arrival-seconds: "1", kbench.io/duration-seconds: "10"}}
spec: {priorityClassName: high, containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: team, annotations: {kbench.io/arrival-seconds: "2"}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: team, annotations: {kbench.io/arrival-seconds: "3"}}
spec: {containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: team, annotations: {kbench.io/arrival-seconds: "30"}}
spec: {priorityClassName: high, containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
"""


def test_quota_priority_and_limit_range_on_a_timed_workload(tmp_path: Path) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(WORKLOAD)
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.admission = default_admission(api)
    create_system_priority_classes(api)
    api.create(Node.model_validate({"metadata": {"name": "n"},
                                    "status": {"allocatable": {"cpu": "8", "memory": "8Gi", "pods": "110"},
                                               "images": [{"names": ["x:latest"], "sizeBytes": 1}]}}))
    factory = InformerFactory(api)
    quota_controller = ResourceQuotaController(api, factory)
    SchedulerProcess(api, default_profile()).start()
    Kubelets(api).start()
    factory.start()
    quota_controller.start()

    outcomes: dict[str, object] = {}

    def arrive(obj: BaseModel) -> None:
        api.submit(api.apply, obj, on_done=lambda r: outcomes.__setitem__(obj.metadata.name, r))  # type: ignore[attr-defined]

    for t, obj in load_timed_manifests(path):
        eng.at(t, arrive, obj)
    eng.run(until=40.0)

    assert str(outcomes["c"]) == ('pods "c" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=1, '
                                  "used: pods=2,requests.cpu=1500m, limited: pods=2,requests.cpu=2")
    pods = {p.metadata.name: p for p in api.list("Pod", "team")[0] if isinstance(p, Pod)}
    assert set(pods) == {"a", "b", "d"}
    assert (pods["a"].spec.priority, pods["a"].status["phase"]) == (1000, "Succeeded")
    assert (pods["b"].spec.priority, pods["b"].spec.priority_class_name) == (0, "")
    assert pods["b"].spec.containers[0].resources.requests["cpu"].text == "500m"
    assert (pods["d"].spec.priority, pods["d"].spec.node_name, pods["d"].status["phase"]) == (1000, "n", "Running")
    rq = api.get("ResourceQuota", "team", "compute")
    assert isinstance(rq, ResourceQuota) and rq.status.used is not None
    # a ended at 11 s and the controller released it; d was charged at 30 s
    assert {k: q.text for k, q in rq.status.used.items()} == {"pods": "2", "requests.cpu": "1500m"}
