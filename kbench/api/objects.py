"""Kubernetes v1 objects kbench reads (Pod, Node, Namespace), validated strictly with pydantic.

Every field of the real API is known: fields kbench does not model are accepted and ignored,
while a misspelt field is an error naming its path, as ``kubectl apply --validate=strict`` does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from kbench.api.quantity import Quantity, QuantityError, parse_quantity


def _quantity(raw: object) -> Quantity:
    try:
        return parse_quantity(raw)
    except QuantityError:
        raise ValueError(f"invalid quantity '{raw}'") from None


QuantityValue = Annotated[Quantity, BeforeValidator(_quantity)]
ResourceList = dict[str, QuantityValue]


class K8sModel(BaseModel):
    """Base: camelCase field names, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class OwnerReference(K8sModel):
    api_version: str
    kind: str
    name: str
    uid: str = ""
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(K8sModel):
    name: str = ""
    generate_name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    uid: str | None = None
    owner_references: list[OwnerReference] = Field(default_factory=list)
    creation_timestamp: Any = None
    deletion_timestamp: Any = None
    deletion_grace_period_seconds: int | None = None
    resource_version: str | None = None
    generation: int | None = None
    finalizers: list[str] | None = None
    managed_fields: Any = None
    self_link: str | None = None

    @field_validator("labels", "annotations", mode="before")
    @classmethod
    def _none_is_empty(cls, v: object) -> object:
        return {} if v is None else v


# ---- selectors ---------------------------------------------------------------------------------


class LabelSelectorRequirement(K8sModel):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] = Field(default_factory=list)


class LabelSelector(K8sModel):
    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: list[LabelSelectorRequirement] = Field(default_factory=list)


class NodeSelectorRequirement(K8sModel):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: list[str] = Field(default_factory=list)


class NodeSelectorTerm(K8sModel):
    match_expressions: list[NodeSelectorRequirement] = Field(default_factory=list)
    match_fields: list[NodeSelectorRequirement] = Field(default_factory=list)


class NodeSelector(K8sModel):
    node_selector_terms: list[NodeSelectorTerm]


class PreferredSchedulingTerm(K8sModel):
    weight: int
    preference: NodeSelectorTerm


class NodeAffinity(K8sModel):
    required_during_scheduling_ignored_during_execution: NodeSelector | None = None
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] = Field(
        default_factory=list
    )


class PodAffinityTerm(K8sModel):
    label_selector: LabelSelector | None = None
    namespaces: list[str] = Field(default_factory=list)
    topology_key: str
    namespace_selector: LabelSelector | None = None
    match_label_keys: list[str] = Field(default_factory=list)
    mismatch_label_keys: list[str] = Field(default_factory=list)


class WeightedPodAffinityTerm(K8sModel):
    weight: int
    pod_affinity_term: PodAffinityTerm


class PodAffinity(K8sModel):
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] = Field(default_factory=list)
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] = Field(
        default_factory=list
    )


class Affinity(K8sModel):
    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


class Toleration(K8sModel):
    key: str = ""
    operator: Literal["Exists", "Equal", ""] = ""
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute", ""] = ""
    toleration_seconds: int | None = None


class TopologySpreadConstraint(K8sModel):
    max_skew: int = Field(ge=1)
    topology_key: str
    when_unsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"]
    label_selector: LabelSelector | None = None
    min_domains: int | None = Field(default=None, ge=1)
    node_affinity_policy: Literal["Honor", "Ignore"] | None = None
    node_taints_policy: Literal["Honor", "Ignore"] | None = None
    match_label_keys: list[str] = Field(default_factory=list)


# ---- pods --------------------------------------------------------------------------------------


class ResourceRequirements(K8sModel):
    limits: ResourceList = Field(default_factory=dict)
    requests: ResourceList = Field(default_factory=dict)
    claims: Any = None


class ContainerPort(K8sModel):
    container_port: int
    host_port: int = 0
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    host_ip: str = Field(default="", alias="hostIP")
    name: str | None = None


class Container(K8sModel):
    name: str
    image: str = ""
    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    ports: list[ContainerPort] = Field(default_factory=list)
    restart_policy: Literal["Always"] | None = None
    command: Any = None
    args: Any = None
    working_dir: Any = None
    env: Any = None
    env_from: Any = None
    resize_policy: Any = None
    restart_policy_rules: Any = None
    volume_mounts: Any = None
    volume_devices: Any = None
    liveness_probe: Any = None
    readiness_probe: Any = None
    startup_probe: Any = None
    lifecycle: Any = None
    termination_message_path: Any = None
    termination_message_policy: Any = None
    image_pull_policy: Any = None
    security_context: Any = None
    stdin: Any = None
    stdin_once: Any = None
    tty: Any = None


