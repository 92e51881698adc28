"""`kbench sweep`: run a grid or a list of points (policy x field values x seed), one `kbench run` each.

A sweep file names policy files, seeds and, optionally, policy fields to vary (a grid), and/or a
list of explicit points::

    name: fgd-openb
    policies: [../policies/fgd.yaml, ../policies/bestfit.yaml]   # relative to the sweep file
    seeds: {from: 42, to: 51}                                     # or a list
    set:                                                          # dotted policy fields, a grid
      workload.pods: [alibaba-gpu-v2023:default, alibaba-gpu-v2023:gpushare40]
    points:                                                       # optional: explicit points
    - {policy: ../policies/fgd.yaml, seed: 7, set: {workload.placement.inflation: 1.1}}
    - {policy: ../policies/default.yaml, set: {scheduler.config: other-scheduler.yaml}}  # every seed
    report: fgd                                                   # optional: FGD report at the end

A dotted field is any field of the policy file (kbench.config.policy), so besides the workload
(``workload.pods``, ``workload.limit``) a sweep varies the scheduler's configuration through
``scheduler.config`` (a KubeSchedulerConfiguration file, relative to the policy as in the policy
itself), ``scheduler.profile`` or ``scheduler.cycle_cost.per_node``.

The results form one hive-partitioned dataset: each point writes its results folder to
``OUT/policy=<policy stem>/<field>=<value>/.../seed=<seed>/``, one level per swept field (keyed by
the field's last dotted component, the value made folder-safe; a point that leaves a field to its
policy has ``<field>=__HIVE_DEFAULT_PARTITION__``, which Parquet readers take as null). A point
whose folder already has ``run.json`` is skipped (a sweep resumes where it stopped); a point that
fails is reported with its error and does not stop the others.

Points run on Dask: an embedded ``distributed.LocalCluster`` (one single-threaded worker process
per core) or, with ``cluster``, an existing Dask scheduler whose workers have kbench installed and
see the policy files and the out folder at the same paths. One worker runs the points inline, in
this process, for debugging.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from distributed import WorkerPlugin
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kbench.api.loader import read_yaml_documents
from kbench.errors import ConfigError, KbenchError
from kbench.validation import describe, field_path

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
"""Hive's folder value for null: the level of a field that a point does not set."""

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the Dask scheduler named by ``--cluster``."""


class SeedRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: int = Field(alias="from")
    stop: int = Field(alias="to", description="inclusive")

    @model_validator(mode="after")
    def _ordered(self) -> SeedRange:
        if self.stop < self.start:
            raise ValueError(f"'to' ({self.stop}) is below 'from' ({self.start})")
        return self


class PointSpec(BaseModel):
    """One explicit point of a sweep file's ``points`` list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str = Field(description="policy file, relative to the sweep file")
    seed: int | None = Field(default=None, description="default: every seed of the sweep's seeds")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted policy field -> value")


class SweepSpec(BaseModel):
    """A sweep file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    policies: list[str] = Field(default_factory=list, description="policy files, relative to the sweep file")
    seeds: list[int] | SeedRange = Field(default_factory=lambda: [0])
    set: dict[str, list[Any]] = Field(default_factory=dict, description="dotted policy field -> values (a grid)")
    points: list[PointSpec] = Field(default_factory=list, description="explicit points, besides the grid")
    report: Literal["fgd"] | None = Field(default=None, description="write the FGD report (kbench.gpu.report)")

    @model_validator(mode="after")
    def _something_to_run(self) -> SweepSpec:
        if not self.policies and not self.points:
            raise ValueError("a sweep needs 'policies' (a grid) or 'points' (a list)")
        return self

    @property
    def seed_list(self) -> list[int]:
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.stop + 1))
        return list(self.seeds)


@dataclass(frozen=True)
class Point:
    """One run of a sweep."""

    policy: Path
    seed: int
    overrides: tuple[tuple[str, Any], ...]
    out: Path

    @property
    def label(self) -> str:
        parts = [self.policy.stem, *(f"{k}={v}" for k, v in self.overrides), f"seed={self.seed}"]
        return " ".join(parts)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; ConfigError names the file and field."""
    docs = read_yaml_documents(path)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise ConfigError(str(path), "", "expected one sweep (a YAML mapping)")
    try:
        spec = SweepSpec.model_validate(docs[0])
    except ValidationError as e:
        _, msg = describe(e)
        raise ConfigError(str(path), field_path(tuple(e.errors()[0]["loc"])), msg) from None
    base = Path(path).parent
    files = [(f"policies[{i}]", p) for i, p in enumerate(spec.policies)]
    files += [(f"points[{i}].policy", p.policy) for i, p in enumerate(spec.points)]
    for field, p in files:
        if not (base / p).is_file():
            raise ConfigError(str(path), field, f"{p}: no such policy file (relative to the sweep file)")
    return spec


