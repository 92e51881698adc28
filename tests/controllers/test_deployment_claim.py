"""Which ReplicaSets a Deployment claims (getReplicaSetsForDeployment / ClaimReplicaSets): those it
controls that its selector matches, plus matching orphans; ReplicaSets another controller owns are
never touched, and its own ones that stop matching are released. Worked by hand from
deployment_controller.go, controller_ref_manager.go and sync.go's getNewReplicaSet."""

from __future__ import annotations

from kbench.api.workloads import Deployment, ReplicaSet
from kbench.controllers.base import controller_of
from kbench.controllers.deployment.hashing import compute_hash
from tests.controllers.apps_world import deployment, live, replica_sets, start, world


def _owner_name(api, rs: ReplicaSet) -> str | None:  # type: ignore[no-untyped-def]
    ref = controller_of(rs)
    if ref is None:
        return None
    d = api.get("Deployment", "default", ref.name)
    return ref.name if d.metadata.uid == ref.uid else None


def test_deployments_with_one_selector_ignore_each_others_replica_sets() -> None:
    # Both select app=web with the same template: each creates <name>-<hash>; the other's
    # ReplicaSet matches its selector but has a controller, so neither adopts nor scales it.
    w = world()
    start(w)
    a = w.api.create(deployment("web", replicas=2))
    w.api.create(deployment("web2", replicas=3))
    w.eng.run(until=20)
    pod_hash = compute_hash(a.spec.template, None)  # type: ignore[attr-defined]
    owners = {rs.metadata.name: (_owner_name(w.api, rs), rs.spec.replicas) for rs in replica_sets(w.api)}
    assert owners == {f"web-{pod_hash}": ("web", 2), f"web2-{pod_hash}": ("web2", 3)}
    assert len(live(w.api)) == 5
    for name, n in (("web", 2), ("web2", 3)):
        d = w.api.get("Deployment", "default", name)
        assert isinstance(d, Deployment) and d.status.replicas == n and d.status.available_replicas == n


def test_a_replica_set_that_stops_matching_is_released_and_replaced() -> None:
    # Relabelling the ReplicaSet out of the selector: the Deployment releases it (drops its
    # controller reference). It has no new ReplicaSet any more, so it creates web-<hash>, which
    # exists and is not its own: collisionCount becomes 1 and the next sync creates
    # web-<hash with collisionCount 1>.
    w = world()
    start(w)
    d = w.api.create(deployment("web", replicas=2))
    w.eng.run(until=10)
    (rs,) = replica_sets(w.api)
    labels = {k: v for k, v in rs.metadata.labels.items() if k != "app"} | {"app": "other"}
    w.api.update(rs.model_copy(update={"metadata": rs.metadata.model_copy(update={"labels": labels})}))
    w.eng.run(until=30)
    template = d.spec.template  # type: ignore[attr-defined]
    first, second = f"web-{compute_hash(template, None)}", f"web-{compute_hash(template, 1)}"
    by_name = {r.metadata.name: r for r in replica_sets(w.api)}
    assert set(by_name) == {first, second}
    assert controller_of(by_name[first]) is None
    assert _owner_name(w.api, by_name[second]) == "web" and by_name[second].spec.replicas == 2
    current = w.api.get("Deployment", "default", "web")
    assert isinstance(current, Deployment) and current.status.collision_count == 1
