"""Deployment conditions (deployment_util.go): the Progressing and Available reasons and the
helpers that set a condition without touching it when its status and reason are unchanged."""

from __future__ import annotations

from kbench.api.workloads import Condition, DeploymentStatus, ReplicaSet
from kbench.controllers.deployment.util import api_time

PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"

REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_REPLICA_SET = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"


def new_condition(type_: str, status: str, reason: str, message: str, now: float) -> Condition:
    """NewDeploymentCondition: updated and transitioned now (as the API stores it, whole seconds)."""
    t = api_time(now)
    return Condition(type=type_, status=status, reason=reason, message=message,  # type: ignore[arg-type]
                     last_update_time=t, last_transition_time=t)


def get_condition(status: DeploymentStatus, type_: str) -> Condition | None:
    return next((c for c in status.conditions if c.type == type_), None)


def set_condition(status: DeploymentStatus, cond: Condition) -> DeploymentStatus:
    """SetDeploymentCondition: no change when status and reason are the same; keep the transition
    time when only the reason changes."""
    current = get_condition(status, cond.type)
    if current is not None and current.status == cond.status and current.reason == cond.reason:
        return status
    if current is not None and current.status == cond.status:
        cond = cond.model_copy(update={"last_transition_time": current.last_transition_time})
    return status.model_copy(update={"conditions": [c for c in status.conditions if c.type != cond.type] + [cond]})


def remove_condition(status: DeploymentStatus, type_: str) -> DeploymentStatus:
    return status.model_copy(update={"conditions": [c for c in status.conditions if c.type != type_]})


def replica_failures(all_rss: list[ReplicaSet | None], new_rs: ReplicaSet | None) -> list[Condition]:
    """getReplicaFailures: the ReplicaFailure conditions of the new ReplicaSet, else of any, as
    Deployment conditions (ReplicaSetToDeploymentCondition)."""
    def of(rss: list[ReplicaSet | None]) -> list[Condition]:
        return [c.model_copy(update={"last_update_time": c.last_transition_time})
                for rs in rss if rs is not None for c in rs.status.conditions if c.type == REPLICA_FAILURE]
    return of([new_rs]) or of(all_rss)
