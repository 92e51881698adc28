"""The comparison as text: formatted cells, printed as a rich table or embedded as an HTML table."""

from __future__ import annotations

import html

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from kbench.analysis.compare import INTERVAL, Comparison
from kbench.analysis.metrics import Metric
from kbench.analysis.render import html_table
from kbench.analysis.stats import Estimate


def fmt_number(v: float | None) -> str:
    """A number with digits suited to its size (none after a whole number); ``–`` for None.

    >>> fmt_number(12906000.0), fmt_number(40.0), fmt_number(42.25), fmt_number(1.5), fmt_number(0.0123)
    ('12,906,000', '40', '42.2', '1.50', '0.0123')
    """
    if v is None:
        return "–"
    a = abs(v)
    if a >= 1000 or float(v).is_integer():
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def fmt_estimate(e: Estimate) -> str:
    """``mean`` or ``mean ± half-width``."""
    if e.half_width is None:
        return fmt_number(e.mean)
    return f"{fmt_number(e.mean)} ± {fmt_number(e.half_width)}"


def fmt_ratio(r: float | None) -> str:
    return "–" if r is None else f"×{r:.2f}"


def header(m: Metric) -> str:
    """Column title of a metric with its unit (if it has one)."""
    return f"{m.label} ({m.unit})" if m.unit else m.label


def render_rich(cmp: Comparison, console: Console) -> None:
    """Print one row per run (or seed group): each metric's value and, below it, its ratio to the
    baseline. On a terminal too narrow for that, metrics become the rows and runs the columns."""
    caption = f"± : {INTERVAL}" if any(len(r.runs) > 1 for r in cmp.rows) else None
    title = f"baseline: {cmp.baseline}; ratio = value / baseline"
    table = Table(title=title, caption=caption, title_justify="left", show_lines=True)
    table.add_column("run", overflow="fold")
    table.add_column("n", justify="right")
    for m in cmp.metrics:
        table.add_column(header(m), justify="right")
    for r in cmp.rows:
        cells = [f"{fmt_estimate(r.values[m.name])}\n{fmt_ratio(r.ratios.get(m.name))}" for m in cmp.metrics]
        table.add_row(r.label, str(len(r.runs)), *cells)
    wide = Measurement.get(console, console.options.update_width(10_000), table).maximum
    if not console.is_terminal:
        console.width = max(console.width, wide)
    elif wide > console.width:
        table = Table(title=title, caption=caption, title_justify="left", show_lines=True)
        table.add_column("metric", overflow="fold")
        for r in cmp.rows:
            table.add_column(f"{r.label} (n={len(r.runs)})", justify="right", overflow="fold")
        for m in cmp.metrics:
            table.add_row(header(m), *(f"{fmt_estimate(r.values[m.name])}\n{fmt_ratio(r.ratios.get(m.name))}"
                                       for r in cmp.rows))
    console.print(table)


def to_html(cmp: Comparison) -> str:
    """The comparison as an HTML table (value ± CI, then the ratio), with a note on the interval."""
    head = ["run", "n"] + [header(m) for m in cmp.metrics]
    rows = [[r.label, str(len(r.runs))]
            + [f"{fmt_estimate(r.values[m.name])} ({fmt_ratio(r.ratios.get(m.name))})" for m in cmp.metrics]
            for r in cmp.rows]
    return (html_table(head, rows)
            + f"<p>Baseline: {html.escape(cmp.baseline)}. Cells: value (× ratio to the baseline); ± is the {INTERVAL}.</p>")
