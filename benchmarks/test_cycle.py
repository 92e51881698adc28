"""One scheduling cycle with the default profile: 500, 5,000 and 15,000 nodes, 6 bound pods each,
with and without a zone topology spread constraint, 100% of nodes scored (and the adaptive default).

The cycle is the steady state of a simulator scheduling pods of one template: the pod's compiled
form is cached after the first call, the cluster is unchanged between rounds.
"""

from __future__ import annotations

import pytest

from benchmarks.conftest import cluster, pod
from kbench.config.scheduler_config import Profile, expand_profile
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo


@pytest.mark.parametrize("spread", [False, True], ids=["plain", "spread"])
@pytest.mark.parametrize("n_nodes", [500, 5000, 15000])
@pytest.mark.parametrize("percentage", [100, 0], ids=["pct100", "adaptive"])
def test_cycle(benchmark, n_nodes: int, spread: bool, percentage: int) -> None:
    state = cluster(n_nodes)
    fw = Framework(expand_profile(Profile(percentageOfNodesToScore=percentage), "<bench>", "", None))
    pi = PodInfo(pod("incoming", "app-0", spread=spread))
    _, res = fw.schedule(state, pi)
    assert res.selected >= 0
    benchmark.extra_info["nodes_evaluated"] = len(res.evaluated)
    benchmark(fw.schedule, state, pi)
