"""The node lifecycle controller: silent nodes go Unknown after the grace period, are tainted zone by
zone at the eviction rates, and lose their taints when they come back.

Times are worked by hand from Kubernetes' defaults: kubelets renew their leases every 10 s from
t=0 (no jitter here); the controller starts at t=2.5, so its monitor passes run at 2.5, 7.5, ...
and its tainting passes on the grid 2.5 + 0.1 k. A kubelet stopped at t=95 last renewed at t=90,
which the pass at 92.5 takes in (probeTimestamp 92.5); the first pass later than 92.5 + 50
(nodeMonitorGracePeriod) is 147.5: Ready becomes Unknown. The NoExecute taint follows at the next
pass, 152.5, which sees the node Unknown and queues it; a zone's bucket (0.1 tokens/s, burst 1)
starts full, so the first node is tainted at once and each further one 10 s later.
"""

from __future__ import annotations

import numpy as np

from kbench.api.conditions import find
from kbench.controllers.base import InformerFactory
from kbench.controllers.node_lifecycle import NodeLifecycleController
from kbench.controllers.node_lifecycle.rate_limited_queue import RateLimitedTimedQueue, TokenBucket
from kbench.controllers.node_lifecycle.zones import (
    FULL_DISRUPTION,
    NORMAL,
    PARTIAL_DISRUPTION,
    compute_zone_state,
    zone_key,
)
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.kubelet import Kubelets
from tests.controllers.node_world import node, pod, world

UNREACHABLE_NO_EXECUTE = ("node.kubernetes.io/unreachable", "NoExecute")
UNREACHABLE_NO_SCHEDULE = ("node.kubernetes.io/unreachable", "NoSchedule")


def test_stopped_node_goes_unknown_after_the_grace_period_then_is_tainted() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a", "n2": "zone-a"})
    w.failures.stop_node("n0", 95.0)
    w.eng.run(until=147.4)
    assert w.ready("n0") == "True"
    assert w.taints("n0") == set()
    w.eng.run(until=147.5)
    ready = find(w.node("n0").status.conditions, "Ready")
    assert ready is not None
    assert (ready["status"], ready["reason"], ready["lastTransitionTime"]) == ("Unknown", "NodeStatusUnknown", 147.5)
    for kind in ("MemoryPressure", "DiskPressure", "PIDPressure"):
        assert find(w.node("n0").status.conditions, kind)["status"] == "Unknown"  # type: ignore[index]
    assert w.taints("n0") == {UNREACHABLE_NO_SCHEDULE}  # TaintNodesByCondition, on the status update
    assert w.events("NodeNotReady") == [(147.5, "n0", "Node n0 status is now: NodeNotReady")]
    w.eng.run(until=152.4)
    assert UNREACHABLE_NO_EXECUTE not in w.taints("n0")
    w.eng.run(until=152.5)
    assert w.taints("n0") == {UNREACHABLE_NO_SCHEDULE, UNREACHABLE_NO_EXECUTE}
    no_execute = [t for t in w.node("n0").spec.taints if t.effect == "NoExecute"]
    assert no_execute[0].time_added == 152.5
    assert w.ready("n1") == w.ready("n2") == "True"


def test_pods_of_a_node_going_unknown_are_marked_not_ready() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.api.create(pod("p", "n0"))
    w.failures.stop_node("n0", 95.0)
    w.eng.run(until=147.5)
    p = w.pod("p")
    assert p is not None
    ready = find(p.status.get("conditions"), "Ready")
    assert ready is not None and (ready["status"], ready["lastTransitionTime"]) == ("False", 147.5)
    assert (147.5, "default/p", "Node is not ready") in w.events("NodeNotReady")


def test_node_coming_back_loses_its_taints() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a", "n2": "zone-a"})
    w.failures.stop_node("n0", 95.0, until=300.0)
    w.eng.run(until=299.0)
    assert w.taints("n0") == {UNREACHABLE_NO_SCHEDULE, UNREACHABLE_NO_EXECUTE}
    w.eng.run(until=300.0)
    # the kubelet posts Ready at once; the NoSchedule taint follows the condition on that update
    assert w.ready("n0") == "True"
    assert w.taints("n0") == {UNREACHABLE_NO_EXECUTE}
    assert (300.0, "n0", "Node n0 status is now: NodeReady") in w.events("NodeReady")
    w.eng.run(until=302.4)
    assert w.taints("n0") == {UNREACHABLE_NO_EXECUTE}
    w.eng.run(until=302.5)  # the next monitor pass sees Ready True and removes the NoExecute taint
    assert w.taints("n0") == set()


