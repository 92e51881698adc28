"""TestPreempt of kube's default_preemption_test.go (without the extender cases: kbench has no
extenders), plus what preempt() reports besides node and victims."""

from __future__ import annotations

import numpy as np

from kbench.config.scheduler_config import PluginRef, Plugins, PluginSet, Profile, expand_profile
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.preemption import NominatedPodMap, preempt
from tests.scheduler.preemption.helpers import (
    FIT_ONLY,
    HIGH,
    LARGE,
    LOW,
    MEDIUM,
    MID,
    SMALL,
    VERY_LARGE,
    cluster,
    names,
    node,
    pod,
    profile,
    run_preempt,
    zoned,
)


def basic_cluster():  # type: ignore[no-untyped-def]
    nodes = [node(f"node{i}", VERY_LARGE) for i in (1, 2, 3)]
    return cluster(nodes, [pod("p1.1", "node1", LOW, SMALL), pod("p1.2", "node1", LOW, SMALL),
                           pod("p2.1", "node2", HIGH, LARGE), pod("p3.1", "node3", MID, MEDIUM)])


def test_basic_preemption() -> None:
    # node1's victims are low (0), node3's mid (100); node2's pod is high: node1
    got = run_preempt(basic_cluster(), pod("p", priority=HIGH, req=VERY_LARGE, preemptionPolicy="PreemptLowerPriority"),
                      profile(*FIT_ONLY))
    assert got is not None and got.status.ok
    assert got.node == "node1" and names(got.victims) == ["p1.1", "p1.2"]


def test_preemption_policy_unset() -> None:
    got = run_preempt(basic_cluster(), pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY))
    assert got is not None and got.node == "node1" and names(got.victims) == ["p1.1", "p1.2"]


def test_preemption_policy_never() -> None:
    assert run_preempt(basic_cluster(), pod("p", priority=HIGH, req=VERY_LARGE, preemptionPolicy="Never"),
                       profile(*FIT_ONLY)) is None


def test_preemption_for_topology_spread() -> None:
    spread = [{"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}} for key in ("zone", "hostname")]
    foo = {"foo": ""}
    c = cluster([zoned("node-a/zone1"), zoned("node-b/zone1"), zoned("node-x/zone2")],
                [pod("p-a1", "node-a", HIGH, labels=foo), pod("p-a2", "node-a", HIGH, labels=foo),
                 pod("p-b1", "node-b", LOW, labels=foo), pod("p-x1", "node-x", HIGH, labels=foo),
                 pod("p-x2", "node-x", HIGH, labels=foo)])
    got = run_preempt(c, pod("p", priority=HIGH, labels=foo, topologySpreadConstraints=spread),
                      profile("PodTopologySpread"))
    assert got is not None and got.node == "node-b" and names(got.victims) == ["p-b1"]


def test_no_default_preemption_at_post_filter() -> None:
    prof = expand_profile(Profile(plugins=Plugins(postFilter=PluginSet(disabled=[PluginRef(name="DefaultPreemption")]))),
                          "<test>", "", 100)
    assert "DefaultPreemption" not in prof.points["postFilter"]
    c = basic_cluster()
    fw = Framework(prof)
    pi = PodInfo(pod("p", priority=HIGH, req=VERY_LARGE))
    state, res = fw.schedule(c, pi, all_nodes=True)
    assert preempt(fw, state, pi, c, res, [], np.random.default_rng(0)) is None


def test_lower_priority_nominated_pods_are_reported() -> None:
    # n-high asks no resources (one more pod of 32): node1 still wins; n-low (0 < 1000) is reported
    nominated = NominatedPodMap({"node1": [pod("n-low", priority=LOW), pod("n-high", priority=HIGH)]})
    got = run_preempt(basic_cluster(), pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY), nominated=nominated)
    assert got is not None and got.node == "node1"
    assert names(got.lower_priority_nominated) == ["n-low"]


def test_nominated_pods_of_higher_priority_take_room() -> None:
    # n-high (1000, 300m) is nominated to node1: without p1.1 and p1.2, 300m + 500m > 500m there,
    # so node3 (evict p3.1: 0m + 500m) is the only candidate; n-low, nominated to node3, is not
    # counted in (lower priority) but reported
    nominated = NominatedPodMap({"node1": [pod("n-high", priority=HIGH, req=LARGE)],
                                 "node3": [pod("n-low", priority=LOW, req=SMALL)]})
    got = run_preempt(basic_cluster(), pod("p", priority=HIGH, req=VERY_LARGE), profile(*FIT_ONLY), nominated=nominated)
    assert got is not None and got.node == "node3" and names(got.victims) == ["p3.1"]
    assert names(got.lower_priority_nominated) == ["n-low"]


def test_gpu_pods_get_their_gpus_back_after_the_generic_search() -> None:
    # OpenGpuShare filters GPU by GPU, so the generic search runs; node1 has 2 GPUs, both half used
    # by low-priority sharing pods, plus a high one; the incoming pod asks a whole GPU
    gpu_node = node("node1", {"cpu": "8", "memory": "8Gi", "nvidia.com/gpu": "2"})
    shared = {"cpu": "1", "alibabacloud.com/gpu-milli": "600"}
    c = cluster([gpu_node], [pod("g1", "node1", LOW, shared), pod("g2", "node1", HIGH, shared)])
    held = {name: c.pods[name].gpus for name in ("g1", "g2")}
    free = c.gpus.free.copy()
    got = run_preempt(c, pod("p", priority=MID, req={"cpu": "1", "nvidia.com/gpu": "1"}),
                      profile("NodeResourcesFit", "OpenGpuShare"))
    assert got is not None and got.node == "node1" and names(got.victims) == ["g1"]
    assert {name: c.pods[name].gpus for name in ("g1", "g2")} == held
    assert (c.gpus.free == free).all()
