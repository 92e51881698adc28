"""Failure injection: stopped kubelets and zones, nodes added and removed, and what the kubelets and the
control plane make of it. Times as in tests/controllers/test_node_lifecycle.py (leases renewed
every 10 s from 0, controllers started at 2.5: monitor passes at 2.5 + 5 k, pod GC passes at
2.5 + 20 k)."""

from __future__ import annotations

import numpy as np
import pytest

from kbench.api.conditions import find
from kbench.api.objects import Pod
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.node_failures import NodeFailures
from tests.controllers.node_world import node, pod, world


def test_stop_zone_stops_its_nodes_until_they_restart() -> None:
    w = world({"a0": "zone-a", "a1": "zone-a", "b0": "zone-b"})
    w.failures.stop_zone("zone-a", 95.0, until=300.0)
    w.eng.run(until=147.5)
    assert (w.ready("a0"), w.ready("a1"), w.ready("b0")) == ("Unknown", "Unknown", "True")
    w.eng.run(until=300.0)
    assert w.ready("a0") == w.ready("a1") == "True"
    assert w.failures.history == [{"time": 95.0, "action": "stop", "node": "a0"},
                                  {"time": 95.0, "action": "stop", "node": "a1"},
                                  {"time": 300.0, "action": "restart", "node": "a0"},
                                  {"time": 300.0, "action": "restart", "node": "a1"}]


def test_nested_stops_restart_with_the_last() -> None:
    w = world({"a0": "zone-a", "b0": "zone-b"})
    w.failures.stop_node("a0", 95.0, until=200.0)
    w.failures.stop_zone("zone-a", 150.0, until=400.0)
    w.eng.run(until=399.0)
    assert w.ready("a0") == "Unknown"
    w.eng.run(until=400.0)
    assert w.ready("a0") == "True"


def test_removed_node_pods_are_force_deleted_by_pod_gc_after_quarantine() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.api.create(pod("p", "n0"))
    w.failures.remove_node("n0", 100.0)
    w.eng.run(until=142.4)
    # the GC pass at 102.5 saw the orphan and quarantined its node for 40 s
    assert w.pod("p") is not None
    assert w.events("RemovingNode") == [(102.5, "n0", "Node n0 event: Removing Node n0 from Controller")]
    w.eng.run(until=142.5)
    assert w.pod("p") is None
    (uid, last), = w.api.pods_removed.items()
    assert isinstance(last, Pod) and last.status["phase"] == "Failed"
    target = find(last.status.get("conditions"), "DisruptionTarget")
    assert target is not None and target["reason"] == "DeletionByPodGC"
    assert w.api.pods_removed_at[uid] == 142.5


def test_pod_bound_to_a_node_that_does_not_exist_never_starts() -> None:
    w = world({"n0": "zone-a"})
    w.eng.at(10.0, lambda: w.api.create(pod("ghost", "gone")))
    w.eng.run(until=62.4)
    p = w.pod("ghost")
    assert p is not None and p.status.get("phase") is None
    w.eng.run(until=62.5)  # orphaned: seen by the GC pass at 22.5, quarantined until 62.5
    assert w.pod("ghost") is None
    assert not w.kubelets.started


def test_added_node_heartbeats_and_registers() -> None:
    w = world({"n0": "zone-a"})
    w.failures.add_node(node("n1", "zone-b"), 50.0)
    w.eng.run(until=50.0)
    assert w.ready("n1") == "True"
    assert w.api.get("Lease", "kube-node-lease", "n1").spec.renew_time == 50.0  # type: ignore[attr-defined]
    w.eng.run(until=53.0)
    assert (52.5, "n1", "Node n1 event: Registered Node n1 in Controller") in w.events("RegisteredNode")


def test_stopped_kubelet_catches_up_when_it_restarts() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.api.create(pod("ends", "n0", duration=100.0))
    w.eng.at(120.0, lambda: w.api.create(pod("late", "n0")))
    w.failures.stop_node("n0", 95.0, until=300.0)
    w.eng.run(until=299.0)
    ends, late = w.pod("ends"), w.pod("late")
    assert ends is not None and ends.status["phase"] == "Running"  # ended at 100, not reported
    assert late is not None and late.status.get("phase") is None  # bound, not started
    w.eng.run(until=300.0)
    ends, late = w.pod("ends"), w.pod("late")
    assert ends is not None and ends.status["phase"] == "Succeeded"
    assert late is not None and late.status["startTime"] == 300.0
    assert w.kubelets.finished[ends.metadata.uid or ""] == 100.0
    assert w.kubelets.running_with_end == 0


def test_failures_are_idle_once_the_control_plane_noticed() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.failures.stop_node("n0", 95.0)
    w.eng.run(until=90.0)
    assert not w.failures.idle  # an injection is pending
    w.eng.run(until=147.4)
    assert not w.failures.idle  # n0 is down and still Ready
    w.eng.run(until=147.5)
    assert w.failures.idle


def test_failures_need_heartbeats_and_times_in_order() -> None:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    with pytest.raises(ValueError, match="heartbeats"):
        NodeFailures(api, Kubelets(api))
    failures = NodeFailures(api, Kubelets(api, heartbeats=True))
    with pytest.raises(ValueError, match="until"):
        failures.stop_node("n0", 10.0, until=5.0)


def test_lost_node_end_to_end_with_invariants() -> None:
    """The whole control plane (scheduler, kubelets with heartbeats, every registered controller,
    DefaultTolerationSeconds), invariants checked after every batch of events: a ReplicaSet's pod on
    a node that goes down is deleted 300 s after the taint, stays Terminating, and is replaced."""
    from kbench.admission.default_toleration_seconds import DefaultTolerationSeconds
    from kbench.api.workloads import ReplicaSet
    from kbench.config.scheduler_config import default_profile
    from kbench.controllers.manager import ControllerManager
    from kbench.sim.invariants import InvariantChecker
    from kbench.sim.scheduler import SchedulerProcess

    eng = Engine(np.random.default_rng(7))
    api = APIServer(Store(), eng, admission=[DefaultTolerationSeconds()])
    for i in range(4):
        api.create(node(f"n{i}", "zone-a" if i < 2 else "zone-b", cpu="1"))
    sched = SchedulerProcess(api, default_profile())
    kubelets = Kubelets(api, heartbeats=True)
    manager = ControllerManager(api)
    failures = NodeFailures(api, kubelets)
    sched.start()
    kubelets.start()
    manager.start()
    checker = InvariantChecker(sched)
    api.create(ReplicaSet.model_validate({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "web",
                                                       "resources": {"requests": {"cpu": "1"}}}]}}}}))

    def run(until: float) -> None:
        while eng.peek() <= until:
            eng.run(until=eng.peek())
            checker.check()
        eng.run(until=until)

    def web() -> list[Pod]:
        return [p for p in api.list("Pod")[0] if isinstance(p, Pod) and p.metadata.labels.get("app") == "web"]

    run(50.0)
    assert all(p.status.get("phase") == "Running" for p in web()) and len(web()) == 3
    victim = min(p.spec.node_name for p in web())
    failures.stop_node(victim, 95.0)
    run(1500.0)
    pods = web()
    terminating = [p for p in pods if p.metadata.deletion_timestamp is not None]
    assert len(pods) == 4 and [p.spec.node_name for p in terminating] == [victim]
    running = [p for p in pods if p.metadata.deletion_timestamp is None]
    assert all(p.status.get("phase") == "Running" and p.spec.node_name != victim for p in running)
    assert len({p.spec.node_name for p in running}) == 3
    assert failures.idle and manager.idle
