"""`kbench explain` with preemption (contracts/explain.md, "Preemption in explain").

The cluster: node-a holds two "batch" pods (class low = 100, 1 cpu each), node-b a web pod
(spec.priority 1000, 500m) and batch-3 (class mid = 500, 1500m), node-c is tainted; every node
has 2 cpu, all taken. The incoming pod (class high = 1000) asks 1500m, so it fits nowhere.

Without a PDB: node-a, evict both batch pods (0 + 1500m fits, either one back makes 2500m > 2
cpu), highest victim priority 100; node-b, evict batch-3 (500m + 1500m = 2 cpu), highest 500.
Lowest highest-victim priority wins: node-a. With a PDB over app=batch allowing 1 disruption:
node-a's second batch pod violates it (1 violation), node-b none: node-b.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kbench.cli import cli

CLASSES = """
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 100
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: mid}
value: 500
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high-never}
value: 1000
preemptionPolicy: Never
"""


def node(name: str, taint: bool = False) -> str:
    taints = "[{key: dedicated, value: infra, effect: NoSchedule}]" if taint else "[]"
    return f"""
apiVersion: v1
kind: Node
metadata: {{name: {name}}}
spec: {{taints: {taints}}}
status: {{allocatable: {{cpu: "2", memory: 8Gi, pods: "10"}}}}
"""


def pod(name: str, node_name: str, cpu: str, priority: str, labels: str = "{}", start: str | None = None) -> str:
    status = f"\nstatus: {{startTime: '{start}'}}" if start else ""
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {labels}}}
spec:
  nodeName: {node_name}
  {priority}
  containers: [{{name: c, image: pause, resources: {{requests: {{cpu: {cpu}}}}}}}]{status}
"""


PDB = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: batch, namespace: default}
spec: {selector: {matchLabels: {app: batch}}, maxUnavailable: 1}
status: {disruptionsAllowed: 1}
"""

CLUSTER = "---".join([
    CLASSES, node("node-a"), node("node-b"), node("node-c", taint=True),
    pod("batch-1", "node-a", "1", "priorityClassName: low", "{app: batch}", "2024-01-01T00:00:00Z"),
    pod("batch-2", "node-a", "1", "priorityClassName: low", "{app: batch}"),
    pod("web-1", "node-b", "500m", "priority: 1000"),
    pod("batch-3", "node-b", "1500m", "priorityClassName: mid"),
    pod("infra", "node-c", "2", "priority: 2000"),
])


def incoming(cpu: str = "1500m", cls: str = "high") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: web-2, namespace: default}}
spec:
  priorityClassName: {cls}
  containers: [{{name: c, image: pause, resources: {{requests: {{cpu: {cpu}}}}}}}]
"""


def explain(tmp_path: Path, cluster: str, pod_yaml: str, output: str = "json"):  # type: ignore[no-untyped-def]
    (tmp_path / "cluster.yaml").write_text(cluster)
    (tmp_path / "pod.yaml").write_text(pod_yaml)
    return CliRunner().invoke(cli, ["explain", "--cluster", str(tmp_path / "cluster.yaml"),
                                    "--pod", str(tmp_path / "pod.yaml"), "--output", output])


def test_lowest_priority_victims_without_pdb(tmp_path: Path) -> None:
    res = explain(tmp_path, CLUSTER, incoming())
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["selected"] is None
    assert out["preemption"] == {"node": "node-a", "victims": ["default/batch-1", "default/batch-2"]}


def test_pdb_moves_preemption_to_the_node_without_violations(tmp_path: Path) -> None:
    res = explain(tmp_path, CLUSTER + "---" + PDB, incoming())
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["preemption"] == {"node": "node-b", "victims": ["default/batch-3"]}


def test_no_candidate_is_null(tmp_path: Path) -> None:
    # 2500m fits on no 2-cpu node even emptied
    res = explain(tmp_path, CLUSTER, incoming(cpu="2500m"))
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert "preemption" in out and out["preemption"] is None


def test_preemption_policy_never_from_the_class(tmp_path: Path) -> None:
    res = explain(tmp_path, CLUSTER, incoming(cls="high-never"))
    assert res.exit_code == 0, res.output
    assert "preemption" not in json.loads(res.stdout)


def test_feasible_pod_has_no_preemption(tmp_path: Path) -> None:
    res = explain(tmp_path, CLUSTER.replace('cpu: "2"', 'cpu: "4"'), incoming())
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["selected"] is not None and "preemption" not in out


def test_table_shows_nominated_node_and_victims(tmp_path: Path) -> None:
    res = explain(tmp_path, CLUSTER, incoming(), output="table")
    assert res.exit_code == 0, res.output
    assert "Preemption: nominate node-a, evicting 2 pod(s):" in res.stdout
    assert "default/batch-1" in res.stdout and "default/batch-2" in res.stdout


def test_unknown_priority_class_is_one_line_error(tmp_path: Path) -> None:
    res = explain(tmp_path, CLUSTER, incoming(cls="nope"))
    assert res.exit_code == 2
    assert "no PriorityClass with name nope was found" in res.output
    assert "Traceback" not in res.output
