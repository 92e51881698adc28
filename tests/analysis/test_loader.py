"""kbench.load: finding run folders below paths and globs, labels, groups and lazily scanned tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

import kbench
from kbench.analysis.loader import find_runs, partition_values, run_labels
from kbench.errors import ConfigError
from kbench.metrics.schema import ARRIVAL_CURVE, RUN_JSON_REQUIRED, TABLES
from kbench.metrics.writer import write_results

LABELS = ["policy=pack/seed=1", "policy=spread/seed=1", "policy=spread/seed=2"]


def test_load_a_sweep_folder(sweep_dir: Path) -> None:
    runs = kbench.load(sweep_dir)
    assert runs.labels == LABELS
    assert runs.runs["group"].to_list() == ["pack", "spread", "spread"]
    assert runs.runs["seed"].to_list() == [1, 1, 2]
    assert runs.runs["mode"].to_list() == ["simulation"] * 3
    for name in TABLES:
        assert runs.has(name)
    assert isinstance(runs.pods, pl.LazyFrame)
    pods = runs.pods.collect()
    assert pods.columns[:3] == ["run", "policy", "seed"]
    assert pods.columns[3:] == TABLES["pods"].names
    # every run's rows carry its keys: 40 pods each (the tiny policy's count)
    per_run = dict(pods.group_by("run", "policy", "seed").len().select("run", "len").iter_rows())
    assert per_run == dict.fromkeys(LABELS, 40)
    assert set(pods.filter(pl.col("run") == LABELS[0])["policy"]) == {"pack"}


def test_paths_globs_and_run_json_files_find_the_same_runs(sweep_dir: Path) -> None:
    by_glob = find_runs(str(sweep_dir / "policy=spread" / "*"))
    by_file = find_runs([sweep_dir / "policy=spread" / "seed=1" / "run.json", sweep_dir / "policy=spread" / "seed=2"])
    assert by_glob == by_file == [(sweep_dir / "policy=spread" / f"seed={s}").resolve() for s in (1, 2)]
    # a run given twice (by its folder and below its parent) is loaded once, in first-seen order
    twice = find_runs([sweep_dir / "policy=spread" / "seed=2", sweep_dir])
    assert [f.relative_to(sweep_dir.resolve()).as_posix() for f in twice] == ["policy=spread/seed=2", *LABELS[:2]]


def test_labels_are_relative_to_the_common_folder() -> None:
    assert run_labels([Path("/r/a/x"), Path("/r/b")]) == ["a/x", "b"]
    assert run_labels([Path("/r/only")]) == ["only"]


def test_partition_values_of_both_sweep_layouts() -> None:
    assert partition_values("policy=fgd/pods=gpushare40/seed=2") == {"pods": "gpushare40"}
    assert partition_values("fgd/pods=a,limit=5/seed=2") == {"pods": "a", "limit": "5"}
    assert partition_values("default") == {}


def test_bad_paths_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        kbench.load(tmp_path / "missing")
    with pytest.raises(ConfigError, match="matches no file"):
        kbench.load(str(tmp_path / "nothing-*"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no run.json"):
        kbench.load(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not readable JSON"):
        kbench.load(bad)
    (bad / "run.json").write_text(json.dumps({"seed": 1}))
    with pytest.raises(ConfigError, match="policy.name"):
        kbench.load(bad)


def test_a_table_no_run_has_is_empty_with_its_columns(sweep_dir: Path, tmp_path: Path) -> None:
    runs = kbench.load(sweep_dir)
    assert not runs.has("placements")
    empty = runs.placements.collect()
    assert empty.height == 0
    assert empty.columns[:3] == ["run", "policy", "seed"]
    # a run folder lacking a table (written before the table existed) is skipped for that table only
    old = tmp_path / "old"
    shutil.copytree(sweep_dir / "policy=pack" / "seed=1", old)
    (old / "workloads.parquet").unlink()
    mixed = kbench.load([old, sweep_dir / "policy=spread" / "seed=1"])
    assert mixed.runs_with("workloads") == [mixed.labels[1]]
    assert mixed.runs_with("pods") == mixed.labels
    assert mixed.workloads.collect().columns[:3] == ["run", "policy", "seed"]


def test_arrival_curve_policy_column_becomes_gpu_policy(tmp_path: Path) -> None:
    run = {k: 0 for k in RUN_JSON_REQUIRED} | {"policy": {"name": "fgd", "path": "fgd.yaml"}, "seed": 7,
                                                "mode": "placement", "gpu_policy": "FGD"}
    curve = pa.Table.from_pylist([{"policy": "FGD", "trace": "default", "seed": 7, "arrived_pct": 100,
                                   "alloc_gpu_pct": 95.0, "unalloc_gpu_pct": 5.0, "frag_amount_pct": 4.0,
                                   "frag_ratio_pct": 80.0}], ARRIVAL_CURVE)
    write_results(tmp_path / "fgd", run, {"arrival_curve": curve})
    runs = kbench.load(tmp_path / "fgd")
    df = runs.arrival_curve.collect()
    assert df.select("run", "policy", "seed", "gpu_policy").row(0) == ("fgd", "fgd", 7, "FGD")
    assert runs.runs["mode"].to_list() == ["placement"]


def test_to_pandas_is_arrow_backed(sweep_dir: Path) -> None:
    runs = kbench.load(sweep_dir / "policy=pack")
    df = runs.to_pandas("pods")
    assert len(df) == 40
    assert str(df["cpu_milli"].dtype) == "int64[pyarrow]"
    assert list(df.columns[:3]) == ["run", "policy", "seed"]
