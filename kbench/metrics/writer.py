"""Write a run's results folder atomically: everything goes to a temporary sibling folder, which
is renamed into place only when complete, so a failed or interrupted run leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kbench.errors import KbenchError
from kbench.metrics.schema import RUN_JSON_REQUIRED, SCHEMAS


def _check(name: str, table: pa.Table) -> pa.Table:
    schema = SCHEMAS[name]
    if table.schema.names != schema.names:
        raise KbenchError(f"{name} table has columns {table.schema.names}, expected {schema.names}")
    return table.cast(schema)


def write_results(out_dir: str | Path, run: Mapping[str, Any], tables: Mapping[str, pa.Table],
                  overwrite: bool = False) -> Path:
    """Write ``run.json`` and ``<name>.parquet`` for each table into ``out_dir``, atomically.

    The same inputs give byte-identical files (sorted JSON keys, no timestamps in Parquet).
    """
    out = Path(out_dir)
    missing = [k for k in RUN_JSON_REQUIRED if k not in run]
    if missing:
        raise KbenchError(f"run.json lacks {', '.join(missing)}")
    unknown = sorted(set(tables) - set(SCHEMAS))
    if unknown:
        raise KbenchError(f"unknown result tables: {', '.join(unknown)}")
    if out.exists() and not overwrite:
        raise KbenchError(f"{out}: results folder already exists")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for name, table in tables.items():
            pq.write_table(_check(name, table), tmp / f"{name}.parquet", compression="zstd")
        (tmp / "run.json").write_text(json.dumps(dict(run), indent=2, sort_keys=True) + "\n")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
