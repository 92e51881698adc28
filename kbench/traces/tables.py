"""Node and pod tables as Parquet files: what ``kbench trace convert`` writes and every reader loads.

A CSV trace is parsed and checked row by row each time it is loaded; its converted Parquet file
holds the checked table itself (:data:`~kbench.traces.schema.NODE_SCHEMA` or
:data:`~kbench.traces.schema.POD_SCHEMA`), so a large trace loads in a fraction of the time. A
Parquet file is accepted when it has the schema's columns with their types (extra columns are
dropped), its names are non-empty and unique and its counts are not negative; each problem is a
one-line :class:`~kbench.errors.TraceError` naming the file and the column.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kbench.errors import TraceError
from kbench.traces.schema import NODE_SCHEMA, POD_SCHEMA

Kind = Literal["nodes", "pods"]
SCHEMAS: dict[str, pa.Schema] = {"nodes": NODE_SCHEMA, "pods": POD_SCHEMA}
KIND_KEY = b"kbench.trace"
"""Parquet key-value metadata naming the table's kind ("nodes" or "pods")."""


def is_parquet(source: str | os.PathLike[str]) -> bool:
    """Whether a source names a Parquet file (by its suffix)."""
    return Path(source).suffix.lower() == ".parquet"


def kind_of(path: Path) -> Kind | None:
    """The kind a kbench-written Parquet file records, or None (not written by kbench, or unreadable)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid):
        return None
    kind = meta.get(KIND_KEY, b"").decode()
    return kind if kind in SCHEMAS else None  # type: ignore[return-value]


def guess_kind(source: str | os.PathLike[str]) -> Kind:
    """Whether a source holds nodes or pods: a bundled list by its name, a Parquet file by what
    kbench recorded in it (else its columns), a CSV by its header (node CSVs have ``sn``)."""
    from kbench.traces.alibaba import NODE_LISTS, TRACE

    text = os.fspath(source)
    if text.startswith(TRACE + ":"):
        return "nodes" if text[len(TRACE) + 1:] in NODE_LISTS else "pods"
    path = Path(text)
    if is_parquet(path):
        recorded = kind_of(path)
        if recorded is not None:
            return recorded
        try:
            names = pq.read_schema(path).names
        except (OSError, pa.ArrowInvalid):
            return "pods"
        return "nodes" if "pods" in names and "namespace" not in names else "pods"
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            header = f.readline()
    except OSError:
        return "pods"
    return "nodes" if "sn" in [c.strip() for c in header.split(",")] else "pods"


def read_table(source: str | os.PathLike[str], kind: Kind) -> pa.Table:
    """A node or pod table from a Parquet file, checked against its schema."""
    file = os.fspath(source)
    schema = SCHEMAS[kind]
    try:
        table = pq.read_table(file)
    except FileNotFoundError:
        raise TraceError(file, "", "file not found") from None
    except (OSError, pa.ArrowInvalid) as e:
        raise TraceError(file, "", f"not a readable Parquet file ({e})") from None
    recorded = (table.schema.metadata or {}).get(KIND_KEY, b"").decode()
    if recorded in SCHEMAS and recorded != kind:
        raise TraceError(file, "", f"a {recorded[:-1]} table, expected a {kind[:-1]} table")
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            raise TraceError(file, field.name, f"missing column; a {kind[:-1]} table has "
                                               f"{', '.join(schema.names)}")
        col = table.column(field.name)
        if col.type != field.type:
            try:
                col = col.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise TraceError(file, field.name, f"expected {field.type}, got {col.type}") from None
        if not field.nullable and col.null_count:
            raise TraceError(file, field.name, f"{col.null_count} null value(s); the column is required")
        if pa.types.is_integer(field.type) and len(col) and pc.min(col).as_py() < 0:
            raise TraceError(file, field.name, "negative value; expected a count >= 0")
        columns.append(col)
    out = pa.Table.from_arrays(columns, schema=schema)
    names = out.column("name")
    if len(names) and pc.min(pc.utf8_length(names)).as_py() == 0:
        raise TraceError(file, "name", "empty name")
    if pc.count_distinct(names).as_py() != len(names):
        raise TraceError(file, "name", "names must be unique")
    return out


def write_table(table: pa.Table, path: str | os.PathLike[str], kind: Kind) -> Path:
    """Write a node or pod table as Parquet, atomically (a temporary file in the same folder,
    then a rename): a failed write leaves no partial file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), KIND_KEY: kind.encode()})
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
