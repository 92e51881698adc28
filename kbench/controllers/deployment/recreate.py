"""The Recreate strategy (pkg/controller/deployment/recreate.go): scale every old ReplicaSet to
0, wait until none of their pods is left (terminating pods count: they still run), and only
then create or scale up the new ReplicaSet."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from kbench.api.objects import Pod
from kbench.api.workloads import ReplicaSet
from kbench.controllers.blocking import Call
from kbench.controllers.deployment.progress import sync_rollout_status
from kbench.controllers.deployment.sync import (
    Steps,
    cleanup_deployment,
    get_all_replica_sets_and_sync_revision,
    scale_and_record_event,
)
from kbench.controllers.deployment.util import DeploymentCopy, active, actual_count, deployment_complete

if TYPE_CHECKING:
    from kbench.controllers.deployment.controller import DeploymentController


def rollout_recreate(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet],
                     pod_map: dict[str, list[Pod]]) -> Steps:
    """rolloutRecreate."""
    new_rs, old_rss = yield from get_all_replica_sets_and_sync_revision(dc, w, rs_list, False)
    all_rss: list[ReplicaSet | None] = [*old_rss, new_rs]
    if (yield from scale_down_old_replica_sets(dc, w, active(old_rss))):
        yield from sync_rollout_status(dc, w, all_rss, new_rs)
        return
    if old_pods_running(new_rs, old_rss, pod_map):
        yield from sync_rollout_status(dc, w, all_rss, new_rs)
        return
    if new_rs is None:
        new_rs, old_rss = yield from get_all_replica_sets_and_sync_revision(dc, w, rs_list, True)
        all_rss = [*old_rss, new_rs]
    assert new_rs is not None
    yield from scale_and_record_event(dc, w, new_rs, w.d.spec.replicas)
    if deployment_complete(w.d, w.d.status):
        yield from cleanup_deployment(dc, w, old_rss)
    yield from sync_rollout_status(dc, w, all_rss, new_rs)


def scale_down_old_replica_sets(dc: DeploymentController, w: DeploymentCopy,
                                old_rss: list[ReplicaSet]) -> Generator[Call, Any, bool]:
    """scaleDownOldReplicaSetsForRecreate: every old ReplicaSet to 0."""
    scaled = False
    for rs in old_rss:
        if rs.spec.replicas == 0:
            continue
        done, _ = yield from scale_and_record_event(dc, w, rs, 0)
        scaled = scaled or done
    return scaled


def old_pods_running(new_rs: ReplicaSet | None, old_rss: list[ReplicaSet], pod_map: dict[str, list[Pod]]) -> bool:
    """oldPodsRunning: an old ReplicaSet reports pods, or a pod of one is not Succeeded or Failed."""
    if actual_count(old_rss) > 0:
        return True
    for uid, pods in pod_map.items():
        if new_rs is not None and new_rs.metadata.uid == uid:
            continue
        if any(p.status.get("phase") not in ("Succeeded", "Failed") for p in pods):
            return True
    return False
