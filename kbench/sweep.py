"""`kbench sweep`: run a grid of policies x field values x seeds, one `kbench run` per point.

A sweep file names the policy files, the seeds and, optionally, policy fields to vary::

    name: fgd-openb
    policies: [../policies/fgd.yaml, ../policies/bestfit.yaml]   # relative to the sweep file
    seeds: {from: 42, to: 51}                                     # or a list
    set:                                                          # dotted policy fields, a grid
      workload.pods: [alibaba-gpu-v2023:default, alibaba-gpu-v2023:gpushare40]
    report: fgd                                                   # optional: FGD report at the end

Each point writes its results folder to ``OUT/<policy>/<field=value,...>/seed=<seed>/``. A point
whose folder already has ``run.json`` is skipped (a sweep resumes where it stopped); a point that
fails is reported with its error and does not stop the others. Points run in parallel worker
processes (one per core by default).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kbench.api.loader import read_yaml_documents
from kbench.errors import ConfigError, KbenchError
from kbench.validation import describe, field_path


class SeedRange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: int = Field(alias="from")
    stop: int = Field(alias="to", description="inclusive")

    @model_validator(mode="after")
    def _ordered(self) -> SeedRange:
        if self.stop < self.start:
            raise ValueError(f"'to' ({self.stop}) is below 'from' ({self.start})")
        return self


class SweepSpec(BaseModel):
    """A sweep file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    policies: list[str] = Field(min_length=1, description="policy files, relative to the sweep file")
    seeds: list[int] | SeedRange = Field(default_factory=lambda: [0])
    set: dict[str, list[Any]] = Field(default_factory=dict, description="dotted policy field -> values (a grid)")
    report: Literal["fgd"] | None = Field(default=None, description="write the FGD report (kbench.gpu.report)")

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
    for i, p in enumerate(spec.policies):
        if not (base / p).is_file():
            raise ConfigError(str(path), f"policies[{i}]", f"{p}: no such policy file (relative to the sweep file)")
    return spec


def _slug(value: Any) -> str:
    """A folder-safe form of a field value (list names keep the part after ``:``)."""
    text = str(value)
    if ":" in text:
        text = text.rsplit(":", 1)[1]
    text = Path(text).stem if "/" in text else text
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text) or "_"


def points(spec: SweepSpec, sweep_file: str | Path, out: str | Path) -> list[Point]:
    """Every point of the grid, in a stable order (policy, field values, seed)."""
    base = Path(sweep_file).parent
    keys = list(spec.set)
    combos = list(itertools.product(*(spec.set[k] for k in keys))) if keys else [()]
    result = []
    for policy in spec.policies:
        path = (base / policy).resolve()
        for combo in combos:
            overrides = tuple(zip(keys, combo))
            sub = ",".join(f"{k.rsplit('.', 1)[-1]}={_slug(v)}" for k, v in overrides) or "_"
            for seed in spec.seed_list:
                result.append(Point(path, seed, overrides, Path(out) / path.stem / sub / f"seed={seed}"))
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


def run_sweep(sweep_file: str | Path, out: str | Path, workers: int | None = None,
              on_point: Callable[[Point, str | None], None] | None = None) -> SweepResult:
    """Run every unfinished point of the sweep with ``workers`` processes (default: cores)."""
    spec = load_sweep(sweep_file)
    todo: list[Point] = []
    skipped: list[Point] = []
    for p in points(spec, sweep_file, out):
        (skipped if (p.out / "run.json").is_file() else todo).append(p)
    result = SweepResult([], skipped, [])
    n = workers or os.cpu_count() or 1
    for point, error in _execute(todo, n):
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


def _execute(todo: list[Point], workers: int) -> Iterator[tuple[Point, str | None]]:
    """Run points in a process pool (or inline for one worker), yielding each as it finishes."""
    if workers <= 1 or len(todo) <= 1:
        for p in todo:
            yield p, run_point(p)
        return
    from concurrent.futures import as_completed

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures: dict[Future[str | None], Point] = {pool.submit(run_point, p): p for p in todo}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
