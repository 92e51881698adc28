"""The summary `kbench run` prints: pods scheduled, pending and failed, wait times, allocation."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table


def render_summary(out: Path, console: Console) -> None:
    """Print a run's headline numbers from its results folder, and where the folder is."""
    run = json.loads((out / "run.json").read_text())
    pods = pl.read_parquet(out / "pods.parquet")
    ts = pl.read_parquet(out / "timeseries.parquet")
    wait = pods.filter(pl.col("scheduled_at").is_not_null()).select(
        (pl.col("scheduled_at") - pl.col("created_at")).alias("wait"))["wait"]
    table = Table(title=f"{run['policy']['name']} (seed {run['seed']})", title_justify="left", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("pods", f"{run['pods_total']:,}")
    table.add_row("scheduled", f"{run['pods_scheduled']:,}")
    table.add_row("pending at end", f"{run['pods_pending_at_end']:,}")
    table.add_row("failed", f"{run['pods_failed']:,}")
    if len(wait):
        table.add_row("wait p50 / p99 (s)", f"{wait.quantile(0.5):,.3f} / {wait.quantile(0.99):,.3f}")
    for col, label in (("alloc_cpu", "peak cpu allocated"), ("alloc_memory", "peak memory allocated"),
                       ("alloc_gpu", "peak GPU allocated")):
        peak = ts[col].drop_nulls().max() if len(ts) else None
        if peak is not None:
            table.add_row(label, f"{100 * float(peak):.1f}%")  # type: ignore[arg-type]
    table.add_row("simulated time", f"{run['sim_seconds']:,.0f} s")
    rate = run["events"] / run["wall_seconds"] if run["wall_seconds"] else 0.0
    table.add_row("events", f"{run['events']:,} ({rate:,.0f}/s)")
    table.add_row("wall time", f"{run['wall_seconds']:.2f} s (+{run['compile_seconds']:.2f} s JIT)")
    console.print(table)
    console.print(f"results: {out}")
