"""The Deployment controller: rolling update fenceposts, Recreate, conditions, progress deadline,
pause, revision history, adoption. Expected values are worked out by hand from sync.go,
rolling.go, recreate.go, progress.go and deployment_util.go."""

from __future__ import annotations

from kbench.api.workloads import ReplicaSet
from kbench.controllers.base import controller_of
from kbench.controllers.deployment.hashing import compute_hash, safe_encode_string
from kbench.controllers.deployment.util import REVISION_ANNOTATION, resolve_fenceposts
from tests.controllers.apps_world import (
    deployment,
    events,
    live,
    pods,
    ready,
    replica_set,
    replica_sets,
    scale,
    set_image,
    start,
    update_spec,
    world,
)


def _scaling(api, since: float = 0.0) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["message"] for e in events(api, "ScalingReplicaSet") if e["time"] >= since]


def _rs_by_revision(api) -> dict[str, ReplicaSet]:  # type: ignore[no-untyped-def]
    return {rs.metadata.annotations[REVISION_ANNOTATION]: rs for rs in replica_sets(api)}


def _condition(api, type_: str):  # type: ignore[no-untyped-def]
    d = api.get("Deployment", "default", "web")
    return next(c for c in d.status.conditions if c.type == type_)


def test_fenceposts() -> None:
    # 25% of 10: surge rounds up to 3, unavailable down to 2; both resolving to 0 makes unavailable 1
    assert resolve_fenceposts("25%", "25%", 10) == (3, 2)
    assert resolve_fenceposts("25%", "25%", 6) == (2, 1)
    assert resolve_fenceposts("10%", "10%", 3) == (1, 0)
    assert resolve_fenceposts(0, "10%", 3) == (0, 1)
    assert resolve_fenceposts(2, 0, 3) == (2, 0)


def test_safe_encode_string() -> None:
    # digits map to alphanums[ord(c) % 27]: '0' (48) -> index 21 = '4', '9' (57) -> index 3 = 'f'
    assert safe_encode_string("0123456789") == "456789bcdf"


def test_new_replica_set_is_named_after_the_template_hash() -> None:
    w = world()
    start(w)
    d = w.api.create(deployment(replicas=3))
    w.eng.run(until=5)
    (rs,) = replica_sets(w.api)
    pod_hash = compute_hash(d.spec.template, None)  # type: ignore[attr-defined]
    assert rs.metadata.name == f"web-{pod_hash}"
    assert rs.metadata.labels == {"app": "web", "pod-template-hash": pod_hash}
    assert rs.spec.selector is not None and rs.spec.selector.match_labels == {"app": "web", "pod-template-hash": pod_hash}
    assert rs.metadata.annotations == {REVISION_ANNOTATION: "1", "deployment.kubernetes.io/desired-replicas": "3",
                                       "deployment.kubernetes.io/max-replicas": "4"}
    ref = controller_of(rs)
    assert ref is not None and ref.kind == "Deployment" and ref.uid == d.metadata.uid  # type: ignore[attr-defined]
    assert all(p.metadata.labels["pod-template-hash"] == pod_hash for p in pods(w.api))
    assert _scaling(w.api) == [f"Scaled up replica set {rs.metadata.name} to 3"]


def test_rolling_update_stays_within_surge_and_unavailability() -> None:
    # 10 replicas, 25%/25%: at most 13 pods, at least 8 available during the rollout. New pods
    # take 5 s to pull their image. First steps: the new ReplicaSet starts at 3 (13 - 10), the old
    # one goes 10 -> 8 (13 - 8 - 3 unavailable new = 2), then the new one 3 -> 5 (13 - 8).
    w = world(pull=5.0)
    start(w)
    w.api.create(deployment(replicas=10))
    w.eng.at(100, set_image, w.api, "web", "app:2")
    samples: list[tuple[int, int]] = []
    for i in range(400):
        w.eng.at(100 + i * 0.25, lambda: samples.append((len(live(w.api)), len(ready(w.api)))))
    w.eng.run(until=200)
    assert max(n for n, _ in samples) <= 13 and min(r for _, r in samples) >= 8
    assert max(n for n, _ in samples) == 13 and min(r for _, r in samples) == 8
    revs = _rs_by_revision(w.api)
    old, new = revs["1"].metadata.name, revs["2"].metadata.name
    assert _scaling(w.api, since=100)[:3] == [f"Scaled up replica set {new} to 3",
                                               f"Scaled down replica set {old} from 10 to 8",
                                               f"Scaled up replica set {new} from 3 to 5"]
    assert (revs["1"].spec.replicas, revs["2"].spec.replicas) == (0, 10)
    assert all(p.spec.containers[0].image == "app:2" for p in live(w.api)) and len(live(w.api)) == 10
    d = w.api.get("Deployment", "default", "web")
    assert d.metadata.annotations[REVISION_ANNOTATION] == "2"  # type: ignore[attr-defined]
    s = d.status  # type: ignore[attr-defined]
    assert (s.replicas, s.updated_replicas, s.ready_replicas, s.available_replicas, s.unavailable_replicas,
            s.observed_generation) == (10, 10, 10, 10, 0, 2)
    rollouts = w.dc.rollouts  # type: ignore[union-attr]
    assert [(r["revision"], r["started_at"], r["replicas"]) for r in rollouts] == [(1, 0.0, 10), (2, 100.0, 10)]
    assert rollouts[0]["completed_at"] == 5.0 and 105.0 < rollouts[1]["completed_at"] < 200.0


