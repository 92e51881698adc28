"""`kbench compare` and `kbench report` through the CLI: output, files and one-line errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from click.testing import CliRunner

from kbench.cli import cli


def test_compare_prints_a_table(sweep_dir: Path) -> None:
    res = CliRunner().invoke(cli, ["compare", str(sweep_dir)])
    assert res.exit_code == 0, res.output
    assert "baseline: pack" in res.output
    assert "spread" in res.output and "±" in res.output and "×1.00" in res.output


def test_compare_csv_with_metric_and_baseline_folder(sweep_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    res = CliRunner().invoke(cli, ["compare", str(sweep_dir / "policy=spread"), "--metric", "never_scheduled",
                                   "--baseline", str(sweep_dir / "policy=pack" / "seed=1"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    df = pl.read_csv(out)
    # the baseline folder is loaded too and is the ratios' reference
    assert df["label"].to_list() == ["spread", "pack"]
    assert df["never_scheduled_ratio"].to_list()[1] == 1.0


def test_compare_errors_are_one_line(tmp_path: Path, sweep_dir: Path) -> None:
    for args in (["compare", str(tmp_path / "nope")], ["compare", str(sweep_dir), "--metric", "speed"],
                 ["report", str(tmp_path / "nope")]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 2
        assert res.output.startswith("error: ") and res.output.count("\n") == 1, res.output


def test_report_html_and_png(sweep_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["report", str(sweep_dir), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    res = CliRunner().invoke(cli, ["report", str(sweep_dir), "--format", "png", "-o", str(tmp_path / "figs")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "figs" / "wait_cdf.png").is_file()
