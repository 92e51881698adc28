"""Converted trace tables: Parquet files that load as the CSV they came from, checked on read."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kbench.errors import TraceError
from kbench.traces import NODE_SCHEMA, POD_SCHEMA, load_nodes, load_pods
from kbench.traces.tables import guess_kind, kind_of, read_table, write_table

CSV_PODS = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,deletion_time\np-1,1000,512,1,1000,0,10\np-2,500,256,0,0,5,\n"
CSV_NODES = "sn,cpu_milli,memory_mib,gpu,model\nn-1,32000,131072,8,V100\nn-2,16000,65536,0,\n"


@pytest.fixture
def pods_csv(tmp_path: Path) -> Path:
    p = tmp_path / "pods.csv"
    p.write_text(CSV_PODS)
    return p


@pytest.fixture
def nodes_csv(tmp_path: Path) -> Path:
    p = tmp_path / "nodes.csv"
    p.write_text(CSV_NODES)
    return p


def test_converted_tables_load_as_their_sources(tmp_path: Path, pods_csv: Path, nodes_csv: Path) -> None:
    pods, nodes = load_pods(pods_csv), load_nodes(nodes_csv)
    write_table(pods, tmp_path / "p.parquet", "pods")
    write_table(nodes, tmp_path / "n.parquet", "nodes")
    assert load_pods(tmp_path / "p.parquet").equals(pods)
    assert load_nodes(tmp_path / "n.parquet").equals(nodes)
    assert kind_of(tmp_path / "p.parquet") == "pods" and kind_of(tmp_path / "n.parquet") == "nodes"
    assert [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")] == []  # no temporary left


def test_kinds_are_guessed_from_names_headers_and_metadata(tmp_path: Path, pods_csv: Path, nodes_csv: Path) -> None:
    assert guess_kind("alibaba-gpu-v2023:gpu") == "nodes" and guess_kind("alibaba-gpu-v2023:gpuspec33") == "pods"
    assert guess_kind(pods_csv) == "pods" and guess_kind(nodes_csv) == "nodes"
    plain = tmp_path / "plain.parquet"  # written by someone else: no kbench metadata, judged by columns
    pq.write_table(load_nodes(nodes_csv), plain)
    assert kind_of(plain) is None and guess_kind(plain) == "nodes"


def test_a_node_table_is_not_a_pod_table(tmp_path: Path, nodes_csv: Path) -> None:
    write_table(load_nodes(nodes_csv), tmp_path / "n.parquet", "nodes")
    with pytest.raises(TraceError, match="a node table, expected a pod table"):
        load_pods(tmp_path / "n.parquet")


def test_columns_are_checked(tmp_path: Path, pods_csv: Path) -> None:
    pods = load_pods(pods_csv)
    cases = {
        "missing": (pods.drop_columns(["cpu_milli"]), "cpu_milli: missing column"),
        "type": (pods.set_column(2, "cpu_milli", pa.array(["a", "b"])), "cpu_milli: expected int64, got string"),
        "negative": (pods.set_column(2, "cpu_milli", pa.array([1, -5])), "cpu_milli: negative value"),
        "null": (pods.set_column(2, "cpu_milli", pa.array([1, None], pa.int64())), "cpu_milli: 1 null value"),
        "duplicate": (pods.set_column(0, "name", pa.array(["x", "x"])), "name: names must be unique"),
        "empty": (pods.set_column(0, "name", pa.array(["x", ""])), "name: empty name"),
    }
    for label, (table, message) in cases.items():
        path = tmp_path / f"{label}.parquet"
        pq.write_table(table, path)
        with pytest.raises(TraceError, match=message):
            read_table(path, "pods")


def test_castable_columns_and_extra_columns(tmp_path: Path, nodes_csv: Path) -> None:
    nodes = load_nodes(nodes_csv)
    narrow = nodes.set_column(1, "cpu_milli", nodes.column("cpu_milli").cast(pa.int32())).append_column("rack", pa.array(["r1", "r2"]))
    pq.write_table(narrow, tmp_path / "n.parquet")
    got = read_table(tmp_path / "n.parquet", "nodes")
    assert got.schema.equals(NODE_SCHEMA) and got.equals(nodes)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="file not found"):
        read_table(tmp_path / "none.parquet", "pods")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(TraceError, match="not a readable Parquet file"):
        read_table(tmp_path / "bad.parquet", "pods")
    assert POD_SCHEMA.names[0] == "name"
