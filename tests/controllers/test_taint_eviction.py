"""The taint eviction controller: pods not tolerating a NoExecute taint are deleted at once, pods
tolerating it for tolerationSeconds that long after the controller saw the taint, pods tolerating
it forever never; a taint removed in time cancels the deletion.

Node failures as in test_node_lifecycle: a node stopped at t=95 is tainted
``node.kubernetes.io/unreachable:NoExecute`` at t=152.5.
"""

from __future__ import annotations

import numpy as np

from kbench.api.conditions import find
from kbench.api.objects import Node, Taint, Toleration
from kbench.controllers.base import InformerFactory
from kbench.controllers.taint_eviction import (
    TaintEvictionController,
    matching_tolerations,
    min_toleration_seconds,
)
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from tests.controllers.node_world import node, pod, world

UNREACHABLE = "node.kubernetes.io/unreachable"
FOREVER = [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}]


def test_min_toleration_seconds() -> None:
    """TestGetMinTolerationTime's cases."""
    assert min_toleration_seconds([]) == 0
    assert min_toleration_seconds([Toleration()]) == -1
    assert min_toleration_seconds([Toleration(toleration_seconds=1), Toleration(toleration_seconds=2)]) == 1
    assert min_toleration_seconds([Toleration(toleration_seconds=1), Toleration()]) == 1
    assert min_toleration_seconds([Toleration(), Toleration(toleration_seconds=1)]) == 1
    assert min_toleration_seconds([Toleration(toleration_seconds=0), Toleration(toleration_seconds=5)]) == 0


def test_matching_tolerations_takes_the_first_tolerating_each_taint() -> None:
    taints = [Taint(key="a", effect="NoExecute"), Taint(key="b", effect="NoExecute")]
    wildcard = Toleration(operator="Exists", toleration_seconds=7)
    only_b = Toleration(key="b", operator="Exists", effect="NoExecute")
    assert matching_tolerations(taints, [only_b, wildcard]) == (True, [wildcard, only_b])
    assert matching_tolerations(taints, [only_b]) == (False, [])
    assert matching_tolerations([], []) == (True, [])


def test_unreachable_node_pods_deleted_by_their_tolerations() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.api.create(pod("none", "n0", tolerations=[{"key": "other", "operator": "Exists"}]))
    w.api.create(pod("default", "n0"))  # DefaultTolerationSeconds: 300 s
    w.api.create(pod("sixty", "n0", tolerations=[{"key": UNREACHABLE, "operator": "Exists",
                                                   "effect": "NoExecute", "tolerationSeconds": 60}]))
    w.api.create(pod("forever", "n0", tolerations=FOREVER))
    w.failures.stop_node("n0", 95.0)

    def deleted_at(name: str) -> float | None:
        p = w.pod(name)
        assert p is not None  # nobody confirms the deletion on an unreachable node: still there
        return p.metadata.deletion_timestamp

    w.eng.run(until=152.4)
    assert all(deleted_at(n) is None for n in ("none", "default", "sixty", "forever"))
    # "none" tolerates another key only, so DefaultTolerationSeconds gave it the 300 s defaults too
    w.eng.run(until=2000.0)
    assert deleted_at("default") == 152.5 + 300 + 30  # deleted at 452.5 with the default 30 s grace
    assert deleted_at("sixty") == 152.5 + 60 + 30
    assert deleted_at("forever") is None
    marks = {obj: t for t, obj, msg in w.events("TaintManagerEviction") if msg.startswith("Marking")}
    assert marks == {"default/none": 452.5, "default/default": 452.5, "default/sixty": 212.5}
    sixty = w.pod("sixty")
    assert sixty is not None
    target = find(sixty.status.get("conditions"), "DisruptionTarget")
    assert target is not None and (target["reason"], target["lastTransitionTime"]) == ("DeletionByTaintManager", 212.5)


def test_pod_without_any_toleration_is_deleted_when_the_taint_lands() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"}, admission=False)
    w.api.create(pod("bare", "n0"))
    w.failures.stop_node("n0", 95.0)
    w.eng.run(until=152.5)
    p = w.pod("bare")
    assert p is not None and p.metadata.deletion_timestamp == 152.5 + 30
    assert w.events("TaintManagerEviction") == [(152.5, "default/bare", "Marking for deletion Pod default/bare")]


def test_node_back_in_time_cancels_the_deletion_and_removes_terminating_pods() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.api.create(pod("default", "n0"))
    w.api.create(pod("sixty", "n0", tolerations=[{"key": UNREACHABLE, "operator": "Exists",
                                                   "effect": "NoExecute", "tolerationSeconds": 60}]))
    w.failures.stop_node("n0", 95.0, until=300.0)
    w.eng.run(until=299.0)
    sixty = w.pod("sixty")
    assert sixty is not None and sixty.metadata.deletion_timestamp == 242.5  # Terminating, kubelet away
    w.eng.run(until=300.0)
    assert w.pod("sixty") is None  # the kubelet is back, the grace period is over: removed at once
    w.eng.run(until=600.0)
    default = w.pod("default")
    assert default is not None and default.metadata.deletion_timestamp is None
    assert (302.5, "default/default", "Cancelling deletion of Pod default/default") in w.events("TaintManagerEviction")
    ready = find(default.status.get("conditions"), "Ready")
    assert ready is not None and ready["status"] == "True"  # the kubelet reported it Ready again


def test_taint_added_and_removed_by_hand() -> None:
    """No heartbeats: a NoExecute taint put on a node by an operator."""
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.create(node("n0"))
    Kubelets(api).start()
    factory = InformerFactory(api)
    ctrl = TaintEvictionController(api, factory)
    factory.start()
    ctrl.start()
    api.create(pod("bare", "n0"))
    api.create(pod("thirty", "n0", tolerations=[{"key": "maintenance", "operator": "Exists",
                                                  "tolerationSeconds": 30}]))
    api.create(pod("ten", "n0", tolerations=[{"key": "maintenance", "operator": "Exists",
                                               "tolerationSeconds": 10}]))

    def set_taints(taints: list[Taint]) -> None:
        n = api.get("Node", None, "n0")
        assert isinstance(n, Node)
        api.update(n.model_copy(update={"spec": n.spec.model_copy(update={"taints": taints})}))

    eng.at(100.0, set_taints, [Taint(key="maintenance", effect="NoExecute")])
    eng.at(120.0, set_taints, [])
    eng.run(until=200.0)
    # the kubelet removed the deleted pods after their 30 s grace period
    removed = {p.metadata.name: (p.metadata.deletion_timestamp, api.pods_removed_at[uid])  # type: ignore[attr-defined]
               for uid, p in api.pods_removed.items()}
    assert removed == {"bare": (130.0, 130.0), "ten": (140.0, 140.0)}
    assert api.get("Pod", "default", "thirty").metadata.deletion_timestamp is None  # type: ignore[attr-defined]
    cancels = [e for e in api.events if e["message"].startswith("Cancelling")]
    assert [(e["time"], e["object"]) for e in cancels] == [(120.0, "default/thirty")]
    assert ctrl.idle
