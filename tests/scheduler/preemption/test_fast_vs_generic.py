"""The fast kernel finds exactly what the generic search finds, on random clusters: mixed
priorities and start times (ties included), cpu/memory/pods/extended resources, PDBs with
disrupted pods, nominated pods, tainted nodes, and NodeResourcesFit before or after the
node-only filters. The generic search leaves the cluster exactly as it found it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kbench.config.scheduler_config import PluginRef, Plugins, PluginSet, Profile, expand_profile
from kbench.scheduler.preemption import NominatedPodMap
from tests.scheduler.preemption.helpers import cluster, dry_runs, node, pdb, pod

FOO = "example.com/foo"
PRIOS = (-100, 0, 100, 1000)
TAINT = [{"key": "k", "value": "v", "effect": "NoSchedule"}]

FIT_FIRST = expand_profile(Profile(plugins=Plugins(filter=PluginSet(enabled=[PluginRef(name="NodeResourcesFit")]))),
                           "<test>", "", 100)
"""The default profile with NodeResourcesFit moved to the front of the filters."""


def random_case(rng: np.random.Generator):  # type: ignore[no-untyped-def]
    nodes, pods, start = [], [], {}
    for i in range(int(rng.integers(3, 12))):
        cap = {"cpu": f"{int(rng.choice([1000, 2000]))}m", "memory": f"{int(rng.choice([1000, 2000]))}",
               "pods": str(int(rng.integers(3, 8)))}
        if rng.random() < 0.3:
            cap[FOO] = str(int(rng.integers(1, 4)))
        nodes.append(node(f"n{i}", cap, taints=TAINT if rng.random() < 0.15 else []))
        for j in range(int(rng.integers(0, 7))):
            name = f"p{i}-{j}"
            req = {"cpu": f"{int(rng.integers(1, 8)) * 100}m", "memory": f"{int(rng.integers(0, 8)) * 100}"}
            if FOO in cap and rng.random() < 0.5:
                req[FOO] = "1"
            labels = {"app": str(rng.choice(["a", "b", "c"]))} if rng.random() < 0.7 else {}
            pods.append(pod(name, f"n{i}", int(rng.choice(PRIOS)), req, labels=labels))
            start[name] = math.inf if rng.random() < 0.2 else float(rng.integers(0, 4))
    pdbs = [pdb({"app": "a"}, int(rng.integers(0, 3))),
            pdb({"app": "b"}, int(rng.integers(0, 2)), [p.metadata.name for p in pods if rng.random() < 0.2])]
    nominated = NominatedPodMap()
    for k in range(int(rng.integers(0, 4))):
        target = f"n{int(rng.integers(0, len(nodes)))}"
        nominated.by_node.setdefault(target, []).append(
            pod(f"nom{k}", priority=int(rng.choice(PRIOS)), req={"cpu": f"{int(rng.integers(1, 5)) * 100}m"}))
    req = {"cpu": f"{int(rng.integers(3, 15)) * 100}m", "memory": f"{int(rng.integers(0, 10)) * 100}"}
    if rng.random() < 0.3:
        req[FOO] = "1"
    return nodes, pods, start, pdbs, nominated, pod("incoming", priority=500, req=req)


def snapshot(c):  # type: ignore[no-untyped-def]
    t = c.pod_table
    live = t.node[: t.size] >= 0
    table = sorted(zip(t.node[: t.size][live].tolist(), t.seq[: t.size][live].tolist(),
                       map(tuple, t.req[: t.size][live].tolist())))
    return (c.requested[: c.n_nodes].tolist(), [list(d) for d in c.pods_on_node], sorted(c.pods), table)


@pytest.mark.parametrize("seed", range(60))
def test_fast_equals_generic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nodes, pods, start, pdbs, nominated, incoming = random_case(rng)
    c = cluster(nodes, pods, start)
    before = snapshot(c)
    for prof in (expand_profile(Profile(), "<test>", "", 100), FIT_FIRST):
        _, fast = dry_runs(c, incoming, prof, pdbs, offset=int(rng.integers(0, 100)), walk="potential",
                           nominated=nominated)
        assert fast
        assert snapshot(c) == before
