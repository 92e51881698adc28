"""ClusterState's pod table: one slot per bound pod, freed slots reused, rows kept current."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.cluster.state import R_PODS, ClusterState


def node(name: str) -> Node:
    return Node.model_validate({"metadata": {"name": name}, "status": {"allocatable": {"cpu": "4", "pods": "10"}}})


def pod(name: str, cpu: str = "100m", priority: int | None = None) -> Pod:
    spec: dict = {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]}
    if priority is not None:
        spec["priority"] = priority
    return Pod.model_validate({"metadata": {"name": name, "uid": name}, "spec": spec})


def live(c: ClusterState) -> dict[str, tuple[int, int, float]]:
    t = c.pod_table
    return {t.records[s].pod.metadata.name: (int(t.node[s]), int(t.priority[s]), float(t.start[s]))
            for s in range(t.size) if t.node[s] >= 0}


def test_slots_follow_add_and_remove() -> None:
    c = ClusterState()
    for n in ("a", "b"):
        c.add_node(node(n))
    c.add_pod(pod("x", "250m", 7), "a", start_time=3.0)
    c.add_pod(pod("y"), "b")
    assert live(c) == {"x": (0, 7, 3.0), "y": (1, 0, 0.0)}
    x = c.pods["x"]
    t = c.pod_table
    assert t.req[x.slot, 0] == 250 and t.req[x.slot, R_PODS] == 1
    slot = x.slot
    c.remove_pod("x")
    assert live(c) == {"y": (1, 0, 0.0)} and t.size == 2
    c.add_pod(pod("z"), "a")
    assert c.pods["z"].slot == slot  # the freed slot is reused
    assert t.size == 2


def test_requested_equals_sum_of_slots() -> None:
    c = ClusterState()
    for n in ("a", "b", "c"):
        c.add_node(node(n))
    for i in range(30):
        c.add_pod(pod(f"p{i}", f"{(i % 5 + 1) * 100}m"), "abc"[i % 3])
    for i in range(0, 30, 4):
        c.remove_pod(f"p{i}")
    t = c.pod_table
    sums = np.zeros((3, t.req.shape[1]), np.int64)
    for s in range(t.size):
        if t.node[s] >= 0:
            sums[t.node[s]] += t.req[s]
    assert (sums[:, : c.n_resources] == c.requested[:3, : c.n_resources]).all()


def test_node_removal_shifts_rows() -> None:
    c = ClusterState()
    for n in ("a", "b", "c"):
        c.add_node(node(n))
    c.add_pod(pod("on-a"), "a")
    c.add_pod(pod("on-c"), "c")
    c.remove_node("b")
    assert live(c) == {"on-a": (0, 0, 0.0), "on-c": (1, 0, 0.0)}


def test_restore_pod_puts_the_same_record_back() -> None:
    c = ClusterState()
    c.add_node(node("a"))
    c.add_pod(pod("x", "300m", 5), "a", start_time=2.0)
    before = c.requested.copy()
    rec = c.remove_pod("x")
    c.restore_pod("x", rec)
    assert c.pods["x"] is rec and (c.requested == before).all()
    assert live(c) == {"x": (0, 5, 2.0)}