def test_rollout_conditions() -> None:
    w = world()
    start(w)
    w.api.create(deployment(replicas=2))
    w.eng.run(until=5)
    name = replica_sets(w.api)[0].metadata.name
    p = _condition(w.api, "Progressing")
    assert (p.status, p.reason, p.message) == ("True", "NewReplicaSetAvailable",
                                               f'ReplicaSet "{name}" has successfully progressed.')
    a = _condition(w.api, "Available")
    assert (a.status, a.reason, a.message) == ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")


def test_progress_deadline_exceeded() -> None:
    # No scheduler: pods never start. The Progressing condition was last updated at 0, so with a
    # 30 s deadline the Deployment times out at the progress check requeued for 0 + 30 + 1 s.
    w = world(scheduler=False)
    start(w)
    w.api.create(deployment(replicas=2, progressDeadlineSeconds=30))
    w.eng.run(until=30.5)
    assert _condition(w.api, "Progressing").reason != "ProgressDeadlineExceeded"
    a = _condition(w.api, "Available")
    assert (a.status, a.reason) == ("False", "MinimumReplicasUnavailable")
    w.eng.run(until=31.5)
    name = replica_sets(w.api)[0].metadata.name
    p = _condition(w.api, "Progressing")
    assert (p.status, p.reason, p.message) == ("False", "ProgressDeadlineExceeded",
                                               f'ReplicaSet "{name}" has timed out progressing.')


def test_recreate_never_runs_old_and_new_pods_together() -> None:
    # Recreate scales the old ReplicaSet to 0 at t=100; its pods terminate for their 30 s grace
    # period; the new ReplicaSet is created only once they are gone, at 130.
    w = world()
    start(w)
    w.api.create(deployment(replicas=6, strategy={"type": "Recreate"}))
    w.eng.at(100, set_image, w.api, "web", "app:2")
    mixed: list[float] = []

    def sample() -> None:
        images = {p.spec.containers[0].image for p in pods(w.api)}
        if len(images) > 1:
            mixed.append(w.eng.now)
    for i in range(200):
        w.eng.at(99 + i * 0.5, sample)
    w.eng.run(until=200)
    assert mixed == []
    revs = _rs_by_revision(w.api)
    old, new = revs["1"].metadata.name, revs["2"].metadata.name
    scaled = [(e["time"], e["message"]) for e in events(w.api, "ScalingReplicaSet") if e["time"] >= 100]
    assert scaled == [(100.0, f"Scaled down replica set {old} from 6 to 0"), (130.0, f"Scaled up replica set {new} to 6")]
    assert len(live(w.api)) == 6 and all(p.spec.containers[0].image == "app:2" for p in live(w.api))


def test_paused_deployment_does_not_roll_out_but_scales() -> None:
    w = world()
    start(w)
    w.api.create(deployment(replicas=2))
    w.eng.at(10, lambda: update_spec(w.api, "Deployment", "web", paused=True))
    w.eng.at(20, set_image, w.api, "web", "app:2")
    w.eng.at(30, scale, w.api, "Deployment", "web", 4)
    w.eng.run(until=50)
    (rs,) = replica_sets(w.api)
    assert rs.spec.replicas == 4 and len(live(w.api)) == 4
    assert all(p.spec.containers[0].image == "app:1" for p in live(w.api))
    p = _condition(w.api, "Progressing")
    assert (p.status, p.reason, p.message) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    w.eng.at(60, lambda: update_spec(w.api, "Deployment", "web", paused=False))
    w.eng.run(until=120)
    assert len(replica_sets(w.api)) == 2 and all(p.spec.containers[0].image == "app:2" for p in live(w.api))
    assert len(live(w.api)) == 4


def test_revision_history_limit_deletes_oldest_empty_replica_sets() -> None:
    # Five revisions with revisionHistoryLimit 2: after each completed rollout the old ReplicaSets
    # beyond 2 are deleted, oldest revision first; revisions 3, 4 and 5 remain.
    w = world()
    start(w)
    w.api.create(deployment(replicas=2, revisionHistoryLimit=2))
    for i, t in enumerate((100, 200, 300, 400)):
        w.eng.at(t, set_image, w.api, "web", f"app:{i + 2}")
    w.eng.run(until=500)
    assert sorted(_rs_by_revision(w.api)) == ["3", "4", "5"]
    assert [rs.spec.replicas for _, rs in sorted(_rs_by_revision(w.api).items())] == [0, 0, 2]


def test_adopts_an_orphan_replica_set_with_its_template() -> None:
    # A ReplicaSet labelled for the Deployment's selector, with its template and no owner, is
    # adopted and becomes the new ReplicaSet (revision 1): no second ReplicaSet, its pods keep running.
    w = world()
    start(w)
    orphan = replica_set("web-orphan", 2)
    w.api.create(orphan.model_copy(update={"metadata": orphan.metadata.model_copy(update={"labels": {"app": "web"}})}))
    w.eng.run(until=5)
    before = {p.metadata.name for p in live(w.api)}
    d = w.api.create(deployment(replicas=2))
    w.eng.run(until=10)
    (rs,) = replica_sets(w.api)
    ref = controller_of(rs)
    assert rs.metadata.name == "web-orphan" and ref is not None and ref.uid == d.metadata.uid  # type: ignore[attr-defined]
    assert rs.metadata.annotations[REVISION_ANNOTATION] == "1"
    assert {p.metadata.name for p in live(w.api)} == before
    assert _condition(w.api, "Progressing").reason == "NewReplicaSetAvailable"
