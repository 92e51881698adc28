"""The ReplicaSet controller: slow-start creation, scale-down victims, adoption, status, events.
Expected values are worked out by hand from replica_set.go and controller_utils.go."""

from __future__ import annotations

from collections import Counter

import pytest

from kbench.api.objects import Pod
from kbench.controllers.base import controller_of
from kbench.controllers.pod_ranking import sort_for_deletion
from kbench.controllers.uid_expectations import UIDTrackingExpectations
from kbench.errors import APIError
from tests.controllers.apps_world import (
    events,
    live,
    owned_by,
    pods,
    replica_set,
    scale,
    start,
    world,
)


def test_creates_pods_owned_by_the_replica_set_with_events() -> None:
    w = world(deployments=False)
    start(w)
    w.api.create(replica_set("web", 3))
    w.eng.run(until=5)
    created = owned_by(w.api, "web")
    assert len(created) == 3 and all(p.metadata.name.startswith("web-") for p in created)
    ref = controller_of(created[0])
    assert ref is not None and ref.kind == "ReplicaSet" and ref.block_owner_deletion
    assert sorted(e["message"] for e in events(w.api, "SuccessfulCreate")) == sorted(
        f"Created pod: {p.metadata.name}" for p in created)
    s = w.api.get("ReplicaSet", "default", "web").status  # type: ignore[attr-defined]
    assert (s.replicas, s.fully_labeled_replicas, s.ready_replicas, s.available_replicas, s.observed_generation) == (
        3, 3, 3, 3, 1)


def test_slow_start_batches_and_burst_limit() -> None:
    # Every write commits 1 s after it is sent. One sync creates at most 500 pods (BurstReplicas),
    # in batches 1, 2, 4, ..., 128 and the remaining 245, each batch sent when the previous one has
    # committed; its status write commits at 10. The next sync (pods observed, expectations met)
    # creates the other 100 in batches 1, 2, 4, 8, 16, 32, 37 committing at 11..17.
    w = world(scheduler=False, deployments=False, latency=1.0)
    start(w)
    w.api.create(replica_set("web", 600))
    w.eng.run(until=30)
    by_time = Counter(e["time"] for e in events(w.api, "SuccessfulCreate"))
    assert dict(by_time) == {1.0: 1, 2.0: 2, 3.0: 4, 4.0: 8, 5.0: 16, 6.0: 32, 7.0: 64, 8.0: 128, 9.0: 245,
                             11.0: 1, 12.0: 2, 13.0: 4, 14.0: 8, 15.0: 16, 16.0: 32, 17.0: 37}
    assert len(pods(w.api)) == 600 and w.rsc.idle


def test_failed_creates_stop_the_slow_start() -> None:
    # A quota admits 3 pods: batches 1 and 2 succeed, the batch of 4 fails whole and the rest of
    # the slow start is skipped; the ReplicaSet reports ReplicaFailure/FailedCreate.
    w = world(deployments=False)
    admitted: list[str] = []

    def quota(obj):  # type: ignore[no-untyped-def]
        if isinstance(obj, Pod):
            if len(admitted) >= 3:
                raise APIError("Forbidden", 'pods "web" is forbidden: exceeded quota')
            admitted.append(obj.metadata.generate_name or "")
        return obj

    w.api.admission.append(quota)
    start(w)
    w.api.create(replica_set("web", 10))
    w.eng.run(until=2)
    assert len(events(w.api, "SuccessfulCreate")) == 3 and len(pods(w.api)) == 3
    failed = events(w.api, "FailedCreate")
    assert [e["time"] for e in failed[:4]] == [0.0] * 4
    assert failed[0]["message"] == 'Error creating: pods "web" is forbidden: exceeded quota'
    cond = w.api.get("ReplicaSet", "default", "web").status.conditions  # type: ignore[attr-defined]
    assert [(c.type, c.status, c.reason) for c in cond] == [("ReplicaFailure", "True", "FailedCreate")]


