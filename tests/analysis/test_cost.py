"""Scheduler cost (attempts per pod, nodes evaluated per attempt) on hand-built tables."""

from __future__ import annotations

from kbench.analysis.cost import scheduler_cost
from tests.analysis.helpers import hand_runs


def test_attempts_per_pod_and_nodes_per_attempt() -> None:
    attempts = [{"run": "a", "nodes_evaluated": n, "feasible_nodes": f} for n, f in ((10, 0), (20, 4), (30, 8))]
    pods = [{"run": "a", "uid": "1"}, {"run": "a", "uid": "2"}, {"run": "b", "uid": "3"}]
    df = scheduler_cost(hand_runs([("a", "p", 1), ("b", "p", 2)], attempts=attempts, pods=pods))
    # a: 3 attempts / 2 pods; nodes (10 + 20 + 30) / 3; feasible (0 + 4 + 8) / 3. b: a pod never tried
    assert df.select("run", "attempts", "pods", "attempts_per_pod", "nodes_per_attempt",
                     "feasible_per_attempt").rows() == [("a", 3, 2, 1.5, 20.0, 4.0), ("b", 0, 1, 0.0, None, None)]
