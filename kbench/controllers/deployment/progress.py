"""Rollout progress of a Deployment (pkg/controller/deployment/progress.go): the Progressing
condition (NewReplicaSetAvailable when complete, ReplicaSetUpdated while progressing,
ProgressDeadlineExceeded when no progress for progressDeadlineSeconds), ReplicaFailure copied
from the ReplicaSets, and a requeue at the deadline of a Deployment that stopped progressing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kbench.api.workloads import DeploymentStatus, ReplicaSet
from kbench.controllers.deployment import conditions as cond
from kbench.controllers.deployment.sync import Steps, calculate_status, update_status
from kbench.controllers.deployment.util import (
    REVISION_ANNOTATION,
    DeploymentCopy,
    deployment_complete,
    deployment_progressing,
    has_progress_deadline,
)

if TYPE_CHECKING:
    from kbench.api.workloads import Deployment
    from kbench.controllers.deployment.controller import DeploymentController


def timed_out(d: Deployment, status: DeploymentStatus, now: float) -> bool:
    """DeploymentTimedOut: the Progressing condition was last updated more than
    progressDeadlineSeconds ago (never once the rollout completed; always once timed out)."""
    c = cond.get_condition(status, cond.PROGRESSING)
    if not has_progress_deadline(d) or c is None or c.reason == cond.NEW_RS_AVAILABLE:
        return False
    if c.reason == cond.TIMED_OUT:
        return True
    return float(c.last_update_time or 0.0) + d.spec.progress_deadline_seconds < now


def sync_rollout_status(dc: DeploymentController, w: DeploymentCopy, all_rss: list[ReplicaSet | None],
                        new_rs: ReplicaSet | None) -> Steps:
    """syncRolloutStatus: the status with the Progressing condition estimated, written when changed."""
    d = w.d
    now = dc.now()
    status = calculate_status(all_rss, new_rs, w, now)
    if not has_progress_deadline(d):
        status = cond.remove_condition(status, cond.PROGRESSING)
    current = cond.get_condition(d.status, cond.PROGRESSING)
    complete_before = (status.replicas == status.updated_replicas and current is not None
                       and current.reason == cond.NEW_RS_AVAILABLE)
    completes = False
    if has_progress_deadline(d) and not complete_before:
        name = f'ReplicaSet "{new_rs.metadata.name}"' if new_rs is not None else f'Deployment "{d.metadata.name}"'
        if deployment_complete(d, status):
            c = cond.new_condition(cond.PROGRESSING, "True", cond.NEW_RS_AVAILABLE,
                                   f"{name} has successfully progressed.", now)
            status = cond.set_condition(status, c)
            completes = True
        elif deployment_progressing(d, status):
            c = cond.new_condition(cond.PROGRESSING, "True", cond.REPLICA_SET_UPDATED, f"{name} is progressing.", now)
            if current is not None:
                if current.status == "True":
                    c = c.model_copy(update={"last_transition_time": current.last_transition_time})
                status = cond.remove_condition(status, cond.PROGRESSING)
            status = cond.set_condition(status, c)
        elif timed_out(d, status, now):
            c = cond.new_condition(cond.PROGRESSING, "False", cond.TIMED_OUT, f"{name} has timed out progressing.", now)
            status = cond.set_condition(status, c)
    failures = cond.replica_failures(all_rss, new_rs)
    if failures:
        status = cond.set_condition(status, failures[0])
    else:
        status = cond.remove_condition(status, cond.REPLICA_FAILURE)
    if status == d.status:
        requeue_stuck_deployment(dc, d, status)
        return
    w.set_status(status)
    yield update_status(dc, w)
    if completes and new_rs is not None:
        dc.rollout_completed(d, new_rs.metadata.annotations.get(REVISION_ANNOTATION))


def requeue_stuck_deployment(dc: DeploymentController, d: Deployment, status: DeploymentStatus) -> float:
    """requeueStuckDeployment: sync again when the progress deadline passes (rate-limited now if
    it is less than a second away); -1 when no check is needed."""
    current = cond.get_condition(d.status, cond.PROGRESSING)
    if (not has_progress_deadline(d) or current is None or deployment_complete(d, status)
            or current.reason == cond.TIMED_OUT):
        return -1.0
    after = float(current.last_update_time or 0.0) + d.spec.progress_deadline_seconds - dc.now()
    if after < 1.0:
        dc.queue.add_rate_limited(d.key)
        return 0.0
    dc.queue.add_after(d.key, after + 1.0)
    return after

