"""KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) loading, defaulting and expansion.

Defaulting follows pkg/scheduler/apis/config/v1 (getDefaultPlugins, mergePlugins,
mergePluginSet); expansion of ``multiPoint`` follows the framework's expandMultiPointPlugins,
and score weights getScoreWeights. The result is a `ProfileConfig`: for each extension point
kbench runs, the ordered plugin names, plus score weights and each plugin's args.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kbench.api.loader import read_yaml_documents
from kbench.errors import ConfigError, FieldError
from kbench.scheduler.framework import Plugin
from kbench.scheduler.plugins import registry
from kbench.validation import describe

API_VERSION = "kubescheduler.config.k8s.io/v1"
POINTS = (
    "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score",
    "reserve", "permit", "preBind", "bind", "postBind",
)
RUN_POINTS = ("preFilter", "filter", "preScore", "score")
EXPANDED_POINTS = (*RUN_POINTS, "postFilter")
"""Points a ProfileConfig lists plugins for: those the cycle runs, and postFilter (DefaultPreemption)."""

DEFAULT_MULTI_POINT: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
)
"""getDefaultPlugins() of kubescheduler.config.k8s.io/v1: all enabled through multiPoint."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PluginRef(_Strict):
    name: str
    weight: int | None = Field(default=None, ge=0)


class PluginSet(_Strict):
    enabled: list[PluginRef] = Field(default_factory=list)
    disabled: list[PluginRef] = Field(default_factory=list)


class Plugins(_Strict):
    preEnqueue: PluginSet = Field(default_factory=PluginSet)
    queueSort: PluginSet = Field(default_factory=PluginSet)
    preFilter: PluginSet = Field(default_factory=PluginSet)
    filter: PluginSet = Field(default_factory=PluginSet)
    postFilter: PluginSet = Field(default_factory=PluginSet)
    preScore: PluginSet = Field(default_factory=PluginSet)
    score: PluginSet = Field(default_factory=PluginSet)
    reserve: PluginSet = Field(default_factory=PluginSet)
    permit: PluginSet = Field(default_factory=PluginSet)
    preBind: PluginSet = Field(default_factory=PluginSet)
    bind: PluginSet = Field(default_factory=PluginSet)
    postBind: PluginSet = Field(default_factory=PluginSet)
    multiPoint: PluginSet = Field(default_factory=PluginSet)