def test_each_zone_taints_at_the_eviction_rate() -> None:
    zones = {f"a{i}": "zone-a" for i in range(4)} | {f"b{i}": "zone-b" for i in range(4)}
    w = world(zones)
    for name in ("a0", "a1", "b0"):
        w.failures.stop_node(name, 95.0)
    w.eng.run(until=152.5)
    assert UNREACHABLE_NO_EXECUTE in w.taints("a0")
    assert UNREACHABLE_NO_EXECUTE not in w.taints("a1")  # zone-a's one token went to a0
    assert UNREACHABLE_NO_EXECUTE in w.taints("b0")  # zone-b has its own bucket
    w.eng.run(until=162.4)
    assert UNREACHABLE_NO_EXECUTE not in w.taints("a1")
    w.eng.run(until=162.5)  # 0.1 tokens/s: the next token 10 s later
    assert UNREACHABLE_NO_EXECUTE in w.taints("a1")
    assert [t.time_added for t in w.node("a1").spec.taints if t.effect == "NoExecute"] == [162.5]
    assert set(w.lifecycle.zone_states.values()) == {NORMAL}


def test_small_zone_in_partial_disruption_is_not_tainted() -> None:
    # 3 of zone-a's 4 nodes down: 3 > 2 and 3/4 >= 0.55, a PartialDisruption; a zone of at most 50
    # nodes is then tainted at rate 0
    w = world({"a0": "zone-a", "a1": "zone-a", "a2": "zone-a", "a3": "zone-a", "b0": "zone-b"})
    w.api.create(pod("p", "a0"))
    for name in ("a0", "a1", "a2"):
        w.failures.stop_node(name, 95.0)
    w.eng.run(until=1000.0)
    for name in ("a0", "a1", "a2"):
        assert w.ready(name) == "Unknown"
        assert w.taints(name) == {UNREACHABLE_NO_SCHEDULE}
    assert w.lifecycle.zone_states[zone_key(w.node("a0"))] == PARTIAL_DISRUPTION
    p = w.pod("p")
    assert p is not None and p.metadata.deletion_timestamp is None


def test_large_zone_in_partial_disruption_is_tainted_at_the_secondary_rate() -> None:
    # 33 of 60 nodes down (33/60 = 0.55 reaches the threshold); 60 > 50 nodes: 0.01 tokens/s. The
    # swap to the new rate at 147.5 finds the old bucket with its token, so the new one starts full.
    w = world({f"n{i:02d}": "zone-a" for i in range(60)})
    down = [f"n{i:02d}" for i in range(33)]
    for name in down:
        w.failures.stop_node(name, 95.0)
    w.eng.run(until=252.4)
    assert w.lifecycle.zone_states[zone_key(w.node("n00"))] == PARTIAL_DISRUPTION
    assert [n for n in down if UNREACHABLE_NO_EXECUTE in w.taints(n)] == ["n00"]
    w.eng.run(until=252.5)
    assert [n for n in down if UNREACHABLE_NO_EXECUTE in w.taints(n)] == ["n00", "n01"]


def test_full_disruption_stops_tainting_and_its_end_starts_with_an_empty_bucket() -> None:
    w = world({"n0": "zone-a", "n1": "zone-a"})
    w.failures.stop_node("n0", 95.0)
    w.failures.stop_node("n1", 95.0, until=400.0)
    w.eng.run(until=399.0)
    assert w.ready("n0") == w.ready("n1") == "Unknown"
    assert UNREACHABLE_NO_EXECUTE not in w.taints("n0") | w.taints("n1")
    assert set(w.lifecycle.zone_states.values()) == {FULL_DISRUPTION}
    # n1 is back at 400; the pass at 402.5 leaves full disruption: the zone's new bucket is drained
    # because the stopped one had no token, so n0 waits one token (10 s)
    w.eng.run(until=412.4)
    assert set(w.lifecycle.zone_states.values()) == {NORMAL}
    assert UNREACHABLE_NO_EXECUTE not in w.taints("n0")
    w.eng.run(until=412.5)
    assert UNREACHABLE_NO_EXECUTE in w.taints("n0")


def test_unschedulable_node_gets_the_unschedulable_taint() -> None:
    w = world({"n0": "zone-a"})
    w.eng.run(until=50.0)
    n = w.node("n0")
    w.api.update(n.model_copy(update={"spec": n.spec.model_copy(update={"unschedulable": True})}))
    w.eng.run(until=50.0)
    assert w.taints("n0") == {("node.kubernetes.io/unschedulable", "NoSchedule")}
    n = w.node("n0")
    w.api.update(n.model_copy(update={"spec": n.spec.model_copy(update={"unschedulable": False})}))
    w.eng.run(until=50.0)
    assert w.taints("n0") == set()


