"""`kbench run` end to end on a slice of the bundled trace: results folder, determinism, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kbench.metrics.schema import RUN_JSON_REQUIRED, TABLES
from kbench.run import run_policy

POLICY = """name: slice
seed: 7
cluster:
  nodes: alibaba-gpu-v2023:gpu
workload:
  pods: alibaba-gpu-v2023:default
  limit: {limit}
simulation:
  sample_interval: 86400
"""


def policy(tmp_path: Path, limit: int = 300, extra: str = "") -> Path:
    p = tmp_path / "policy.yaml"
    p.write_text(POLICY.format(limit=limit) + extra)
    return p


def test_writes_every_table_and_run_json(tmp_path: Path) -> None:
    res = run_policy(policy(tmp_path), out=tmp_path / "out", check=True)
    files = sorted(p.name for p in res.out.iterdir())
    assert files == sorted([f"{t}.parquet" for t in TABLES] + ["run.json"])
    run = json.loads((res.out / "run.json").read_text())
    assert all(k in run for k in RUN_JSON_REQUIRED)
    pods = pq.read_table(res.out / "pods.parquet")
    assert pods.num_rows == 300 == run["pods_total"]
    assert run["pods_scheduled"] + run["pods_pending_at_end"] == 300
    assert pq.read_table(res.out / "attempts.parquet").num_rows >= run["pods_scheduled"]


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = run_policy(policy(tmp_path, 200), out=tmp_path / "a").out
    b = run_policy(policy(tmp_path, 200), out=tmp_path / "b").out
    for t in TABLES:
        assert (a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes(), t


def test_scheduled_pods_never_exceed_allocatable(tmp_path: Path) -> None:
    res = run_policy(policy(tmp_path, 500), out=tmp_path / "out", check=True)
    nodes = pq.read_table(res.out / "nodes.parquet").to_pylist()
    assert all(n["peak_cpu_milli"] <= n["cpu_milli"] and n["peak_memory_bytes"] <= n["memory_bytes"] for n in nodes)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("colour: blue\n", "policy.yaml: colour: unknown field"),
        ("simulation:\n  sample_interval: -1\n", "policy.yaml: simulation.sample_interval:"),
    ],
)
def test_bad_policy_is_one_line_and_leaves_no_results(tmp_path: Path, extra: str, fragment: str) -> None:
    text = POLICY.format(limit=10).replace("simulation:\n  sample_interval: 86400\n", "") + extra
    (tmp_path / "policy.yaml").write_text(text)
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "kbench.cli", "run", str(tmp_path / "policy.yaml"), "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], res.stderr
    assert not out.exists()


def test_missing_trace_file(tmp_path: Path) -> None:
    p = policy(tmp_path).read_text().replace("alibaba-gpu-v2023:default", "nope.csv")
    (tmp_path / "policy.yaml").write_text(p)
    res = subprocess.run([sys.executable, "-m", "kbench.cli", "run", str(tmp_path / "policy.yaml"), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "nope.csv" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_invariant_checker_catches_a_broken_state(tmp_path: Path) -> None:
    """The checker can fail: an over-committed node is reported."""
    import numpy as np

    from kbench.api.objects import Node
    from kbench.config.scheduler_config import default_profile
    from kbench.errors import InvariantError
    from kbench.etcd import Store
    from kbench.sim.apiserver import APIServer
    from kbench.sim.engine import Engine
    from kbench.sim.invariants import InvariantChecker
    from kbench.sim.scheduler import SchedulerProcess

    api = APIServer(Store(), Engine(np.random.default_rng(0)))
    sched = SchedulerProcess(api, default_profile())
    api.create(Node.model_validate({"metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "1", "pods": "1"}}}))
    sched.start()
    api.engine.run(until=1.0)
    checker = InvariantChecker(sched)
    checker.check()
    sched.cluster.requested[0, 0] = 5000
    with pytest.raises(InvariantError, match="node n has cpu requested 5000 > allocatable 1000"):
        checker.check()


@pytest.mark.parametrize("name", sorted(p.stem for p in (Path(__file__).parents[2] / "policies").glob("*.yaml")
                                        if not p.stem.endswith("-scheduler")))
def test_bundled_policies_run_scaled_down(tmp_path: Path, name: str) -> None:
    import yaml

    src = Path(__file__).parents[2] / "policies" / f"{name}.yaml"
    doc = yaml.safe_load(src.read_text())
    doc["workload"]["limit"] = 150
    if "placement" in doc["workload"]:
        doc["workload"]["placement"]["inflation"] = None   # no copies: exactly the 150 pods
    for section, key in (("scheduler", "config"), ("cluster", "nodes"), ("workload", "pods")):
        value = doc.get(section, {}).get(key)
        if isinstance(value, str) and value.endswith((".yaml", ".csv")):
            doc[section][key] = str(src.parent / value)
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(doc))
    res = run_policy(p, out=tmp_path / "out", check=True)
    assert res.run["policy"]["name"] == doc["name"]
    manifests = str(doc["workload"]["pods"]).endswith(".yaml")
    # manifest workloads: the limit caps the manifest's own pods; controllers create theirs
    assert res.run["pods_total"] == 150 or (manifests and res.run["pods_total"] > 0)
