"""The results writer: complete folders only, byte-identical output for identical input."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kbench.errors import KbenchError
from kbench.metrics.schema import RUN_JSON_REQUIRED, TABLES
from kbench.metrics.writer import write_results

RUN = {k: 0 for k in RUN_JSON_REQUIRED} | {"policy": {"name": "t", "path": "p.yaml"}}


def events(n: int) -> pa.Table:
    return pa.table({
        "time": [float(i) for i in range(n)], "type": ["Normal"] * n, "reason": ["Scheduled"] * n,
        "object_kind": ["Pod"] * n, "object": [f"default/p{i}" for i in range(n)], "message": ["ok"] * n,
    })


def test_writes_tables_and_run_json(tmp_path: Path) -> None:
    out = write_results(tmp_path / "run1", RUN, {"events": events(3)})
    assert sorted(p.name for p in out.iterdir()) == ["events.parquet", "run.json"]
    back = pq.read_table(out / "events.parquet")
    assert back.schema.field("reason").metadata[b"doc"].startswith(b"Scheduled")
    assert back.num_rows == 3


def test_byte_identical(tmp_path: Path) -> None:
    a = write_results(tmp_path / "a", RUN, {"events": events(50)})
    b = write_results(tmp_path / "b", RUN, {"events": events(50)})
    for name in ("events.parquet", "run.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_failure_leaves_nothing(tmp_path: Path) -> None:
    bad = events(2).rename_columns(["time", "type", "reason", "kind", "object", "message"])
    with pytest.raises(KbenchError, match="columns"):
        write_results(tmp_path / "run", RUN, {"events": events(2), "pods": bad.select([0])} | {"nodes": bad})
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    write_results(tmp_path / "r", RUN, {"events": events(1)})
    with pytest.raises(KbenchError, match="already exists"):
        write_results(tmp_path / "r", RUN, {"events": events(2)})
    write_results(tmp_path / "r", RUN, {"events": events(2)}, overwrite=True)
    assert pq.read_table(tmp_path / "r" / "events.parquet").num_rows == 2


def test_run_json_must_be_complete(tmp_path: Path) -> None:
    with pytest.raises(KbenchError, match="run.json lacks"):
        write_results(tmp_path / "r", {"seed": 1}, {})
    assert list(tmp_path.iterdir()) == []


def test_every_schema_documents_its_columns() -> None:
    for schema in TABLES.values():
        assert all(f.metadata and f.metadata.get(b"doc") for f in schema)
