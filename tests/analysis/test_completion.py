"""Job completion time (workloads table) and makespan (pods table) on hand-built rows."""

from __future__ import annotations

from kbench.analysis.completion import job_completion_times, makespan, mean_job_completion
from tests.analysis.helpers import hand_runs


def job(run: str, name: str, start: float, done: float | None, failed: float | None = None) -> dict[str, object]:
    end = done if done is not None else failed
    return {"run": run, "kind": "Job", "namespace": "batch", "name": name, "started_at": start,
            "completed_at": done, "failed_at": failed, "duration": None if end is None else end - start}


WORKLOADS = [
    job("a", "j1", 0.0, 100.0), job("a", "j2", 10.0, None, failed=70.0), job("a", "j3", 20.0, None),
    {"run": "a", "kind": "Deployment", "namespace": "web", "name": "d", "started_at": 0.0, "completed_at": 5.0,
     "failed_at": None, "duration": 5.0},
]


def test_job_completion_times_and_outcomes() -> None:
    df = job_completion_times(hand_runs([("a", "p", 1)], workloads=WORKLOADS))
    assert df.select("name", "duration", "outcome").rows() == [("j1", 100.0, "Complete"), ("j2", 60.0, "Failed"),
                                                               ("j3", None, None)]


def test_mean_job_completion_over_finished_jobs() -> None:
    runs = hand_runs([("a", "p", 1), ("b", "p", 2)], workloads=WORKLOADS)
    rows = mean_job_completion(runs).select("run", "jobs", "jobs_finished", "jct_mean").rows()
    # a: 3 Jobs, 2 finished, (100 + 60) / 2; the Deployment is not a Job; b has none
    assert rows == [("a", 3, 2, 80.0), ("b", 0, 0, None)]


def test_makespan_is_last_finish_minus_first_creation() -> None:
    pods = [{"run": "a", "created_at": 10.0, "finished_at": 200.0},
            {"run": "a", "created_at": 50.0, "finished_at": 250.0},
            {"run": "a", "created_at": 60.0, "finished_at": None},
            {"run": "s", "created_at": 0.0, "finished_at": None}]
    df = makespan(hand_runs([("a", "p", 1), ("s", "svc", 1)], pods=pods))
    # a: 250 - 10; s: no pod finished (long-running services)
    assert df.select("run", "makespan").rows() == [("a", 240.0), ("s", None)]
