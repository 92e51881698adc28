"""The `kbench` command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from kbench import __version__
from kbench.errors import KbenchError

if TYPE_CHECKING:
    import pyarrow as pa

    from kbench.analysis.runs import Runs
    from kbench.traces.tables import Kind

EXIT_BAD_INPUT = 2


def _fail(err: KbenchError) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.group()
@click.version_option(__version__, prog_name="kbench")
def cli() -> None:
    """kbench: benchmark Kubernetes scheduling policies in simulated time."""


@cli.command()
@click.option("--cluster", "cluster_path", required=True, type=click.Path(dir_okay=False),
              help="Nodes, bound Pods and Namespaces (YAML stream or kind: List).")
@click.option("--pod", "pod_path", required=True, type=click.Path(dir_okay=False), help="The Pod to schedule.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="KubeSchedulerConfiguration (v1); default: kube-scheduler's default profile.")
@click.option("--profile", default=None, help="schedulerName of the profile to use (default: the first).")
@click.option("--output", "-o", type=click.Choice(["json", "table"]), default=None,
              help="json, or a table (the default on a terminal).")
@click.option("--seed", default=0, show_default=True, help="Seed for the tie-break among equal best nodes.")
def explain(cluster_path: str, pod_path: str, config_path: str | None, profile: str | None,
            output: str | None, seed: int) -> None:
    """Show what every scheduler plugin says about every node for one pod."""
    from kbench.explain import render_table, run_explain

    try:
        result, cfg, notes = run_explain(cluster_path, pod_path, config_path, profile, seed)
    except KbenchError as e:
        _fail(e)
        return
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    if output is None:
        output = "table" if sys.stdout.isatty() else "json"
    if output == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        render_table(result, Console(), cfg.weights)


@cli.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--seed", type=int, default=None, help="Override the policy's seed.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default: results/<policy name>-s<seed>).")
@click.option("--until", type=float, default=None, help="Stop at this simulated time, in seconds.")
@click.option("--check", is_flag=True, help="Verify the cluster's invariants after every batch of events.")
def run(policy: str, seed: int | None, out: str | None, until: float | None, check: bool) -> None:
    """Replay POLICY's cluster and workload and write the results tables."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kbench.run import Progress as RunProgress
    from kbench.run import run_policy
    from kbench.summary import render_summary

    columns = (TextColumn("simulating"), BarColumn(), TextColumn("{task.fields[status]}"), TimeElapsedColumn())
    started = time.perf_counter()
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("run", total=1.0, status="")

        def progress(p: RunProgress) -> None:
            rate = p.events / max(time.perf_counter() - started, 1e-9)
            status = f"t={p.now:,.0f}s  {p.pods_scheduled:,} pods scheduled  {rate:,.0f} events/s"
            bar.update(task, completed=min(p.now / p.horizon, 1.0) if p.horizon else 1.0, status=status)

        try:
            result = run_policy(policy, seed=seed, out=out, until=until, progress=progress, check=check)
        except KbenchError as e:
            _fail(e)
            return
    render_summary(result.out, Console())


