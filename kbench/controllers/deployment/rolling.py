"""The RollingUpdate strategy (pkg/controller/deployment/rolling.go): scale the new ReplicaSet
up within replicas + maxSurge, then scale old ones down keeping replicas - maxUnavailable
available, one step per sync."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from kbench.api.workloads import ReplicaSet
from kbench.controllers.blocking import Call
from kbench.controllers.deployment.progress import sync_rollout_status
from kbench.controllers.deployment.sync import (
    Steps,
    cleanup_deployment,
    get_all_replica_sets_and_sync_revision,
    scale_and_record_event,
)
from kbench.controllers.deployment.util import (
    DeploymentCopy,
    active,
    available_count,
    by_creation,
    deployment_complete,
    max_unavailable,
    new_rs_new_replicas,
    replica_count,
)
from kbench.errors import APIError

if TYPE_CHECKING:
    from kbench.controllers.deployment.controller import DeploymentController


def rollout_rolling(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet]) -> Steps:
    """rolloutRolling: one scale-up or scale-down step, cleanup once complete, then the status."""
    new_rs, old_rss = yield from get_all_replica_sets_and_sync_revision(dc, w, rs_list, True)
    assert new_rs is not None
    all_rss: list[ReplicaSet | None] = [*old_rss, new_rs]
    if (yield from reconcile_new_replica_set(dc, w, all_rss, new_rs)):
        yield from sync_rollout_status(dc, w, all_rss, new_rs)
        return
    if (yield from reconcile_old_replica_sets(dc, w, all_rss, active(old_rss), new_rs)):
        yield from sync_rollout_status(dc, w, all_rss, new_rs)
        return
    if deployment_complete(w.d, w.d.status):
        yield from cleanup_deployment(dc, w, old_rss)
    yield from sync_rollout_status(dc, w, all_rss, new_rs)


def reconcile_new_replica_set(dc: DeploymentController, w: DeploymentCopy, all_rss: list[ReplicaSet | None],
                              new_rs: ReplicaSet) -> Generator[Call, Any, bool]:
    """reconcileNewReplicaSet: scale the new ReplicaSet to NewRSNewReplicas (down if above spec)."""
    d = w.d
    if new_rs.spec.replicas == d.spec.replicas:
        return False
    if new_rs.spec.replicas > d.spec.replicas:
        scaled, _ = yield from scale_and_record_event(dc, w, new_rs, d.spec.replicas)
        return scaled
    scaled, _ = yield from scale_and_record_event(dc, w, new_rs, new_rs_new_replicas(d, all_rss, new_rs))
    return scaled


def reconcile_old_replica_sets(dc: DeploymentController, w: DeploymentCopy, all_rss: list[ReplicaSet | None],
                               old_rss: list[ReplicaSet], new_rs: ReplicaSet) -> Generator[Call, Any, bool]:
    """reconcileOldReplicaSets: at most allPods - minAvailable - newRSUnavailable pods go, unhealthy
    old replicas first (failures are swallowed, as in Go)."""
    d = w.d
    if replica_count(old_rss) == 0:
        return False
    min_available = d.spec.replicas - max_unavailable(d)
    new_unavailable = new_rs.spec.replicas - new_rs.status.available_replicas
    max_scaled_down = replica_count(all_rss) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    try:
        old_rss, cleaned = yield from cleanup_unhealthy_replicas(dc, w, old_rss, max_scaled_down)
    except APIError:
        return False
    try:
        scaled_down = yield from scale_down_old_replica_sets(dc, w, [*old_rss, new_rs], old_rss)
    except APIError:
        return False
    return cleaned + scaled_down > 0


def cleanup_unhealthy_replicas(dc: DeploymentController, w: DeploymentCopy, old_rss: list[ReplicaSet],
                               max_cleanup: int) -> Generator[Call, Any, tuple[list[ReplicaSet], int]]:
    """cleanupUnhealthyReplicas: scale old ReplicaSets (oldest first) down by their unavailable
    replicas, at most ``max_cleanup`` in all."""
    old_rss = by_creation(old_rss)
    total = 0
    for i, rs in enumerate(old_rss):
        if total >= max_cleanup:
            break
        if rs.spec.replicas == 0 or rs.spec.replicas == rs.status.available_replicas:
            continue
        count = min(max_cleanup - total, rs.spec.replicas - rs.status.available_replicas)
        _, old_rss[i] = yield from scale_and_record_event(dc, w, rs, rs.spec.replicas - count)
        total += count
    return old_rss, total


def scale_down_old_replica_sets(dc: DeploymentController, w: DeploymentCopy, all_rss: list[ReplicaSet | None],
                                old_rss: list[ReplicaSet]) -> Generator[Call, Any, int]:
    """scaleDownOldReplicaSetsForRollingUpdate: remove available - minAvailable old replicas,
    oldest ReplicaSets first."""
    d = w.d
    min_available = d.spec.replicas - max_unavailable(d)
    available = available_count(all_rss)
    if available <= min_available:
        return 0
    target, total = available - min_available, 0
    for rs in by_creation(old_rss):
        if total >= target:
            break
        if rs.spec.replicas == 0:
            continue
        count = min(rs.spec.replicas, target - total)
        yield from scale_and_record_event(dc, w, rs, rs.spec.replicas - count)
        total += count
    return total
