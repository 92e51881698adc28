"""The `Runs` object `kbench.load` returns: every table of many runs as one polars LazyFrame each.

Every table row carries ``run`` (the run's label), ``policy`` (run.json ``policy.name``) and
``seed``, so one query covers all runs; ``runs`` has one row per run with run.json's headline
fields and ``group``, the runs that differ only by seed (what `kbench compare` aggregates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from kbench.metrics.schema import SCHEMAS

if TYPE_CHECKING:
    import pandas as pd

KEYS = ("run", "policy", "seed")
"""Columns added to every table: they identify the run a row comes from."""
KEY_SCHEMA: dict[str, pl.DataType] = {"run": pl.String(), "policy": pl.String(), "seed": pl.Int64()}


def empty_table(name: str) -> pl.LazyFrame:
    """A table no run has: no rows, the keys and the columns of its schema (kbench.metrics.schema)."""
    body = pl.from_arrow(SCHEMAS[name].empty_table())
    assert isinstance(body, pl.DataFrame)
    keys = pl.DataFrame(schema=KEY_SCHEMA)
    columns = [c for c in body.columns if c not in KEYS]
    return pl.concat([keys, body.select(columns)], how="horizontal").lazy()


@dataclass
class Runs:
    """Results of one or more runs: ``runs`` (one row per run) and lazily scanned tables.

    A table no loaded run has is an empty frame with the table's columns, so queries never need to
    test for it; :meth:`has` tells whether any run has it.
    """

    runs: pl.DataFrame
    """One row per run: run, group, policy, seed, path and run.json's headline numbers."""
    tables: dict[str, pl.LazyFrame] = field(default_factory=dict)
    """Table name -> the rows of every run that has it, with the key columns first."""

    def has(self, name: str) -> bool:
        """Whether at least one run has table ``name``."""
        return name in self.tables

    def table(self, name: str) -> pl.LazyFrame:
        """Table ``name`` of every run (``pods``, ``attempts``, ...; see kbench.metrics.schema)."""
        if name in self.tables:
            return self.tables[name]
        if name not in SCHEMAS:
            raise KeyError(f"no table {name!r}; tables: {', '.join(SCHEMAS)}")
        return empty_table(name)

    @property
    def pods(self) -> pl.LazyFrame:
        return self.table("pods")

    @property
    def attempts(self) -> pl.LazyFrame:
        return self.table("attempts")

    @property
    def timeseries(self) -> pl.LazyFrame:
        return self.table("timeseries")

    @property
    def events(self) -> pl.LazyFrame:
        return self.table("events")

    @property
    def nodes(self) -> pl.LazyFrame:
        return self.table("nodes")

    @property
    def workloads(self) -> pl.LazyFrame:
        return self.table("workloads")

    @property
    def placements(self) -> pl.LazyFrame:
        return self.table("placements")

    @property
    def arrival_curve(self) -> pl.LazyFrame:
        """Placement runs' curves; the file's own ``policy`` (the GPU policy) is ``gpu_policy`` here."""
        return self.table("arrival_curve")

    def runs_with(self, name: str) -> list[str]:
        """Labels of the runs that have table ``name`` (all runs when ``runs`` does not say)."""
        if "tables" not in self.runs.columns:
            return self.labels
        return self.runs.filter(pl.col("tables").list.contains(name))["run"].to_list()

    def per_run(self, values: pl.DataFrame | pl.LazyFrame, zero: tuple[str, ...] = (),
                table: str | None = None) -> pl.DataFrame:
        """``values`` (keyed by run, policy, seed) with one row for every run in load order: a run
        without rows gets nulls, or 0 in the ``zero`` columns (counts) if it has ``table`` (the
        table counted; a run without it stays null: nothing was recorded, not zero)."""
        frame = values.collect() if isinstance(values, pl.LazyFrame) else values
        out = self.runs.select(KEYS).join(frame, on=list(KEYS), how="left", maintain_order="left")
        counted = pl.col("run").is_in(self.runs_with(table) if table else self.labels)
        return out.with_columns(pl.when(counted).then(pl.col(c).fill_null(0)).otherwise(pl.col(c)).alias(c)
                                for c in zero)

    @property
    def labels(self) -> list[str]:
        """Run labels, in load order."""
        return self.runs["run"].to_list()

    def to_pandas(self, name: str) -> pd.DataFrame:
        """Table ``name`` collected as a pandas DataFrame backed by the Arrow buffers (no copy of the data)."""
        return self.table(name).collect().to_pandas(use_pyarrow_extension_array=True)

    def __len__(self) -> int:
        return self.runs.height