def _slug(value: Any) -> str:
    """A folder-safe form of a field value (list names keep the part after ``:``)."""
    text = str(value)
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    text = Path(text).stem if "/" in text else text
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text) or "_"


def _levels(fields: list[str], sweep_file: str | Path) -> list[str]:
    """The hive key of each swept field (its last dotted component); ConfigError when two clash."""
    keys: dict[str, str] = {}
    for f in fields:
        key = _slug(f.rsplit(".", 1)[-1])
        if key in ("policy", "seed"):
            hint = "; vary seeds with 'seeds'" if key == "seed" else ""
            raise ConfigError(str(sweep_file), f, f"'{key}=' is a level of its own in the results{hint}")
        if key in keys:
            raise ConfigError(str(sweep_file), f, f"its results level '{key}=' would be {keys[key]}'s too "
                                                  "(a level is named by the field's last dotted component)")
        keys[key] = f
    return list(keys)


def points(spec: SweepSpec, sweep_file: str | Path, out: str | Path) -> list[Point]:
    """Every point: the grid (policy, field values, seed, in that order), then the explicit points.

    ConfigError when a field name would clash in the results layout or two points share a folder.
    """
    base = Path(sweep_file).parent
    runs: list[tuple[Path, dict[str, Any], int]] = []
    fields = list(spec.set)
    combos = list(itertools.product(*(spec.set[k] for k in fields))) if fields else [()]
    for file in spec.policies:
        for combo in combos:
            runs += [((base / file).resolve(), dict(zip(fields, combo)), seed) for seed in spec.seed_list]
    for p in spec.points:
        seeds = spec.seed_list if p.seed is None else [p.seed]
        runs += [((base / p.policy).resolve(), dict(p.set), seed) for seed in seeds]
    fields = list(dict.fromkeys(f for _, overrides, _ in runs for f in overrides))
    keys = _levels(fields, sweep_file)
    root = Path(out).absolute()
    result: list[Point] = []
    seen: dict[Path, Point] = {}
    for policy, overrides, seed in runs:
        levels = [f"{k}={_slug(overrides[f]) if f in overrides else HIVE_NULL}" for k, f in zip(keys, fields)]
        folder = root.joinpath(f"policy={_slug(policy.stem)}", *levels, f"seed={seed}")
        point = Point(policy, seed, tuple(overrides.items()), folder)
        if folder in seen:
            raise ConfigError(str(sweep_file), "points" if spec.points else "set",
                              f"'{seen[folder].label}' and '{point.label}' would share the folder "
                              f"{folder.relative_to(root)}")
        seen[folder] = point
        result.append(point)
    return result


def run_point(point: Point) -> str | None:
    """Run one point (in a worker); None on success, else the one-line error."""
    from kbench.run import run_policy

    try:
        run_policy(point.policy, seed=point.seed, out=point.out, overrides=dict(point.overrides))
    except KbenchError as e:
        return str(e)
    except Exception as e:  # a worker reports every failure as a line, the sweep goes on
        return f"{type(e).__name__}: {e}"
    return None


@dataclass
class SweepResult:
    done: list[Point]
    skipped: list[Point]
    failed: list[tuple[Point, str]]
    report: Path | None = None


