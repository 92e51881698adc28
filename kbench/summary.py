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
    if run.get("mode") == "placement":
        render_placement_summary(out, run, console)
        return
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
    if run.get("preemptions"):
        by_prio = ", ".join(f"{n:,} of priority {p}" for p, n in run["preemption_victims_by_priority"].items())
        table.add_row("preempted", f"{run['preemptions']:,} ({by_prio})")
        table.add_row("work lost by victims", f"{run['preempted_seconds_lost']:,.0f} s")
    table.add_row("simulated time", f"{run['sim_seconds']:,.0f} s")
    rate = run["events"] / run["wall_seconds"] if run["wall_seconds"] else 0.0
    table.add_row("events", f"{run['events']:,} ({rate:,.0f}/s)")
    table.add_row("wall time", f"{run['wall_seconds']:.2f} s (+{run['compile_seconds']:.2f} s JIT)")
    console.print(table)
    console.print(f"results: {out}")


def render_placement_summary(out: Path, run: dict, console: Console) -> None:  # type: ignore[type-arg]
    """Headline numbers of a placement-mode run: pods placed and failed, unallocated GPU and
    fragmentation when the arrived workload reaches 100% and at the end (FGD.md §6)."""
    curve = pl.read_parquet(out / "arrival_curve.parquet")
    table = Table(title=f"{run['policy']['name']}: {run['gpu_policy']} on {run['trace']} (seed {run['seed']})",
                  title_justify="left", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("pods submitted", f"{run['pods_total']:,} ({run['pods_inflated']:,} inflation copies)")
    table.add_row("placed / failed", f"{run['pods_scheduled']:,} / {run['pods_failed']:,}")
    last = curve["arrived_pct"].max()
    for label, x in (("at 100% arrived", 100), ("at the end", last if isinstance(last, int) else 0)):
        row = curve.filter(pl.col("arrived_pct") == x)
        if len(row):
            r = row.row(0, named=True)
            ratio = "n/a" if r["frag_ratio_pct"] is None else f"{r['frag_ratio_pct']:.1f}%"
            table.add_row(f"unallocated GPU {label}", f"{r['unalloc_gpu_pct']:.2f}% of {run['gpus_total']:,} GPUs")
            table.add_row(f"fragmentation {label}", f"{r['frag_amount_pct']:.2f}% of GPUs, {ratio} of idle")
    rate = run["pods_total"] / run["wall_seconds"] if run["wall_seconds"] else 0.0
    table.add_row("wall time", f"{run['wall_seconds']:.2f} s, {rate:,.0f} pods/s (+{run['compile_seconds']:.2f} s JIT)")
    console.print(table)
    console.print(f"results: {out}")