def test_scale_down_deletes_unscheduled_then_newest_ready() -> None:
    # One node fits two 400m pods. a (t=0) and b (t=100) run; c and d (t=200) stay unscheduled.
    # Scaling to 1 at t=300 deletes c and d (unassigned first), then b: both running pods are ready
    # on the same node (equal ranks), b for 200 s (log2 of 2e11 ns = 37) and a for 300 s (38).
    w = world(nodes=1, cpu="1", deployments=False)
    start(w)
    w.api.create(replica_set("web", 1, template={"metadata": {"labels": {"app": "web"}}, "spec": {
        "containers": [{"name": "app", "image": "app:1", "resources": {"requests": {"cpu": "400m"}}}]}}))
    w.eng.at(100, scale, w.api, "ReplicaSet", "web", 2)
    w.eng.at(200, scale, w.api, "ReplicaSet", "web", 4)
    w.eng.run(until=250)
    by_age = sorted(pods(w.api), key=lambda p: p.metadata.creation_timestamp)
    a, b = by_age[0], by_age[1]
    unscheduled = {p.metadata.name for p in pods(w.api) if not p.spec.node_name}
    assert len(unscheduled) == 2 and a.spec.node_name and b.spec.node_name
    w.eng.at(300, scale, w.api, "ReplicaSet", "web", 1)
    w.eng.run(until=301)
    deleted = {e["message"].removeprefix("Deleted pod: ") for e in events(w.api, "SuccessfulDelete")}
    assert deleted == unscheduled | {b.metadata.name}
    assert [p.metadata.name for p in live(w.api)] == [a.metadata.name]


def _pod(name: str, node: str = "n1", phase: str = "Running", ready_at: float | None = 0.0, created: float = 0.0,
         cost: str | None = None, restarts: int = 0) -> Pod:
    status: dict = {"phase": phase}
    if ready_at is not None:
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ready_at}]
    if restarts:
        status["containerStatuses"] = [{"name": "app", "restartCount": restarts}]
    ann = {"controller.kubernetes.io/pod-deletion-cost": cost} if cost is not None else {}
    return Pod.model_validate({"metadata": {"name": name, "uid": name, "creationTimestamp": created, "annotations": ann},
                               "spec": {"nodeName": node, "containers": [{"name": "app"}]}, "status": status})


def test_deletion_order_follows_active_pods_with_ranks() -> None:
    # now = 1000. Ready pods compare by deletion cost, then rank, then log2 buckets of readiness
    # (10 s ago: 33; 1000 s ago: 39), restart count, and log2 buckets of age (100 s: 36; 1000 s: 39).
    candidates = [
        (_pod("r-old"), 1),
        (_pod("r-newer", created=900.0), 1),
        (_pod("r-restarts", restarts=5), 1),
        (_pod("r-recent", ready_at=990.0), 1),
        (_pod("r-rank3"), 3),
        (_pod("r-cost", cost="-5"), 1),
        (_pod("not-ready", ready_at=None), 1),
        (_pod("unknown", phase="Unknown", ready_at=None), 1),
        (_pod("pending", phase="Pending", ready_at=None), 1),
        (_pod("unassigned", node="", phase="Pending", ready_at=None), 0),
    ]
    order = sort_for_deletion([p for p, _ in candidates], [r for _, r in candidates], now=1000.0)
    assert [p.metadata.name for p in order] == ["unassigned", "pending", "unknown", "not-ready", "r-cost", "r-rank3",
                                                "r-recent", "r-restarts", "r-newer", "r-old"]


def test_age_within_one_log2_bucket_does_not_decide() -> None:
    # 300 s and 280 s before now are both in bucket 38 (log2 of 3e11 and 2.8e11 ns): the order is
    # the uid tie-break, the same whichever pod is older.
    x, y = _pod("x", created=700.0), _pod("y", created=720.0)
    first = sort_for_deletion([x, y], [1, 1], now=1000.0)[0].metadata.name
    x2, y2 = _pod("x", created=720.0), _pod("y", created=700.0)
    assert sort_for_deletion([x2, y2], [1, 1], now=1000.0)[0].metadata.name == first
    # 100 s against 300 s (buckets 36 and 38): the newer goes first
    assert sort_for_deletion([_pod("old", created=700.0), _pod("new", created=900.0)], [1, 1],
                             now=1000.0)[0].metadata.name == "new"


