"""The control-plane policies end to end, with outcomes derived from Kubernetes' rules (the
policies' own comments say what should happen; the numbers below are worked from them)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kbench.run import run_policy

POLICIES = Path(__file__).parents[2] / "policies"


def tables(out: Path, *names: str) -> list[list[dict]]:
    return [pq.read_table(out / f"{n}.parquet").to_pylist() for n in names]


@pytest.fixture(scope="module")
def rolling(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_policy(POLICIES / "rolling-update.yaml", out=tmp_path_factory.mktemp("ru") / "out", check=True).out


def test_rolling_update_keeps_within_surge_and_unavailability(rolling: Path) -> None:
    pods, events, workloads = tables(rolling, "pods", "events", "workloads")
    web = [p for p in pods if p["namespace"] == "shop"]
    # 30 replicas, maxSurge 25% -> ceil(7.5) = 8, maxUnavailable 25% -> floor(7.5) = 7
    scaling = [e for e in events if e["reason"] == "ScalingReplicaSet"]
    assert scaling[0]["message"].endswith("to 30") and scaling[0]["time"] == 0.0
    assert scaling[1]["time"] == 600.0 and scaling[1]["message"].endswith("to 8")  # the new ReplicaSet surges 8
    assert scaling[2]["message"].endswith("from 30 to 23")  # old scaled down to 30 - 7 available
    # the ReplicaSet controller's "Deleted pod: NAME" events say when each old pod was deleted
    deleted = {e["message"].removeprefix("Deleted pod: "): e["time"] for e in events
               if e["reason"] == "SuccessfulDelete" and e["object"].startswith("shop/")}
    assert deleted, "the rollout deletes old pods"
    for t in sorted({p["created_at"] for p in web} | set(deleted.values())):
        live = [p for p in web if p["created_at"] <= t and deleted.get(p["name"], float("inf")) > t]
        assert len(live) <= 38, t  # replicas + maxSurge (terminating pods do not count)
        if t >= 600.0:
            available = sum(p["started_at"] is not None and p["started_at"] <= t for p in live)
            assert available >= 23, t  # replicas - maxUnavailable
    rollouts = [w for w in workloads if w["kind"] == "Deployment"]
    assert [(r["revision"], r["started_at"]) for r in rollouts] == [(1, 0.0), (2, 600.0)]
    # two waves of 5 s image pulls: the new pods of each wave start 5 s after they are created
    assert rollouts[1]["completed_at"] is not None and rollouts[1]["duration"] >= 10.0
    final = [p for p in web if p["deleted_at"] is None]
    assert len(final) == 30 and {p["phase"] for p in final} == {"Running"}


@pytest.fixture(scope="module")
def zone_failure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_policy(POLICIES / "zone-failure.yaml", out=tmp_path_factory.mktemp("zf") / "out", check=True).out


def test_zone_failure_evicts_after_the_default_toleration_and_replaces(zone_failure: Path) -> None:
    pods, events, nodes = tables(zone_failure, "pods", "events", "nodes")
    zone_b = {n["name"] for n in nodes if int(n["name"].split("-")[1]) % 3 == 1}  # pools assign zones round-robin
    assert len(zone_b) == 6
    not_ready = {e["object"]: e["time"] for e in events if e["reason"] == "NodeNotReady" and e["object_kind"] == "Node"}
    assert set(not_ready) == zone_b
    # leases last renewed at most 10 s before the stop at 300 s, 50 s grace, 5 s monitor period
    assert all(340.0 <= t <= 355.0 for t in not_ready.values())
    on_b = [p for p in pods if p["node"] in zone_b and p["created_at"] == 0.0]
    evicted = {e["object"]: e["time"] for e in events if e["reason"] == "TaintManagerEviction"}
    assert {f"shop/{p['name']}" for p in on_b if p["namespace"] == "shop"} <= set(evicted)
    # DefaultTolerationSeconds: 300 s after the NoExecute taint, which follows NotReady
    assert all(t >= min(not_ready.values()) + 300.0 for t in evicted.values())
    replacements = [p for p in pods if p["created_at"] > 300.0 and p["name"].startswith("web")]
    assert len(replacements) == len([p for p in on_b if p["name"].startswith("web")])
    assert all(p["node"] not in zone_b for p in replacements)
    # the StatefulSet's pod keeps its name: it is recreated only once the old one is gone, when the
    # zone's kubelets return at 1500 s and remove it; maxSkew 1 over zones puts it back in zone-b
    db_on_b = [p for p in on_b if p["name"].startswith("db-")]
    assert len(db_on_b) == 1
    again = [p for p in pods if p["name"] == db_on_b[0]["name"] and p["created_at"] > 0.0]
    assert [(p["created_at"], p["node"] in zone_b) for p in again] == [(1500.0, True)]
    # the zone returns at 1500 s: its kubelets remove the pods that were deleted meanwhile
    assert all(p["deleted_at"] == 1500.0 for p in on_b if p["name"].startswith("web"))
    web_alive = [p for p in pods if p["name"].startswith("web") and p["deleted_at"] is None]
    assert len(web_alive) == 24


def test_job_burst_meets_the_quota_and_completes_every_job(tmp_path: Path) -> None:
    out = run_policy(POLICIES / "job-burst.yaml", out=tmp_path / "out", check=True).out
    pods, events, workloads = tables(out, "pods", "events", "workloads")
    jobs = [w for w in workloads if w["kind"] == "Job"]
    assert len(jobs) == 8 and all(j["succeeded"] == 16 and j["completed_at"] is not None for j in jobs)
    # quota: at most 40 pods and 48 CPUs of namespace batch at once, so the burst of 64 is refused
    rejected = [e for e in events if e["reason"] == "FailedCreate"]
    assert rejected and all("exceeded quota: batch-quota" in e["message"] for e in rejected)
    for t in sorted({p["created_at"] for p in pods}):
        alive = [p for p in pods if p["created_at"] <= t and (p["finished_at"] is None or p["finished_at"] > t)]
        assert len(alive) <= 40, t
    # batch-low is the global default; every fourth Job asks for batch-high
    assert {p["priority"] for p in pods if p["owner_name"] in ("burst-3", "burst-7")} == {1000}
    assert {p["priority"] for p in pods if p["owner_name"] == "burst-0"} == {100}


def test_daemonset_follows_the_growing_cluster_and_rolls_one_node_at_a_time(tmp_path: Path) -> None:
    out = run_policy(POLICIES / "daemonset-growth.yaml", out=tmp_path / "out", check=True).out
    (pods,) = tables(out, "pods")
    ds = [p for p in pods if p["namespace"] == "kube-system"]
    first = {p["node"]: p["created_at"] for p in ds if p["created_at"] < 900.0}
    # node-05's NoSchedule taint is not tolerated; nodes 08..19 join at 60 s x (i - 7) and get their
    # pod when they arrive
    assert sorted(first) == [f"node-{i:02d}" for i in range(20) if i != 5]
    assert all(first[f"node-{i:02d}"] == 60.0 * (i - 7) for i in range(8, 20))
    assert all(p["scheduled_at"] == p["created_at"] for p in ds)  # node-name affinity: one feasible node
    # maxUnavailable 1: one old pod is deleted at a time, the next once the previous node's new pod
    # runs; a deleted pod holds its node for the 30 s grace period and its replacement is created
    # when it is gone, so the 19 old pods go at 930, 960, ..., 1470
    old = sorted(p["deleted_at"] for p in ds if p["created_at"] < 900.0)
    assert old == [900.0 + 30.0 * k for k in range(1, 20)]
    new = sorted(p["created_at"] for p in ds if p["created_at"] >= 900.0)
    assert new == old
    assert len([p for p in ds if p["deleted_at"] is None]) == 19
