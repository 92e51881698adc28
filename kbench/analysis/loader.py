"""`kbench.load`: find the results folders below paths or globs and scan their tables lazily.

A results folder is any folder holding ``run.json`` (``kbench run --out``, or a point of a sweep in
either layout, ``DIR/<policy>/<field=value>/seed=<seed>/`` or hive ``policy=<p>/<field>=<v>/seed=<s>/``).
Nothing is read but run.json and the Parquet footers until a query is collected.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from kbench.analysis.runs import KEYS, Runs
from kbench.errors import ConfigError
from kbench.metrics.schema import SCHEMAS

RUN_FIELDS: dict[str, pl.DataType] = {
    "mode": pl.String(), "gpu_policy": pl.String(), "trace": pl.String(), "pods_total": pl.Int64(),
    "pods_scheduled": pl.Int64(), "pods_failed": pl.Int64(), "pods_pending_at_end": pl.Int64(),
    "wall_seconds": pl.Float64(), "sim_seconds": pl.Float64(), "kbench_version": pl.String(),
}
"""run.json fields copied into ``Runs.runs`` (null where a run lacks one); ``mode`` defaults to ``simulation``."""
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
"""Hive's folder value for null (kbench sweep writes it for a field a point leaves to its policy)."""


def load(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> Runs:
    """Every run in or below ``paths`` (folders, run.json files or globs such as ``results/*``).

    Labels are the run folders' paths relative to their common folder (the folder name for a
    single run). Raises ConfigError for a path that does not exist or holds no run.
    """
    folders = find_runs(paths)
    labels = run_labels(folders)
    headers = [read_header(f, label) for f, label in zip(folders, labels)]
    for f, h in zip(folders, headers):
        h["tables"] = [name for name in SCHEMAS if (f / f"{name}.parquet").is_file()]
    runs = _runs_frame(headers)
    tables: dict[str, pl.LazyFrame] = {}
    for name in SCHEMAS:
        frames = [_scan(f / f"{name}.parquet", h) for f, h in zip(folders, headers)
                  if (f / f"{name}.parquet").is_file()]
        if frames:
            tables[name] = pl.concat(frames, how="diagonal_relaxed")
    return Runs(runs, tables)


def find_runs(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Run folders in argument order (sorted within each argument), each once; hidden folders
    (a run being written, ``.name.*.tmp``) are skipped."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise ConfigError("runs", "", "no results folder given")
    found: dict[Path, None] = {}
    for item in items:
        text = os.fspath(item)
        if glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True))
            if not matches:
                raise ConfigError(text, "", "matches no file or folder")
        else:
            if not Path(text).exists():
                raise ConfigError(text, "", "no such file or folder")
            matches = [Path(text)]
        folders = [f for m in matches for f in _runs_in(m)]
        if not folders:
            raise ConfigError(text, "", "no run.json in or below it (not a kbench results folder)")
        for folder in folders:
            found.setdefault(folder.resolve(), None)
    return list(found)


def _runs_in(path: Path) -> list[Path]:
    if path.is_file():
        return [path.parent] if path.name == "run.json" or (path.parent / "run.json").is_file() else []
    if (path / "run.json").is_file():
        return [path]
    return sorted(p.parent for p in path.rglob("run.json")
                  if not any(part.startswith(".") for part in p.relative_to(path).parts))


def run_labels(folders: list[Path]) -> list[str]:
    """Each folder's path relative to the folders' common parent; the name when that is the folder itself."""
    if len(folders) == 1:
        return [folders[0].name]
    root = Path(os.path.commonpath(folders))
    return [f.relative_to(root).as_posix() if f != root else f.name for f in folders]


def read_header(folder: Path, label: str) -> dict[str, Any]:
    """The row of ``Runs.runs`` for one run: keys, group, path and run.json's headline fields
    (``load`` adds ``tables``, the tables the folder has)."""
    path = folder / "run.json"
    try:
        run = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ConfigError(str(path), "", f"not readable JSON: {e}") from None
    if not isinstance(run, dict):
        raise ConfigError(str(path), "", "expected a JSON object")
    policy = run.get("policy")
    name = policy.get("name") if isinstance(policy, dict) else policy
    if not isinstance(name, str):
        raise ConfigError(str(path), "policy.name", "missing (not a kbench run.json)")
    seed = run.get("seed")
    if not isinstance(seed, int):
        raise ConfigError(str(path), "seed", "missing or not an integer")
    params = partition_values(label)
    group = " ".join([name, *(f"{k}={v}" for k, v in params.items() if v is not None)])
    row: dict[str, Any] = {"run": label, "group": group, "policy": name, "seed": seed, "path": str(folder),
                           "policy_path": policy.get("path") if isinstance(policy, dict) else None}
    for key in RUN_FIELDS:
        row[key] = run.get(key)
    row["mode"] = row["mode"] or "simulation"
    row["preemptions"] = run["preemptions"] if isinstance(run.get("preemptions"), int) else None
    row["params"] = params
    return row


def partition_values(label: str) -> dict[str, str | None]:
    """``field=value`` parts of a run's relative path other than policy and seed (a sweep's grid
    point); Hive's null folder value (a point that left the field to its policy) is None.

    >>> partition_values("policy=fgd/pods=gpushare40/limit=__HIVE_DEFAULT_PARTITION__/seed=3")
    {'pods': 'gpushare40', 'limit': None}
    >>> partition_values("fgd/pods=gpushare40,inflation=1.3/seed=3")
    {'pods': 'gpushare40', 'inflation': '1.3'}
    """
    values: dict[str, str | None] = {}
    for segment in label.split("/"):
        for part in segment.split(","):
            key, sep, value = part.partition("=")
            if sep and key not in ("policy", "seed"):
                values[key] = None if value == HIVE_NULL else value
    return values


def _runs_frame(headers: list[dict[str, Any]]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"run": pl.String(), "group": pl.String(), "policy": pl.String(),
                                      "seed": pl.Int64(), "path": pl.String(), "policy_path": pl.String(),
                                      **RUN_FIELDS, "preemptions": pl.Int64(), "tables": pl.List(pl.String())}
    df = pl.DataFrame([{k: h[k] for k in schema} for h in headers], schema=schema, orient="row")
    params = sorted({k for h in headers for k in h["params"]} - set(schema))
    return df.with_columns(pl.Series(k, [h["params"].get(k) for h in headers], pl.String) for k in params)


def _scan(file: Path, header: dict[str, Any]) -> pl.LazyFrame:
    """One run's table with the key columns first; a table's own ``policy`` column (the GPU policy
    of an arrival curve) becomes ``gpu_policy``, its own ``run`` and ``seed`` give way to the run's."""
    try:
        columns = list(pl.read_parquet_schema(file))
    except (OSError, pl.exceptions.PolarsError) as e:
        raise ConfigError(str(file), "", f"not a readable Parquet file: {e}") from None
    own = [pl.col("policy").alias("gpu_policy")] if "policy" in columns and "gpu_policy" not in columns else []
    keys = [pl.lit(header["run"], pl.String).alias("run"), pl.lit(header["policy"], pl.String).alias("policy"),
            pl.lit(header["seed"], pl.Int64).alias("seed")]
    return pl.scan_parquet(file).select(*keys, *own, *(c for c in columns if c not in KEYS))
