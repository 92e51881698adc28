"""`kbench run` with a DaemonSet in a manifest workload: three nodes at t=0, a fourth joining at
60 and a tainted one it does not tolerate; a new image applied at 200, rolled out one node at a
time (maxUnavailable 1); etcd write latency and a watch delay; invariants checked throughout."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from kbench.run import run_policy


def _node(name: str, arrival: int = 0, taint: bool = False) -> str:
    ann = f"\n  annotations: {{kbench.io/arrival-seconds: '{arrival}'}}" if arrival else ""
    spec = "{taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}" if taint else "{}"
    return f"""apiVersion: v1
kind: Node
metadata:
  name: {name}
  labels: {{kubernetes.io/hostname: {name}}}{ann}
spec: {spec}
status:
  allocatable: {{cpu: "8", memory: 32Gi, pods: "110"}}"""


NODES = "\n---\n".join([_node("n0"), _node("n1"), _node("n2"), _node("n3", arrival=60), _node("gpu", taint=True)])

DAEMON_SET = """apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: kube-system{ann}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  updateStrategy: {{type: RollingUpdate, rollingUpdate: {{maxUnavailable: 1}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      containers:
      - {{name: agent, image: "agent:{version}", resources: {{requests: {{cpu: 100m}}}}}}
"""

WORKLOAD = DAEMON_SET.format(ann="", version=1) + "---\n" + DAEMON_SET.format(
    ann="\n  annotations: {kbench.io/arrival-seconds: '200'}", version=2)

POLICY = """name: daemonset-rollout
seed: 1
cluster:
  nodes: nodes.yaml
workload:
  pods: workload.yaml
simulation:
  until: 600
  sample_interval: 30
  image_pull_seconds: 5
  latency:
    write: {distribution: lognormal, median: 0.005, sigma: 0.5}
    watch: 0.01
"""


def test_a_daemon_set_follows_the_nodes_and_rolls_node_by_node(tmp_path: Path) -> None:
    (tmp_path / "nodes.yaml").write_text(NODES)
    (tmp_path / "workload.yaml").write_text(WORKLOAD)
    (tmp_path / "policy.yaml").write_text(POLICY)
    res = run_policy(tmp_path / "policy.yaml", out=tmp_path / "out", check=True)
    pods = pq.read_table(res.out / "pods.parquet").to_pylist()
    assert {(p["owner_kind"], p["owner_name"]) for p in pods} == {("DaemonSet", "agent")}
    old = [p for p in pods if p["created_at"] < 200]
    new = [p for p in pods if p["created_at"] >= 200]
    nodes = ["n0", "n1", "n2", "n3"]
    assert sorted(p["node"] for p in old) == nodes and sorted(p["node"] for p in new) == nodes
    assert next(p for p in old if p["node"] == "n3")["created_at"] >= 60
    assert all(p["deleted_at"] is not None for p in old)
    assert all(p["deleted_at"] is None and p["phase"] == "Running" for p in new)
    # One node at a time: each old pod is deleted only after the previous node's new pod started.
    events = pq.read_table(res.out / "events.parquet").to_pylist()
    deletes = sorted(e["time"] for e in events if e["reason"] == "SuccessfulDelete" and e["object"] == "kube-system/agent")
    by_node = {p["node"]: p for p in new}
    order = sorted(old, key=lambda p: p["deleted_at"])
    assert len(deletes) == 4
    for i in range(1, 4):
        assert deletes[i] >= by_node[order[i - 1]["node"]]["started_at"]