@cli.command()
@click.argument("sweep_file", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder of the sweep's results.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local Dask worker processes (default: one per core; 1 runs the points inline).")
@click.option("--cluster", default=None, metavar="tcp://HOST:8786",
              help="Run on an existing Dask scheduler instead of a local cluster.")
def sweep(sweep_file: str, out: str, workers: int | None, cluster: str | None) -> None:
    """Run every point of SWEEP_FILE (policies x fields x seeds, or listed points) on Dask; a re-run
    skips finished points."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kbench.sweep import load_sweep, points, run_sweep, split_finished

    if workers is not None and cluster is not None:
        raise click.UsageError("--workers and --cluster exclude each other (the cluster has its own workers)")
    try:
        todo, _ = split_finished(points(load_sweep(sweep_file), sweep_file, out))
    except KbenchError as e:
        _fail(e)
        return
    console = Console(stderr=True)
    columns = (TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("points", total=len(todo))

        def on_point(point: object, error: str | None) -> None:
            bar.advance(task)
            if error is not None:
                console.print(f"failed: {getattr(point, 'label', point)}: {error}")

        try:
            result = run_sweep(sweep_file, out, workers, on_point, cluster=cluster)
        except KbenchError as e:
            _fail(e)
            return
    click.echo(f"{len(result.done)} runs done, {len(result.skipped)} already there, {len(result.failed)} failed")
    if result.report is not None:
        click.echo(f"report: {result.report}")
    click.echo(f"results: {out}")
    if result.failed:
        sys.exit(1)


def _load_compared(runs: tuple[str, ...], baseline: str | None) -> tuple[Runs, str | None]:
    """Load RUN... (and ``--baseline`` when it is a results folder not among them); the baseline as a
    row name: a folder becomes the label of its (first) run."""
    from kbench.analysis.loader import find_runs, load

    if baseline is None or not Path(baseline).exists():
        return load(runs), baseline
    folder = str(find_runs(baseline)[0])
    loaded = load([*runs, baseline])
    return loaded, loaded.labels[loaded.runs["path"].to_list().index(folder)]


@cli.command()
@click.argument("runs", nargs=-1, required=True)
@click.option("--metric", "metrics", multiple=True,
              help="A metric to show (repeatable; default: the headline ones). Unknown names list them all.")
@click.option("--baseline", default=None,
              help="Row the ratios are relative to: a run or policy name, or a results folder (default: the first).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the table to FILE.csv or FILE.json instead of printing it.")
def compare(runs: tuple[str, ...], metrics: tuple[str, ...], baseline: str | None, output: str | None) -> None:
    """Compare runs' headline metrics (RUN: results folders, sweep folders or globs); runs differing
    only by seed are one row, their mean ± 95% confidence interval."""
    from kbench.analysis.compare import compare as compare_runs
    from kbench.analysis.table import render_rich

    try:
        loaded, base = _load_compared(runs, baseline)
        cmp = compare_runs(loaded, list(metrics) or None, base)
        if output is not None:
            click.echo(f"wrote {cmp.write(output)}")
            return
    except KbenchError as e:
        _fail(e)
        return
    render_rich(cmp, Console())


@cli.command()
@click.argument("runs", nargs=-1, required=True)
@click.option("--output", "-o", default=None,
              help="The HTML file (default report.html), or with --format png the folder (default report/).")
@click.option("--format", "fmt", type=click.Choice(["html", "png"]), default="html", show_default=True,
              help="One self-contained HTML page, or the figures as PNG files in a folder.")
@click.option("--metric", "metrics", multiple=True, help="A metric of the comparison (repeatable).")
@click.option("--baseline", default=None, help="Row the ratios are relative to (default: the first).")
def report(runs: tuple[str, ...], output: str | None, fmt: str, metrics: tuple[str, ...],
           baseline: str | None) -> None:
    """Plot and tabulate runs (RUN: results folders, sweep folders or globs) into one HTML report."""
    from kbench.analysis.report import default_output, write_report

    try:
        loaded, base = _load_compared(runs, baseline)
        out = write_report(loaded, output or default_output(fmt), fmt, list(metrics) or None, base)
    except KbenchError as e:
        _fail(e)
        return
    click.echo(f"report: {out}")


@cli.group()
def trace() -> None:
    """Look into and convert node and pod traces (bundled lists, CSVs, converted Parquet tables)."""


@trace.command("list")
def trace_list() -> None:
    """The bundled node and pod lists, by name."""
    from kbench.traces import list_traces

    for name in list_traces():
        click.echo(name)


KIND_OPTION = click.option("--kind", type=click.Choice(["auto", "pods", "nodes"]), default="auto", show_default=True,
                           help="Whether SOURCE holds pods or nodes (auto: from its name, header or metadata).")


def _load_trace(source: str, kind: str, limit: int | None = None) -> tuple[Kind, pa.Table]:
    """The node or pod table of SOURCE: a trace list, CSV or Parquet file, or a policy file (its
    cluster's nodes or its workload's pods, synthetic ones generated from its seed)."""
    from kbench.traces import load_nodes, load_pods
    from kbench.traces.tables import guess_kind

    if Path(source).suffix.lower() in (".yaml", ".yml"):
        from kbench.config.policy import load_policy
        from kbench.errors import FieldError, InputError
        from kbench.sources import node_table, pod_table

        policy = load_policy(source)
        chosen: Kind = "nodes" if kind == "nodes" else "pods"
        try:
            table = (node_table(policy, Path(source).parent, policy.seed) if chosen == "nodes"
                     else pod_table(policy, Path(source).parent, policy.seed))
        except FieldError as e:
            raise InputError(source, e.field, e.message) from None
    else:
        chosen = guess_kind(source) if kind == "auto" else ("nodes" if kind == "nodes" else "pods")
        table = load_nodes(source) if chosen == "nodes" else load_pods(source)
    return chosen, table.slice(0, limit) if limit is not None else table


@trace.command("inspect")
@click.argument("source")
@KIND_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def trace_inspect(source: str, kind: str, as_json: bool) -> None:
    """Summarize SOURCE as kbench replays it: counts, arrivals, running times, requests, GPU mix
    (pods); capacity, node shapes, GPU models (nodes). SOURCE is a trace list, a CSV, a converted
    Parquet table, or a policy file (its workload, or with --kind nodes its cluster)."""
    from kbench.traces.describe import describe_nodes, describe_pods

    try:
        chosen, table = _load_trace(source, kind)
    except KbenchError as e:
        _fail(e)
        return
    summary = describe_nodes(table) if chosen == "nodes" else describe_pods(table)
    if as_json:
        click.echo(json.dumps({"source": source, "kind": chosen, **summary}, indent=2))
        return
    from rich.table import Table

    out = Table(title=f"{source} ({chosen})", show_header=False)
    out.add_column("field", style="bold")
    out.add_column("value", justify="right")
    for key, value in _flatten(summary):
        out.add_row(key, _readable(key, value))
    Console().print(out)


def _readable(key: str, value: object) -> str:
    """A summary value for people: bytes in GiB, seconds with days, counts with separators."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if "bytes" in key:
        return f"{value / 2**30:,.1f} GiB"
    if key.endswith("_s") or "_s." in key:
        days = f" ({value / 86400:,.1f} d)" if abs(value) >= 86400 else ""
        return f"{value:,.0f} s{days}" if value == int(value) or abs(value) >= 100 else f"{value:,.2f} s"
    if isinstance(value, float) and value != int(value):
        return f"{value:,.3f}"
    return f"{int(value):,}"


def _flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    """(dotted key, value) rows of a nested summary; lists of records are shown one per row."""
    rows: list[tuple[str, object]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            rows += _flatten(v, key + ".")
        elif isinstance(v, list):
            rows += [(f"{key}[{i}]", ", ".join(f"{a}={b:,}" if isinstance(b, int) else f"{a}={b}" for a, b in r.items()))
                     for i, r in enumerate(v)]
        else:
            rows.append((key, "-" if v is None or v == {} else v))
    return rows


@trace.command("convert")
@click.argument("source")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The Parquet file to write (FILE.parquet).")
@KIND_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Keep only the first N rows.")
def trace_convert(source: str, output: str, kind: str, limit: int | None) -> None:
    """Write SOURCE's node or pod table, checked and mapped, as Parquet: a policy names the file as
    it would the CSV, and it loads without parsing and checking the rows again."""
    from kbench.errors import FieldError
    from kbench.traces.tables import is_parquet, write_table

    if not is_parquet(output):
        _fail(FieldError("--output", f"{output!r}: expected a path ending in .parquet"))
        return
    try:
        chosen, table = _load_trace(source, kind, limit)
    except KbenchError as e:
        _fail(e)
        return
    path = write_table(table, output, chosen)
    click.echo(f"wrote {path}: {table.num_rows:,} {chosen}")


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
