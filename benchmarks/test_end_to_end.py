"""Whole runs, one per round, through ``run_policy``: the default policy (the bundled Alibaba GPU
trace) and scheduler_perf's SchedulingBasic (10,000 pods on 5,000 nodes), TopologySpreading (2,000
pods with a zone spread constraint on 5,000 nodes) and SchedulingPodAntiAffinity (1,000 pods with a
required hostname anti-affinity on 5,000 nodes).

The timed call includes loading the policy and building its objects, JIT warm-up (from numba's
cache after the first run) and writing the results. ``extra_info`` records the run's own
``wall_seconds`` (the simulation alone, as ``kbench run`` prints it), the pods and the engine
events, so a round's cost can be stated per pod and per event (the ``min_wall_us_*`` entries use
the fastest round's ``wall_seconds``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kbench.run import run_policy

POLICIES = Path(__file__).resolve().parents[1] / "policies"


@pytest.mark.parametrize("policy", ["default", "scheduler-perf-basic", "scheduler-perf-topology-spreading",
                                    "scheduler-perf-anti-affinity", "scheduler-perf-preemption"])
def test_end_to_end(benchmark, tmp_path: Path, policy: str) -> None:
    runs: list[dict] = []

    def run() -> None:
        runs.append(run_policy(POLICIES / f"{policy}.yaml", out=tmp_path / f"round-{len(runs)}").run)

    benchmark.pedantic(run, rounds=3, iterations=1)
    last = runs[-1]
    assert last["pods_scheduled"] > 0
    assert all((r["pods_total"], r["events"]) == (last["pods_total"], last["events"]) for r in runs)
    wall = min(r["wall_seconds"] for r in runs)
    benchmark.extra_info["pods"] = last["pods_total"]
    benchmark.extra_info["pods_scheduled"] = last["pods_scheduled"]
    benchmark.extra_info["events"] = last["events"]
    benchmark.extra_info["wall_seconds"] = [r["wall_seconds"] for r in runs]
    benchmark.extra_info["min_wall_us_per_pod"] = round(wall / last["pods_total"] * 1e6, 1)
    benchmark.extra_info["min_wall_us_per_event"] = round(wall / last["events"] * 1e6, 2)
