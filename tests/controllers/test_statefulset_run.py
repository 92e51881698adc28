"""`kbench run` with a StatefulSet in a manifest workload: 3 replicas (OrderedReady) at t=0, a new
image applied at 100 and rolled from the highest ordinal down; etcd write latency and a watch
delay; invariants checked throughout."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from kbench.run import run_policy

NODES = "\n---\n".join(f"""apiVersion: v1
kind: Node
metadata:
  name: n{i}
  labels: {{kubernetes.io/hostname: n{i}}}
status:
  allocatable: {{cpu: "8", memory: 32Gi, pods: "110"}}""" for i in range(3))

STATEFUL_SET = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
  namespace: default{ann}
spec:
  replicas: 3
  serviceName: nginx
  selector: {{matchLabels: {{app: web}}}}
  volumeClaimTemplates:
  - metadata: {{name: www}}
    spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - {{name: web, image: "web:{version}", resources: {{requests: {{cpu: 500m}}}}}}
"""

WORKLOAD = STATEFUL_SET.format(ann="", version=1) + "---\n" + STATEFUL_SET.format(
    ann="\n  annotations: {kbench.io/arrival-seconds: '100'}", version=2)

POLICY = """name: statefulset-rollout
seed: 1
cluster:
  nodes: nodes.yaml
workload:
  pods: workload.yaml
simulation:
  until: 400
  sample_interval: 30
  image_pull_seconds: 5
  latency:
    write: {distribution: lognormal, median: 0.005, sigma: 0.5}
    watch: 0.01
"""


def test_a_stateful_set_starts_in_order_and_rolls_back_to_front(tmp_path: Path) -> None:
    (tmp_path / "nodes.yaml").write_text(NODES)
    (tmp_path / "workload.yaml").write_text(WORKLOAD)
    (tmp_path / "policy.yaml").write_text(POLICY)
    res = run_policy(tmp_path / "policy.yaml", out=tmp_path / "out", check=True)
    pods = pq.read_table(res.out / "pods.parquet").to_pylist()
    assert {(p["owner_kind"], p["owner_name"]) for p in pods} == {("StatefulSet", "web")}
    old = [p for p in pods if p["created_at"] < 100]
    new = [p for p in pods if p["created_at"] >= 100]
    # OrderedReady: each pod is created after the one before it started.
    assert [p["name"] for p in old] == ["web-0", "web-1", "web-2"]
    assert old[1]["created_at"] >= old[0]["started_at"] and old[2]["created_at"] >= old[1]["started_at"]
    # The update: highest ordinal first, each replacement created after its predecessor was
    # deleted, the next deletion after the replacement started.
    assert [p["name"] for p in new] == ["web-2", "web-1", "web-0"]
    by_name = {p["name"]: p for p in old}
    for i, p in enumerate(new):
        assert p["created_at"] >= by_name[p["name"]]["deleted_at"]
        if i + 1 < len(new):
            assert by_name[new[i + 1]["name"]]["deleted_at"] >= p["started_at"]
    assert all(p["deleted_at"] is None and p["phase"] == "Running" for p in new)
    events = pq.read_table(res.out / "events.parquet").to_pylist()
    messages = [e["message"] for e in events if e["object"] == "default/web"]
    assert messages == ([f"create Pod web-{i} in StatefulSet web successful" for i in range(3)]
                        + [f"{verb} Pod web-{i} in StatefulSet web successful"
                           for i in (2, 1, 0) for verb in ("delete", "create")])