class PluginConfigEntry(_Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Profile(_Strict):
    schedulerName: str = "default-scheduler"
    percentageOfNodesToScore: int | None = Field(default=None, ge=0, le=100)
    plugins: Plugins = Field(default_factory=Plugins)
    pluginConfig: list[PluginConfigEntry] = Field(default_factory=list)


class KubeSchedulerConfiguration(_Strict):
    apiVersion: Literal["kubescheduler.config.k8s.io/v1"]
    kind: Literal["KubeSchedulerConfiguration"]
    profiles: list[Profile] = Field(default_factory=lambda: [Profile()])
    percentageOfNodesToScore: int | None = Field(default=None, ge=0, le=100)
    podInitialBackoffSeconds: int = Field(default=1, ge=1)
    podMaxBackoffSeconds: int = Field(default=10, ge=1)
    parallelism: int | None = Field(default=None, ge=1)
    leaderElection: Any = None
    clientConnection: Any = None
    healthzBindAddress: Any = None
    metricsBindAddress: Any = None
    enableProfiling: Any = None
    enableContentionProfiling: Any = None
    extenders: Any = None
    delayCacheUntilActive: Any = None


@dataclass
class ProfileConfig:
    """One expanded profile: plugin names per extension point, score weights and plugin args."""

    name: str = "default-scheduler"
    points: dict[str, list[str]] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    args: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugins: dict[str, Plugin] = field(default_factory=dict)
    """One instance per plugin name, shared by its extension points (as in kube-scheduler)."""
    percentage_of_nodes_to_score: int = 0
    pod_initial_backoff_seconds: int = 1
    pod_max_backoff_seconds: int = 10


def _merge_plugin_set(default: PluginSet, custom: PluginSet) -> PluginSet:
    """Mirrors mergePluginSet of pkg/scheduler/apis/config/v1/default_plugins.go."""
    disabled = [PluginRef(name=p.name) for p in custom.disabled] + [PluginRef(name=p.name) for p in default.disabled]
    disabled_names = {p.name for p in disabled}
    custom_index = {p.name: i for i, p in enumerate(custom.enabled)}
    replaced: set[int] = set()
    enabled: list[PluginRef] = []
    if "*" not in disabled_names:
        for p in default.enabled:
            if p.name in disabled_names:
                continue
            if p.name in custom_index:
                i = custom_index[p.name]
                p = custom.enabled[i]
                replaced.add(i)
            enabled.append(p)
    enabled += [p for i, p in enumerate(custom.enabled) if i not in replaced]
    return PluginSet(enabled=enabled, disabled=disabled)


def _fail(file: str, path: str, message: str) -> ConfigError:
    return ConfigError(file, path, message)


def expand_profile(profile: Profile, file: str, where: str, global_pct: int | None) -> ProfileConfig:
    """Default, validate and expand one profile as kube-scheduler's framework does."""
    defaults = Plugins(multiPoint=PluginSet(enabled=[PluginRef(name=n, weight=w) for n, w in DEFAULT_MULTI_POINT]))
    merged = {p: _merge_plugin_set(getattr(defaults, p), getattr(profile.plugins, p)) for p in (*POINTS, "multiPoint")}
    for point, ps in merged.items():
        for kind in ("enabled", "disabled"):
            for i, ref in enumerate(getattr(ps, kind)):
                if ref.name != "*" and not registry.known(ref.name):
                    raise _fail(file, f"{where}plugins.{point}.{kind}[{i}].name", f"unknown plugin {ref.name!r}")
    classes = {ref.name: registry.plugin_class(ref.name) for ps in merged.values() for ref in ps.enabled}
    for point in POINTS:
        seen: set[str] = set()
        for i, ref in enumerate(merged[point].enabled):
            if point not in registry.extension_points(classes[ref.name]):
                raise _fail(file, f"{where}plugins.{point}.enabled[{i}]", f"plugin {ref.name!r} does not extend {point}")
            if ref.name in seen:
                raise _fail(file, f"{where}plugins.{point}.enabled[{i}]", f"plugin {ref.name!r} already registered")
            seen.add(ref.name)
    points: dict[str, list[str]] = {}
    for point in EXPANDED_POINTS:
        ps = merged[point]
        enabled = [p.name for p in ps.enabled]
        disabled = {p.name for p in ps.disabled}
        if "*" in disabled:
            points[point] = enabled
            continue
        overrides: list[str] = []
        multi: list[str] = []
        for ref in merged["multiPoint"].enabled:
            if point not in registry.extension_points(classes[ref.name]) or ref.name in disabled:
                continue
            if ref.name in enabled:
                overrides.append(ref.name)
                continue
            if ref.name in multi:
                raise _fail(file, f"{where}plugins.multiPoint", f"plugin {ref.name!r} already registered as {point}")
            multi.append(ref.name)
        part1 = [n for n in enabled if n in overrides]
        part3 = [n for n in enabled if n not in overrides]
        points[point] = part1 + multi + part3
    weights: dict[str, int] = {}
    for ref in list(merged["score"].enabled) + list(merged["multiPoint"].enabled):
        if ref.name in weights or "score" not in registry.extension_points(classes[ref.name]):
            continue
        weights[ref.name] = ref.weight or 1
    args: dict[str, dict[str, Any]] = {}
    args_where: dict[str, str] = {}
    for j, pc in enumerate(profile.pluginConfig):
        if not registry.known(pc.name):
            raise _fail(file, f"{where}pluginConfig[{j}].name", f"unknown plugin {pc.name!r}")
        if pc.name in args:
            raise _fail(file, f"{where}pluginConfig[{j}].name", f"duplicate pluginConfig for {pc.name!r}")
        args[pc.name] = {k: v for k, v in pc.args.items() if k not in ("apiVersion", "kind")}
        args_where[pc.name] = f"{where}pluginConfig[{j}].args"
    instances: dict[str, Plugin] = {}
    for name in dict.fromkeys(n for point in EXPANDED_POINTS for n in points[point]):
        try:
            instances[name] = classes[name](args.get(name))
        except FieldError as e:
            raise _fail(file, f"{args_where.get(name, where + 'pluginConfig')}.{e.field}".rstrip("."), e.message) from None
        except (KeyError, TypeError, ValueError) as e:
            raise _fail(file, args_where.get(name, where + "pluginConfig"), f"invalid args for {name}: {e}") from None
    pct = profile.percentageOfNodesToScore if profile.percentageOfNodesToScore is not None else global_pct
    return ProfileConfig(
        name=profile.schedulerName,
        points=points,
        weights={n: weights[n] for n in points["score"]},
        args=args,
        plugins=instances,
        percentage_of_nodes_to_score=pct or 0,
    )


def default_profile() -> ProfileConfig:
    """kube-scheduler's default profile with v1 defaults."""
    return expand_profile(Profile(), "<defaults>", "", None)


def load_scheduler_config(path: str | Path, profile: str | None = None) -> ProfileConfig:
    """Read a KubeSchedulerConfiguration file and expand the named (or first) profile."""
    file = str(path)
    docs = read_yaml_documents(path)
    if len(docs) != 1:
        raise ConfigError(file, "", f"expected one KubeSchedulerConfiguration, found {len(docs)} documents")
    doc = docs[0]
    if not isinstance(doc, dict):
        raise ConfigError(file, "", "expected a KubeSchedulerConfiguration mapping")
    try:
        cfg = KubeSchedulerConfiguration.model_validate(doc)
    except ValidationError as e:
        fld, msg = describe(e)
        raise ConfigError(file, fld, msg) from None
    names = [p.schedulerName for p in cfg.profiles]
    if not cfg.profiles:
        raise ConfigError(file, "profiles", "at least one profile is required")
    if len(set(names)) != len(names):
        raise ConfigError(file, "profiles", "schedulerName must be unique across profiles")
    if profile is not None and profile not in names:
        raise ConfigError(file, "profiles", f"no profile named {profile!r} (have: {', '.join(names)})")
    i = names.index(profile) if profile is not None else 0
    pc = expand_profile(cfg.profiles[i], file, f"profiles[{i}].", cfg.percentageOfNodesToScore)
    pc.pod_initial_backoff_seconds = cfg.podInitialBackoffSeconds
    pc.pod_max_backoff_seconds = cfg.podMaxBackoffSeconds
    return pc
