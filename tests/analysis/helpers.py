"""Hand-built `Runs` for the metric tests, and tiny real runs made with run_policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import yaml

from kbench.analysis.runs import Runs
from kbench.run import run_policy

REPO = Path(__file__).resolve().parents[2]


def hand_runs(runs: list[tuple[str, str, int]], modes: dict[str, str] | None = None,
              lacks: dict[str, set[str]] | None = None, **tables: list[dict[str, Any]]) -> Runs:
    """Runs whose ``runs`` are (label, policy, seed) and whose tables are the given rows; each row
    names its run by ``run`` (policy and seed are filled from the run). Every run has every table
    given except those ``lacks`` names for it (as a placement run has no events table)."""
    header = pl.DataFrame(
        {"run": [r for r, _, _ in runs], "group": [p for _, p, _ in runs], "policy": [p for _, p, _ in runs],
         "seed": [s for _, _, s in runs], "mode": [(modes or {}).get(r, "simulation") for r, _, _ in runs],
         "tables": [[t for t in tables if t not in (lacks or {}).get(r, set())] for r, _, _ in runs]},
        schema={"run": pl.String, "group": pl.String, "policy": pl.String, "seed": pl.Int64, "mode": pl.String,
                "tables": pl.List(pl.String)})
    keys = {r: (p, s) for r, p, s in runs}
    frames = {}
    for name, rows in tables.items():
        full = [{"run": row["run"], "policy": keys[row["run"]][0], "seed": keys[row["run"]][1],
                 **{k: v for k, v in row.items() if k != "run"}} for row in rows]
        frames[name] = pl.DataFrame(full, infer_schema_length=None).with_columns(pl.col("seed").cast(pl.Int64)).lazy()
    return Runs(header, frames)


def tiny_policy(folder: Path, name: str, pack: bool = False) -> Path:
    """A 3-node synthetic cluster (2 CPU each) and 40 pods of 250m-1 CPU arriving at 1/s for 60 s:
    a few wait for room. ``pack`` scores with MostAllocated (policies/binpack-scheduler.yaml)."""
    doc: dict[str, Any] = {
        "name": name, "seed": 1,
        "cluster": {"nodes": {"synthetic": {"pools": [{"name": "n", "count": 3, "cpu": "2", "memory": "8Gi"}]}}},
        "workload": {"pods": {"synthetic": {
            "count": 40, "arrival": {"process": "poisson", "rate": 1.0}, "cpu": ["250m", "500m", "1"],
            "memory": ["256Mi"], "duration": {"distribution": "exponential", "mean": 60}}}},
        "simulation": {"sample_interval": 10},
    }
    if pack:
        doc["scheduler"] = {"config": str(REPO / "policies" / "binpack-scheduler.yaml")}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def make_sweep(root: Path) -> Path:
    """A hive-layout results folder: policy=spread seeds 1 and 2, policy=pack seed 1."""
    spread = tiny_policy(root / "policies", "spread")
    pack = tiny_policy(root / "policies", "pack", pack=True)
    for policy, seed in ((spread, 1), (spread, 2), (pack, 1)):
        run_policy(policy, seed=seed, out=root / "out" / f"policy={policy.stem}" / f"seed={seed}")
    return root / "out"
