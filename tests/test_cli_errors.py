"""Bad input: one line on stderr naming the file and the field, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "workloads" / "examples"
GOOD_POD = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    resources: {requests: {cpu: 100m}}
"""


def run(tmp_path: Path, pod: str = GOOD_POD, config: str | None = None, cluster: str | None = None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pod.yaml").write_text(pod)
    cluster_path = EXAMPLES / "cluster.yaml"
    if cluster is not None:
        cluster_path = tmp_path / "cluster.yaml"
        cluster_path.write_text(cluster)
    args = [sys.executable, "-m", "kbench.cli", "explain", "--cluster", str(cluster_path), "--pod", str(tmp_path / "pod.yaml"), "-o", "json"]
    if config is not None:
        (tmp_path / "config.yaml").write_text(config)
        args += ["--config", str(tmp_path / "config.yaml")]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def assert_one_line_error(res: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for f in fragments:
        assert f in lines[0], lines[0]
    assert res.stdout == ""


def test_invalid_quantity(tmp_path: Path) -> None:
    res = run(tmp_path, GOOD_POD.replace("100m", "12x"))
    assert_one_line_error(res, "pod.yaml: spec.containers[0].resources.requests.cpu: invalid quantity '12x'")


def test_unknown_field(tmp_path: Path) -> None:
    res = run(tmp_path, GOOD_POD.replace("  - name: c\n", "  - name: c\n    imagee: nginx\n"))
    assert_one_line_error(res, "pod.yaml: spec.containers[0].imagee: unknown field")


def test_wrong_api_version(tmp_path: Path) -> None:
    res = run(tmp_path, GOOD_POD.replace("apiVersion: v1", "apiVersion: v2"))
    assert_one_line_error(res, "pod.yaml: apiVersion:", "'v2'")


def test_pod_without_containers(tmp_path: Path) -> None:
    res = run(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
    assert_one_line_error(res, "pod.yaml: spec.containers: a pod needs at least one container")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    res = run(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p\n")
    assert_one_line_error(res, "pod.yaml: invalid YAML at line")


def test_unknown_plugin(tmp_path: Path) -> None:
    cfg = ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n"
           "- plugins:\n    score:\n      enabled:\n      - name: NodeResourcesFitt\n")
    res = run(tmp_path, config=cfg)
    assert_one_line_error(res, "config.yaml: profiles[0].plugins.score.enabled[0].name: unknown plugin 'NodeResourcesFitt'")


def test_config_wrong_api_version(tmp_path: Path) -> None:
    cfg = "apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n"
    res = run(tmp_path, config=cfg)
    assert_one_line_error(res, "config.yaml: apiVersion: expected 'kubescheduler.config.k8s.io/v1'")


def test_config_unknown_field(tmp_path: Path) -> None:
    cfg = ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n"
           "- schedulerName: a\n  percentOfNodesToScore: 50\n")
    res = run(tmp_path, config=cfg)
    assert_one_line_error(res, "config.yaml: profiles[0].percentOfNodesToScore: unknown field")


def test_invalid_plugin_args(tmp_path: Path) -> None:
    cfg = ("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n"
           "- pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy: {type: Balanced}\n")
    res = run(tmp_path, config=cfg)
    assert_one_line_error(res, "config.yaml: profiles[0].pluginConfig[0].args.scoringStrategy.type")


def test_missing_file(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "kbench.cli", "explain", "--cluster", str(tmp_path / "nope.yaml"),
                          "--pod", str(tmp_path / "nope.yaml")], capture_output=True, text=True, timeout=120)
    assert_one_line_error(res, "nope.yaml: cannot read file")


def test_bad_node_in_cluster_names_document(tmp_path: Path) -> None:
    cluster = "apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: b}\nstatus: {allocatable: {cpu: lots}}\n"
    res = run(tmp_path, cluster=cluster)
    assert_one_line_error(res, "cluster.yaml: [1].status.allocatable.cpu: invalid quantity 'lots'")


@pytest.mark.parametrize("output", ["json", "table"])
def test_example_runs(tmp_path: Path, output: str) -> None:
    res = subprocess.run([sys.executable, "-m", "kbench.cli", "explain", "--cluster", str(EXAMPLES / "cluster.yaml"),
                          "--pod", str(EXAMPLES / "pod.yaml"), "-o", output], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "node-c" in res.stdout
