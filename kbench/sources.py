"""Where a policy's cluster and workload come from, as timed objects for the API server.

``cluster.nodes`` and ``workload.pods`` each name one source:

- a bundled trace list (``alibaba-gpu-v2023:gpu``, ``alibaba-gpu-v2023:default``) or a CSV path
  with the same columns (:mod:`kbench.traces.alibaba`);
- a Kubernetes manifest file (``.yaml``, ``.yml``, ``.json``): every object in it, each at its
  ``kbench.io/arrival-seconds`` (:mod:`kbench.traces.manifests`);
- a scheduler_perf scenario (``scheduler-perf:TopologySpreading/5000Nodes``): its nodes, or its
  initial then measured pods (:mod:`kbench.traces.scheduler_perf`);
- ``{synthetic: ...}``: generated node pools or pods (:mod:`kbench.traces.synthetic`), drawn from
  the seed (``[seed, 1]`` for nodes, ``[seed, 2]`` for pods) so a run is reproducible.

Paths are relative to the policy file. ``workload.limit`` keeps the first N pods (in arrival
order; other objects are kept) and ``workload.time_scale`` multiplies arrival times and durations.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from kbench.api.objects import Node, Pod
from kbench.cluster.state import node_gpus
from kbench.config.policy import Policy, SyntheticNodeSource, SyntheticPodSource
from kbench.errors import FieldError
from kbench.gpu.frag import typical_tasks
from kbench.gpu.target import TargetWorkload
from kbench.sim.arrivals import Arrival, Arrivals
from kbench.sim.workload import nodes_from_table, pod_arrivals
from kbench.traces import load_nodes, load_pods
from kbench.traces.manifests import is_manifest_path, load_timed_manifests
from kbench.traces.scheduler_perf import PREFIX as SCHEDULER_PERF
from kbench.traces.scheduler_perf import scenario_nodes, scenario_pods
from kbench.traces.synthetic import generate_nodes, generate_pods


def resolve(name: str, base: Path) -> str:
    """A list name as given; a path relative to ``base`` (the policy's folder) unless it exists as given."""
    if ":" in name and not Path(name).exists():
        return name
    p = Path(name)
    return str(p if p.is_absolute() or p.exists() else base / p)


def cluster_arrivals(policy: Policy, base: Path, seed: int) -> list[Arrival]:
    """The cluster's objects (nodes, and whatever else a manifest holds), each with its arrival time."""
    src = policy.cluster.nodes
    if isinstance(src, SyntheticNodeSource):
        return _at_zero(nodes_from_table(generate_nodes(src.synthetic, np.random.default_rng([seed, 1]))))
    name = resolve(src, base)
    if name.startswith(SCHEDULER_PERF):
        return _at_zero(scenario_nodes(name))
    if is_manifest_path(name):
        return load_timed_manifests(name, policy.workload.time_scale)
    return _at_zero(nodes_from_table(load_nodes(name)))


def workload_arrivals(policy: Policy, base: Path, seed: int) -> Arrivals:
    """The workload's objects (pods, and whatever else a manifest holds), each with its arrival
    time; pod tables (:func:`pod_table`) become Pods lazily, as the run reaches them."""
    wl = policy.workload
    src = wl.pods
    if not isinstance(src, SyntheticPodSource):
        name = resolve(src, base)
        if name.startswith(SCHEDULER_PERF):
            return Arrivals.of(_limited([(t * wl.time_scale, p) for t, p in scenario_pods(name)], wl.limit))
        if is_manifest_path(name):
            return Arrivals.of(_limited(load_timed_manifests(name, wl.time_scale), wl.limit))
    return pod_arrivals(pod_table(policy, base, seed), wl.time_scale)


def _at_zero(objects: Sequence[BaseModel]) -> list[Arrival]:
    return [(0.0, o) for o in objects]


def _limited(arrivals: list[Arrival], limit: int | None) -> list[Arrival]:
    """The first ``limit`` pods and every other object, in order."""
    if limit is None:
        return arrivals
    out: list[Arrival] = []
    pods = 0
    for t, obj in arrivals:
        if isinstance(obj, Pod):
            if pods == limit:
                continue
            pods += 1
        out.append((t, obj))
    return out


def node_table(policy: Policy, base: Path, seed: int) -> pa.Table:
    """The cluster as a node table (trace lists, CSVs and synthetic pools; placement mode reads this)."""
    src = policy.cluster.nodes
    if isinstance(src, SyntheticNodeSource):
        return generate_nodes(src.synthetic, np.random.default_rng([seed, 1]))
    name = resolve(src, base)
    if name.startswith(SCHEDULER_PERF) or is_manifest_path(name):
        raise FieldError("cluster.nodes", f"{src!r}: expected a node list, CSV or Parquet table (placement mode and kbench trace read tables)")
    return load_nodes(name)


def pod_table(policy: Policy, base: Path, seed: int) -> pa.Table:
    """The workload as a pod table (trace lists, CSVs and synthetic pods), ``workload.limit`` applied."""
    src = policy.workload.pods
    if isinstance(src, SyntheticPodSource):
        table = generate_pods(src.synthetic, np.random.default_rng([seed, 2]))
    else:
        name = resolve(src, base)
        if name.startswith(SCHEDULER_PERF) or is_manifest_path(name):
            raise FieldError("workload.pods", f"{src!r}: expected a pod list, CSV or Parquet table (placement mode and kbench trace read tables)")
        table = load_pods(name)
    return table.slice(0, policy.workload.limit) if policy.workload.limit is not None else table


def workload_target(policy: Policy, base: Path, seed: int, cluster: Sequence[Arrival],
                    pods: pa.Table | None = None) -> TargetWorkload | None:
    """FGD's target workload M for the timeseries' ``gpu_frag_ratio``: the typical task types of the
    workload's pod table (``pods`` if the caller has it, else :func:`pod_table`). None when the
    cluster has no GPU node, when the workload is no pod table (a manifest or scheduler_perf
    scenario), or when its GPU counts are not task types (:class:`~kbench.gpu.frag.TaskType` takes
    0, 1, 2, 4 or 8 GPUs)."""
    if not any(isinstance(o, Node) and node_gpus(o)[0] > 0 for _, o in cluster):
        return None
    if pods is None:
        src = policy.workload.pods
        if not isinstance(src, SyntheticPodSource):
            name = resolve(src, base)
            if name.startswith(SCHEDULER_PERF) or is_manifest_path(name):
                return None
        pods = pod_table(policy, base, seed)
    try:
        return TargetWorkload(typical_tasks(pods))
    except ValueError:
        return None
