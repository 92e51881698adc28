"""The DaemonSet controller with the scheduler and kubelets: one pod per eligible node, nodes
joining, changing and leaving, rolling updates with maxUnavailable and maxSurge, OnDelete, failed
pods and status. Expected times are worked by hand from daemon_controller.go and update.go:
kubelets start a pod 5 s after it is bound (its image pull), a deleted running pod leaves 10 s
later (its terminationGracePeriodSeconds), writes commit at once unless a test says otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.api.workloads import DaemonSet
from kbench.config.scheduler_config import default_profile
from kbench.controllers.base import InformerFactory, controller_of, is_pod_ready
from kbench.controllers.daemonset import DaemonSetController
from kbench.controllers.deployment.hashing import compute_hash
from kbench.controllers.podgc import PodGCController
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from kbench.sim.latency import CommitClock, Constant
from kbench.sim.scheduler import SchedulerProcess

PULL = 5.0
GRACE = 10


@dataclass
class World:
    eng: Engine
    api: APIServer
    dsc: DaemonSetController

    def pods(self) -> list[Pod]:
        return [p for p in self.api.list("Pod")[0] if isinstance(p, Pod)]

    def by_node(self) -> dict[str, str]:
        """Node -> hash label of its daemon pod not being deleted."""
        return {p.spec.node_name: p.metadata.labels["controller-revision-hash"] for p in self.pods()
                if p.metadata.deletion_timestamp is None}

    def ds(self, name: str = "agent") -> DaemonSet:
        ds = self.api.get("DaemonSet", "default", name)
        assert isinstance(ds, DaemonSet)
        return ds

    def events(self, reason: str) -> list[tuple[float, str]]:
        return [(e["time"], e["message"]) for e in self.api.events if e["reason"] == reason]

    def times(self, reason: str) -> list[float]:
        return [t for t, _ in self.events(reason)]


def node(name: str, labels: dict[str, str] | None = None, taints: list[dict[str, str]] | None = None,
         unschedulable: bool = False) -> Node:
    return Node.model_validate({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
                                "spec": {"taints": taints or [], "unschedulable": unschedulable},
                                "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})


def daemon_set(image: str = "agent:1", **spec: Any) -> DaemonSet:
    pod_spec = {"terminationGracePeriodSeconds": GRACE, "containers": [{"name": "agent", "image": image}],
                **spec.pop("pod", {})}
    return DaemonSet.model_validate({"metadata": {"name": "agent", "namespace": "default"}, "spec": {
        "selector": {"matchLabels": {"app": "agent"}},
        "template": {"metadata": {"labels": {"app": "agent"}}, "spec": pod_spec}, **spec}})


def world(nodes: list[Node], latency: float = 0.0, podgc: bool = False) -> World:
    eng = Engine(np.random.default_rng(0))
    clock = CommitClock(Constant(seconds=latency), np.random.default_rng(1)) if latency else None
    api = APIServer(Store(), eng, latency=clock)
    for n in nodes:
        api.create(n)
    factory = InformerFactory(api)
    dsc = DaemonSetController(api, factory)
    gc = PodGCController(api, factory) if podgc else None
    sched = SchedulerProcess(api, default_profile())
    kubelets = Kubelets(api, image_pull_seconds=PULL)
    sched.start()
    kubelets.start()
    factory.start()
    dsc.start()
    if gc is not None:
        gc.start()
    return World(eng, api, dsc)


def set_image(api: APIServer, image: str) -> None:
    """``kubectl set image daemonset/agent agent=IMAGE``."""
    ds = api.get("DaemonSet", "default", "agent")
    assert isinstance(ds, DaemonSet)
    t = ds.spec.template
    c = t.spec.containers[0].model_copy(update={"image": image})
    template = t.model_copy(update={"spec": t.spec.model_copy(update={"containers": [c]})})
    api.update(ds.model_copy(update={"spec": ds.spec.model_copy(update={"template": template})}))


def relabel(api: APIServer, name: str, labels: dict[str, str] | None = None,
            taints: list[dict[str, str]] | None = None) -> None:
    n = api.get("Node", None, name)
    assert isinstance(n, Node)
    fresh = node(name, labels, taints if taints is not None else [t.model_dump(by_alias=True) for t in n.spec.taints])
    api.update(n.model_copy(update={"metadata": n.metadata.model_copy(update={"labels": fresh.metadata.labels}),
                                    "spec": fresh.spec}))


def fail(api: APIServer, node_name: str) -> None:
    """The kubelet reports the daemon pod on ``node_name`` Failed."""
    pod = next(p for p in api.list("Pod")[0] if isinstance(p, Pod) and p.spec.node_name == node_name
               and p.metadata.deletion_timestamp is None)
    api.update(pod.model_copy(update={"status": {**pod.status, "phase": "Failed"}}))


def test_one_pod_per_eligible_node() -> None:
    # nodeSelector disk=ssd leaves out n1; n2's NoSchedule and n4's NoExecute taints are not
    # tolerated; cordoned n3 and memory-pressured n5 are (daemon tolerations).
    w = world([node("n0", {"disk": "ssd"}), node("n1"),
               node("n2", {"disk": "ssd"}, [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]),
               node("n3", {"disk": "ssd"}, [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
                    unschedulable=True),
               node("n4", {"disk": "ssd"}, [{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]),
               node("n5", {"disk": "ssd"}, [{"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}])])
    w.api.create(daemon_set(pod={"nodeSelector": {"disk": "ssd"}}))
    w.eng.run(until=20)
    ds = w.ds()
    hash_ = compute_hash(ds.spec.template, None)
    assert w.by_node() == {"n0": hash_, "n3": hash_, "n5": hash_}
    for pod in w.pods():
        ref = controller_of(pod)
        assert ref is not None and (ref.kind, ref.name, ref.uid) == ("DaemonSet", "agent", ds.metadata.uid)
        assert pod.metadata.name.startswith("agent-") and pod.metadata.labels == {
            "app": "agent", "controller-revision-hash": hash_}
        assert pod.spec.affinity is not None and pod.spec.affinity.node_affinity is not None
        terms = pod.spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution
        assert terms is not None and [(r.key, r.operator, r.values) for r in terms.node_selector_terms[0].match_fields] \
            == [("metadata.name", "In", [pod.spec.node_name])]
        assert [(t.key, t.effect) for t in pod.spec.tolerations] == [
            ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
            ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
            ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule")]
        assert is_pod_ready(pod)
    assert sorted(m for _, m in w.events("SuccessfulCreate")) == sorted(f"Created pod: {p.metadata.name}"
                                                                        for p in w.pods())
    s = ds.status
    assert (s.desired_number_scheduled, s.current_number_scheduled, s.number_misscheduled, s.number_ready,
            s.updated_number_scheduled, s.number_available, s.number_unavailable, s.observed_generation) == (
        3, 3, 0, 3, 3, 3, 0, 1)
    assert w.dsc.idle


def test_slow_start_creates() -> None:
    # Writes commit 1 s after they are sent: batch 1 commits at 1, batch 2 (sent then) at 2.
    w = world([node(f"n{i}") for i in range(3)], latency=1.0)
    w.api.create(daemon_set())
    w.eng.run(until=30)
    assert w.times("SuccessfulCreate") == [1.0, 2.0, 2.0] and len(w.by_node()) == 3


def test_nodes_joining_and_changing_labels() -> None:
    # n2 joins at 50 and gets a pod then; n0 loses its disk label at 60 (its pod no longer fits:
    # deleted), n1 gains it at 70 (a pod then); a node without the label joining at 80 gets none.
    w = world([node("n0", {"disk": "ssd"}), node("n1")])
    w.api.create(daemon_set(pod={"nodeSelector": {"disk": "ssd"}}))
    w.eng.at(50, w.api.create, node("n2", {"disk": "ssd"}))
    w.eng.at(60, relabel, w.api, "n0")
    w.eng.at(70, relabel, w.api, "n1", {"disk": "ssd"})
    w.eng.at(80, w.api.create, node("n3"))
    w.eng.run(until=120)
    assert w.times("SuccessfulCreate") == [0.0, 50.0, 70.0]
    assert w.times("SuccessfulDelete") == [60.0]
    assert sorted(w.by_node()) == ["n1", "n2"]
    assert w.ds().status.desired_number_scheduled == 2


def test_a_deleted_nodes_pod_is_removed_by_the_pod_gc() -> None:
    # No controller deletes a node's daemon pod when the node is deleted (at 110): the pod GC finds
    # the orphan on its 20 s grid (120), quarantines the node 40 s and force-deletes the pod at 160.
    # The DaemonSet creates nothing for it and its status drops to two nodes.
    w = world([node(f"n{i}") for i in range(3)], podgc=True)
    w.api.create(daemon_set())
    w.eng.run(until=100)
    victim = next(p for p in w.pods() if p.spec.node_name == "n0")
    w.eng.at(110, w.api.delete, "Node", None, "n0")
    w.eng.run(until=300)
    assert w.api.pods_removed_at[victim.metadata.uid or ""] == 160.0
    assert w.times("SuccessfulCreate") == [0.0, 0.0, 0.0] and w.times("SuccessfulDelete") == []
    assert sorted(w.by_node()) == ["n1", "n2"]
    s = w.ds().status
    assert (s.desired_number_scheduled, s.current_number_scheduled, s.number_available) == (2, 2, 2)


def test_a_tainted_node_keeps_its_pod_until_the_taint_is_no_execute() -> None:
    # A NoSchedule taint at 50: the pod stays but is misscheduled; NoExecute at 60: deleted.
    w = world([node("n0"), node("n1")])
    w.api.create(daemon_set())
    w.eng.at(50, relabel, w.api, "n0", None, [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}])
    w.eng.run(until=55)
    s = w.ds().status
    assert (s.desired_number_scheduled, s.current_number_scheduled, s.number_misscheduled) == (1, 1, 1)
    assert sorted(w.by_node()) == ["n0", "n1"]
    w.eng.at(60, relabel, w.api, "n0", None, [{"key": "dedicated", "value": "x", "effect": "NoExecute"}])
    w.eng.run(until=100)
    assert w.times("SuccessfulDelete") == [60.0] and sorted(w.by_node()) == ["n1"]
    s = w.ds().status
    assert (s.desired_number_scheduled, s.current_number_scheduled, s.number_misscheduled) == (1, 1, 0)


def test_rolling_update_replaces_one_node_at_a_time() -> None:
    # maxUnavailable 1 (the default). At 100 the image changes: n0's old pod is deleted (100), its
    # replacement is made once the old pod is gone (110) and is ready at 115, when n1's old pod is
    # deleted; and so on (nodes in name order).
    w = world([node(f"n{i}") for i in range(3)])
    w.api.create(daemon_set(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}))
    w.eng.at(100, set_image, w.api, "agent:2")
    w.eng.run(until=200)
    deleted = [(t, m) for t, m in w.events("SuccessfulDelete")]
    assert [t for t, _ in deleted] == [100.0, 115.0, 130.0]
    assert w.times("SuccessfulCreate") == [0.0, 0.0, 0.0, 110.0, 125.0, 140.0]
    removed = {p.metadata.name: p.spec.node_name for p in w.api.pods_removed.values() if isinstance(p, Pod)}
    assert [removed[m.removeprefix("Deleted pod: ")] for _, m in deleted] == ["n0", "n1", "n2"]
    ds = w.ds()
    new_hash = compute_hash(ds.spec.template, None)
    assert w.by_node() == {"n0": new_hash, "n1": new_hash, "n2": new_hash}
    s = ds.status
    assert (s.updated_number_scheduled, s.number_available, s.number_unavailable, s.observed_generation) == (3, 3, 0, 2)


def test_rolling_update_with_surge() -> None:
    # maxSurge 1, maxUnavailable 0: at 100 a new pod joins n0's old one; when it is ready (105) the
    # old one is deleted and n1 gets its new pod; and so on.
    w = world([node(f"n{i}") for i in range(3)])
    w.api.create(daemon_set(updateStrategy={"type": "RollingUpdate",
                                            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}))
    w.eng.at(100, set_image, w.api, "agent:2")
    w.eng.run(until=200)
    assert w.times("SuccessfulCreate") == [0.0, 0.0, 0.0, 100.0, 105.0, 110.0]
    assert w.times("SuccessfulDelete") == [105.0, 110.0, 115.0]
    assert w.ds().status.updated_number_scheduled == 3


def test_on_delete_updates_only_deleted_pods() -> None:
    w = world([node("n0"), node("n1")])
    w.api.create(daemon_set(updateStrategy={"type": "OnDelete"}))
    w.eng.at(100, set_image, w.api, "agent:2")
    w.eng.run(until=150)
    old, new = compute_hash(daemon_set().spec.template, None), compute_hash(w.ds().spec.template, None)
    assert w.times("SuccessfulDelete") == [] and w.by_node() == {"n0": old, "n1": old}
    victim = next(p for p in w.pods() if p.spec.node_name == "n1")
    w.eng.at(150, w.api.delete, "Pod", "default", victim.metadata.name)
    w.eng.run(until=200)
    assert w.by_node() == {"n0": old, "n1": new}
    assert w.times("SuccessfulCreate")[-1] == 160.0
    assert w.ds().status.updated_number_scheduled == 1


def test_failed_pods_are_replaced_within_a_backoff() -> None:
    # n0's pod fails at 20: deleted at once (a failed pod has no grace period) and replaced. Its
    # replacement fails at 20.5, inside the node's 1 s backoff: the DaemonSet is requeued after 1 s
    # and deletes it at 21.5 (the backoff now 2 s).
    w = world([node("n0")])
    w.api.create(daemon_set())
    w.eng.at(20, fail, w.api, "n0")
    w.eng.at(20.5, fail, w.api, "n0")
    w.eng.run(until=40)
    assert w.times("FailedDaemonPod") == [20.0, 21.5]
    assert w.times("SuccessfulDelete") == [20.0, 21.5]
    assert w.times("SuccessfulCreate") == [0.0, 20.0, 21.5]
    msg = w.events("FailedDaemonPod")[0][1]
    assert msg.startswith("Found failed daemon pod default/agent-") and msg.endswith(" on node n0, will try to kill it")
    assert len(w.by_node()) == 1
