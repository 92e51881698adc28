"""The disruption controller in the whole control plane: scheduler, kubelets and every registered
controller of the controller manager, writes committing 5 ms after they are sent. A Deployment of
3 pods (``app: web``) and a PodDisruptionBudget over them."""

from __future__ import annotations

from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.api.policy import PodDisruptionBudget
from kbench.config.scheduler_config import default_profile
from kbench.controllers.disruption import pdb_views
from kbench.controllers.manager import ControllerManager
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.latency import CommitClock, Constant
from kbench.sim.scheduler import SchedulerProcess
from tests.controllers.apps_world import deployment


def cluster(**spec: Any) -> tuple[Engine, APIServer, ControllerManager]:
    """Three nodes, the control plane started, the Deployment and a PDB with ``spec`` created at t=0."""
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng, latency=CommitClock(Constant(seconds=0.005), np.random.default_rng(1)))
    for i in range(3):
        api.create(Node.model_validate({"metadata": {"name": f"n{i}", "labels": {"kubernetes.io/hostname": f"n{i}"}},
                                        "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}))
    sched = SchedulerProcess(api, default_profile())
    kubelets = Kubelets(api)
    manager = ControllerManager(api)
    sched.start()
    kubelets.start()
    manager.start()
    api.create(PodDisruptionBudget.model_validate({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}))
    api.create(deployment("web", replicas=3))
    return eng, api, manager


def status(api: APIServer) -> tuple[int, int, int, int, dict[str, float]]:
    """(disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods, disruptedPods)."""
    s = api.get("PodDisruptionBudget", "default", "web").status  # type: ignore[attr-defined]
    return s.disruptions_allowed, s.current_healthy, s.desired_healthy, s.expected_pods, dict(s.disrupted_pods)


def test_deployment_of_three_with_min_available_two_allows_one_disruption() -> None:
    """3 Ready pods, minAvailable 2: 3 - 2 = 1 disruption allowed, seen by pdb_views."""
    eng, api, manager = cluster(minAvailable=2)
    eng.run(until=10.0)
    pods = [p for p in api.list("Pod")[0] if isinstance(p, Pod)]
    assert len(pods) == 3 and all(p.status.get("phase") == "Running" for p in pods)
    assert status(api) == (1, 3, 2, 3, {})
    pdb = api.get("PodDisruptionBudget", "default", "web")
    assert pdb.status.observed_generation == 1  # type: ignore[attr-defined]
    assert [(c.type, c.status, c.reason) for c in pdb.status.conditions] == [  # type: ignore[attr-defined]
        ("DisruptionAllowed", "True", "SufficientPods")]
    for views in (pdb_views(api), pdb_views(manager.informers.get("PodDisruptionBudget"))):
        [view] = views
        assert (view.namespace, view.disruptions_allowed, view.disrupted_pods) == ("default", 1, frozenset())
        assert view.matches("default", {"app": "web"}) and not view.matches("other", {"app": "web"})
    assert manager.controllers["disruption"].idle  # (the Deployment controller waits for its progress deadline)


def test_a_terminating_pod_is_not_healthy_and_its_replacement_is() -> None:
    """Deleting a pod at t=10 (grace 30 s): it stays listed while terminating, not healthy, and the
    ReplicaSet's replacement becomes Ready at once: 4 pods expected (minAvailable is an integer:
    expected = the pods selected), 3 healthy, 3 - 2 = 1 allowed; at t=40 the kubelet removes it:
    3 expected."""
    eng, api, _ = cluster(minAvailable=2)
    eng.run(until=10.0)
    victim = min(p.metadata.name for p in api.list("Pod")[0])  # type: ignore[attr-defined]
    api.delete("Pod", "default", victim)
    eng.run(until=20.0)
    assert status(api) == (1, 3, 2, 4, {})
    eng.run(until=50.0)
    assert status(api) == (1, 3, 2, 3, {})


def test_max_unavailable_percentage_counts_the_deployment_scale() -> None:
    """maxUnavailable 34% of the Deployment's 3 replicas (found through its ReplicaSet): ceil(1.02) = 2
    unavailable, so 3 - 2 = 1 desired and 3 - 1 = 2 allowed."""
    eng, api, _ = cluster(maxUnavailable="34%")
    eng.run(until=10.0)
    assert status(api) == (2, 3, 1, 3, {})
