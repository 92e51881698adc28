"""scheduling.k8s.io/v1 PriorityClass, its API default, its validation, and the system classes.

``preemptionPolicy`` defaults to PreemptLowerPriority (SetDefaults_PriorityClass). Validation is
pkg/apis/scheduling/validation's ValidatePriorityClass: a name starting ``system-`` must be one of
the system classes with its exact value and globalDefault (IsKnownSystemPriorityClass), and other
classes may not exceed HighestUserDefinablePriority. kbench's API server has no per-kind
validation step, so the Priority admission plugin calls :func:`priority_class_errors` on create.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kbench.api.objects import K8sModel, ObjectMeta

HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000
"""scheduling.HighestUserDefinablePriority."""
SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY
"""scheduling.SystemCriticalPriority: the value of system-cluster-critical."""
SYSTEM_PRIORITY_CLASS_PREFIX = "system-"
SYSTEM_CLUSTER_CRITICAL = "system-cluster-critical"
SYSTEM_NODE_CRITICAL = "system-node-critical"
DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0

PreemptionPolicy = Literal["PreemptLowerPriority", "Never"]


class PriorityClass(K8sModel):
    api_version: Literal["scheduling.k8s.io/v1"] = "scheduling.k8s.io/v1"
    kind: Literal["PriorityClass"] = "PriorityClass"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    value: int = Field(ge=-(2**31), le=2**31 - 1)
    global_default: bool = False
    description: str = ""
    preemption_policy: PreemptionPolicy = "PreemptLowerPriority"


SYSTEM_PRIORITY_CLASSES: tuple[PriorityClass, ...] = (
    PriorityClass(metadata=ObjectMeta(name=SYSTEM_NODE_CRITICAL), value=SYSTEM_CRITICAL_PRIORITY + 1000,
                  description="Used for system critical pods that must not be moved from their current node."),
    PriorityClass(metadata=ObjectMeta(name=SYSTEM_CLUSTER_CRITICAL), value=SYSTEM_CRITICAL_PRIORITY,
                  description="Used for system critical pods that must run in the cluster, but can be moved to "
                              "another node if necessary."),
)
"""schedulingapiv1.SystemPriorityClasses, in its order: the classes the API server creates at startup."""


def _known_system_class_error(pc: PriorityClass) -> str | None:
    """IsKnownSystemPriorityClass's error, None when ``pc`` is exactly a system class."""
    for spc in SYSTEM_PRIORITY_CLASSES:
        if spc.metadata.name == pc.metadata.name:
            if spc.value != pc.value:
                return f"value of {spc.metadata.name} PriorityClass must be {spc.value}"
            if spc.global_default != pc.global_default:
                return f"globalDefault of {spc.metadata.name} PriorityClass must be {str(spc.global_default).lower()}"
            return None
    return f"{pc.metadata.name} is not a known system priority class"


def priority_class_errors(pc: PriorityClass) -> list[str]:
    """ValidatePriorityClass's field errors, each as ``<field>: Forbidden: <detail>``."""
    if pc.metadata.name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
        err = _known_system_class_error(pc)
        if err is not None:
            return [f"metadata.name: Forbidden: priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix "
                    f"are reserved for system use only. error: {err}"]
    elif pc.value > HIGHEST_USER_DEFINABLE_PRIORITY:
        return [f"value: Forbidden: maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"]
    return []
