"""DefaultPreemption for one pod on 5,000 full nodes (10 pods each, mixed priorities).

Every node runs 10 pods of 3.2 cpu (its 32 cpu taken), with priorities 0, 100, 1000 or 2000 and
distinct start times; the incoming pod (priority 1500, 4 cpu) fits nowhere, so the cycle rejects
every node as Unschedulable and preemption dry-runs max(10% of 5,000, 100) = 500 candidates
(the fast kernel: only NodeResourcesFit depends on other pods). The timed call is preempt() on the
cycle's result; the cycle itself is timed by test_cycle.py. With a PDB: one over a third of the
pods (app-0), allowing 10 disruptions.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from benchmarks.conftest import node
from kbench.api.objects import Pod
from kbench.api.policy import PodDisruptionBudget, pdb_view
from kbench.cluster.state import ClusterState
from kbench.config.scheduler_config import default_profile
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import PodInfo
from kbench.scheduler.preemption import preempt
from kbench.scheduler.preemption.fast import applies

N_NODES = 5000
PODS_PER_NODE = 10
PRIORITIES = (0, 100, 1000, 2000)


def pod(name: str, app: str, priority: int, cpu: str = "3200m") -> Pod:
    return Pod.model_validate({
        "metadata": {"name": name, "namespace": "default", "uid": name, "labels": {"app": app}},
        "spec": {"priority": priority,
                 "containers": [{"name": "c", "image": "pause", "resources": {"requests": {"cpu": cpu, "memory": "1Gi"}}}]},
    })


@functools.lru_cache(maxsize=1)
def full_cluster() -> ClusterState:
    rng = np.random.default_rng(0)
    state = ClusterState(capacity=N_NODES)
    for i in range(N_NODES):
        state.add_node(node(i))
    for i in range(N_NODES):
        for j in range(PODS_PER_NODE):
            prio = int(rng.choice(PRIORITIES))
            state.add_pod(pod(f"p-{i}-{j}", f"app-{j % 3}", prio), i, start_time=float(rng.integers(0, 10_000)))
    return state


@pytest.mark.parametrize("with_pdb", [False, True], ids=["no-pdb", "pdb"])
def test_preemption(benchmark, with_pdb: bool) -> None:
    state = full_cluster()
    fw = Framework(default_profile())
    pi = PodInfo(pod("incoming", "web", 1500, cpu="4"))
    cycle_state, res = fw.schedule(state, pi)
    assert res.n_feasible == 0 and applies(fw, cycle_state)
    pdbs = []
    if with_pdb:
        pdbs = [pdb_view(PodDisruptionBudget.model_validate({
            "metadata": {"name": "app-0", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "app-0"}}}, "status": {"disruptionsAllowed": 10}}))]
    rng = np.random.default_rng(0)
    got = preempt(fw, cycle_state, pi, state, res, pdbs, rng)
    assert got is not None and got.node is not None and got.victims
    benchmark(preempt, fw, cycle_state, pi, state, res, pdbs, rng)
