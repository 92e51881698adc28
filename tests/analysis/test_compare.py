"""compare: rows per run or per seed group, the 95% CI and ratios to the baseline, CSV/JSON output."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kbench.analysis.compare import compare, ratio
from kbench.analysis.runs import Runs
from kbench.errors import ConfigError
from tests.analysis.helpers import hand_runs


def pods(run: str, scheduled: int, pending: int) -> list[dict[str, Any]]:
    rows = [{"run": run, "uid": f"{run}{i}", "created_at": 0.0, "scheduled_at": 1.0, "finished_at": None,
             "preemptions": 0} for i in range(scheduled)]
    return rows + [{"run": run, "uid": f"{run}p{i}", "created_at": 0.0, "scheduled_at": None, "finished_at": None,
                    "preemptions": 0} for i in range(pending)]


def three_seeds_and_one() -> Runs:
    """Policy a, seeds 1-3: 10, 12, 14 pods scheduled, 0 pending; policy b, one run: 6 scheduled, 2 pending."""
    return hand_runs([("a1", "a", 1), ("a2", "a", 2), ("a3", "a", 3), ("b1", "b", 1)],
                     pods=pods("a1", 10, 0) + pods("a2", 12, 0) + pods("a3", 14, 0) + pods("b1", 6, 2))


def test_seed_group_mean_ci_and_ratio() -> None:
    cmp = compare(three_seeds_and_one(), ["pods_scheduled", "never_scheduled"])
    assert [r.label for r in cmp.rows] == ["a", "b"]
    assert cmp.baseline == "a"
    a, b = cmp.rows
    assert (a.runs, a.seeds) == (["a1", "a2", "a3"], [1, 2, 3])
    # mean 12, sd 2, 95% half-width t(0.975, 2) * 2 / sqrt 3 = 4.302653 * 1.154701
    assert a.values["pods_scheduled"].mean == 12.0
    assert a.values["pods_scheduled"].half_width == pytest.approx(4.302653 * 2 / math.sqrt(3), rel=1e-6)
    assert b.values["pods_scheduled"].half_width is None
    assert b.ratios["pods_scheduled"] == pytest.approx(6 / 12)
    # never scheduled: a 0, b 2 -> b's ratio has no meaning (baseline 0); a's own is 0 / 0 -> 1
    assert (a.ratios["never_scheduled"], b.ratios["never_scheduled"]) == (1.0, None)


def test_baseline_by_policy_or_run_and_unknown() -> None:
    runs = three_seeds_and_one()
    cmp = compare(runs, ["pods_scheduled"], baseline="b")
    assert cmp.baseline == "b"
    assert cmp.rows[0].ratios["pods_scheduled"] == pytest.approx(12 / 6)
    assert compare(runs, ["pods_scheduled"], baseline="a2").baseline == "a"  # a run of group a
    with pytest.raises(ConfigError, match="names none"):
        compare(runs, ["pods_scheduled"], baseline="zzz")


def test_runs_sharing_a_seed_stay_separate_rows() -> None:
    runs = hand_runs([("x/default", "default", 42), ("y/default", "default", 42)],
                     pods=pods("x/default", 3, 0) + pods("y/default", 4, 0))
    cmp = compare(runs, ["pods_scheduled"])
    assert [r.label for r in cmp.rows] == ["x/default", "y/default"]
    assert cmp.rows[1].ratios["pods_scheduled"] == pytest.approx(4 / 3)


def test_default_metrics_leave_out_those_no_run_has() -> None:
    names = [m.name for m in compare(three_seeds_and_one()).metrics]
    assert "pods_scheduled" in names
    assert "unalloc_gpu_100" not in names  # no arrival curve
    assert "peak_alloc_gpu" not in names  # no timeseries
    with pytest.raises(ConfigError, match="unknown metric"):
        compare(three_seeds_and_one(), ["speed"])


def test_write_csv_and_json(tmp_path: Path) -> None:
    cmp = compare(three_seeds_and_one(), ["pods_scheduled"])
    csv = pl.read_csv(cmp.write(tmp_path / "c.csv"))
    assert csv.columns == ["label", "policy", "runs", "seeds", "pods_scheduled", "pods_scheduled_ci95",
                           "pods_scheduled_ratio"]
    assert csv.select("label", "runs", "seeds", "pods_scheduled", "pods_scheduled_ratio").rows() == [
        ("a", 3, "1 2 3", 12.0, 1.0), ("b", 1, "1", 6.0, 0.5)]
    doc = json.loads(cmp.write(tmp_path / "c.json").read_text())
    assert doc["baseline"] == "a"
    assert doc["rows"][1]["values"]["pods_scheduled"] == {"mean": 6.0, "ci95": None, "n": 1, "ratio": 0.5}
    with pytest.raises(ConfigError, match=r"\.csv or \.json"):
        cmp.write(tmp_path / "c.txt")
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temp file


def test_ratio_rules() -> None:
    assert (ratio(3.0, 2.0), ratio(0.0, 0.0), ratio(1.0, 0.0), ratio(None, 1.0)) == (1.5, 1.0, None, None)
