"""Workload controllers' objects: apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet and
batch/v1 Job, with the API server's defaults (SetDefaults_* in pkg/apis/apps/v1 and batch/v1).

Validated strictly as the core objects are: every real field is known, a misspelt one is an error.
Fields kbench does not model (volumeClaimTemplates, podFailurePolicy, ...) are accepted as given.
Defaults are filled at validation, so a controller reads ``spec.replicas`` as an int, never None.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from kbench.api.objects import K8sModel, LabelSelector, ObjectMeta, PodSpec

_PERCENT = re.compile(r"^(0|[1-9][0-9]*)%$")

IntOrString = int | str
"""intstr.IntOrString: an int, or a string; kbench's fields take a percentage "N%" as the string."""


def _int_or_percent(v: IntOrString, field: str) -> IntOrString:
    if isinstance(v, bool):
        raise ValueError(f"{field} must be an integer or a percentage")
    if isinstance(v, int):
        if v < 0:
            raise ValueError(f"{field} must be greater than or equal to 0")
        return v
    if not _PERCENT.match(v):
        raise ValueError(f"{field} must be an integer or a percentage like '25%', got {v!r}")
    return v


class PodTemplateSpec(K8sModel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec = Field(default_factory=PodSpec)


class Condition(K8sModel):
    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str = ""
    message: str = ""
    last_transition_time: Any = None
    last_update_time: Any = None
    last_probe_time: Any = None
    observed_generation: int | None = None


class _Workload(K8sModel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or "default"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.metadata.name}"


# ---- ReplicaSet --------------------------------------------------------------------------------


class ReplicaSetSpec(K8sModel):
    replicas: int = Field(default=1, ge=0)
    min_ready_seconds: int = Field(default=0, ge=0)
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)


class ReplicaSetStatus(K8sModel):
    replicas: int = 0
    fully_labeled_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    terminating_replicas: int | None = None
    observed_generation: int = 0
    conditions: list[Condition] = Field(default_factory=list)


class ReplicaSet(_Workload):
    api_version: Literal["apps/v1"] = "apps/v1"
    kind: Literal["ReplicaSet"] = "ReplicaSet"
    spec: ReplicaSetSpec = Field(default_factory=ReplicaSetSpec)
    status: ReplicaSetStatus = Field(default_factory=ReplicaSetStatus)


# ---- Deployment --------------------------------------------------------------------------------


class RollingUpdateDeployment(K8sModel):
    max_unavailable: IntOrString = "25%"
    max_surge: IntOrString = "25%"

    @field_validator("max_unavailable", "max_surge")
    @classmethod
    def _check(cls, v: IntOrString) -> IntOrString:
        return _int_or_percent(v, "value")


class DeploymentStrategy(K8sModel):
    type: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    rolling_update: RollingUpdateDeployment | None = None

    @model_validator(mode="after")
    def _default_rolling(self) -> DeploymentStrategy:
        if self.type == "RollingUpdate" and self.rolling_update is None:
            object.__setattr__(self, "rolling_update", RollingUpdateDeployment())
        if self.type == "Recreate" and self.rolling_update is not None:
            raise ValueError("rollingUpdate may not be specified when strategy type is 'Recreate'")
        return self


class DeploymentSpec(K8sModel):
    replicas: int = Field(default=1, ge=0)
    selector: LabelSelector
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    strategy: DeploymentStrategy = Field(default_factory=DeploymentStrategy)
    min_ready_seconds: int = Field(default=0, ge=0)
    revision_history_limit: int = Field(default=10, ge=0)
    paused: bool = False
    progress_deadline_seconds: int = Field(default=600, ge=1)


class DeploymentStatus(K8sModel):
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    terminating_replicas: int | None = None
    conditions: list[Condition] = Field(default_factory=list)
    collision_count: int | None = None


class Deployment(_Workload):
    api_version: Literal["apps/v1"] = "apps/v1"
    kind: Literal["Deployment"] = "Deployment"
    spec: DeploymentSpec
    status: DeploymentStatus = Field(default_factory=DeploymentStatus)


# ---- StatefulSet -------------------------------------------------------------------------------


class RollingUpdateStatefulSetStrategy(K8sModel):
    partition: int = Field(default=0, ge=0)
    max_unavailable: IntOrString | None = None


class StatefulSetUpdateStrategy(K8sModel):
    type: Literal["RollingUpdate", "OnDelete"] = "RollingUpdate"
    rolling_update: RollingUpdateStatefulSetStrategy | None = None

    @model_validator(mode="after")
    def _default_rolling(self) -> StatefulSetUpdateStrategy:
        if self.type == "RollingUpdate" and self.rolling_update is None:
            object.__setattr__(self, "rolling_update", RollingUpdateStatefulSetStrategy())
        return self


class StatefulSetOrdinals(K8sModel):
    start: int = Field(default=0, ge=0)


