"""`kbench sweep` on a cut-down trace: grid points, parallel workers, resume, failures, report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner

from kbench.cli import cli
from kbench.errors import ConfigError
from kbench.sweep import load_sweep, points, run_sweep

POLICIES = Path(__file__).parents[2] / "policies"


def small_policy(tmp: Path, name: str) -> Path:
    """The bundled placement policy ``name`` with its first 300 pods (inflated to 130% as usual)."""
    doc = yaml.safe_load((POLICIES / f"{name}.yaml").read_text())
    doc["workload"]["limit"] = 300
    doc["scheduler"]["config"] = str(POLICIES / doc["scheduler"]["config"])
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def sweep_file(tmp: Path, pods: list[str]) -> Path:
    small_policy(tmp, "fgd")
    small_policy(tmp, "bestfit")
    path = tmp / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "policies": ["fgd.yaml", "bestfit.yaml"], "seeds": {"from": 1, "to": 2},
                                    "set": {"workload.pods": pods}, "report": "fgd"}))
    return path


def test_grid_of_points(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default", "alibaba-gpu-v2023:gpushare40"])
    pts = points(load_sweep(path), path, tmp_path / "out")
    assert len(pts) == 2 * 2 * 2
    assert pts[0].out == tmp_path / "out" / "fgd" / "pods=default" / "seed=1"
    assert pts[-1].out == tmp_path / "out" / "bestfit" / "pods=gpushare40" / "seed=2"


def test_sweep_runs_in_two_workers_resumes_and_reports(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default", "alibaba-gpu-v2023:nosuch"])
    out = tmp_path / "out"
    first = run_sweep(path, out, workers=2)
    assert len(first.done) == 4 and not first.skipped
    assert len(first.failed) == 4 and all("nosuch" in err for _, err in first.failed)   # bad point, others run
    curves = pl.concat([pl.read_parquet(p) for p in sorted(out.glob("**/arrival_curve.parquet"))])
    assert set(curves["policy"]) == {"FGD", "BestFit"} and set(curves["seed"]) == {1, 2}
    assert set(curves["trace"]) == {"default"} and curves["arrived_pct"].max() == 130
    assert first.report is not None and first.report.is_file()
    again = run_sweep(path, out, workers=2)
    assert not again.done and len(again.skipped) == 4 and len(again.failed) == 4


def test_cli_sweep_and_bad_file(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, ["alibaba-gpu-v2023:default"])
    res = CliRunner().invoke(cli, ["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "4 runs done, 0 already there, 0 failed" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\npolicies: [missing.yaml]\n")
    res = CliRunner().invoke(cli, ["sweep", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "policies[0]: missing.yaml: no such policy file" in res.output
    with pytest.raises(ConfigError, match="seeds"):
        bad.write_text("name: b\npolicies: [fgd.yaml]\nseeds: {from: 3, to: 1}\n")
        load_sweep(bad)
