"""InterPodAffinity against its naive twin (tests/naive/inter_pod_affinity.py) on seeded random clusters:
every node's Filter verdict, PreScore's Skip and the normalized scores; also across a run of pods
bound and unbound on one cluster (the incremental counters and the grouping of bound pods), and
with Numba's JIT disabled so the kernels' Python bodies are checked too.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from typing import Any

import pytest

from kbench.api.objects import Namespace, Node, Pod
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import CycleState, PodInfo
from kbench.scheduler.plugins.inter_pod_affinity import InterPodAffinity
from tests.naive import inter_pod_affinity as naive
from tests.scheduler.plugins.inter_pod_affinity.builders import run_filter, run_score

KEYS = ["zone", "region", "kubernetes.io/hostname", "rack"]
NAMESPACES = {"default": {}, "ns-a": {"team": "a"}, "ns-b": {"team": "b"}, "ns-c": {"team": "a", "env": "prod"}}
POD_NAMESPACES = list(NAMESPACES) + ["ns-x"]  # ns-x has no Namespace object
APPS = ["web", "db", "cache"]


def random_node(r: random.Random, i: int) -> Node:
    labels = {}
    for key, p, values in (("zone", 0.8, ["z1", "z2", "z3"]), ("region", 0.7, ["r1", "r2"]),
                           ("kubernetes.io/hostname", 0.9, [f"h{i}"]), ("rack", 0.4, ["a", "b"])):
        if r.random() < p:
            labels[key] = r.choice(values)
    return Node.model_validate({"metadata": {"name": f"n{i}", "labels": labels}})


def random_labels(r: random.Random) -> dict[str, str]:
    labels = {}
    if r.random() < 0.8:
        labels["app"] = r.choice(APPS)
    if r.random() < 0.5:
        labels["tier"] = r.choice(["fe", "be"])
    return labels


def random_selector(r: random.Random) -> dict[str, Any] | None:
    x = r.random()
    if x < 0.1:
        return None
    if x < 0.2:
        return {}
    if x < 0.5:
        return {"matchLabels": {"app": r.choice(APPS)}}
    op = r.choice(["In", "NotIn", "Exists", "DoesNotExist"])
    key = r.choice(["app", "tier"])
    values = r.sample(APPS + ["fe", "be"], r.randint(1, 2)) if op in ("In", "NotIn") else []
    return {"matchExpressions": [{"key": key, "operator": op, "values": values}]}


def random_term(r: random.Random) -> dict[str, Any]:
    t: dict[str, Any] = {"topologyKey": r.choice(KEYS + ["zone", "missing-key"])}
    sel = random_selector(r)
    if sel is not None:
        t["labelSelector"] = sel
    if r.random() < 0.3:
        t["namespaces"] = r.sample(POD_NAMESPACES, r.randint(1, 2))
    x = r.random()
    if x < 0.15:
        t["namespaceSelector"] = {}
    elif x < 0.3:
        t["namespaceSelector"] = {"matchLabels": {"team": "a"}}
    elif x < 0.4:
        t["namespaceSelector"] = {"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}
    return t


def random_affinity(r: random.Random) -> dict[str, Any]:
    def terms(p: float) -> list[dict[str, Any]]:
        return [random_term(r) for _ in range(r.randint(1, 2))] if r.random() < p else []

    def weighted(p: float) -> list[dict[str, Any]]:
        return [{"weight": r.randint(1, 100), "podAffinityTerm": random_term(r)} for _ in range(r.randint(1, 2))] \
            if r.random() < p else []

    out: dict[str, Any] = {}
    if r.random() < 0.7:
        out["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": terms(0.4),
                              "preferredDuringSchedulingIgnoredDuringExecution": weighted(0.5)}
    if r.random() < 0.7:
        out["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": terms(0.5),
                                  "preferredDuringSchedulingIgnoredDuringExecution": weighted(0.5)}
    return out


def random_pod(r: random.Random, name: str, node: str | None, p_affinity: float) -> Pod:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "pause"}]}
    if node:
        spec["nodeName"] = node
    if r.random() < p_affinity:
        spec["affinity"] = random_affinity(r)
    return Pod.model_validate({"metadata": {"name": name, "namespace": r.choice(POD_NAMESPACES),
                                            "labels": random_labels(r)}, "spec": spec})


def namespace_objects() -> list[Namespace]:
    return [Namespace.model_validate({"metadata": {"name": n, "labels": labels}}) for n, labels in NAMESPACES.items()]


def check(plugin: InterPodAffinity, cluster: ClusterState, incoming: Pod, nodes: list[Node], pods: list[Pod],
          r: random.Random) -> None:
    """Filter verdicts and scores of the plugin equal the naive twin's."""
    nss = namespace_objects()
    pi = PodInfo(incoming)
    status, got = run_filter(plugin, cluster, pi)
    want = naive.filter_nodes(incoming, nodes, pods, nss)
    if want == naive.SKIP:
        assert status.skip
    else:
        assert status.ok
        assert {n: (s.reasons[0] if s else None) for n, s in got.items()} == want
    feasible = [n.name for n in nodes if r.random() < 0.7]
    status, scores = run_score(plugin, cluster, pi, feasible)
    want_scores = naive.score_nodes(incoming, nodes, pods, nss, feasible, plugin.hard_pod_affinity_weight,
                                    plugin.ignore_preferred_terms_of_existing_pods)
    if want_scores == naive.SKIP:
        assert status.skip
    else:
        assert status.ok
        assert scores == want_scores


