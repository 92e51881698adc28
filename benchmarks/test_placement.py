"""The FGD paper's experiment: one placement-mode run per GPU policy on the default trace (1,213
nodes, ~10,800 pods after inflation to 130%), through ``run_policy`` as `kbench run` does it.

The timed call includes loading the trace, building task types and writing the results folder;
``extra_info`` records the run's own ``wall_seconds`` (shuffle, inflation and the replay kernel)
and its cost per pod.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kbench.gpu.policies import POLICY_NAMES
from kbench.run import run_policy

POLICIES = Path(__file__).resolve().parents[1] / "policies"


@pytest.mark.parametrize("policy", [p.lower() for p in POLICY_NAMES])
def test_placement_run(benchmark, tmp_path: Path, policy: str) -> None:
    runs: list[dict] = []

    def run() -> None:
        runs.append(run_policy(POLICIES / f"{policy}.yaml", out=tmp_path / f"round-{len(runs)}").run)

    benchmark.pedantic(run, rounds=3, iterations=1)
    last = runs[-1]
    assert last["pods_scheduled"] > 0
    wall = min(r["wall_seconds"] for r in runs)
    benchmark.extra_info["pods"] = last["pods_total"]
    benchmark.extra_info["wall_seconds"] = [r["wall_seconds"] for r in runs]
    benchmark.extra_info["min_wall_us_per_pod"] = round(wall / last["pods_total"] * 1e6, 1)
