"""`kbench run` on a synthetic policy: the zone spread constraint takes effect; bad specs are one line."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from kbench.config.policy import load_policy
from kbench.errors import ConfigError
from kbench.run import run_policy
from kbench.sim.workload import nodes_from_table, pods_from_table
from kbench.traces.synthetic import SyntheticNodes, SyntheticPods, generate_nodes, generate_pods

# Zone a has six nodes, zones b and c one each: spreading over nodes alone (LeastAllocated) would
# put about three quarters of every app in zone a.
POLICY: dict[str, Any] = {
    "name": "spread", "seed": 1,
    "cluster": {"nodes": {"synthetic": {"pools": [
        {"name": "a", "count": 6, "cpu": "8", "memory": "32Gi", "zones": ["zone-a"]},
        {"name": "b", "count": 1, "cpu": "8", "memory": "32Gi", "zones": ["zone-b"]},
        {"name": "c", "count": 1, "cpu": "8", "memory": "32Gi", "zones": ["zone-c"]},
    ]}}},
    "workload": {"pods": {"synthetic": {
        "count": 60, "arrival": {"process": "poisson", "rate": 1.0}, "cpu": ["100m"], "memory": ["128Mi"],
        "app_count": 2, "spread": {"max_skew": 1, "when_unsatisfiable": "ScheduleAnyway"},
    }}},
}


def zone_counts(tmp_path: Path, doc: dict[str, Any]) -> dict[str, collections.Counter[str]]:
    """Run ``doc`` with invariant checks; per app, how many pods landed in each zone."""
    tmp_path.mkdir()
    p = tmp_path / "policy.yaml"
    p.write_text(yaml.safe_dump(doc))
    res = run_policy(p, out=tmp_path / "out", check=True)
    assert res.run["pods_scheduled"] == res.run["pods_total"] == 60
    spec = SyntheticPods.model_validate(doc["workload"]["pods"]["synthetic"])
    table = generate_pods(spec, np.random.default_rng([doc["seed"], 2]))
    app = dict(zip(table.column("name").to_pylist(), table.column("app").to_pylist(), strict=True))
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for r in pq.read_table(res.out / "pods.parquet").to_pylist():
        counts[app[r["name"]]]["zone-" + r["node"].split("-")[0]] += 1
    return counts


def test_zone_spread_constraint_takes_effect(tmp_path: Path) -> None:
    """With the constraint every app is spread over the three zones to within 2 pods (maxSkew 1
    plus 1: ScheduleAnyway only scores, and LeastAllocated/BalancedAllocation still weigh in, so
    the skew may exceed maxSkew by a pod); without it zone a, with 6 of the 8 nodes, gets most."""
    spread = zone_counts(tmp_path / "with", POLICY)
    assert set(spread) == {"app-0", "app-1"}
    for c in spread.values():
        assert set(c) == {"zone-a", "zone-b", "zone-c"}
        assert max(c.values()) - min(c.values()) <= 2, c
    doc = yaml.safe_load(yaml.safe_dump(POLICY))
    del doc["workload"]["pods"]["synthetic"]["spread"]
    plain = zone_counts(tmp_path / "without", doc)
    for c in plain.values():
        assert c["zone-a"] > c["zone-b"] + c["zone-c"], c


def test_converted_objects_carry_zone_app_and_constraint() -> None:
    spec = SyntheticNodes.model_validate(POLICY["cluster"]["nodes"]["synthetic"])
    node = nodes_from_table(generate_nodes(spec, np.random.default_rng(0)))[6]
    assert node.metadata.name == "b-0" and node.metadata.labels["topology.kubernetes.io/zone"] == "zone-b"
    pspec = SyntheticPods.model_validate(POLICY["workload"]["pods"]["synthetic"])
    _, pod = pods_from_table(generate_pods(pspec, np.random.default_rng(0)))[0]
    (tsc,) = pod.spec.topology_spread_constraints
    assert (tsc.topology_key, tsc.max_skew, tsc.when_unsatisfiable) == ("topology.kubernetes.io/zone", 1, "ScheduleAnyway")
    assert tsc.label_selector is not None and tsc.label_selector.match_labels == {"app": pod.metadata.labels["app"]}


def test_limit_and_seed_apply_to_synthetic_workloads(tmp_path: Path) -> None:
    doc = yaml.safe_load(yaml.safe_dump(POLICY)) | {"seed": 5}
    doc["workload"]["limit"] = 25
    p = tmp_path / "policy.yaml"
    p.write_text(yaml.safe_dump(doc))
    a = run_policy(p, out=tmp_path / "a")
    b = run_policy(p, out=tmp_path / "b")
    assert a.run["pods_total"] == 25
    assert (a.out / "pods.parquet").read_bytes() == (b.out / "pods.parquet").read_bytes()


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda d: d["cluster"]["nodes"]["synthetic"]["pools"][0].update(cpus="8"),
     "policy.yaml: cluster.nodes.synthetic.pools[0].cpus: unknown field"),
    (lambda d: d["workload"]["pods"]["synthetic"].update(cpu=["x"]),
     "policy.yaml: workload.pods.synthetic.cpu: not a Kubernetes quantity: 'x'"),
    (lambda d: d["workload"].update(pods=3),
     "policy.yaml: workload.pods: expected a list name, a file path or a {synthetic: ...} mapping"),
    (lambda d: d["workload"]["pods"].update(synthetc=1),
     "policy.yaml: workload.pods.synthetc: unknown field"),
])
def test_bad_synthetic_spec_names_the_yaml_path(tmp_path: Path, change: Any, fragment: str) -> None:
    doc = yaml.safe_load(yaml.safe_dump(POLICY))
    change(doc)
    p = tmp_path / "policy.yaml"
    p.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as e:
        load_policy(p)
    msg = str(e.value)
    assert fragment in msg and "\n" not in msg, msg
