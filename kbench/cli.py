"""The `kbench` command line."""

from __future__ import annotations

import json
import sys
import time

import click
from rich.console import Console

from kbench import __version__
from kbench.errors import KbenchError

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
@click.option("--workers", type=int, default=None, help="Worker processes (default: one per core).")
def sweep(sweep_file: str, out: str, workers: int | None) -> None:
    """Run every point of SWEEP_FILE (policies x fields x seeds); a re-run skips finished points."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kbench.sweep import load_sweep, points, run_sweep

    try:
        spec = load_sweep(sweep_file)
    except KbenchError as e:
        _fail(e)
        return
    total = sum(1 for p in points(spec, sweep_file, out) if not (p.out / "run.json").is_file())
    console = Console(stderr=True)
    columns = (TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("points", total=total)

        def on_point(point: object, error: str | None) -> None:
            bar.advance(task)
            if error is not None:
                console.print(f"failed: {getattr(point, 'label', point)}: {error}")

        try:
            result = run_sweep(sweep_file, out, workers, on_point)
        except KbenchError as e:
            _fail(e)
            return
    click.echo(f"{len(result.done)} runs done, {len(result.skipped)} already there, {len(result.failed)} failed")
    if result.report is not None:
        click.echo(f"report: {result.report}")
    click.echo(f"results: {out}")
    if result.failed:
        sys.exit(1)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
