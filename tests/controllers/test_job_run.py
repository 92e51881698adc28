"""`kbench run` with a Job in a manifest workload: parallelism 2, completions 4, 20 s pods,
arriving at t=10."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from kbench.run import run_policy

NODES = """apiVersion: v1
kind: Node
metadata:
  name: n0
  labels: {kubernetes.io/hostname: n0}
status:
  allocatable: {cpu: "8", memory: 32Gi, pods: "110"}"""

WORKLOAD = """apiVersion: batch/v1
kind: Job
metadata:
  name: crunch
  namespace: default
  annotations: {kbench.io/arrival-seconds: "10"}
spec:
  parallelism: 2
  completions: 4
  template:
    metadata:
      annotations: {kbench.io/duration-seconds: "20"}
    spec:
      restartPolicy: Never
      containers:
      - {name: c, image: "crunch:1", resources: {requests: {cpu: "1"}}}
"""

POLICY = """name: job-run
seed: 1
cluster:
  nodes: nodes.yaml
workload:
  pods: workload.yaml
simulation:
  sample_interval: 30
"""


def test_a_manifest_job_runs_two_waves_and_completes(tmp_path: Path) -> None:
    # Created at 10: pods at 10 and 10, done at 30; the sync at 31 creates 2 more, done at 51;
    # the sync at 52 completes the Job.
    (tmp_path / "nodes.yaml").write_text(NODES)
    (tmp_path / "workload.yaml").write_text(WORKLOAD)
    (tmp_path / "policy.yaml").write_text(POLICY)
    res = run_policy(tmp_path / "policy.yaml", out=tmp_path / "out", check=True)
    pods = pq.read_table(res.out / "pods.parquet").to_pylist()
    assert sorted(p["created_at"] for p in pods) == [10.0, 10.0, 31.0, 31.0]
    assert {(p["owner_kind"], p["owner_name"], p["phase"]) for p in pods} == {("Job", "crunch", "Succeeded")}
    rows = [w for w in pq.read_table(res.out / "workloads.parquet").to_pylist() if w["kind"] == "Job"]
    assert rows == [{"kind": "Job", "namespace": "default", "name": "crunch", "revision": None, "replicas": 4,
                     "started_at": 10.0, "completed_at": 52.0, "failed_at": None, "duration": 42.0,
                     "succeeded": 4, "failed": 0}]
    events = pq.read_table(res.out / "events.parquet").to_pylist()
    assert [(e["time"], e["message"]) for e in events if e["reason"] == "Completed"] == [(52.0, "Job completed")]
