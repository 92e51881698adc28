"""policy/v1 PodDisruptionBudget: the object, its validation, and the view preemption reads.

Mirrors k8s.io/api/policy/v1 types.go: ``spec.minAvailable`` or ``spec.maxUnavailable`` (an int
or a percentage, at most one of them), ``spec.selector`` (a nil selector matches no pod; an empty
one, every pod of the namespace, as policy/v1 defines), and the status the disruption controller
keeps (``disruptionsAllowed``, ``currentHealthy``, ``desiredHealthy``, ``expectedPods``,
``disruptedPods``: pod name -> time the eviction API let it go, not yet observed deleted;
``conditions``: ``DisruptionAllowed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kbench.api.objects import K8sModel, LabelSelector, ObjectMeta
from kbench.api.selectors import Selector, label_selector
from kbench.api.workloads import Condition, IntOrString, _int_or_percent


class PodDisruptionBudgetSpec(K8sModel):
    min_available: IntOrString | None = None
    max_unavailable: IntOrString | None = None
    selector: LabelSelector | None = None
    unhealthy_pod_eviction_policy: Literal["IfHealthyBudget", "AlwaysAllow"] | None = None

    @field_validator("min_available", "max_unavailable")
    @classmethod
    def _check(cls, v: IntOrString | None) -> IntOrString | None:
        return None if v is None else _int_or_percent(v, "value")

    @model_validator(mode="after")
    def _one_of(self) -> PodDisruptionBudgetSpec:
        if self.min_available is not None and self.max_unavailable is not None:
            raise ValueError("minAvailable and maxUnavailable cannot be both set")
        return self


class PodDisruptionBudgetStatus(K8sModel):
    observed_generation: int = 0
    disrupted_pods: dict[str, float] = Field(default_factory=dict)
    """Pod name -> simulated time it was let go by an eviction and not yet seen deleted."""
    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0
    conditions: list[Condition] = Field(default_factory=list)
    """The ``DisruptionAllowed`` condition the disruption controller keeps."""


class PodDisruptionBudget(K8sModel):
    api_version: Literal["policy/v1"] = "policy/v1"
    kind: Literal["PodDisruptionBudget"] = "PodDisruptionBudget"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: PodDisruptionBudgetSpec = Field(default_factory=PodDisruptionBudgetSpec)
    status: PodDisruptionBudgetStatus = Field(default_factory=PodDisruptionBudgetStatus)


@dataclass(frozen=True)
class PDBView:
    """What DefaultPreemption reads of a PDB (filterPodsWithPDBViolation): its namespace, compiled
    selector, ``disruptionsAllowed`` and the pods it already counts as disrupted."""

    namespace: str
    selector: Selector
    disruptions_allowed: int
    disrupted_pods: frozenset[str]

    def matches(self, namespace: str, labels: Mapping[str, str]) -> bool:
        """The PDB covers a pod: same namespace, the selector matches, and the selector is not empty
        (filterPodsWithPDBViolation skips a PDB whose selector is empty)."""
        return namespace == self.namespace and not self.selector.empty and self.selector.matches(labels)


def pdb_view(pdb: PodDisruptionBudget) -> PDBView:
    """The :class:`PDBView` of a PodDisruptionBudget object."""
    return PDBView(pdb.metadata.namespace or "default", label_selector(pdb.spec.selector),
                   pdb.status.disruptions_allowed, frozenset(pdb.status.disrupted_pods))
