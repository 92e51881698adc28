"""Synthetic clusters and workloads: seeded generators of node and pod tables, for policies that
describe a cluster and a workload instead of replaying a trace.

Nodes come from pools (:class:`NodePool`): ``count`` identical nodes named ``<pool>-<i>`` (``i``
zero-padded to the width of ``count - 1``), assigned to the pool's ``zones`` round-robin. The
table is :data:`~kbench.traces.schema.NODE_SCHEMA` plus a ``zone`` string column (null for a
pool without zones), which :func:`kbench.sim.workload.nodes_from_table` turns into the label
``topology.kubernetes.io/zone``.

Pods (:class:`SyntheticPods`) are ``pod-<i>`` in namespace ``default``. Each draws its CPU,
memory and GPU request uniformly from the given choices and its app ``app-<k>`` uniformly from
``app_count`` apps. Arrivals are a Poisson process of ``rate`` pods per second (exponential gaps,
the first pod one gap after time 0) or all at time 0; durations are exponential, fixed, or
absent (the pod runs until the end). The table is :data:`~kbench.traces.schema.POD_SCHEMA`
(``created_at`` = arrival, ``deleted_at`` = arrival + duration, ``scheduled_at`` null) plus
``app`` and the spread columns ``spread_topology_key``, ``spread_max_skew`` and
``spread_when_unsatisfiable`` (null without a spread constraint), which
:func:`kbench.sim.workload.pods_from_table` turns into the label ``app`` and a
``topologySpreadConstraints`` entry selecting the pod's own app.

Examples
--------
>>> import numpy as np
>>> spec = SyntheticNodes.model_validate({"pools": [{"name": "w", "count": 3, "cpu": "4", "memory": "8Gi",
...                                                   "zones": ["a", "b"]}]})
>>> generate_nodes(spec, np.random.default_rng(0)).select(["name", "zone"]).to_pylist()
[{'name': 'w-0', 'zone': 'a'}, {'name': 'w-1', 'zone': 'b'}, {'name': 'w-2', 'zone': 'a'}]
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kbench.api.quantity import QuantityError, parse_quantity
from kbench.traces.schema import NODE_SCHEMA, POD_SCHEMA

ZONE_LABEL = "topology.kubernetes.io/zone"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

NODE_TABLE_SCHEMA = NODE_SCHEMA.append(pa.field("zone", pa.string(), nullable=True))
"""Schema of a synthetic node table: NODE_SCHEMA plus the node's zone."""

POD_TABLE_SCHEMA = (POD_SCHEMA
                    .append(pa.field("app", pa.string(), nullable=True))
                    .append(pa.field("spread_topology_key", pa.string(), nullable=True))
                    .append(pa.field("spread_max_skew", pa.int64(), nullable=True))
                    .append(pa.field("spread_when_unsatisfiable", pa.string(), nullable=True)))