class StatefulSetSpec(K8sModel):
    replicas: int = Field(default=1, ge=0)
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    service_name: str = ""
    pod_management_policy: Literal["OrderedReady", "Parallel"] = "OrderedReady"
    update_strategy: StatefulSetUpdateStrategy = Field(default_factory=StatefulSetUpdateStrategy)
    revision_history_limit: int = Field(default=10, ge=0)
    min_ready_seconds: int = Field(default=0, ge=0)
    ordinals: StatefulSetOrdinals | None = None
    volume_claim_templates: Any = None
    persistent_volume_claim_retention_policy: Any = None


class StatefulSetStatus(K8sModel):
    observed_generation: int = 0
    replicas: int = 0
    ready_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0
    available_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    collision_count: int | None = None
    conditions: list[Condition] = Field(default_factory=list)


class StatefulSet(_Workload):
    api_version: Literal["apps/v1"] = "apps/v1"
    kind: Literal["StatefulSet"] = "StatefulSet"
    spec: StatefulSetSpec = Field(default_factory=StatefulSetSpec)
    status: StatefulSetStatus = Field(default_factory=StatefulSetStatus)


# ---- DaemonSet ---------------------------------------------------------------------------------


class RollingUpdateDaemonSet(K8sModel):
    max_unavailable: IntOrString = 1
    max_surge: IntOrString = 0

    @field_validator("max_unavailable", "max_surge")
    @classmethod
    def _check(cls, v: IntOrString) -> IntOrString:
        return _int_or_percent(v, "value")


class DaemonSetUpdateStrategy(K8sModel):
    type: Literal["RollingUpdate", "OnDelete"] = "RollingUpdate"
    rolling_update: RollingUpdateDaemonSet | None = None

    @model_validator(mode="after")
    def _default_rolling(self) -> DaemonSetUpdateStrategy:
        if self.type == "RollingUpdate" and self.rolling_update is None:
            object.__setattr__(self, "rolling_update", RollingUpdateDaemonSet())
        return self


class DaemonSetSpec(K8sModel):
    selector: LabelSelector
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    update_strategy: DaemonSetUpdateStrategy = Field(default_factory=DaemonSetUpdateStrategy)
    min_ready_seconds: int = Field(default=0, ge=0)
    revision_history_limit: int = Field(default=10, ge=0)


class DaemonSetStatus(K8sModel):
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    desired_number_scheduled: int = 0
    number_ready: int = 0
    observed_generation: int = 0
    updated_number_scheduled: int = 0
    number_available: int = 0
    number_unavailable: int = 0
    collision_count: int | None = None
    conditions: list[Condition] = Field(default_factory=list)


class DaemonSet(_Workload):
    api_version: Literal["apps/v1"] = "apps/v1"
    kind: Literal["DaemonSet"] = "DaemonSet"
    spec: DaemonSetSpec
    status: DaemonSetStatus = Field(default_factory=DaemonSetStatus)


# ---- Job ---------------------------------------------------------------------------------------


class JobSpec(K8sModel):
    parallelism: int | None = Field(default=None, ge=0)
    completions: int | None = Field(default=None, ge=0)
    completion_mode: Literal["NonIndexed", "Indexed"] = "NonIndexed"
    backoff_limit: int | None = Field(default=None, ge=0)
    backoff_limit_per_index: int | None = None
    max_failed_indexes: int | None = None
    active_deadline_seconds: int | None = Field(default=None, ge=1)
    ttl_seconds_after_finished: int | None = None
    suspend: bool = False
    manual_selector: bool | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec = Field(default_factory=PodTemplateSpec)
    pod_failure_policy: Any = None
    success_policy: Any = None
    pod_replacement_policy: Any = None
    managed_by: str | None = None

    @model_validator(mode="after")
    def _defaults(self) -> JobSpec:
        # SetDefaults_Job: both unset -> 1 and 1; parallelism defaults to 1; completions stays
        # unset when only parallelism is given (a work-queue Job); backoffLimit 6.
        if self.completions is None and self.parallelism is None:
            object.__setattr__(self, "completions", 1)
        if self.parallelism is None:
            object.__setattr__(self, "parallelism", 1)
        if self.backoff_limit is None:
            object.__setattr__(self, "backoff_limit", 6)
        if self.completion_mode == "Indexed" and self.completions is None:
            raise ValueError("completions is required when completionMode is Indexed")
        if self.template.spec.restart_policy not in ("OnFailure", "Never"):
            raise ValueError("template.spec.restartPolicy must be 'OnFailure' or 'Never'")
        return self


class JobStatus(K8sModel):
    active: int = 0
    succeeded: int = 0
    failed: int = 0
    terminating: int | None = None
    ready: int | None = None
    start_time: Any = None
    completion_time: Any = None
    completed_indexes: str = ""
    failed_indexes: str | None = None
    uncounted_terminated_pods: Any = None
    conditions: list[Condition] = Field(default_factory=list)


class Job(_Workload):
    api_version: Literal["batch/v1"] = "batch/v1"
    kind: Literal["Job"] = "Job"
    spec: JobSpec
    status: JobStatus = Field(default_factory=JobStatus)