def _orphan(name: str, labels: dict[str, str], owner_uid: str | None = None) -> Pod:
    refs = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "other", "uid": owner_uid,
             "controller": True}] if owner_uid else []
    return Pod.model_validate({"metadata": {"name": name, "namespace": "default", "labels": labels,
                                            "ownerReferences": refs},
                               "spec": {"containers": [{"name": "app", "image": "app:1"}]}})


def test_adopts_orphans_ignores_foreign_pods_and_releases_relabelled() -> None:
    w = world(deployments=False)
    start(w)
    w.api.create(_orphan("o1", {"app": "web"}))
    w.api.create(_orphan("o2", {"app": "web"}))
    w.api.create(_orphan("foreign", {"app": "web"}, owner_uid="not-this-one"))
    w.eng.run(until=1)
    rs = w.api.create(replica_set("web", 3))
    w.eng.run(until=5)
    owned = {p.metadata.name for p in owned_by(w.api, "web")}
    assert {"o1", "o2"} <= owned and len(owned) == 3 and len(events(w.api, "SuccessfulCreate")) == 1
    foreign = w.api.get("Pod", "default", "foreign")
    assert [r.uid for r in foreign.metadata.owner_references] == ["not-this-one"]  # type: ignore[attr-defined]
    ref = controller_of(w.api.get("Pod", "default", "o1"))
    assert ref is not None and ref.uid == rs.metadata.uid  # type: ignore[attr-defined]
    # o1 no longer matches the selector: released (its owner reference removed) and replaced
    o1 = w.api.get("Pod", "default", "o1")
    w.api.update(o1.model_copy(update={"metadata": o1.metadata.model_copy(update={"labels": {"app": "other"}})}))  # type: ignore[attr-defined]
    w.eng.run(until=10)
    assert w.api.get("Pod", "default", "o1").metadata.owner_references == []  # type: ignore[attr-defined]
    assert len(owned_by(w.api, "web")) == 3 and len(events(w.api, "SuccessfulCreate")) == 2


def test_available_after_min_ready_seconds() -> None:
    # Pods are ready at t=0; with minReadySeconds 10 they count as available only 10 s later, when
    # the requeue (minReadySeconds + 1 after the Ready transition) syncs the ReplicaSet again.
    w = world(deployments=False)
    start(w)
    w.api.create(replica_set("web", 3, minReadySeconds=10))
    w.eng.run(until=9.5)
    s = w.api.get("ReplicaSet", "default", "web").status  # type: ignore[attr-defined]
    assert (s.ready_replicas, s.available_replicas) == (3, 0)
    w.eng.run(until=12)
    s = w.api.get("ReplicaSet", "default", "web").status  # type: ignore[attr-defined]
    assert (s.ready_replicas, s.available_replicas) == (3, 3)


def test_graceful_deletion_is_observed_once() -> None:
    e = UIDTrackingExpectations(lambda: 0.0)
    e.expect_deletions("default/web", ["default/a", "default/b"])
    e.deletion_observed("default/web", "default/a")  # deletionTimestamp set
    e.deletion_observed("default/web", "default/a")  # then removed by the kubelet
    assert not e.satisfied("default/web")
    e.deletion_observed("default/web", "default/b")
    assert e.satisfied("default/web")


@pytest.mark.parametrize("replicas", [0, 2])
def test_terminating_pods_are_replaced_at_once(replicas: int) -> None:
    # Deleted pods keep running for their 30 s grace period but no longer count: scaling 3 -> 0
    # -> ``replicas`` at t=10 creates ``replicas`` new pods while the old ones still terminate.
    w = world(deployments=False)
    start(w)
    w.api.create(replica_set("web", 3))
    w.eng.at(5, scale, w.api, "ReplicaSet", "web", 0)
    w.eng.at(10, scale, w.api, "ReplicaSet", "web", replicas)
    w.eng.run(until=11)
    assert len(live(w.api)) == replicas and len(pods(w.api)) == 3 + replicas
    w.eng.run(until=40)
    assert len(pods(w.api)) == replicas
