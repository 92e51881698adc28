"""The scheduler process end to end on the simulated control plane: pods created through the API
server are scheduled and bound; unschedulable pods wait and are retried when a node arrives."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.config.scheduler_config import default_profile
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.scheduler import CycleCost, SchedulerProcess


def node(name: str, cpu: str = "2") -> Node:
    return Node.model_validate({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
                                "status": {"allocatable": {"cpu": cpu, "memory": "4Gi", "pods": "110"}}})


def pod(name: str, cpu: str = "1") -> Pod:
    return Pod.model_validate({"metadata": {"name": name},
                               "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]}})


def world(cost: CycleCost | None = None):
    eng = Engine(np.random.default_rng(3))
    api = APIServer(Store(), eng)
    sched = SchedulerProcess(api, default_profile(), cost=cost or CycleCost())
    return eng, api, sched


def test_pods_are_bound_through_the_api() -> None:
    eng, api, sched = world()
    api.create(node("n1"))
    api.create(node("n2"))
    sched.start()
    for i in range(4):
        api.create(pod(f"p{i}"))
    eng.run(until=5.0)
    bound = {p.metadata.name: p.spec.node_name for p in api.list("Pod")[0]}
    assert sorted(bound) == ["p0", "p1", "p2", "p3"] and all(bound.values())
    # 2 cpu per node, 1 cpu per pod: each node takes exactly two (LeastAllocated spreads them)
    assert sorted(bound.values()) == ["n1", "n1", "n2", "n2"]
    assert [e["reason"] for e in sched.api.events] == ["Scheduled"] * 4
    assert sched.cluster.requested[:2, 0].tolist() == [2000, 2000]
    assert sched.assumed == {}  # every binding was seen by the informer


def test_unschedulable_pod_waits_for_a_node() -> None:
    eng, api, sched = world()
    api.create(node("small", cpu="500m"))
    sched.start()
    api.create(pod("big", cpu="1"))
    eng.run(until=10.0)
    failed = [e for e in sched.api.events if e["reason"] == "FailedScheduling"]
    assert failed and failed[0]["message"] == "0/1 nodes are available: 1 Insufficient cpu."
    assert not api.get("Pod", "default", "big").spec.node_name
    eng.at(12.0, lambda: api.create(node("large", cpu="4")))
    eng.run(until=20.0)
    # the NodeAdd event lets NodeResourcesFit's hint requeue the pod, which then fits
    assert api.get("Pod", "default", "big").spec.node_name == "large"
    assert sched.api.events[-1]["reason"] == "Scheduled" and 12.0 <= sched.api.events[-1]["time"] < 20.0


def test_cycle_cost_serializes_a_burst() -> None:
    eng, api, sched = world(CycleCost(fixed=0.01, per_node=0.0))
    api.create(node("n1", cpu="100"))
    sched.start()
    for i in range(5):
        api.create(pod(f"p{i}", cpu="100m"))
    eng.run(until=1.0)  # the queue's periodic flushes keep the schedule non-empty forever
    times = [e["time"] for e in sched.api.events if e["reason"] == "Scheduled"]
    # one cycle at a time, 10 ms each: bindings at 10, 20, ..., 50 ms
    assert np.allclose(times, [0.01, 0.02, 0.03, 0.04, 0.05])


def test_deleted_pod_frees_its_node() -> None:
    eng, api, sched = world()
    api.create(node("n1", cpu="1"))
    sched.start()
    api.create(pod("a"))
    eng.run(until=1.0)
    api.create(pod("b"))
    eng.run(until=5.0)
    assert not api.get("Pod", "default", "b").spec.node_name
    eng.at(6.0, lambda: api.delete("Pod", "default", "a", grace_seconds=0))
    eng.run(until=20.0)
    assert api.get("Pod", "default", "b").spec.node_name == "n1"


def test_node_updates_and_deletes_reach_the_scheduler() -> None:
    eng, api, sched = world()
    api.create(node("n1", cpu="4"))
    api.create(node("n2", cpu="4"))
    sched.start()
    eng.run(until=1.0)
    n1 = api.get("Node", None, "n1")
    spec = n1.spec.model_copy(update={"unschedulable": True})
    api.update(n1.model_copy(update={"spec": spec}))  # kubectl cordon n1
    for i in range(3):
        api.create(pod(f"p{i}"))
    eng.run(until=2.0)
    assert {api.get("Pod", "default", f"p{i}").spec.node_name for i in range(3)} == {"n2"}
    api.delete("Node", None, "n2")
    eng.run(until=3.0)
    assert sched.cluster.node_names == ["n1"] and len(sched.cluster.pods) == 0
    api.create(pod("late"))
    eng.run(until=4.0)
    failed = [e["message"] for e in api.events if e["reason"] == "FailedScheduling"]
    assert failed == ["0/1 nodes are available: 1 node(s) were unschedulable."]


def test_cycles_filter_with_nominated_pods_and_binding_clears_the_nomination() -> None:
    """RunFilterPluginsWithNominatedPods in the scheduler process: a pending web pod (priority 10)
    nominated to n1 counts there for a later pod's anti-affinity, so that pod goes to n2 although
    n1 (empty) would score higher than n2 (1 of 2 cpu used); once a nominated pod is assumed its
    nomination is gone (as the cache's assume removes it). A pod nominated to a node tries it first."""
    eng, api, sched = world()
    api.create(node("n1"))
    api.create(node("n2"))
    sched.start()
    api.create(pod("busy").model_copy(update={"spec": pod("busy").spec.model_copy(update={"node_name": "n2"})}))
    web = Pod.model_validate({
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"priority": 10, "nodeSelector": {"kubernetes.io/hostname": "nowhere"},
                 "containers": [{"name": "c", "resources": {"requests": {"cpu": "100m"}}}]}})
    api.create(web)
    eng.run(until=1.0)
    sched.nominator.add(api.get("Pod", "default", "web"), "n1")
    shy = Pod.model_validate({
        "metadata": {"name": "shy"},
        "spec": {"priority": 0, "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"}]}},
            "containers": [{"name": "c", "resources": {"requests": {"cpu": "100m"}}}]}})
    api.create(shy)
    eng.run(until=2.0)
    assert api.get("Pod", "default", "shy").spec.node_name == "n2"
    plain = pod("plain", cpu="100m")
    api.create(plain)
    sched.nominator.add(api.get("Pod", "default", "plain"), "n2")
    eng.run(until=3.0)
    # nominated to n2, it tries n2 first and binds there although the emptier n1 scores higher;
    # its nomination is gone with the assume, the web pod's stays
    assert api.get("Pod", "default", "plain").spec.node_name == "n2"
    assert sched.nominator.node_of(uid(api, "plain")) is None
    assert sched.nominator.node_of(uid(api, "web")) == "n1"


def uid(api: APIServer, name: str) -> str:
    p = api.get("Pod", "default", name)
    return p.metadata.uid or p.key
