"""`kbench run` on a cluster and a workload written as Kubernetes manifests, with etcd write latency
and watch delay (policies/manifests.yaml)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from kbench.metrics.schema import TABLES
from kbench.run import run_policy

POLICY = Path(__file__).parents[2] / "policies" / "manifests.yaml"


def test_timed_manifests_replay_with_latency(tmp_path: Path) -> None:
    res = run_policy(POLICY, out=tmp_path / "out", check=True)
    pods = {r["name"]: r for r in pq.read_table(res.out / "pods.parquet").to_pylist()}
    assert res.run["pods_total"] == 7 and res.run["pods_pending_at_end"] == 0
    # the cluster's pods were bound in the manifest and never went through the scheduler
    assert pods["web-1"]["node"] == "node-a" and pods["web-1"]["scheduled_at"] is None
    # maxSkew 1 over zones with zone-1 holding web-1 and web-2: both new replicas must go to
    # zone-2, where node-c is the only node without an untolerated taint or a cordon
    assert pods["web-3"]["node"] == pods["web-4"]["node"] == "node-c"
    # 10 CPUs fit nowhere until node-e joins at 60 s
    big = pods["batch-big"]
    assert big["created_at"] == 20.0 and big["node"] == "node-e" and 60.0 < big["scheduled_at"] < 60.2
    assert big["phase"] == "Succeeded" and abs(big["finished_at"] - big["started_at"] - 30.0) < 1e-9
    # each write commits after a log-normal delay and informers see it 10 ms later
    assert all(p["scheduled_at"] - p["created_at"] > 0.01 for p in pods.values() if p["scheduled_at"] is not None)
    events = pq.read_table(res.out / "events.parquet").to_pylist()
    assert [e["reason"] for e in events if e["object"] == "shop/batch-big"] == ["FailedScheduling", "Scheduled"]


def test_same_seed_same_bytes_with_latency(tmp_path: Path) -> None:
    a = run_policy(POLICY, out=tmp_path / "a").out
    b = run_policy(POLICY, out=tmp_path / "b").out
    for t in TABLES:
        assert (a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes(), t
    c = run_policy(POLICY, seed=2, out=tmp_path / "c").out
    assert (a / "pods.parquet").read_bytes() != (c / "pods.parquet").read_bytes()