@pytest.mark.parametrize("seed", range(40))
def test_random_clusters(seed: int) -> None:
    r = random.Random(seed)
    nodes = [random_node(r, i) for i in range(r.randint(1, 25))]
    pods = [random_pod(r, f"b{j}", r.choice(nodes).name, 0.4) for j in range(r.randint(0, 40))]
    cluster = ClusterState()
    cluster.add_objects(nodes, pods, namespace_objects())
    args = {"hardPodAffinityWeight": r.choice([0, 1, 7]), "ignorePreferredTermsOfExistingPods": r.random() < 0.2}
    plugin = InterPodAffinity(args)
    for t in range(6):
        check(plugin, cluster, random_pod(r, f"p{t}", None, 0.85), nodes, pods, r)


@pytest.mark.parametrize("seed", range(8))
def test_pods_bound_and_unbound_between_cycles(seed: int) -> None:
    """One cluster and plugin across many cycles, binding and unbinding pods in between (a pod is also
    re-bound under the same name to another node), so cached counters and groups must follow."""
    r = random.Random(1000 + seed)
    nodes = [random_node(r, i) for i in range(r.randint(2, 15))]
    cluster = ClusterState()
    cluster.add_objects(nodes, [], namespace_objects())
    plugin = InterPodAffinity({"hardPodAffinityWeight": r.choice([1, 3])})
    bound: dict[str, Pod] = {}
    for step in range(30):
        for _ in range(r.randint(0, 4)):
            if bound and r.random() < 0.35:
                key = r.choice(sorted(bound))
                cluster.remove_pod(key)
                old = bound.pop(key)
                if r.random() < 0.5:
                    again = old.model_copy(update={"spec": old.spec.model_copy(update={"node_name": r.choice(nodes).name})})
                    cluster.add_pod(again, again.spec.node_name)
                    bound[again.key] = again
            else:
                p = random_pod(r, f"s{step}-{len(bound)}-{r.randint(0, 9999)}", r.choice(nodes).name, 0.5)
                if p.key not in bound:
                    cluster.add_pod(p, p.spec.node_name)
                    bound[p.key] = p
        check(plugin, cluster, random_pod(r, f"p{step}", None, 0.85), nodes, list(bound.values()), r)


def test_pre_filter_and_pre_score_skip_at_once_without_affinity() -> None:
    """A pod without pod (anti-)affinity on a cluster without such pods: both Skips, nothing computed."""
    r = random.Random(7)
    nodes = [random_node(r, i) for i in range(5)]
    pods = [random_pod(r, f"b{j}", r.choice(nodes).name, 0.0) for j in range(10)]
    cluster = ClusterState()
    cluster.add_objects(nodes, pods, [])
    pi = PodInfo(random_pod(r, "p", None, 0.0))
    plugin = InterPodAffinity({})
    state = CycleState()
    assert plugin.pre_filter(state, pi, cluster)[0].skip
    assert plugin.pre_score(state, pi, cluster, cluster.node_indices()).skip
    assert pi._compiled == {}  # the pod's terms were never even compiled


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already the no-JIT run")
def test_kernels_without_jit() -> None:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "not without_jit",
                          "-x"], env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
