"""`kbench sweep` on a cut-down trace: grid and listed points, the hive layout, a 2-worker Dask
LocalCluster, resume, failures, the report and the command line."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from distributed import Client, LocalCluster

from kbench import sweep as sweep_module
from kbench.cli import cli
from kbench.errors import ConfigError
from kbench.sweep import HIVE_NULL, load_sweep, numba_cache_dir, points, run_sweep

POLICIES = Path(__file__).parents[2] / "policies"


def small_policy(tmp: Path, name: str) -> Path:
    """The bundled placement policy ``name`` with its first 300 pods (inflated to 130% as usual)."""
    doc = yaml.safe_load((POLICIES / f"{name}.yaml").read_text())
    doc["workload"]["limit"] = 300
    doc["scheduler"]["config"] = str(POLICIES / doc["scheduler"]["config"])
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def sweep_file(tmp: Path, pods: list[str], **extra: object) -> Path:
    small_policy(tmp, "fgd")
    small_policy(tmp, "bestfit")
    path = tmp / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "policies": ["fgd.yaml", "bestfit.yaml"], "seeds": {"from": 1, "to": 2},
                                    "set": {"workload.pods": pods}, "report": "fgd", **extra}))
    return path


def test_grid_then_listed_points_in_hive_folders(tmp_path: Path) -> None:
    listed = [{"policy": "fgd.yaml", "seed": 7, "set": {"workload.placement.inflation": 1.1}},
              {"policy": "bestfit.yaml"}]
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default", "alibaba-gpu-v2023:gpushare40"], points=listed)
    pts = points(load_sweep(path), path, tmp_path / "out")
    # grid: 2 policies x 2 pod lists x seeds 1..2 = 8; listed: 1 (seed 7) + 1 x seeds 1..2 = 3
    assert len(pts) == 8 + 3
    out = tmp_path / "out"
    # levels: policy, then each swept field in first-seen order (pods, inflation), then seed
    assert pts[0].out == out / "policy=fgd" / "pods=default" / f"inflation={HIVE_NULL}" / "seed=1"
    assert pts[7].out == out / "policy=bestfit" / "pods=gpushare40" / f"inflation={HIVE_NULL}" / "seed=2"
    assert pts[8].out == out / "policy=fgd" / f"pods={HIVE_NULL}" / "inflation=1.1" / "seed=7"
    assert pts[8].overrides == (("workload.placement.inflation", 1.1),)
    assert [p.out.name for p in pts[9:]] == ["seed=1", "seed=2"] and pts[9].overrides == ()


def test_points_that_would_collide_are_refused(tmp_path: Path) -> None:
    # both values end in "default" after the part before ':' is dropped: one folder for two runs
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default", "other:default"])
    with pytest.raises(ConfigError, match="would share the folder policy=fgd/pods=default/seed=1"):
        points(load_sweep(path), path, tmp_path / "out")
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default"], points=[{"policy": "fgd.yaml", "set": {"cluster.pods": 1}}])
    with pytest.raises(ConfigError, match="cluster.pods: its results level 'pods=' would be workload.pods's too"):
        points(load_sweep(path), path, tmp_path / "out")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\nseeds: [1]\n")
    with pytest.raises(ConfigError, match="'policies' \\(a grid\\) or 'points'"):
        load_sweep(bad)
    bad.write_text("name: b\npoints: [{policy: nosuch.yaml}]\n")
    with pytest.raises(ConfigError, match="points\\[0\\].policy: nosuch.yaml: no such policy file"):
        load_sweep(bad)


def test_two_dask_workers_complete_then_resume(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default"])
    out = tmp_path / "out"
    first = run_sweep(path, out, workers=2)
    assert len(first.done) == 2 * 2 and not first.skipped and not first.failed   # 2 policies x 2 seeds
    curves = pl.scan_parquet(out / "**" / "arrival_curve.parquet", hive_partitioning=True).collect()
    assert set(curves["policy"]) == {"fgd", "bestfit"} and set(curves["seed"]) == {1, 2}   # from the folders
    assert set(curves["pods"]) == {"default"} and curves["arrived_pct"].max() == 130
    assert first.report is not None and first.report.is_file()
    assert any(numba_cache_dir().rglob("*.nbi"))   # the workers' kernels went to the shared cache
    again = run_sweep(path, out, workers=2)
    assert not again.done and len(again.skipped) == 4 and not again.failed


def test_a_failing_point_is_reported_and_the_others_run_on_an_existing_cluster(tmp_path: Path) -> None:
    listed = [{"policy": "fgd.yaml", "seed": 1, "set": {"workload.pods": "alibaba-gpu-v2023:nosuch"}}]
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default"], points=listed, seeds=[1])
    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster:
        first = run_sweep(path, out, cluster=cluster.scheduler_address)   # as `--cluster tcp://...`
        with Client(cluster) as client:   # the plugin set each worker's Numba cache folder
            cache_dirs = client.run(lambda: os.environ.get("NUMBA_CACHE_DIR"))
            assert set(cache_dirs.values()) == {str(numba_cache_dir())}
    assert sorted(p.out.relative_to(out).parts[0] for p in first.done) == ["policy=bestfit", "policy=fgd"]
    [(failed, error)] = first.failed
    assert failed.out == out / "policy=fgd" / "pods=nosuch" / "seed=1" and "nosuch" in error
    again = run_sweep(path, out, workers=1)   # the failed point is tried again, the others skipped
    assert not again.done and len(again.skipped) == 2 and len(again.failed) == 1


def test_numba_cache_dir_prefers_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert numba_cache_dir() == tmp_path / "xdg" / "kbench" / "numba"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "nc"))
    assert numba_cache_dir() == tmp_path / "nc"


def test_cli_sweep_and_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default"])
    res = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "4 runs done, 0 already there, 0 failed" in res.output
    assert (tmp_path / "o" / "policy=bestfit" / "pods=default" / "seed=2" / "run.json").is_file()
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\npolicies: [missing.yaml]\n")
    res = CliRunner().invoke(cli, ["sweep", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "policies[0]: missing.yaml: no such policy file" in res.output
    res = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "2",
                                   "--cluster", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2 and "--workers and --cluster exclude each other" in res.output
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", 0.5)
    res = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(tmp_path / "p"), "--cluster", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2 and "error: --cluster: tcp://127.0.0.1:1: no Dask scheduler answers" in res.output
    with pytest.raises(ConfigError, match="seeds"):
        bad.write_text("name: b\npolicies: [fgd.yaml]\nseeds: {from: 3, to: 1}\n")
        load_sweep(bad)