class PodSpec(K8sModel):
    containers: list[Container] = Field(default_factory=list)
    init_containers: list[Container] = Field(default_factory=list)
    node_name: str = ""
    node_selector: dict[str, str] = Field(default_factory=dict)
    affinity: Affinity | None = None
    tolerations: list[Toleration] = Field(default_factory=list)
    topology_spread_constraints: list[TopologySpreadConstraint] = Field(default_factory=list)
    priority: int | None = None
    priority_class_name: str = ""
    preemption_policy: Literal["PreemptLowerPriority", "Never"] | None = None
    overhead: ResourceList = Field(default_factory=dict)
    scheduler_name: str = "default-scheduler"
    termination_grace_period_seconds: int | None = None
    active_deadline_seconds: int | None = None
    restart_policy: Literal["Always", "OnFailure", "Never"] = "Always"
    ephemeral_containers: Any = None
    volumes: Any = None
    dns_policy: Any = None
    service_account_name: Any = None
    service_account: Any = None
    automount_service_account_token: Any = None
    host_network: Any = None
    host_pid: Any = Field(default=None, alias="hostPID")
    host_ipc: Any = Field(default=None, alias="hostIPC")
    share_process_namespace: Any = None
    security_context: Any = None
    image_pull_secrets: Any = None
    hostname: Any = None
    subdomain: Any = None
    host_aliases: Any = None
    dns_config: Any = None
    readiness_gates: Any = None
    runtime_class_name: Any = None
    enable_service_links: Any = None
    set_hostname_as_fqdn: Any = Field(default=None, alias="setHostnameAsFQDN")
    os: Any = None
    host_users: Any = None
    scheduling_gates: Any = None
    resource_claims: Any = None
    resources: Any = None


class Pod(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Pod"] = "Pod"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodSpec = Field(default_factory=PodSpec)
    status: dict[str, Any] = Field(default_factory=dict)

    @property
    def namespace(self) -> str:
        """The pod's namespace; `default` when the manifest names none."""
        return self.metadata.namespace or "default"

    @property
    def key(self) -> str:
        """namespace/name, as kube-scheduler logs a pod."""
        return f"{self.namespace}/{self.metadata.name}"


# ---- nodes and namespaces ----------------------------------------------------------------------


class Taint(K8sModel):
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
    time_added: Any = None


class NodeSpec(K8sModel):
    unschedulable: bool = False
    taints: list[Taint] = Field(default_factory=list)
    pod_cidr: Any = Field(default=None, alias="podCIDR")
    pod_cidrs: Any = Field(default=None, alias="podCIDRs")
    provider_id: Any = Field(default=None, alias="providerID")
    config_source: Any = None
    external_id: Any = Field(default=None, alias="externalID")


class ContainerImage(K8sModel):
    names: list[str] = Field(default_factory=list)
    size_bytes: int = 0


class NodeStatus(K8sModel):
    capacity: ResourceList = Field(default_factory=dict)
    allocatable: ResourceList = Field(default_factory=dict)
    images: list[ContainerImage] = Field(default_factory=list)
    phase: Any = None
    conditions: Any = None
    addresses: Any = None
    daemon_endpoints: Any = None
    node_info: Any = None
    volumes_in_use: Any = None
    volumes_attached: Any = None
    config: Any = None
    runtime_handlers: Any = None
    features: Any = None
    declared_features: Any = None


class Node(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Node"] = "Node"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def allocatable(self) -> dict[str, Quantity]:
        """status.allocatable as the scheduler reads it; a manifest without one falls back to capacity
        (a kubelet always reports allocatable, so only hand-written nodes lack it)."""
        return dict(self.status.allocatable or self.status.capacity)


class Namespace(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Namespace"] = "Namespace"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: Any = None
    status: Any = None


# ---- Services and ReplicationControllers (selectors PodTopologySpread's system defaults read) ------


class _OpenSpec(BaseModel):
    """A spec of which kbench reads only the selector; other fields are accepted as they are."""

    model_config = ConfigDict(extra="allow", frozen=True)


class ServiceSpec(_OpenSpec):
    selector: dict[str, str] | None = None


class ControllerSpec(_OpenSpec):
    selector: dict[str, str] | None = None


class Service(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Service"] = "Service"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ServiceSpec = Field(default_factory=ServiceSpec)
    status: Any = None


class ReplicationController(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["ReplicationController"] = "ReplicationController"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ControllerSpec = Field(default_factory=ControllerSpec)
    status: Any = None
