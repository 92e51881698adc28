"""Pods never scheduled, on a hand-built pods table."""

from __future__ import annotations

from kbench.analysis.unscheduled import never_scheduled, unscheduled_pods
from tests.analysis.helpers import hand_runs

PODS = [{"run": "a", "uid": "1", "scheduled_at": 1.0}, {"run": "a", "uid": "2", "scheduled_at": None},
        {"run": "a", "uid": "3", "scheduled_at": None}, {"run": "b", "uid": "4", "scheduled_at": 2.0}]


def test_counts_and_rows() -> None:
    runs = hand_runs([("a", "p", 1), ("b", "p", 2)], pods=PODS)
    assert never_scheduled(runs).select("run", "pods", "scheduled", "never_scheduled").rows() == [
        ("a", 3, 1, 2), ("b", 1, 1, 0)]
    assert unscheduled_pods(runs)["uid"].to_list() == ["2", "3"]
