"""`kbench run` with a Deployment in a manifest workload: 6 replicas at t=0, a new image applied
over it at t=100, with etcd write latency and a watch delay."""

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

WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "web:1", resources: {requests: {cpu: 500m}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  annotations: {kbench.io/arrival-seconds: "100"}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "web:2", resources: {requests: {cpu: 500m}}}
"""

POLICY = """name: deployment-rollout
seed: 1
cluster:
  nodes: nodes.yaml
workload:
  pods: workload.yaml
simulation:
  until: 400
  sample_interval: 30
  latency:
    write: {distribution: lognormal, median: 0.005, sigma: 0.5}
    watch: 0.01
"""


def test_rolling_update_of_a_manifest_deployment(tmp_path: Path) -> None:
    (tmp_path / "nodes.yaml").write_text(NODES)
    (tmp_path / "workload.yaml").write_text(WORKLOAD)
    (tmp_path / "policy.yaml").write_text(POLICY)
    res = run_policy(tmp_path / "policy.yaml", out=tmp_path / "out", check=True)
    pods = pq.read_table(res.out / "pods.parquet").to_pylist()
    owners = sorted({p["owner_name"] for p in pods})
    assert len(pods) == 12 and {p["owner_kind"] for p in pods} == {"ReplicaSet"} and len(owners) == 2
    old = [p for p in pods if p["created_at"] < 100]
    new = [p for p in pods if p["created_at"] >= 100]
    assert len(old) == 6 and len(new) == 6
    assert all(p["deleted_at"] is not None and p["deleted_at"] > 100 for p in old)
    assert all(p["deleted_at"] is None and p["phase"] == "Running" for p in new)
    old_rs, new_rs = old[0]["owner_name"], new[0]["owner_name"]
    events = pq.read_table(res.out / "events.parquet").to_pylist()
    scaling = [e["message"] for e in events if e["reason"] == "ScalingReplicaSet" and e["object"] == "default/web"]
    # 6 replicas at 25%: surge 2, unavailable 1. The new ReplicaSet starts at 2 (8 - 6), the old
    # one goes to 5 (8 - 5 - 2 unavailable new = 1), then the new one to 3 (8 - 5).
    assert scaling[:4] == [f"Scaled up replica set {old_rs} to 6", f"Scaled up replica set {new_rs} to 2",
                           f"Scaled down replica set {old_rs} from 6 to 5",
                           f"Scaled up replica set {new_rs} from 2 to 3"]
    # the rollout ends with the new ReplicaSet at 6 and the old one at 0
    assert any(m.startswith(f"Scaled up replica set {new_rs} from ") and m.endswith(" to 6") for m in scaling)
    assert scaling[-1].startswith(f"Scaled down replica set {old_rs} from ") and scaling[-1].endswith(" to 0")
    created = [e for e in events if e["reason"] == "SuccessfulCreate"]
    assert len(created) == 12 and {e["object"] for e in created} == {f"default/{old_rs}", f"default/{new_rs}"}
