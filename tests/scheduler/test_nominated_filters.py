"""Nominated pods in the scheduling cycle (RunFilterPluginsWithNominatedPods, framework.go).

kube filters a node with the pods nominated to it of equal or higher priority (not the pod
itself) added as if running there; if that passes, again without them; the node fits only if both
pass, and the first failing pass gives its status. Scoring does not see nominated pods. The cases
are worked from those rules with `kbench explain` (a cluster file's unbound pods with
``status.nominatedNodeName`` are the nominated pods). Every node has 4 cpu.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kbench.explain import run_explain
from kbench.scheduler.nominated import NominatedPodMap
from kbench.sim.nominator import Nominator


def node(name: str) -> str:
    return f"""
apiVersion: v1
kind: Node
metadata: {{name: {name}, labels: {{kubernetes.io/hostname: {name}}}}}
status: {{allocatable: {{cpu: "4", memory: 16Gi, pods: "110"}}}}
"""


def pod(name: str, cpu: str, priority: int, labels: str = "{}", nominated: str | None = None,
        bound: str | None = None, extra: str = "", port: int | None = None) -> str:
    status = f"\nstatus: {{nominatedNodeName: {nominated}}}" if nominated else ""
    node_name = f"\n  nodeName: {bound}" if bound else ""
    ports = f", ports: [{{containerPort: {port}, hostPort: {port}}}]" if port else ""
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, uid: {name}, labels: {labels}}}
spec:{node_name}
  priority: {priority}{extra}
  containers: [{{name: c, image: pause, resources: {{requests: {{cpu: "{cpu}", memory: 1Gi}}}}{ports}}}]{status}
"""


ANTI_WEB = """
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - {labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname}"""

AFFINITY_DB = """
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - {labelSelector: {matchLabels: {app: db}}, topologyKey: kubernetes.io/hostname}"""


def explain(tmp_path: Path, objects: list[str], incoming: str) -> dict[str, Any]:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text("---".join([node("node-a"), node("node-b"), *objects]))
    pod_file = tmp_path / "pod.yaml"
    pod_file.write_text(incoming)
    out, _, _ = run_explain(str(cluster), str(pod_file), None, None)
    return {n["name"]: n for n in out["nodes"]} | {"selected": out["selected"]}


def test_higher_priority_nominated_pod_holds_its_resources(tmp_path: Path) -> None:
    # node-a: 3 cpu nominated at priority 10; the pod (priority 5) asks 2: 3 + 2 > 4 on node-a.
    got = explain(tmp_path, [pod("nom", "3", 10, nominated="node-a")], pod("me", "2", 5))
    assert got["node-a"]["feasible"] is False
    assert got["node-a"]["reasons"] == ["Insufficient cpu"]
    assert got["selected"] == "node-b"


def test_equal_priority_counts_lower_does_not(tmp_path: Path) -> None:
    equal = explain(tmp_path, [pod("nom", "3", 5, nominated="node-a")], pod("me", "2", 5))
    assert equal["node-a"]["feasible"] is False  # >= priority: added
    lower = explain(tmp_path, [pod("nom", "3", 4, nominated="node-a")], pod("me", "2", 5))
    assert lower["node-a"]["feasible"] is True  # the pod may take what was freed for lower ones


def test_a_pod_is_not_blocked_by_its_own_nomination(tmp_path: Path) -> None:
    me = pod("me", "2", 5, nominated="node-a")
    got = explain(tmp_path, [pod("other", "3", 1, bound="node-b"), me], me)
    assert got["node-a"]["feasible"] is True
    assert got["node-b"]["reasons"] == ["Insufficient cpu"]


def test_nominated_pods_do_not_change_scores(tmp_path: Path) -> None:
    # Both nodes fit 1 cpu with node-a's nominated 1 cpu added; scoring sees neither nomination,
    # so node-a and node-b score the same (as empty nodes) in every plugin.
    got = explain(tmp_path, [pod("nom", "1", 10, nominated="node-a")], pod("me", "1", 5))
    assert got["node-a"]["feasible"] and got["node-b"]["feasible"]
    assert got["node-a"]["scores"] == got["node-b"]["scores"]
    assert got["node-a"]["total"] == got["node-b"]["total"]


def test_nominated_pod_counts_for_anti_affinity(tmp_path: Path) -> None:
    # First pass on node-a has a web pod there: the incoming pod's anti-affinity rejects it.
    got = explain(tmp_path, [pod("web", "1", 10, "{app: web}", nominated="node-a")],
                  pod("me", "1", 5, extra=ANTI_WEB))
    assert got["node-a"]["reasons"] == ["node(s) didn't match pod anti-affinity rules"]
    assert got["node-b"]["feasible"] is True


def test_nominated_pod_does_not_satisfy_affinity(tmp_path: Path) -> None:
    # The db pod is only nominated: the first pass (with it) passes on node-a, the second
    # (without it) fails, so node-a is rejected with the second pass's status; node-b fails both.
    got = explain(tmp_path, [pod("db", "1", 10, "{app: db}", nominated="node-a")],
                  pod("me", "1", 5, extra=AFFINITY_DB))
    assert got["selected"] is None
    assert got["node-a"]["reasons"] == ["node(s) didn't match pod affinity rules"]
    assert got["node-b"]["reasons"] == ["node(s) didn't match pod affinity rules"]


def test_nominated_pod_holds_its_host_port(tmp_path: Path) -> None:
    got = explain(tmp_path, [pod("web", "1", 10, nominated="node-a", port=8080)], pod("me", "1", 5, port=8080))
    assert got["node-a"]["reasons"] == ["node(s) didn't have free ports for the requested pod ports"]
    assert got["node-b"]["feasible"] is True


def test_the_sims_nominator_and_the_plain_map_agree() -> None:
    """The scheduler process's Nominator answers what the cycle asks as NominatedPodMap does."""
    from kbench.api.objects import Pod

    pods = [Pod.model_validate({"metadata": {"name": n, "uid": n}, "spec": {"containers": [{"name": "c"}]},
                                "status": {"nominatedNodeName": node_name}})
            for n, node_name in (("a", "node-a"), ("b", "node-b"), ("c", "node-a"))]
    nominator = Nominator()
    for p in pods:
        nominator.add(p, p.status["nominatedNodeName"])
    plain = NominatedPodMap.of(pods)
    assert sorted(nominator.node_names()) == sorted(plain.node_names())
    for name in ("node-a", "node-b", "node-c"):
        assert [p.metadata.name for p in nominator.pods_for_node(name)] == [p.metadata.name for p in plain.pods_for_node(name)]
