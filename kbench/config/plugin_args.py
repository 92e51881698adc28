"""Typed args of the in-tree plugins (kubescheduler.config.k8s.io/v1 *Args) with their defaults and
the checks of pkg/scheduler/apis/config/validation/validation_pluginargs.go."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kbench.api.objects import NodeAffinity
from kbench.errors import FieldError
from kbench.validation import describe

A = TypeVar("A", bound="PluginArgs")


class PluginArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def parse(cls: type[A], raw: dict[str, Any] | None) -> A:
        """Validate raw camelCase args; a FieldError names the field inside args."""
        try:
            return cls.model_validate({k: v for k, v in (raw or {}).items() if k not in ("apiVersion", "kind")})
        except ValidationError as e:
            path, msg = describe(e)
            raise FieldError(path, msg) from None


class ResourceSpec(PluginArgs):
    name: str
    weight: int = Field(default=1, ge=1, le=100)


class UtilizationShapePoint(PluginArgs):
    utilization: int = Field(ge=0, le=100)
    score: int = Field(ge=0, le=10)


class RequestedToCapacityRatioParam(PluginArgs):
    shape: list[UtilizationShapePoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> RequestedToCapacityRatioParam:
        for a, b in zip(self.shape, self.shape[1:]):
            if b.utilization <= a.utilization:
                raise ValueError("shape: utilization values must be sorted in increasing order")
        return self


def _default_resources() -> list[ResourceSpec]:
    return [ResourceSpec(name="cpu"), ResourceSpec(name="memory")]


class ScoringStrategy(PluginArgs):
    type: Literal["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"] = "LeastAllocated"
    resources: list[ResourceSpec] = Field(default_factory=_default_resources)
    requestedToCapacityRatio: RequestedToCapacityRatioParam | None = None

    @model_validator(mode="after")
    def _shape_for_rtcr(self) -> ScoringStrategy:
        if self.type == "RequestedToCapacityRatio" and self.requestedToCapacityRatio is None:
            raise ValueError("requestedToCapacityRatio: required for type RequestedToCapacityRatio")
        if not self.resources:
            object.__setattr__(self, "resources", _default_resources())
        return self


class NodeResourcesFitArgs(PluginArgs):
    ignoredResources: list[str] = Field(default_factory=list)
    ignoredResourceGroups: list[str] = Field(default_factory=list)
    scoringStrategy: ScoringStrategy = Field(default_factory=ScoringStrategy)


class NodeResourcesBalancedAllocationArgs(PluginArgs):
    resources: list[ResourceSpec] = Field(default_factory=_default_resources)


class NodeAffinityArgs(PluginArgs):
    addedAffinity: NodeAffinity | None = None


class RandomArgs(PluginArgs):
    """Args of the Random GPU policy: the seed of its node and GPU draws."""

    seed: int = Field(default=0, ge=0)


class FGDArgs(PluginArgs):
    """Args of the FGD GPU policy: the target workload M, a pod list name
    (``alibaba-gpu-v2023:default``) or a pod CSV path, whose typical task types FGD measures by.
    Unset: the workload of the run (`kbench run` supplies it, as the paper measures by the trace
    it replays)."""

    targetWorkload: str | None = Field(default=None, min_length=1)


class DefaultPreemptionArgs(PluginArgs):
    """DefaultPreemptionArgs: how many candidate nodes a preemption dry-runs at least, as a
    percentage of the nodes and as an absolute number (ValidateDefaultPreemptionArgs' ranges)."""

    minCandidateNodesPercentage: int = Field(default=10, ge=0, le=100)
    minCandidateNodesAbsolute: int = Field(default=100, ge=0)

    @model_validator(mode="after")
    def _not_both_zero(self) -> DefaultPreemptionArgs:
        if self.minCandidateNodesPercentage == 0 and self.minCandidateNodesAbsolute == 0:
            raise ValueError("minCandidateNodesPercentage and minCandidateNodesAbsolute cannot be both zero")
        return self
