"""policy.yaml: what `kbench run` simulates (cluster, workload, scheduler, simulation settings).

Validated with pydantic; an error names the file and the YAML path, e.g.
``policy.yaml: workload.limit: Input should be greater than or equal to 1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from kbench.api.loader import read_yaml_documents
from kbench.errors import ConfigError
from kbench.sim.actions import Action
from kbench.sim.latency import Constant, WriteDelay
from kbench.traces.synthetic import SyntheticNodes, SyntheticPods
from kbench.validation import describe, field_path

# Union tags of the name-or-synthetic fields; they are dropped from error paths.
_NAME, _SYNTHETIC = "<name>", "<synthetic>"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticNodeSource(_Strict):
    synthetic: SyntheticNodes = Field(description="node pools (kbench.traces.synthetic)")


class SyntheticPodSource(_Strict):
    synthetic: SyntheticPods = Field(description="a generated workload (kbench.traces.synthetic)")


def _source_kind(value: Any) -> str | None:
    """Which member of a name-or-synthetic union ``value`` is meant for (None: neither)."""
    if isinstance(value, str):
        return _NAME
    if isinstance(value, (dict, BaseModel)):
        return _SYNTHETIC
    return None


_KIND_ERROR = {"custom_error_type": "source_kind",
               "custom_error_message": "expected a list name, a file path or a {synthetic: ...} mapping"}

NodeSource = Annotated[
    Annotated[str, Tag(_NAME)] | Annotated[SyntheticNodeSource, Tag(_SYNTHETIC)],
    Discriminator(_source_kind, **_KIND_ERROR),
]
PodSource = Annotated[
    Annotated[str, Tag(_NAME)] | Annotated[SyntheticPodSource, Tag(_SYNTHETIC)],
    Discriminator(_source_kind, **_KIND_ERROR),
]


class ClusterSpec(_Strict):
    nodes: NodeSource = Field(description="a node list name (alibaba-gpu-v2023:gpu), a node CSV path, "
                                          "or {synthetic: {pools: [...]}}")


class PlacementSpec(_Strict):
    """The FGD paper's experiment (kbench.gpu.experiment): pods are placed one by one and stay."""

    inflation: float | None = Field(default=1.3, gt=0, description="append sampled copies of the trace's pods "
                                    "(or drop random ones) until GPU requests reach this share of GPU capacity; "
                                    "null keeps the trace as is")
    shuffle: bool = Field(default=True, description="shuffle the pods with the run's seed (off: trace order, "
                                                    "and no inflation)")


class WorkloadSpec(_Strict):
    pods: PodSource = Field(description="a pod list name (alibaba-gpu-v2023:default), a pod CSV path, "
                                        "or {synthetic: {...}}")
    limit: int | None = Field(default=None, ge=1, description="replay only the first N pods")
    time_scale: float = Field(default=1.0, gt=0, description="multiply every trace time by this")
    placement: PlacementSpec | None = Field(default=None, description="placement-only replay (FGD.md §6) "
                                            "instead of the simulated control plane")


class CycleCostSpec(_Strict):
    fixed: float = Field(default=0.0, ge=0, description="simulated seconds per scheduling cycle")
    per_node: float = Field(default=0.0, ge=0, description="simulated seconds per node evaluated")


class SchedulerSpec(_Strict):
    config: str | None = Field(default=None, description="KubeSchedulerConfiguration file (relative to the policy)")
    profile: str | None = None
    cycle_cost: CycleCostSpec = Field(default_factory=CycleCostSpec)


class LatencySpec(_Strict):
    write: WriteDelay = Field(default_factory=Constant,
                              description="seconds from sending an etcd write to its commit (kbench.sim.latency)")
    watch: float = Field(default=0.0, ge=0, description="seconds from an etcd commit to the informers")


class SimulationSpec(_Strict):
    until: float | None = Field(default=None, gt=0, description="stop at this simulated time (seconds)")
    sample_interval: float = Field(default=300.0, gt=0, description="seconds between timeseries samples")
    image_pull_seconds: float = Field(default=0.0, ge=0, description="pull time per image a node lacks")
    node_heartbeats: bool | None = Field(
        default=None, description="kubelets renew node leases every 10 s (default: when actions stop nodes)")
    latency: LatencySpec = Field(default_factory=lambda: LatencySpec())


class Policy(_Strict):
    name: str
    description: str = ""
    seed: int = 0
    cluster: ClusterSpec
    workload: WorkloadSpec
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec)
    simulation: SimulationSpec = Field(default_factory=SimulationSpec)
    actions: list[Action] = Field(default_factory=list, description="scripted actions (kbench.sim.actions)")

    @property
    def heartbeats(self) -> bool:
        """Whether kubelets renew node leases: as the policy says, else when an action stops nodes."""
        if self.simulation.node_heartbeats is not None:
            return self.simulation.node_heartbeats
        return any(a.stop_node is not None or a.stop_zone is not None for a in self.actions)


def apply_overrides(doc: dict[str, Any], overrides: dict[str, Any], file: str) -> dict[str, Any]:
    """A copy of a policy document with each dotted field (``workload.pods``) set to its value.

    Intermediate mappings are created as needed; a path through a non-mapping is a ConfigError.
    """
    import copy

    out = copy.deepcopy(doc)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for i, part in enumerate(parts[:-1]):
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                raise ConfigError(file, ".".join(parts[: i + 1]), f"cannot set {dotted}: not a mapping")
            node = nxt
        node[parts[-1]] = value
    return out


def load_policy(path: str | Path, overrides: dict[str, Any] | None = None) -> Policy:
    """Read and validate a policy file, with dotted-field ``overrides`` (a sweep point) applied."""
    docs = read_yaml_documents(path)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise ConfigError(str(path), "", "expected one policy (a YAML mapping)")
    doc = apply_overrides(docs[0], overrides, str(path)) if overrides else docs[0]
    try:
        return Policy.model_validate(doc)
    except ValidationError as e:
        _, msg = describe(e)
        loc = tuple(p for p in e.errors()[0]["loc"] if p not in (_NAME, _SYNTHETIC))
        field = field_path(loc)
        raise ConfigError(str(path), field, msg) from None
