"""Synthetic node and pod generators: determinism, counts, zones, request choices, arrivals."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from kbench.api.quantity import parse_quantity
from kbench.traces.schema import NODE_SCHEMA, POD_SCHEMA
from kbench.traces.synthetic import SyntheticNodes, SyntheticPods, generate_nodes, generate_pods

NODES: dict[str, Any] = {"pools": [
    {"name": "cpu", "count": 10, "cpu": "8", "memory": "32Gi", "zones": ["a", "b", "c"]},
    {"name": "gpu", "count": 2, "cpu": "64", "memory": "512Gi", "pods": 50, "gpu": 8, "gpu_model": "A100"},
]}
PODS: dict[str, Any] = {
    "count": 2000, "arrival": {"process": "poisson", "rate": 4.0},
    "cpu": ["100m", "1", "2500m"], "memory": ["128Mi", "1Gi"], "gpu": [0, 1],
    "duration": {"distribution": "exponential", "mean": 60.0}, "app_count": 5,
    "spread": {"max_skew": 2, "when_unsatisfiable": "DoNotSchedule"},
}


def nodes(seed: int = 0, spec: dict[str, Any] = NODES) -> Any:
    return generate_nodes(SyntheticNodes.model_validate(spec), np.random.default_rng(seed))


def pods(seed: int = 0, **changes: Any) -> Any:
    return generate_pods(SyntheticPods.model_validate(PODS | changes), np.random.default_rng(seed))


def test_node_table_counts_names_and_resources() -> None:
    t = nodes()
    assert t.schema.names == NODE_SCHEMA.names + ["zone"]
    rows = t.to_pylist()
    assert len(rows) == 12
    assert [r["name"] for r in rows] == [f"cpu-{i}" for i in range(10)] + ["gpu-0", "gpu-1"]
    assert rows[0] | {"name": "", "zone": ""} == {"name": "", "cpu_milli": 8000, "memory_bytes": 32 * 2**30, "pods": 110,
                                                   "gpu": 0, "gpu_milli": 0, "gpu_model": None, "zone": ""}
    assert rows[-1] == {"name": "gpu-1", "cpu_milli": 64000, "memory_bytes": 512 * 2**30, "pods": 50,
                        "gpu": 8, "gpu_milli": 8000, "gpu_model": "A100", "zone": None}


def test_node_names_are_zero_padded() -> None:
    t = nodes(spec={"pools": [{"name": "w", "count": 101, "cpu": "1", "memory": "1Gi"}]})
    names = t.column("name").to_pylist()
    assert names[0] == "w-000" and names[-1] == "w-100" and names == sorted(names)


def test_zones_round_robin() -> None:
    zones = nodes().column("zone").to_pylist()[:10]
    assert zones == ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]


def test_pod_table_schema_and_count() -> None:
    t = pods()
    assert t.schema.names[: len(POD_SCHEMA.names)] == POD_SCHEMA.names
    assert t.num_rows == 2000 and len(set(t.column("name").to_pylist())) == 2000
    r = t.to_pylist()[0]
    assert r["spread_topology_key"] == "topology.kubernetes.io/zone"
    assert (r["spread_max_skew"], r["spread_when_unsatisfiable"]) == (2, "DoNotSchedule")


def test_same_seed_same_table_other_seed_differs() -> None:
    assert pods(3).equals(pods(3)) and nodes(3).equals(nodes(3))
    assert not pods(3).equals(pods(4))


def test_requests_come_from_the_choices_and_all_occur() -> None:
    t = pods()
    cpu = {parse_quantity(q).milli_value() for q in PODS["cpu"]}
    mem = {parse_quantity(q).value() for q in PODS["memory"]}
    assert set(t.column("cpu_milli").to_pylist()) == cpu
    assert set(t.column("memory_bytes").to_pylist()) == mem
    assert set(t.column("gpu").to_pylist()) == {0, 1}
    assert set(t.column("gpu_milli").to_pylist()) == {0}
    assert set(t.column("app").to_pylist()) == {f"app-{k}" for k in range(5)}


def test_poisson_inter_arrival_mean() -> None:
    """Gaps are exponential with mean 1/rate, so their sample mean has standard error
    (1/rate)/sqrt(n); it must lie within 5 standard errors (fails with probability < 1e-6)."""
    n, rate = 20000, 4.0
    created = np.array(pods(count=n, arrival={"process": "poisson", "rate": rate}).column("created_at"))
    gaps = np.diff(np.concatenate([[0.0], created]))
    assert (gaps >= 0).all()
    assert abs(gaps.mean() - 1 / rate) <= 5 * (1 / rate) / math.sqrt(n)


def test_all_at_once_and_durations() -> None:
    t = pods(arrival={"process": "all-at-once"}, duration={"distribution": "fixed", "seconds": 30.0})
    assert set(t.column("created_at").to_pylist()) == {0.0}
    assert set(t.column("deleted_at").to_pylist()) == {30.0}
    t = pods(duration=None, spread=None)
    assert t.column("deleted_at").null_count == t.num_rows
    assert t.column("spread_topology_key").null_count == t.num_rows
    t = pods(count=20000)
    d = np.array(t.column("deleted_at")) - np.array(t.column("created_at"))
    assert (d >= 0).all() and abs(d.mean() - 60.0) <= 5 * 60.0 / math.sqrt(20000)


@pytest.mark.parametrize(("change", "fragment"), [
    ({"arrival": {"process": "poisson"}}, "needs a rate"),
    ({"arrival": {"process": "all-at-once", "rate": 1}}, "takes no rate"),
    ({"arrival": {"process": "burst"}}, "process"),
    ({"cpu": ["two"]}, "not a Kubernetes quantity: 'two'"),
    ({"cpu": []}, "at least 1 item"),
    ({"duration": {"distribution": "fixed", "mean": 3}}, "needs seconds"),
    ({"spread": {"maxSkew": 1}}, "Extra inputs"),
])
def test_bad_pod_specs(change: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        SyntheticPods.model_validate(PODS | change)


def test_bad_pools() -> None:
    with pytest.raises(ValidationError, match="not a DNS label"):
        SyntheticNodes.model_validate({"pools": [{"name": "A_b", "count": 1, "cpu": "1", "memory": "1"}]})
    with pytest.raises(ValidationError, match="unique: w"):
        SyntheticNodes.model_validate({"pools": [{"name": "w", "count": 1, "cpu": "1", "memory": "1"}] * 2})
