"""Preemption end to end: the bundled policies, with outcomes worked from DefaultPreemption's rules."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from kbench.run import run_policy

POLICIES = Path(__file__).parents[2] / "policies"


def test_scheduler_perf_preemption_basic(tmp_path: Path) -> None:
    out = run_policy(POLICIES / "scheduler-perf-preemption.yaml", out=tmp_path / "o").out
    run = json.loads((out / "run.json").read_text())
    pods = pl.read_parquet(out / "pods.parquet")
    high = pods.filter(pl.col("priority") == 10)
    low = pods.filter(pl.col("priority") == 0)
    # 4 low pods (0.9 cpu) per 4-cpu node leave 0.4 cpu; a 3-cpu pod needs 3 of them gone
    # (0.4 + 2.7 = 3.1 >= 3, and reprieving any of the three would leave 2.2 < 3): 500 x 3 victims
    assert len(high) == 500 and high["node"].null_count() == 0
    assert run["preemptions"] == 1500 and run["preemption_victims_by_priority"] == {"0": 1500}
    assert low.filter(pl.col("preemptions") > 0).height == 1500
    survivors = low.filter(pl.col("deleted_at").is_null())
    assert survivors.height == 500 and survivors["node"].n_unique() == 500   # one low pod left per node
    assert high["node"].n_unique() == 500
    events = pl.read_parquet(out / "events.parquet").filter(pl.col("reason") == "Preempted")
    assert events.height == 1500
    assert events["message"].str.contains(r"^Preempted by pod \S+ on node node-0-\d{5}$").all()


def test_priority_preemption_policy(tmp_path: Path) -> None:
    out = run_policy(POLICIES / "priority-preemption.yaml", out=tmp_path / "o", until=1200).out
    run = json.loads((out / "run.json").read_text())
    pods = pl.read_parquet(out / "pods.parquet")
    web = pods.filter(pl.col("namespace") == "shop")
    assert web.height == 20 and web["node"].null_count() == 0        # every web pod placed
    # 100 batch pods fill 20 nodes 5 x 1.5 cpu (0.5 cpu free); a 3-cpu web pod needs two of them
    # evicted: 40 victims, all of priority 100, all while the first batch pods still run (< 900 s)
    assert run["preemptions"] == 40 and run["preemption_victims_by_priority"] == {"100": 40}
    victims = pods.filter(pl.col("preemptions") > 0)
    assert victims["namespace"].unique().to_list() == ["batch"]
    # pods under a budget (etl-0..3, minAvailable 8 of 10: 2 disruptions allowed each) are never the
    # preferred victims while unprotected pods remain on equally good nodes
    by_job = victims.with_columns(pl.col("owner_name").alias("job")).group_by("job").len()
    protected = by_job.filter(pl.col("job").is_in([f"etl-{i}" for i in range(4)]))["len"].sum()
    assert protected <= 4 * 2
    assert run["preempted_seconds_lost"] > 0
