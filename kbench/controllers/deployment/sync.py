"""Scaling, revisions, cleanup and status of a Deployment (pkg/controller/deployment/sync.go).

Every function is a step of a blocking sync (:mod:`kbench.controllers.blocking`): it yields the
API calls it waits for. ``w`` is the Deployment being synced (changed in place, written with the
resourceVersion it was read with, so a second status write in one sync conflicts as in Go).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from kbench.api.objects import ObjectMeta
from kbench.api.workloads import DeploymentStatus, ReplicaSet, ReplicaSetSpec
from kbench.controllers.base import controller_of, controller_ref
from kbench.controllers.blocking import Call, call
from kbench.controllers.deployment import conditions as cond
from kbench.controllers.deployment.hashing import compute_hash
from kbench.controllers.deployment.util import (
    DESIRED_REPLICAS_ANNOTATION,
    REVISION_ANNOTATION,
    UNIQUE_LABEL_KEY,
    DeploymentCopy,
    active,
    actual_count,
    available_count,
    by_revision,
    by_size_newer,
    by_size_older,
    clone_selector_and_add_label,
    equal_ignore_hash,
    find_active_or_latest,
    find_new_replica_set,
    find_old_replica_sets,
    has_progress_deadline,
    has_revision_history_limit,
    int_annotation,
    is_rolling_update,
    is_saturated,
    max_revision,
    max_surge,
    max_unavailable,
    new_rs_new_replicas,
    proportion,
    ready_count,
    replica_count,
    replicas_annotations_need_update,
    revision_or_none,
    set_deployment_revision,
    set_new_replica_set_annotations,
    set_replicas_annotations,
)
from kbench.errors import APIError

if TYPE_CHECKING:
    from kbench.controllers.deployment.controller import DeploymentController

Steps = Generator[Call, Any, Any]


def update_status(dc: DeploymentController, w: DeploymentCopy) -> Call:
    """UpdateStatus of the Deployment as the sync holds it."""
    return call(dc.api.update, w.d)


def get_all_replica_sets_and_sync_revision(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet],
                                           create: bool) -> Generator[Call, Any, tuple[ReplicaSet | None, list[ReplicaSet]]]:
    """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created if asked) and all old ones."""
    _, old = find_old_replica_sets(w.d, rs_list)
    new_rs = yield from get_new_replica_set(dc, w, rs_list, old, create)
    return new_rs, old


def get_new_replica_set(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet],
                        old_rss: list[ReplicaSet], create: bool) -> Generator[Call, Any, ReplicaSet | None]:
    """getNewReplicaSet: sync an existing new ReplicaSet's annotations, revision and minReadySeconds,
    or create it (named ``<deployment>-<hash>``, revision = max old + 1)."""
    d = w.d
    existing = find_new_replica_set(d, rs_list)
    new_revision = str(max_revision(old_rss) + 1)
    if existing is not None:
        rs_copy, changed = set_new_replica_set_annotations(d, existing, new_revision, exists=True)
        if changed or rs_copy.spec.min_ready_seconds != d.spec.min_ready_seconds:
            rs_copy = rs_copy.model_copy(update={"spec": rs_copy.spec.model_copy(
                update={"min_ready_seconds": d.spec.min_ready_seconds})})
            updated: ReplicaSet = yield call(dc.api.update, rs_copy)
            if revision_or_none(updated) != revision_or_none(existing):
                dc.rollout_started(d, updated)
            return updated
        needs_update = set_deployment_revision(w, rs_copy.metadata.annotations.get(REVISION_ANNOTATION, ""))
        if has_progress_deadline(d) and cond.get_condition(w.d.status, cond.PROGRESSING) is None:
            c = cond.new_condition(cond.PROGRESSING, "True", cond.FOUND_NEW_RS,
                                   f'Found new replica set "{rs_copy.metadata.name}"', dc.now())
            w.set_status(cond.set_condition(w.d.status, c))
            needs_update = True
        if needs_update:
            yield update_status(dc, w)
        return rs_copy
    if not create:
        return None
    template = d.spec.template
    pod_hash = compute_hash(template, d.status.collision_count)
    labels = {**template.metadata.labels, UNIQUE_LABEL_KEY: pod_hash}
    new_template = template.model_copy(update={"metadata": template.metadata.model_copy(update={"labels": labels})})
    assert d.spec.selector is not None
    new_rs = ReplicaSet(
        metadata=ObjectMeta(name=f"{d.metadata.name}-{pod_hash}", namespace=d.namespace, labels=labels,
                            owner_references=[controller_ref(d)]),
        spec=ReplicaSetSpec(replicas=0, min_ready_seconds=d.spec.min_ready_seconds,
                            selector=clone_selector_and_add_label(d.spec.selector, UNIQUE_LABEL_KEY, pod_hash),
                            template=new_template))
    replicas = new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
    new_rs = new_rs.model_copy(update={"spec": new_rs.spec.model_copy(update={"replicas": replicas})})
    new_rs, _ = set_new_replica_set_annotations(d, new_rs, new_revision, exists=False)
    already_exists = False
    try:
        created: ReplicaSet = yield call(dc.api.create, new_rs)
    except APIError as e:
        if e.reason != "AlreadyExists":
            msg = f'Failed to create new replica set "{new_rs.metadata.name}": {e}'
            if has_progress_deadline(d):
                c = cond.new_condition(cond.PROGRESSING, "False", cond.FAILED_RS_CREATE, msg, dc.now())
                w.set_status(cond.set_condition(w.d.status, c))
                try:
                    yield update_status(dc, w)
                except APIError:
                    pass
            dc.event(d, "Warning", cond.FAILED_RS_CREATE, msg)
            raise e
        already_exists = True
        found = dc.get_replica_set(d.namespace, new_rs.metadata.name)
        if found is None:
            raise APIError("NotFound", f'replicasets "{new_rs.metadata.name}" not found') from None
        ref = controller_of(found)
        if not (ref is not None and ref.uid == d.metadata.uid and equal_ignore_hash(d.spec.template, found.spec.template)):
            count = (w.d.status.collision_count or 0) + 1
            w.set_status(w.d.status.model_copy(update={"collision_count": count}))
            try:
                yield update_status(dc, w)
            except APIError:
                pass
            raise e
        created = found
    if not already_exists:
        if replicas > 0:
            dc.event(d, "Normal", "ScalingReplicaSet", f"Scaled up replica set {created.metadata.name} to {replicas}")
        dc.rollout_started(d, created)
    needs_update = set_deployment_revision(w, new_revision)
    if not already_exists and has_progress_deadline(d):
        c = cond.new_condition(cond.PROGRESSING, "True", cond.NEW_REPLICA_SET,
                               f'Created new replica set "{created.metadata.name}"', dc.now())
        w.set_status(cond.set_condition(w.d.status, c))
        needs_update = True
    if needs_update:
        yield update_status(dc, w)
    return created


def scale(dc: DeploymentController, w: DeploymentCopy, new_rs: ReplicaSet | None, old_rss: list[ReplicaSet]) -> Steps:
    """scale: bring a lone active ReplicaSet to spec.replicas, or scale old ones to 0 beside a
    saturated new one, or, mid-rollout, share the change proportionally among active ones."""
    d = w.d
    only = find_active_or_latest(new_rs, old_rss)
    if only is not None:
        if only.spec.replicas != d.spec.replicas:
            yield from scale_and_record_event(dc, w, only, d.spec.replicas)
        return
    if is_saturated(d, new_rs):
        for old in active(old_rss):
            yield from scale_and_record_event(dc, w, old, 0)
        return
    if not is_rolling_update(d):
        return
    all_rss = active([*old_rss, new_rs])
    allowed = d.spec.replicas + max_surge(d) if d.spec.replicas > 0 else 0
    to_add = allowed - replica_count(all_rss)
    operation = ""
    if to_add > 0:
        all_rss, operation = by_size_newer(all_rss), "up"
    elif to_add < 0:
        all_rss, operation = by_size_older(all_rss), "down"
    added = 0
    sizes: dict[str, int] = {}
    for rs in all_rss:
        if to_add != 0:
            p = proportion(rs, d, to_add, added)
            sizes[rs.metadata.name] = rs.spec.replicas + p
            added += p
        else:
            sizes[rs.metadata.name] = rs.spec.replicas
    for i, rs in enumerate(all_rss):
        if i == 0 and to_add != 0:
            sizes[rs.metadata.name] = max(sizes[rs.metadata.name] + to_add - added, 0)
        yield from scale_replica_set(dc, w, rs, sizes[rs.metadata.name], operation)


def scale_and_record_event(dc: DeploymentController, w: DeploymentCopy, rs: ReplicaSet,
                           new_scale: int) -> Generator[Call, Any, tuple[bool, ReplicaSet]]:
    """scaleReplicaSetAndRecordEvent: nothing when the size is already right."""
    if rs.spec.replicas == new_scale:
        return False, rs
    operation = "up" if rs.spec.replicas < new_scale else "down"
    return (yield from scale_replica_set(dc, w, rs, new_scale, operation))


def scale_replica_set(dc: DeploymentController, w: DeploymentCopy, rs: ReplicaSet, new_scale: int,
                      operation: str) -> Generator[Call, Any, tuple[bool, ReplicaSet]]:
    """scaleReplicaSet: write the size and the replica annotations when either is stale; a size
    change records ``ScalingReplicaSet`` "Scaled up|down replica set NAME from A to B"."""
    d = w.d
    size_changes = rs.spec.replicas != new_scale
    maximum = d.spec.replicas + max_surge(d)
    if not (size_changes or replicas_annotations_need_update(rs, d.spec.replicas, maximum)):
        return False, rs
    old_scale = rs.spec.replicas
    copy = rs.model_copy(update={"spec": rs.spec.model_copy(update={"replicas": new_scale})})
    copy, _ = set_replicas_annotations(copy, d.spec.replicas, maximum)
    updated: ReplicaSet = yield call(dc.api.update, copy)
    if size_changes:
        dc.event(d, "Normal", "ScalingReplicaSet",
                 f"Scaled {operation} replica set {updated.metadata.name} from {old_scale} to {new_scale}")
    return size_changes, updated


def cleanup_deployment(dc: DeploymentController, w: DeploymentCopy, old_rss: list[ReplicaSet]) -> Steps:
    """cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit, skipping any
    that still has replicas, unobserved changes or a deletion under way."""
    d = w.d
    if not has_revision_history_limit(d):
        return
    cleanable = [rs for rs in old_rss if rs.metadata.deletion_timestamp is None]
    diff = len(cleanable) - d.spec.revision_history_limit
    if diff <= 0:
        return
    for rs in by_revision(cleanable)[:diff]:
        if (rs.status.replicas != 0 or rs.spec.replicas != 0
                or (rs.metadata.generation or 0) > rs.status.observed_generation or rs.metadata.deletion_timestamp):
            continue
        try:
            yield call(dc.api.delete, "ReplicaSet", rs.namespace, rs.metadata.name)
        except APIError as e:
            if e.reason != "NotFound":
                raise


def calculate_status(all_rss: list[ReplicaSet | None], new_rs: ReplicaSet | None, w: DeploymentCopy,
                     now: float) -> DeploymentStatus:
    """calculateStatus: counts over the ReplicaSets and the Available condition."""
    d = w.d
    available = available_count(all_rss)
    status = DeploymentStatus(
        observed_generation=d.metadata.generation or 0,
        replicas=actual_count(all_rss),
        updated_replicas=actual_count([new_rs]),
        ready_replicas=ready_count(all_rss),
        available_replicas=available,
        unavailable_replicas=max(replica_count(all_rss) - available, 0),
        collision_count=d.status.collision_count,
        conditions=list(d.status.conditions),
    )
    if available >= d.spec.replicas - max_unavailable(d):
        c = cond.new_condition(cond.AVAILABLE, "True", cond.MINIMUM_REPLICAS_AVAILABLE,
                               "Deployment has minimum availability.", now)
    else:
        c = cond.new_condition(cond.AVAILABLE, "False", cond.MINIMUM_REPLICAS_UNAVAILABLE,
                               "Deployment does not have minimum availability.", now)
    return cond.set_condition(status, c)


def sync_deployment_status(dc: DeploymentController, w: DeploymentCopy, all_rss: list[ReplicaSet | None],
                           new_rs: ReplicaSet | None) -> Steps:
    """syncDeploymentStatus: write the status when it changed."""
    status = calculate_status(all_rss, new_rs, w, dc.now())
    if status == w.d.status:
        return
    w.set_status(status)
    yield update_status(dc, w)


def is_scaling_event(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet]) -> Generator[Call, Any, bool]:
    """isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas."""
    new_rs, old_rss = yield from get_all_replica_sets_and_sync_revision(dc, w, rs_list, False)
    for rs in active([*old_rss, new_rs]):
        desired = int_annotation(rs, DESIRED_REPLICAS_ANNOTATION)
        if desired is not None and desired != w.d.spec.replicas:
            return True
    return False


def sync(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet]) -> Steps:
    """sync: scaling events and paused Deployments (no rollout)."""
    new_rs, old_rss = yield from get_all_replica_sets_and_sync_revision(dc, w, rs_list, False)
    yield from scale(dc, w, new_rs, old_rss)
    if w.d.spec.paused:
        yield from cleanup_deployment(dc, w, old_rss)
    yield from sync_deployment_status(dc, w, [*old_rss, new_rs], new_rs)


def sync_status_only(dc: DeploymentController, w: DeploymentCopy, rs_list: list[ReplicaSet]) -> Steps:
    """syncStatusOnly: a Deployment being deleted only gets its status updated."""
    new_rs, old_rss = yield from get_all_replica_sets_and_sync_revision(dc, w, rs_list, False)
    yield from sync_deployment_status(dc, w, [*old_rss, new_rs], new_rs)


def check_paused_conditions(dc: DeploymentController, w: DeploymentCopy) -> Steps:
    """checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed, so a
    resumed Deployment does not time out for the time it was paused."""
    if not has_progress_deadline(w.d):
        return
    current = cond.get_condition(w.d.status, cond.PROGRESSING)
    if current is not None and current.reason == cond.TIMED_OUT:
        return
    paused_cond = current is not None and current.reason == cond.PAUSED
    if w.d.spec.paused and not paused_cond:
        c = cond.new_condition(cond.PROGRESSING, "Unknown", cond.PAUSED, "Deployment is paused", dc.now())
    elif not w.d.spec.paused and paused_cond:
        c = cond.new_condition(cond.PROGRESSING, "Unknown", cond.RESUMED, "Deployment is resumed", dc.now())
    else:
        return
    w.set_status(cond.set_condition(w.d.status, c))
    yield update_status(dc, w)
