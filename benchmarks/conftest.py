"""Shared cluster builders for the benchmarks (kept out of the timed code)."""

from __future__ import annotations

import functools

from kbench.api.objects import Node, Pod
from kbench.cluster.state import ClusterState

ZONES = ("zone-a", "zone-b", "zone-c", "zone-d")
PODS_PER_NODE = 6


def node(i: int) -> Node:
    name = f"node-{i}"
    return Node.model_validate({
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": ZONES[i % 4]}},
        "status": {"allocatable": {"cpu": "32", "memory": "128Gi", "pods": "110"}},
    })


def pod(name: str, app: str, spread: bool = False, node_name: str | None = None) -> Pod:
    spec: dict = {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                  "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}
    if node_name:
        spec["nodeName"] = node_name
    if spread:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                              "whenUnsatisfiable": "DoNotSchedule",
                                              "labelSelector": {"matchLabels": {"app": app}}}]
    return Pod.model_validate({"metadata": {"name": name, "namespace": "default", "labels": {"app": app}}, "spec": spec})


@functools.lru_cache(maxsize=3)
def cluster(n_nodes: int) -> ClusterState:
    """n_nodes nodes in 4 zones, each running 6 pods of 3 apps."""
    state = ClusterState(capacity=n_nodes)
    for i in range(n_nodes):
        state.add_node(node(i))
    for i in range(n_nodes):
        for j in range(PODS_PER_NODE):
            state.add_pod(pod(f"p-{i}-{j}", f"app-{j % 3}"), i)
    return state
