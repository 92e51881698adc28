"""Nodes updated or removed in the columnar state keep every row-indexed structure consistent."""

from __future__ import annotations

from kbench.api.objects import Node, Pod
from kbench.cluster.state import ClusterState


def node(name: str, cpu: str = "4", taints: list | None = None, labels: dict | None = None,
         images: list | None = None, unschedulable: bool = False) -> Node:
    return Node.model_validate({
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"taints": taints or [], "unschedulable": unschedulable},
        "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "10"},
                   "images": [{"names": images, "sizeBytes": 10}] if images else []}})


def pod(name: str, cpu: str = "1", port: int = 0) -> Pod:
    c = {"name": "c", "resources": {"requests": {"cpu": cpu}}}
    if port:
        c["ports"] = [{"containerPort": port, "hostPort": port}]
    return Pod.model_validate({"metadata": {"name": name, "labels": {"app": "x"}}, "spec": {"containers": [c]}})


def test_update_node_replaces_labels_taints_allocatable_and_tallies() -> None:
    c = ClusterState()
    c.add_node(node("a", images=["img:1"]))
    c.add_node(node("b", unschedulable=True))
    c.update_node(node("a", cpu="8", labels={"zone": "z1"},
                       taints=[{"key": "k", "effect": "NoExecute"}]))
    c.update_node(node("b"))
    assert c.alloc[0, 0] == 8000 and c.node_label_dicts[0]["zone"] == "z1"
    assert c.n_unschedulable == 0 and c.nodes_with_effect == [0, 0, 1]
    assert c.image_num_nodes == [0]  # node a no longer lists img:1


def test_remove_node_shifts_later_rows_and_drops_its_pods() -> None:
    c = ClusterState()
    for n in ("a", "b", "c"):
        c.add_node(node(n, taints=[{"key": "t", "effect": "NoSchedule"}] if n == "b" else None))
    c.add_pod(pod("on-b", port=80), "b")
    c.add_pod(pod("on-c", cpu="2", port=80), "c")
    counts = c.pod_counts(_AppX())
    assert counts[:3].tolist() == [0, 1, 1]
    c.remove_node("b")
    assert c.n_nodes == 2 and c.node_names == ["a", "c"] and c.node_index == {"a": 0, "c": 1}
    assert "default/on-b" not in c.pods and c.pods["default/on-c"].node == 1
    assert c.requested[:2, 0].tolist() == [0, 2000] and c.requested[2, 0] == 0
    assert c.pod_counts(_AppX())[:3].tolist() == [0, 1, 0]
    assert c.ports[("TCP", 80)] == {1: {"0.0.0.0": 1}}
    assert c.nodes_with_effect == [0, 0, 0] and (c.taint_ids[:2] == -1).all()
    assert list(c.pods_on_node[1]) == ["default/on-c"]


class _AppX:
    def __hash__(self) -> int:
        return 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _AppX)

    def matches(self, rec, state) -> bool:  # noqa: ANN001
        return rec.labels.get("app") == "x"
