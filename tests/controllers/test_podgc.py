"""The pod GC: terminated pods beyond the threshold (evicted first, then oldest), terminating pods on an
out-of-service node. (Orphaned pods: tests/sim/test_node_failures.py.) Passes on the grid 0, 20, 40, ..."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Node, Pod, Taint
from kbench.controllers.base import InformerFactory
from kbench.controllers.podgc import PodGCController
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from tests.controllers.node_world import node, pod


def setup(threshold: int = 2) -> tuple[Engine, APIServer, Kubelets, PodGCController]:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.create(node("n0"))
    kubelets = Kubelets(api)
    kubelets.start()
    factory = InformerFactory(api)
    gc = PodGCController(api, factory)
    gc.terminated_pod_gc_threshold = threshold
    factory.start()
    gc.start()
    return eng, api, kubelets, gc


def test_terminated_pods_beyond_the_threshold_evicted_first_then_oldest() -> None:
    eng, api, _, gc = setup(threshold=2)
    for t, name in ((0.0, "a"), (1.0, "b"), (2.0, "c")):
        eng.at(t, lambda name=name: api.create(pod(name, "n0", duration=5.0)))

    def evicted() -> None:
        p = api.create(Pod.model_validate({"metadata": {"name": "e"}, "spec": {"containers": [{"name": "c"}]}}))
        api.update(p.model_copy(update={"status": {"phase": "Failed", "reason": "Evicted"}}))

    eng.at(3.0, evicted)
    eng.run(until=19.0)
    assert len(api.list("Pod")[0]) == 4  # all terminated by t=7; nothing collected before the pass at 20
    eng.run(until=20.0)
    assert sorted(p.metadata.name for p in api.list("Pod")[0]) == ["b", "c"]  # type: ignore[attr-defined]
    assert sorted(api.pods_removed_at.values()) == [20.0, 20.0]
    assert gc.idle


def test_terminating_pod_on_an_out_of_service_node_is_force_deleted() -> None:
    eng, api, kubelets, gc = setup()
    api.create(pod("p", "n0"))
    eng.run(until=10.0)
    kubelets.stop("n0")
    api.delete("Pod", "default", "p")  # graceful: nobody will confirm it
    eng.run(until=105.0)
    assert api.get("Pod", "default", "p").metadata.deletion_timestamp == 40.0  # type: ignore[attr-defined]
    n = api.get("Node", None, "n0")
    assert isinstance(n, Node)  # no Ready condition: not ready
    taint = Taint(key="node.kubernetes.io/out-of-service", value="nodeshutdown", effect="NoExecute")
    api.update(n.model_copy(update={"spec": n.spec.model_copy(update={"taints": [taint]})}))
    eng.run(until=119.0)
    assert len(api.list("Pod")[0]) == 1
    eng.run(until=120.0)
    assert api.list("Pod")[0] == []
    (last,) = api.pods_removed.values()
    assert last.status["phase"] == "Failed"  # type: ignore[attr-defined]