"""Schema of a synthetic pod table: POD_SCHEMA plus the app label and the spread settings."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _quantity(value: str) -> str:
    """Check that ``value`` is a Kubernetes quantity; return it unchanged."""
    try:
        parse_quantity(value)
    except QuantityError:
        raise ValueError(f"not a Kubernetes quantity: {value!r}") from None
    return value


class NodePool(_Strict):
    """``count`` identical nodes."""

    name: str = Field(description="pool name, a DNS label; nodes are <name>-<i>")
    count: int = Field(ge=1)
    cpu: str = Field(description="allocatable CPU, a quantity (4, 3500m)")
    memory: str = Field(description="allocatable memory, a quantity (16Gi)")
    pods: int = Field(default=110, ge=1, description="allocatable pod count")
    gpu: int = Field(default=0, ge=0, description="GPUs per node")
    gpu_model: str | None = Field(default=None, description="GPU model label (kbench.io/gpu-model)")
    zones: list[str] = Field(default_factory=list, description="zones, assigned round-robin")

    @field_validator("name")
    @classmethod
    def _dns(cls, v: str) -> str:
        if not _DNS_LABEL.match(v):
            raise ValueError(f"{v!r} is not a DNS label (lower-case letters, digits, '-')")
        return v

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, v: str) -> str:
        return _quantity(v)


class SyntheticNodes(_Strict):
    """A cluster made of node pools."""

    pools: list[NodePool] = Field(min_length=1)

    @field_validator("pools")
    @classmethod
    def _unique(cls, v: list[NodePool]) -> list[NodePool]:
        names = [p.name for p in v]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"pool names must be unique: {', '.join(dup)}")
        return v


class Arrival(_Strict):
    """How pods arrive: a Poisson process of ``rate`` pods per second, or all at time 0."""

    process: Literal["poisson", "all-at-once"]
    rate: float | None = Field(default=None, gt=0, description="pods per second (poisson)")

    @model_validator(mode="after")
    def _rate(self) -> Arrival:
        if self.process == "poisson" and self.rate is None:
            raise ValueError("a poisson arrival needs a rate (pods per second)")
        if self.process == "all-at-once" and self.rate is not None:
            raise ValueError("an all-at-once arrival takes no rate")
        return self


class Duration(_Strict):
    """How long a pod runs: exponential with ``mean`` seconds, or a fixed ``seconds``."""

    distribution: Literal["exponential", "fixed"]
    mean: float | None = Field(default=None, gt=0, description="mean seconds (exponential)")
    seconds: float | None = Field(default=None, ge=0, description="seconds (fixed)")

    @model_validator(mode="after")
    def _params(self) -> Duration:
        need, other = ("mean", "seconds") if self.distribution == "exponential" else ("seconds", "mean")
        if getattr(self, need) is None:
            raise ValueError(f"a {self.distribution} duration needs {need}")
        if getattr(self, other) is not None:
            raise ValueError(f"a {self.distribution} duration takes no {other}")
        return self


class Spread(_Strict):
    """A topology spread constraint over the pods of the same app."""

    topology_key: str = ZONE_LABEL
    max_skew: int = Field(default=1, ge=1)
    when_unsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"] = "ScheduleAnyway"


class SyntheticPods(_Strict):
    """A workload of ``count`` pods with requests drawn from choices."""

    count: int = Field(ge=1)
    arrival: Arrival
    cpu: list[str] = Field(min_length=1, description="CPU request choices (quantities)")
    memory: list[str] = Field(min_length=1, description="memory request choices (quantities)")
    gpu: list[int] = Field(default_factory=lambda: [0], min_length=1, description="whole-GPU request choices")
    duration: Duration | None = Field(default=None, description="none: pods run until the end")
    app_count: int = Field(default=1, ge=1, description="pods get label app=app-<k>, k uniform")
    spread: Spread | None = None

    @field_validator("cpu", "memory")
    @classmethod
    def _quantities(cls, v: list[str]) -> list[str]:
        return [_quantity(q) for q in v]

    @field_validator("gpu")
    @classmethod
    def _gpus(cls, v: list[int]) -> list[int]:
        if any(g < 0 for g in v):
            raise ValueError("GPU choices must be >= 0")
        return v


def _width(count: int) -> int:
    """Digits needed to write 0 .. count - 1."""
    return len(str(max(count - 1, 0)))


def generate_nodes(spec: SyntheticNodes, rng: np.random.Generator) -> pa.Table:
    """The node table of ``spec`` (NODE_TABLE_SCHEMA). Fixed pools draw nothing from ``rng``; it
    is taken so every generator is called the same way."""
    del rng
    rows = []
    for pool in spec.pools:
        cpu, memory = parse_quantity(pool.cpu).milli_value(), parse_quantity(pool.memory).value()
        w = _width(pool.count)
        for i in range(pool.count):
            rows.append({
                "name": f"{pool.name}-{i:0{w}d}", "cpu_milli": cpu, "memory_bytes": memory, "pods": pool.pods,
                "gpu": pool.gpu, "gpu_milli": 1000 * pool.gpu, "gpu_model": pool.gpu_model if pool.gpu else None,
                "zone": pool.zones[i % len(pool.zones)] if pool.zones else None,
            })
    return pa.Table.from_pylist(rows, NODE_TABLE_SCHEMA)


def generate_pods(spec: SyntheticPods, rng: np.random.Generator) -> pa.Table:
    """The pod table of ``spec`` (POD_TABLE_SCHEMA), drawn from ``rng``."""
    n = spec.count
    if spec.arrival.process == "poisson":
        assert spec.arrival.rate is not None
        created = np.cumsum(rng.exponential(1.0 / spec.arrival.rate, n))
    else:
        created = np.zeros(n)
    cpu_choices = np.array([parse_quantity(q).milli_value() for q in spec.cpu], np.int64)
    mem_choices = np.array([parse_quantity(q).value() for q in spec.memory], np.int64)
    cpu = cpu_choices[rng.integers(0, len(cpu_choices), n)]
    memory = mem_choices[rng.integers(0, len(mem_choices), n)]
    gpu = np.array(spec.gpu, np.int64)[rng.integers(0, len(spec.gpu), n)]
    apps = rng.integers(0, spec.app_count, n)
    d = spec.duration
    if d is None:
        deleted = pa.nulls(n, pa.float64())
    elif d.distribution == "exponential":
        assert d.mean is not None
        deleted = pa.array(created + rng.exponential(d.mean, n))
    else:
        assert d.seconds is not None
        deleted = pa.array(created + d.seconds)
    w = _width(n)
    s = spec.spread
    columns = {
        "name": pa.array([f"pod-{i:0{w}d}" for i in range(n)]),
        "namespace": pa.array(["default"] * n),
        "cpu_milli": pa.array(cpu), "memory_bytes": pa.array(memory),
        "gpu": pa.array(gpu), "gpu_milli": pa.array(np.zeros(n, np.int64)),
        "gpu_models": pa.array([[] for _ in range(n)], pa.list_(pa.string())),
        "gpu_spec": pa.nulls(n, pa.string()),
        "num_gpu": pa.array(gpu), "trace_gpu_milli": pa.array(np.where(gpu > 0, 1000, 0)),
        "qos": pa.nulls(n, pa.string()), "phase": pa.nulls(n, pa.string()),
        "created_at": pa.array(created), "scheduled_at": pa.nulls(n, pa.float64()), "deleted_at": deleted,
        "row": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "app": pa.array([f"app-{k}" for k in apps]),
        "spread_topology_key": pa.array([s.topology_key if s else None] * n, pa.string()),
        "spread_max_skew": pa.array([s.max_skew if s else None] * n, pa.int64()),
        "spread_when_unsatisfiable": pa.array([s.when_unsatisfiable if s else None] * n, pa.string()),
    }
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in POD_TABLE_SCHEMA],
                                schema=POD_TABLE_SCHEMA)