def test_registered_nodes_and_beta_labels() -> None:
    w = world({"n0": "zone-a"})
    n = w.node("n0")
    labels = {**n.metadata.labels, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    w.api.update(n.model_copy(update={"metadata": n.metadata.model_copy(update={"labels": labels})}))
    w.eng.run(until=3.0)
    assert w.events("RegisteredNode") == [(2.5, "n0", "Node n0 event: Registered Node n0 in Controller")]
    assert w.node("n0").metadata.labels["beta.kubernetes.io/os"] == "linux"
    assert w.node("n0").metadata.labels["beta.kubernetes.io/arch"] == "amd64"


def test_nodes_without_heartbeats_are_left_alone() -> None:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    api.create(node("n0"))
    Kubelets(api).start()
    factory = InformerFactory(api)
    ctrl = NodeLifecycleController(api, factory)
    factory.start()
    ctrl.start()
    eng.run(until=500.0)
    n = api.get("Node", None, "n0")
    assert n.status.conditions is None and n.spec.taints == []  # type: ignore[attr-defined]
    assert api.events == []
    assert ctrl.idle


def test_token_bucket() -> None:
    b = TokenBucket(0.1, 1, now=0.0)
    assert b.try_accept(0.0)
    assert not b.try_accept(5.0)
    assert b.next_token_at(5.0) == 10.0
    assert b.try_accept(10.0)
    never = TokenBucket(0.0, 1, now=0.0)
    assert not never.try_accept(100.0)


def test_swap_limiter_drains_the_new_bucket_only_when_the_old_one_was_empty() -> None:
    q = RateLimitedTimedQueue(0.1, now=0.0)
    q.swap_limiter(0.01, now=0.0)  # the old bucket had its token: the new one starts full
    assert q.limiter.qps == 0.01 and q.limiter.try_accept(0.0)
    q.swap_limiter(0.1, now=0.0)  # the old one is empty now: the new one gives up its token
    assert not q.limiter.try_accept(0.0)
    assert q.limiter.next_token_at(0.0) == 10.0


def test_unique_queue_keeps_processed_values_until_removed() -> None:
    q = RateLimitedTimedQueue(0.1, now=0.0)
    assert q.add("n0", "u0", 0.0)
    q.try_process(lambda v: (True, 0.0), 0.0)
    assert len(q) == 0
    assert not q.add("n0", "u0", 1.0)  # processed, still in the set
    assert q.remove("n0")
    assert q.add("n0", "u0", 1.0)


def test_compute_zone_state() -> None:
    assert compute_zone_state(["True", "True"], 0.55) == (0, NORMAL)
    assert compute_zone_state(["Unknown", None], 0.55) == (2, FULL_DISRUPTION)
    assert compute_zone_state(["True", "False", "Unknown"], 0.55) == (2, NORMAL)  # not more than two
    assert compute_zone_state(["True", "False", "Unknown", "Unknown"], 0.55) == (3, PARTIAL_DISRUPTION)
    assert compute_zone_state(["True"] * 3 + ["False"] * 3, 0.55) == (3, NORMAL)  # 0.5 < 0.55


def test_zone_key_prefers_the_beta_labels() -> None:
    assert zone_key(node("n", "z1")) == ":\x00:z1"
    beta = node("n", "z1", **{"failure-domain.beta.kubernetes.io/zone": "z0",
                              "topology.kubernetes.io/region": "r"})
    assert zone_key(beta) == "r:\x00:z0"


def test_node_that_never_posted_status_gets_the_startup_grace_period() -> None:
    """tryUpdateNodeHealth with no Ready condition: a fake Unknown one dated at the node's creation and
    nodeStartupGracePeriod (60 s); the lease alone keeps the node alive, its absence for 60 s adds the
    four conditions as NodeStatusNeverUpdated."""
    from kbench.api.coordination import Lease, LeaseSpec
    from kbench.controllers.node_lifecycle.health import try_update_node_health

    n = node("n0").model_copy(update={"metadata": node("n0").metadata.model_copy(update={"creation_timestamp": 0.0})})
    lease = Lease(spec=LeaseSpec(holder_identity="n0", lease_duration_seconds=40, renew_time=0.0))
    first = try_update_node_health(n, None, lease, 0.0, 50.0, 60.0)
    assert (first.grace, first.write, first.health.probe) == (60.0, False, 0.0)
    assert try_update_node_health(n, first.health, lease, 60.0, 50.0, 60.0).write is False  # not after 60 s
    late = try_update_node_health(n, first.health, lease, 61.0, 50.0, 60.0)
    assert late.write and late.observed["lastTransitionTime"] == 0.0
    conditions = {c["type"]: c for c in late.node.status.conditions}
    assert set(conditions) == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}
    assert all((c["status"], c["reason"], c["lastHeartbeatTime"], c["lastTransitionTime"])
               == ("Unknown", "NodeStatusNeverUpdated", 0.0, 61.0) for c in conditions.values())
    renewed = Lease(spec=LeaseSpec(holder_identity="n0", lease_duration_seconds=40, renew_time=55.0))
    assert try_update_node_health(n, first.health, renewed, 61.0, 50.0, 60.0).write is False
