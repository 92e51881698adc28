"""v1 ResourceQuota and LimitRange, with the API server's defaults and validation
(pkg/apis/core/v1/defaults.go, pkg/apis/core/validation/validation.go).

ResourceQuota: ``spec.hard``, ``spec.scopes`` and ``spec.scopeSelector``; ``status.hard`` and
``status.used`` are written by the quota controller and the ResourceQuota admission plugin (None
until the first write, as an unset status is nil in Go). Validation: quantities are not negative;
scopes are among the pod scopes (Terminating, NotTerminating, BestEffort, NotBestEffort,
PriorityClass, CrossNamespacePodAffinity), apply to the quota's resources
(IsResourceQuotaScopeValidForResource) and do not conflict; scope selector operators follow
validateScopedResourceSelectorRequirement. Simplified: VolumeAttributesClass, a scope for
PersistentVolumeClaims, is rejected as unsupported because kbench models no volumes.

LimitRange: ``spec.limits`` of Container, Pod (and PersistentVolumeClaim, accepted and unused)
items. A Container item is defaulted as SetDefaults_LimitRangeItem does (``default`` from ``max``,
``defaultRequest`` from ``default``, then from ``min``); items are validated as ValidateLimitRange
does (no defaults on a Pod item; min <= defaultRequest <= default <= max; maxLimitRequestRatio >= 1).

A validation failure is reported by the loader at the item or spec with Kubernetes' messages
(several as ``[a, b]``), each prefixed by its field below that.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from kbench.api.label_validation import aggregate
from kbench.api.objects import K8sModel, ObjectMeta, ResourceList
from kbench.api.quantity_format import Amount

SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity")
"""The standard quota scopes that apply to pods (helper.standardResourceQuotaScopes, less VolumeAttributesClass)."""

_POD_OBJECT_COUNT = frozenset({"pods"})
_POD_COMPUTE = frozenset({"cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"})
_STANDARD_QUOTA_RESOURCES = frozenset({
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "services",
    "replicationcontrollers", "resourcequotas", "secrets", "persistentvolumeclaims", "configmaps",
    "services.loadbalancers", "services.nodeports",
})
"""helper.standardQuotaResources."""
_EXISTS_ONLY = frozenset({"BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"})
_CONFLICTS = (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating"))


def scope_valid_for_resource(scope: str, resource: str) -> bool:
    """helper.IsResourceQuotaScopeValidForResource for the pod scopes."""
    if scope == "BestEffort":
        return resource in _POD_OBJECT_COUNT
    return resource in _POD_OBJECT_COUNT or resource in _POD_COMPUTE


class ScopedResourceSelectorRequirement(K8sModel):
    scope_name: str
    operator: str
    values: list[str] = Field(default_factory=list)


class ScopeSelector(K8sModel):
    match_expressions: list[ScopedResourceSelectorRequirement] = Field(default_factory=list)


def _scope_errors(scope: str, hard: ResourceList, where: str) -> list[str]:
    errs = [] if scope in SCOPES else [f"{where}: unsupported scope {scope!r}"]
    if any(k in _STANDARD_QUOTA_RESOURCES and not scope_valid_for_resource(scope, k) for k in sorted(hard)):
        errs.append(f"{where}: unsupported scope applied to resource")
    return errs


class ResourceQuotaSpec(K8sModel):
    hard: ResourceList = Field(default_factory=dict)
    scopes: list[str] = Field(default_factory=list)
    scope_selector: ScopeSelector | None = None

    @model_validator(mode="after")
    def _validate(self) -> ResourceQuotaSpec:
        errs = [f"hard.{k}: must be greater than or equal to 0" for k, q in sorted(self.hard.items()) if q.amount < 0]
        for scope in self.scopes:
            errs += _scope_errors(scope, self.hard, "scopes")
        errs += _conflicts(set(self.scopes), "scopes")
        if self.scope_selector is not None:
            for req in self.scope_selector.match_expressions:
                errs += _requirement_errors(req, self.hard)
            errs += _conflicts({r.scope_name for r in self.scope_selector.match_expressions},
                               "scopeSelector.matchExpressions")
        if errs:
            raise ValueError(aggregate(errs))
        return self


def _conflicts(scopes: set[str], where: str) -> list[str]:
    return [f"{where}: conflicting scopes" for pair in _CONFLICTS if scopes.issuperset(pair)]


def _requirement_errors(req: ScopedResourceSelectorRequirement, hard: ResourceList) -> list[str]:
    """validateScopedResourceSelectorRequirement for one match expression."""
    where = "scopeSelector.matchExpressions"
    errs = _scope_errors(req.scope_name, hard, where)
    if req.scope_name in _EXISTS_ONLY and req.operator != "Exists":
        errs.append(f"{where}.operator: must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, "
                    "ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, "
                    "ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity")
    if req.operator in ("In", "NotIn"):
        if not req.values:
            errs.append(f"{where}.values: must be at least one value when `operator` is 'In' or 'NotIn' for "
                        "scope selector")
    elif req.operator in ("Exists", "DoesNotExist"):
        if req.values:
            errs.append(f"{where}.values: must be no value when `operator` is 'Exist' or 'DoesNotExist' for "
                        "scope selector")
    else:
        errs.append(f"{where}.operator: not a valid selector operator")
    return errs


class ResourceQuotaStatus(K8sModel):
    hard: ResourceList | None = None
    used: ResourceList | None = None


class ResourceQuota(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["ResourceQuota"] = "ResourceQuota"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ResourceQuotaSpec = Field(default_factory=ResourceQuotaSpec)
    status: ResourceQuotaStatus = Field(default_factory=ResourceQuotaStatus)


# ---- LimitRange ------------------------------------------------------------------------------------


def _overcommit_allowed(name: str) -> bool:
    """helper.IsOvercommitAllowed: native resources other than hugepages."""
    native = "/" not in name or "kubernetes.io/" in name
    return native and not name.startswith("hugepages-")


class LimitRangeItem(K8sModel):
    type: Literal["Container", "Pod", "PersistentVolumeClaim"]
    max: ResourceList = Field(default_factory=dict)
    min: ResourceList = Field(default_factory=dict)
    default: ResourceList = Field(default_factory=dict)
    default_request: ResourceList = Field(default_factory=dict)
    max_limit_request_ratio: ResourceList = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_and_validate(self) -> LimitRangeItem:
        if self.type == "Container":
            default = dict(self.default)
            for k, q in self.max.items():
                default.setdefault(k, q)
            request = dict(self.default_request)
            for k, q in default.items():
                request.setdefault(k, q)
            for k, q in self.min.items():
                request.setdefault(k, q)
            object.__setattr__(self, "default", default)
            object.__setattr__(self, "default_request", request)
        errs = self._errors()
        if errs:
            raise ValueError(aggregate(errs))
        return self

    def _errors(self) -> list[str]:
        """ValidateLimitRange's checks of one item (after defaulting)."""
        errs: list[str] = []
        if self.type == "Pod":
            if self.default:
                errs.append("default: Forbidden: may not be specified when `type` is 'Pod'")
            if self.default_request:
                errs.append("defaultRequest: Forbidden: may not be specified when `type` is 'Pod'")
        keys = sorted({*self.max, *self.min, *self.default, *self.default_request, *self.max_limit_request_ratio})
        for k in keys:
            errs += self._key_errors(k)
        return errs

    def _key_errors(self, k: str) -> list[str]:
        lo, hi = self.min.get(k), self.max.get(k)
        dflt, req, ratio = self.default.get(k), self.default_request.get(k), self.max_limit_request_ratio.get(k)
        s = {name: str(Amount.of(q)) for name, q in (("min", lo), ("max", hi), ("default", dflt), ("req", req),
                                                     ("ratio", ratio)) if q is not None}
        errs = []
        if lo is not None and hi is not None and lo.amount > hi.amount:
            errs.append(f"min[{k}]: min value {s['min']} is greater than max value {s['max']}")
        if req is not None and lo is not None and lo.amount > req.amount:
            errs.append(f"defaultRequest[{k}]: min value {s['min']} is greater than default request value {s['req']}")
        if req is not None and hi is not None and req.amount > hi.amount:
            errs.append(f"defaultRequest[{k}]: default request value {s['req']} is greater than max value {s['max']}")
        if req is not None and dflt is not None and req.amount > dflt.amount:
            errs.append(f"defaultRequest[{k}]: default request value {s['req']} is greater than default limit "
                        f"value {s['default']}")
        if dflt is not None and lo is not None and lo.amount > dflt.amount:
            errs.append(f"default[{k}]: min value {s['min']} is greater than default value {s['default']}")
        if dflt is not None and hi is not None and dflt.amount > hi.amount:
            errs.append(f"default[{k}]: default value {s['default']} is greater than max value {s['max']}")
        if ratio is not None and ratio.amount < 1:
            errs.append(f"maxLimitRequestRatio[{k}]: ratio {s['ratio']} is less than 1")
        if not _overcommit_allowed(k) and dflt is not None and req is not None and dflt.amount != req.amount:
            errs.append(f"defaultRequest[{k}]: default value {s['default']} must equal to defaultRequest value "
                        f"{s['req']} in {k}")
        return errs


class LimitRangeSpec(K8sModel):
    limits: list[LimitRangeItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_item_per_type(self) -> LimitRangeSpec:
        seen: set[str] = set()
        for i, item in enumerate(self.limits):
            if item.type in seen:
                raise ValueError(f'limits[{i}].type: Duplicate value: "{item.type}"')
            seen.add(item.type)
        return self


class LimitRange(K8sModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["LimitRange"] = "LimitRange"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: LimitRangeSpec = Field(default_factory=LimitRangeSpec)
