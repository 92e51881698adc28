"""The cycle: numFeasibleNodesToFind (schedule_one_test.go TestNumFeasibleNodesToFind literals),
round-robin start, early stop, skipping scoring for a single feasible node, seeded tie-breaks."""

from __future__ import annotations

import numpy as np
import pytest

from kbench.config.scheduler_config import Profile, expand_profile
from kbench.scheduler.cycle import Framework, num_feasible_nodes_to_find
from kbench.scheduler.framework import PodInfo
from tests.scheduler.helpers import cluster, node, pod


@pytest.mark.parametrize(
    ("percentage", "nodes", "want"),
    [
        (0, 10, 10),  # not set, fewer than 100 nodes: all
        (40, 10, 10),  # set, fewer than 100 nodes: all
        (0, 1000, 420),  # adaptive: 50 - 1000/125 = 42%
        (40, 1000, 400),
        (0, 6000, 300),  # adaptive 50 - 48 = 2% -> at least 5%
        (20, 6000, 1200),
        (1, 1000, 100),  # never fewer than 100
        (100, 6000, 6000),
    ],
)
def test_num_feasible_nodes_to_find(percentage: int, nodes: int, want: int) -> None:
    assert num_feasible_nodes_to_find(percentage, nodes) == want


def big_cluster(n: int, full: set[int] = frozenset()):  # type: ignore[assignment]
    nodes = [node(f"n{i}", {"cpu": "1" if i not in full else "0", "memory": "1Gi"}) for i in range(n)]
    return cluster(nodes)


def framework(pct: int, seed: int = 0) -> Framework:
    return Framework(expand_profile(Profile(percentageOfNodesToScore=pct), "<t>", "", None), seed=seed)


def test_early_stop_and_round_robin() -> None:
    c = big_cluster(1000, full={1, 3})
    fw = framework(0)
    pi = PodInfo(pod("p", [{"cpu": "500m"}]))
    _, res = fw.schedule(c, pi)
    # 420 feasible wanted; nodes 1 and 3 are full, so 422 nodes are evaluated, starting at 0
    assert len(res.feasible) == 420
    assert len(res.evaluated) == 422 and res.evaluated[0] == 0
    assert fw.next_start == 422
    _, res = fw.schedule(c, pi)
    assert res.evaluated[0] == 422 and len(res.evaluated) == 420
    assert fw.next_start == 842
    _, res = fw.schedule(c, pi)
    # wraps around: 842..999 then 0.. (1 and 3 rejected again)
    assert list(res.evaluated[:3]) == [842, 843, 844] and 0 in res.evaluated
    assert fw.next_start == (842 + len(res.evaluated)) % 1000


def test_single_feasible_node_is_not_scored() -> None:
    c = big_cluster(3, full={0, 2})
    fw = framework(100)
    _, res = fw.schedule(c, PodInfo(pod("p", [{"cpu": "500m"}])))
    assert res.selected == 1 and res.scores == {}


def test_ties_are_broken_at_random_with_a_seed() -> None:
    c = big_cluster(10)
    picks = {framework(100, seed=s).schedule(c, PodInfo(pod("p", [{"cpu": "500m"}])))[1].selected for s in range(40)}
    assert len(picks) > 3  # all ten nodes tie; different seeds pick different ones
    a = [framework(100, seed=7).schedule(c, PodInfo(pod("p", [{"cpu": "500m"}])))[1].selected for _ in range(3)]
    assert len(set(a)) == 1  # the same seed picks the same node


def test_highest_total_wins() -> None:
    c = cluster([node("small", {"cpu": "1", "memory": "1Gi"}), node("big", {"cpu": "8", "memory": "8Gi"})])
    _, res = framework(100).schedule(c, PodInfo(pod("p", [{"cpu": "500m", "memory": "256Mi"}])))
    assert c.node_names[res.selected] == "big"
    assert np.all(res.totals >= 0)
