"""`kbench report`: one self-contained HTML page (figures embedded as PNG) comparing runs, or the
figures alone as PNG files in a folder."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import yaml
from matplotlib.figure import Figure

from kbench.analysis import figures
from kbench.analysis.compare import Comparison, compare
from kbench.analysis.render import atomic_write, html_page, html_table, img_tag, png_bytes
from kbench.analysis.runs import Runs
from kbench.analysis.table import fmt_number, to_html
from kbench.errors import ConfigError

FORMATS = ("html", "png")


def build_figures(runs: Runs, cmp: Comparison) -> list[tuple[str, str, Figure]]:
    """(file name, caption, figure) of every figure the runs have data for, in report order."""
    made = [
        ("wait_cdf.png", "Scheduling wait CDF per policy", figures.fig_wait_cdf(runs)),
        ("pending.png", "Pending pods over time", figures.fig_pending(runs)),
        ("allocation.png", "Allocation over time per resource", figures.fig_allocation(runs)),
        ("gpu_fragmentation.png", "GPU fragmentation over time", figures.fig_gpu_fragmentation(runs)),
        ("arrival_curve.png", "GPU placement: unallocated and fragmented GPU vs arrived workload",
         figures.fig_arrival(runs)),
        ("metrics.png", "Headline metrics per policy", figures.fig_metric_bars(cmp, runs)),
    ]
    return [(name, caption, fig) for name, caption, fig in made if fig is not None]


def write_report(runs: Runs, out: str | Path, fmt: str = "html", metrics: Sequence[str] | None = None,
                 baseline: str | None = None) -> Path:
    """Write the report of ``runs``: ``out`` is the HTML file, or with ``fmt="png"`` the folder
    the figures go to (created if missing). Every file is written atomically. Returns ``out``."""
    if fmt not in FORMATS:
        raise ConfigError("--format", "", f"expected one of {', '.join(FORMATS)}, not {fmt!r}")
    target = Path(out)
    cmp = compare(runs, metrics, baseline)
    made = build_figures(runs, cmp)
    if fmt == "png":
        if target.exists() and not target.is_dir():
            raise ConfigError(str(target), "--output", "exists and is not a folder (--format png writes a folder)")
        target.mkdir(parents=True, exist_ok=True)
        for name, _, fig in made:
            atomic_write(target / name, png_bytes(fig))
        return target
    if not target.parent.is_dir():
        raise ConfigError(str(target), "--output", f"folder {target.parent} does not exist")
    if target.is_dir():
        raise ConfigError(str(target), "--output", "is a folder; give an HTML file name")
    images = "".join(img_tag(png_bytes(fig), caption) for _, caption, fig in made)
    groups = runs.runs["group"].n_unique()
    body = (f"<h1>kbench report: {len(runs)} run{'s' * (len(runs) != 1)}, {groups} polic"
            f"{'ies' if groups != 1 else 'y'}</h1>"
            + "<h2>Runs</h2>" + runs_table(runs)
            + "<h2>Comparison</h2>" + to_html(cmp)
            + "<h2>Figures</h2>" + images
            + "<h2>Policies</h2>" + policies_section(runs))
    atomic_write(target, html_page("kbench report", body).encode())
    return target


def runs_table(runs: Runs) -> str:
    """One line per run: where it is and run.json's headline counts."""
    rows = []
    for r in runs.runs.iter_rows(named=True):
        sim = "–" if r["mode"] == "placement" or r["sim_seconds"] is None else f"{fmt_number(r['sim_seconds'])} s"
        rows.append([r["run"], r["policy"], str(r["seed"]), r["mode"], fmt_number(r["pods_total"]),
                     fmt_number(r["pods_scheduled"]), fmt_number(r["pods_failed"]),
                     fmt_number(r["pods_pending_at_end"]), sim, fmt_number(r["wall_seconds"])])
    return html_table(["run", "policy", "seed", "mode", "pods", "scheduled", "failed", "pending at end",
                       "simulated time", "wall time (s)"], rows)


def policy_text(path: str | None, run_folder: str) -> tuple[str, str]:
    """(where, text) of a run's policy file: run.json's ``policy.path`` as given (relative to where
    `kbench run` was started) or beside the run; a note instead of text when it is gone."""
    if not path:
        return "", "(run.json names no policy file)"
    for candidate in (Path(path), Path(run_folder) / Path(path).name):
        if candidate.is_file():
            try:
                return str(candidate), candidate.read_text()
            except (OSError, UnicodeDecodeError) as e:
                return str(candidate), f"(unreadable: {e})"
    return path, f"(policy file {path} not found from here)"


def scheduler_config_text(where: str, text: str) -> tuple[str, str] | None:
    """(path, text) of the KubeSchedulerConfiguration a policy names in ``scheduler.config``
    (relative to the policy file), None when it names none or the file is gone."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    config = (doc.get("scheduler") or {}).get("config") if isinstance(doc, dict) else None
    if not where or not isinstance(config, str):
        return None
    path = Path(where).parent / config
    try:
        return str(path), path.read_text()
    except (OSError, UnicodeDecodeError):
        return None


def policies_section(runs: Runs) -> str:
    """Each distinct policy file once, with the runs that used it, its YAML text and the scheduler
    configuration it names (where the policies differ most often)."""
    by_text: dict[tuple[str, str], list[str]] = {}
    for run, path, folder in runs.runs.select("run", "policy_path", "path").iter_rows():
        by_text.setdefault(policy_text(path, folder), []).append(run)
    parts = []
    for (where, text), members in by_text.items():
        title = f"{where or 'policy'}: {', '.join(members)}"
        body = f"<pre>{html.escape(text)}</pre>"
        config = scheduler_config_text(where, text)
        if config is not None:
            body += f"<p>Scheduler configuration {html.escape(config[0])}:</p><pre>{html.escape(config[1])}</pre>"
        parts.append(f"<details open><summary>{html.escape(title)}</summary>{body}</details>")
    return "".join(parts)


def default_output(fmt: str) -> Path:
    """Where the report goes without ``-o``: ``report.html``, or the folder ``report`` for PNGs."""
    return Path("report.html" if fmt == "html" else "report")

