"""ColumnLog: rows in, columns stored, the same rows and the same Arrow table out."""

from __future__ import annotations

import pyarrow as pa
import pytest

from kbench.metrics.column_log import ColumnLog
from kbench.metrics.schema import TABLES

ROWS = [
    {"time": 0.5, "type": "Normal", "reason": "Scheduled", "object_kind": "Pod", "object": "default/a",
     "message": "Successfully assigned default/a to n1"},
    {"time": 1.0, "type": "Warning", "reason": "FailedScheduling", "object_kind": "Pod", "object": "default/b",
     "message": "0/1 nodes are available: 1 Insufficient cpu."},
]


def log_of(rows: list[dict]) -> ColumnLog:
    log = ColumnLog(TABLES["events"].names)
    for r in rows:
        log.append(r)
    return log


def test_rows_come_back_as_appended() -> None:
    log = log_of(ROWS)
    assert len(log) == 2 and list(log) == ROWS and log[1] == ROWS[1] and log[-1] == ROWS[-1]
    assert log[0:1] == ROWS[0:1] and log == ROWS and log != ROWS[:1]
    assert log.column("reason") == ["Scheduled", "FailedScheduling"]
    assert log_of([]) == [] and len(log_of([])) == 0


def test_arrow_table_equals_the_one_from_dicts() -> None:
    schema = TABLES["events"]
    assert log_of(ROWS).to_arrow(schema).equals(pa.Table.from_pylist(ROWS, schema))
    assert log_of([]).to_arrow(schema).equals(pa.Table.from_pylist([], schema))


def test_a_row_must_have_exactly_the_columns() -> None:
    log = ColumnLog(["a", "b"])
    with pytest.raises(KeyError):
        log.append({"a": 1})
    with pytest.raises(KeyError):
        log.append({"a": 1, "c": 2})
    assert len(log) == 0