def split_finished(pts: list[Point]) -> tuple[list[Point], list[Point]]:
    """Points split into (to run, finished: their folder already has run.json)."""
    todo: list[Point] = []
    finished: list[Point] = []
    for p in pts:
        (finished if (p.out / "run.json").is_file() else todo).append(p)
    return todo, finished


def run_sweep(sweep_file: str | Path, out: str | Path, workers: int | None = None,
              on_point: Callable[[Point, str | None], None] | None = None,
              cluster: str | None = None) -> SweepResult:
    """Run every unfinished point of the sweep on Dask: ``workers`` local worker processes (default:
    cores; 1 runs inline) or the scheduler at ``cluster`` (``tcp://host:8786``).

    Local workers are spawned processes that import the caller's main module: from a script, call
    this under ``if __name__ == "__main__":``.
    """
    spec = load_sweep(sweep_file)
    todo, skipped = split_finished(points(spec, sweep_file, out))
    result = SweepResult([], skipped, [])
    for point, error in _execute(todo, workers or os.cpu_count() or 1, cluster):
        if error is None:
            result.done.append(point)
        else:
            result.failed.append((point, error))
        if on_point is not None:
            on_point(point, error)
    if spec.report == "fgd" and (result.done or result.skipped):
        from kbench.gpu.report import write_report

        result.report = write_report(Path(out))
    return result


def _execute(todo: list[Point], workers: int, cluster: str | None) -> Iterator[tuple[Point, str | None]]:
    """Run points on Dask (or inline for one local worker), yielding each as it finishes."""
    if not todo:
        return
    if cluster is None and (workers <= 1 or len(todo) == 1):
        for p in todo:
            yield p, run_point(p)
        return
    from distributed import as_completed

    with _client(min(workers, len(todo)), cluster) as client:
        client.register_plugin(NumbaCache(), name="kbench-numba-cache")
        futures = {client.submit(run_point, p, pure=False): p for p in todo}
        for fut in as_completed(futures):
            try:
                error = fut.result()
            except Exception as e:  # the worker died (KilledWorker) or the task could not run there
                error = f"{type(e).__name__}: {e}"
            yield futures[fut], error


@contextmanager
def _client(workers: int, cluster: str | None) -> Iterator[Any]:
    """A Dask client: of the scheduler at ``cluster``, else of an embedded LocalCluster."""
    from distributed import Client, LocalCluster

    if cluster is not None:
        try:
            client = Client(cluster, timeout=CONNECT_TIMEOUT)
        except (OSError, ValueError) as e:
            raise ConfigError("--cluster", "", f"{cluster}: no Dask scheduler answers ({e})") from None
        with client:
            yield client
        return
    # No dashboard; the scheduler's HTTP endpoint (health, metrics) on a free local port rather than
    # 8787, so two sweeps do not contend for it. memory_limit=0: a point is one opaque run, not Dask
    # data; a per-worker share of RAM would only get the nanny to kill a big run that fits the machine.
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, memory_limit=0,
                      silence_logs=logging.ERROR) as local, Client(local) as client:
        yield client


def numba_cache_dir() -> Path:
    """The folder of the workers' Numba cache: ``$NUMBA_CACHE_DIR`` if set, else the user's cache
    folder ``$XDG_CACHE_HOME/kbench/numba`` (default ``~/.cache/kbench/numba``).

    Why a folder of its own: it is one place for every worker of a machine whatever the install
    (numba's default is ``__pycache__`` beside the sources, or a per-user fallback when those are
    read-only), it stays out of the sweep's results, and it outlives a sweep, so the kernels are
    compiled once per machine and kbench version; ``DIR/.numba_cache`` would start every new sweep
    cold (about 7 s of compiling in each worker, as long as a small sweep). To share one cache across
    machines, set ``NUMBA_CACHE_DIR`` on the workers to a shared folder (kbench at the same path on each).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kbench" / "numba"


class NumbaCache(WorkerPlugin):
    """Sets ``NUMBA_CACHE_DIR`` in each Dask worker as it joins, before its first point imports numba."""

    def setup(self, worker: Any) -> None:
        os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir())
        if "numba" in sys.modules:  # imported by something else first: numba reads its config again
            from numba.core import config

            config.reload_config()
