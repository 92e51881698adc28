"""policy.yaml: what `kbench run` simulates (cluster, workload, scheduler, simulation settings).

Validated with pydantic; an error names the file and the YAML path, e.g.
``policy.yaml: workload.limit: Input should be greater than or equal to 1``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kbench.api.loader import read_yaml_documents
from kbench.errors import ConfigError
from kbench.validation import describe


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClusterSpec(_Strict):
    nodes: str = Field(description="a node list name (alibaba-gpu-v2023:gpu) or a node CSV path")


class WorkloadSpec(_Strict):
    pods: str = Field(description="a pod list name (alibaba-gpu-v2023:default) or a pod CSV path")
    limit: int | None = Field(default=None, ge=1, description="replay only the first N pods")
    time_scale: float = Field(default=1.0, gt=0, description="multiply every trace time by this")


class CycleCostSpec(_Strict):
    fixed: float = Field(default=0.0, ge=0, description="simulated seconds per scheduling cycle")
    per_node: float = Field(default=0.0, ge=0, description="simulated seconds per node evaluated")


class SchedulerSpec(_Strict):
    config: str | None = Field(default=None, description="KubeSchedulerConfiguration file (relative to the policy)")
    profile: str | None = None
    cycle_cost: CycleCostSpec = Field(default_factory=CycleCostSpec)


class SimulationSpec(_Strict):
    until: float | None = Field(default=None, gt=0, description="stop at this simulated time (seconds)")
    sample_interval: float = Field(default=300.0, gt=0, description="seconds between timeseries samples")
    image_pull_seconds: float = Field(default=0.0, ge=0, description="pull time per image a node lacks")
    watch_delay: float = Field(default=0.0, ge=0, description="seconds from an etcd write to informers")


class Policy(_Strict):
    name: str
    description: str = ""
    seed: int = 0
    cluster: ClusterSpec
    workload: WorkloadSpec
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec)
    simulation: SimulationSpec = Field(default_factory=SimulationSpec)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file."""
    docs = read_yaml_documents(path)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise ConfigError(str(path), "", "expected one policy (a YAML mapping)")
    try:
        return Policy.model_validate(docs[0])
    except ValidationError as e:
        field, msg = describe(e)
        raise ConfigError(str(path), field, msg) from None
