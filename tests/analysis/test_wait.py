"""Scheduling wait quantiles and CDF on hand-built pods tables."""

from __future__ import annotations

import pytest

from kbench.analysis.runs import Runs
from kbench.analysis.wait import wait_cdf, wait_quantiles, wait_times
from tests.analysis.helpers import hand_runs

# run a: waits 1, 2, 3, 4, 5 (scheduled_at - created_at) and one pod never scheduled;
# run b: waits 10, 0, 0; run z is a placement run (times are submission order): left out.
PODS = [
    {"run": "a", "uid": "a1", "created_at": 0.0, "scheduled_at": 1.0},
    {"run": "a", "uid": "a2", "created_at": 0.0, "scheduled_at": 2.0},
    {"run": "a", "uid": "a3", "created_at": 1.0, "scheduled_at": 4.0},
    {"run": "a", "uid": "a4", "created_at": 2.0, "scheduled_at": 6.0},
    {"run": "a", "uid": "a5", "created_at": 10.0, "scheduled_at": 15.0},
    {"run": "a", "uid": "a6", "created_at": 3.0, "scheduled_at": None},
    {"run": "b", "uid": "b1", "created_at": 0.0, "scheduled_at": 10.0},
    {"run": "b", "uid": "b2", "created_at": 5.0, "scheduled_at": 5.0},
    {"run": "b", "uid": "b3", "created_at": 7.0, "scheduled_at": 7.0},
    {"run": "z", "uid": "z1", "created_at": 0.0, "scheduled_at": 0.0},
]
RUNS = [("a", "p", 1), ("b", "p", 2), ("z", "fgd", 1)]


def runs() -> Runs:
    return hand_runs(RUNS, modes={"z": "placement"}, pods=PODS)


def test_wait_times_per_pod() -> None:
    df = wait_times(runs())
    assert df.filter(df["uid"] == "a4")["wait"].to_list() == [4.0]  # 6 - 2
    assert df.filter(df["uid"] == "a6")["wait"].to_list() == [None]
    assert "z1" not in df["uid"].to_list()


def test_quantiles_interpolate_linearly() -> None:
    q = {r["run"]: r for r in wait_quantiles(runs()).iter_rows(named=True)}
    a, b, z = q["a"], q["b"], q["z"]
    # a, sorted 1..5: position (n-1)q = 4q; p90 at 3.6 -> 4 + 0.6 * (5 - 4); p99 at 3.96 -> 4.96
    assert (a["scheduled"], a["wait_mean"], a["wait_p50"]) == (5, 3.0, 3.0)
    assert a["wait_p90"] == pytest.approx(4.6)
    assert a["wait_p99"] == pytest.approx(4.96)
    # b, sorted 0, 0, 10: position 2q; p50 at 1 -> 0; p90 at 1.8 -> 0.8 * 10; p99 at 1.98 -> 9.8
    assert (b["scheduled"], b["wait_p50"]) == (3, 0.0)
    assert b["wait_mean"] == pytest.approx(10 / 3)
    assert b["wait_p90"] == pytest.approx(8.0)
    assert b["wait_p99"] == pytest.approx(9.8)
    assert (z["scheduled"], z["wait_p50"]) == (None, None)


def test_cdf_counts_never_scheduled_pods_in_the_denominator() -> None:
    by_run = wait_cdf(runs(), by="run")
    a = by_run.filter(by_run["run"] == "a")
    assert a["wait"].to_list() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert a["fraction"].to_list() == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6])  # 6 pods, 1 never bound
    b = by_run.filter(by_run["run"] == "b")
    assert b.rows() == [("b", 0.0, pytest.approx(2 / 3)), ("b", 10.0, 1.0)]  # the two 0 s waits are one step
    assert "z" not in by_run["run"].to_list()
    # group p pools a and b: 9 pods, waits 0, 0, 1, 2, 3, 4, 5, 10 and one never bound
    pooled = wait_cdf(runs(), by="group")
    assert pooled["wait"].to_list() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0]
    assert pooled["fraction"].to_list() == pytest.approx([2 / 9, 3 / 9, 4 / 9, 5 / 9, 6 / 9, 7 / 9, 8 / 9])


def test_cdf_rejects_an_unknown_grouping() -> None:
    with pytest.raises(ValueError, match="by must be"):
        wait_cdf(runs(), by="node")
