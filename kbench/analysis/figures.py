"""The figures of `kbench report`, drawn with matplotlib on the Agg canvas (no display needed).

Each run keeps its group's colour; groups also differ by line style, so runs with identical
curves (common when two policies agree) stay distinguishable where their lines overlap.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from kbench.analysis.allocation import RESOURCES, allocation_over_time
from kbench.analysis.compare import Comparison
from kbench.analysis.fragmentation import arrival_curves, gpu_fragmentation_over_time
from kbench.analysis.metrics import Metric
from kbench.analysis.queue import pending_over_time
from kbench.analysis.render import new_figure
from kbench.analysis.runs import Runs
from kbench.analysis.table import fmt_number
from kbench.analysis.wait import wait_cdf

LINE_STYLES = ("-", "--", ":", "-.")
RESOURCE_LABELS = {"cpu": "CPU", "memory": "Memory", "gpu": "GPU"}


class Styles:
    """Colour and line style of each group, in load order."""

    def __init__(self, runs: Runs) -> None:
        self.groups: list[str] = runs.runs["group"].unique(maintain_order=True).to_list()
        self.group_of: dict[str, str] = dict(zip(runs.runs["run"], runs.runs["group"]))
        n_runs = dict(runs.runs.group_by("group").len().iter_rows())
        self.many = any(n > 1 for n in n_runs.values())

    def of(self, group: str) -> dict[str, Any]:
        i = self.groups.index(group)
        return {"color": f"C{i % 10}", "linestyle": LINE_STYLES[i % len(LINE_STYLES)]}

    def legend_label(self, group: str, seen: set[str]) -> str | None:
        """The group's name the first time it is drawn, None after (one legend entry per group)."""
        if group in seen:
            return None
        seen.add(group)
        return group


def time_unit(seconds: float) -> tuple[float, str]:
    """Divisor and name of the unit that keeps a time axis of ``seconds`` readable.

    >>> time_unit(30), time_unit(600), time_unit(36_000), time_unit(12_906_000)
    ((1.0, 's'), (60.0, 'min'), (3600.0, 'h'), (86400.0, 'days'))
    """
    for divisor, name in ((86400.0, "days"), (3600.0, "h"), (60.0, "min")):
        if seconds >= 2 * divisor:
            return divisor, name
    return 1.0, "s"


def _legend(ax: Axes, styles: Styles) -> None:
    title = "policy (one line per seed)" if styles.many else "policy"
    ax.legend(title=title, fontsize="small", title_fontsize="small")


def _over_time(df: pl.DataFrame, column: str, ax: Axes, styles: Styles, scale: float = 1.0,
               steps: bool = False) -> None:
    """One line per run of ``column`` against simulated time (x already divided by the unit), in
    load order, so later groups' dashed lines lie over earlier solid ones."""
    seen: set[str] = set()
    for run in styles.group_of:
        part = df.filter(pl.col("run") == run)
        if part.is_empty():
            continue
        group = styles.group_of[run]
        ax.plot(part["time_unit"], part[column] * scale, drawstyle="steps-post" if steps else "default",
                label=styles.legend_label(group, seen), alpha=0.8 if styles.many else 1.0, **styles.of(group))


def _with_time_unit(df: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    span = float(df["time"].max() or 0.0)  # type: ignore[arg-type]
    divisor, unit = time_unit(span)
    return df.with_columns(time_unit=pl.col("time") / divisor), unit


def fig_wait_cdf(runs: Runs) -> Figure | None:
    """Empirical CDF of the scheduling wait per group (seeds pooled); None without simulated runs.

    The x axis is symmetric-log when the waits span more than two decades, so zero waits show.
    """
    cdf = wait_cdf(runs, "group")
    if cdf.is_empty():
        return None
    styles = Styles(runs)
    fig = new_figure()
    ax = fig.add_subplot()
    top = float(cdf["wait"].max())  # type: ignore[arg-type]
    positive = cdf.filter(pl.col("wait") > 0)["wait"]
    low = float(positive.min()) if len(positive) else 0.0  # type: ignore[arg-type]
    right = top * 1.05 if top > 0 else 1.0
    for group in styles.groups:
        part = cdf.filter(pl.col("group") == group)
        if part.is_empty():
            continue
        xs = [0.0, *part["wait"].to_list(), right]
        ys = [0.0, *part["fraction"].to_list(), part["fraction"][-1]]
        ax.plot(xs, [100 * y for y in ys], drawstyle="steps-post", label=group, **styles.of(group))
    if low > 0 and top / low > 100:
        ax.set_xscale("symlog", linthresh=10 ** math.floor(math.log10(low)))
    ax.set_xlim(0, right)
    ax.set_ylim(0, 102)
    note = " (every pod bound with zero wait)" if top == 0 else ""
    ax.set(xlabel="Scheduling wait: binding time − creation time (s)", ylabel="Pods bound within the wait (% of all pods)",
           title=f"Scheduling wait, CDF per policy{note}")
    ax.grid(alpha=0.3)
    ax.legend(title="policy", fontsize="small", title_fontsize="small", loc="lower right")
    return fig


def fig_pending(runs: Runs) -> Figure | None:
    """Pending pods (created, not yet bound) over simulated time, one line per run."""
    df = pending_over_time(runs)
    if df.is_empty():
        return None
    df, unit = _with_time_unit(df)
    styles = Styles(runs)
    fig = new_figure((8.0, 4.5))
    ax = fig.add_subplot()
    _over_time(df, "pending", ax, styles, steps=True)
    ax.set(xlabel=f"Simulated time ({unit})", ylabel="Pending pods", title="Scheduling queue: pending pods over time")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    _legend(ax, styles)
    return fig


def fig_allocation(runs: Runs) -> Figure | None:
    """Requested / allocatable per resource over simulated time: one panel per resource with data."""
    df = allocation_over_time(runs)
    if df.is_empty():
        return None
    df, unit = _with_time_unit(df)
    resources = [r for r in RESOURCES if r in set(df["resource"])]
    styles = Styles(runs)
    fig = new_figure((8.0, 2.6 * len(resources) + 0.8))
    axes = fig.subplots(len(resources), 1, sharex=True, squeeze=False)[:, 0]
    for ax, resource in zip(axes, resources):
        _over_time(df.filter(pl.col("resource") == resource), "ratio", ax, styles, scale=100.0)
        ax.set(ylabel=f"{RESOURCE_LABELS[resource]} allocated\n(% of allocatable)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[-1].set(xlabel=f"Simulated time ({unit})")
    axes[0].set_title("Allocation: requests of bound pods / allocatable, per resource")
    _legend(axes[0], styles)
    return fig


def fig_gpu_fragmentation(runs: Runs) -> Figure | None:
    """The FGD fragmentation ratio of the cluster's idle GPU over simulated time (runs with GPUs)."""
    df = gpu_fragmentation_over_time(runs)
    if df.is_empty():
        return None
    df, unit = _with_time_unit(df)
    styles = Styles(runs)
    fig = new_figure((8.0, 4.5))
    ax = fig.add_subplot()
    _over_time(df, "gpu_frag_ratio", ax, styles, scale=100.0)
    ax.set(xlabel=f"Simulated time ({unit})", ylabel="Fragmented GPU (% of unallocated GPU)",
           title="GPU fragmentation over time (FGD fragmentation ratio)")
    ax.grid(alpha=0.3)
    _legend(ax, styles)
    return fig


def fig_arrival(runs: Runs) -> Figure | None:
    """Placement runs: unallocated and fragmented GPU against the arrived workload, mean over
    seeds per group with the min–max band."""
    df = arrival_curves(runs)
    if df.is_empty():
        return None
    df = df.join(runs.runs.select("run", "group"), on="run")
    styles = Styles(runs)
    fig = new_figure((8.0, 7.0))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax, column, label in ((top, "unalloc_gpu_pct", "Unallocated GPU\n(% of cluster GPU)"),
                              (bottom, "frag_amount_pct", "Fragmented GPU\n(% of cluster GPU)")):
        stats = (df.filter(pl.col(column).is_not_null()).group_by("group", "arrived_pct")
                 .agg(mean=pl.col(column).mean(), lo=pl.col(column).min(), hi=pl.col(column).max())
                 .sort("arrived_pct"))
        for group in styles.groups:
            s = stats.filter(pl.col("group") == group)
            if s.is_empty():
                continue
            style = styles.of(group)
            ax.plot(s["arrived_pct"], s["mean"], label=group, **style)
            ax.fill_between(s["arrived_pct"], s["lo"], s["hi"], color=style["color"], alpha=0.2, lw=0)
        ax.set(ylabel=label)
        ax.grid(alpha=0.3)
    xs = list(range(0, 131))
    top.plot(xs, [max(100 - x, 0) for x in xs], color="k", lw=0.8, linestyle=(0, (4, 4)), label="ideal: 100 − x")
    bottom.set(xlabel="Arrived workload (% of cluster GPU capacity)")
    n = runs.runs.filter(pl.col("mode") == "placement").group_by("group").len()["len"]
    band = "mean over seeds, band min–max" if int(n.max() or 0) > 1 else "one run per policy"  # type: ignore[arg-type]
    top.set_title(f"GPU placement: GPU left unallocated and fragmented as pods arrive\n({band})")
    top.legend(title="policy", fontsize="small", title_fontsize="small")
    return fig


def fig_metric_bars(cmp: Comparison, runs: Runs) -> Figure | None:
    """One panel per compared metric: a bar per row (its mean) with the 95% CI as error bar."""
    metrics = [m for m in cmp.metrics if any(r.values[m.name].mean is not None for r in cmp.rows)]
    if not metrics:
        return None
    styles = Styles(runs)
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    width = max(4.0, 0.7 * len(cmp.rows) + 1.5)
    fig = new_figure((width * ncols, 3.4 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    labels = [r.label for r in cmp.rows]
    colors = [styles.of(styles.group_of[r.runs[0]])["color"] for r in cmp.rows]
    for ax, m in zip(axes, metrics):
        _metric_panel(ax, m, cmp, labels, colors)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    many = any(len(r.runs) > 1 for r in cmp.rows)
    fig.suptitle("Headline metrics per policy" + (" (mean over seeds, error bar: 95% CI)" if many else ""))
    return fig


def _metric_panel(ax: Axes, m: Metric, cmp: Comparison, labels: list[str], colors: list[str]) -> None:
    """Bars of one metric; seconds shown in a unit that fits the largest value."""
    means = [r.values[m.name].mean for r in cmp.rows]
    errs = [r.values[m.name].half_width for r in cmp.rows]
    unit, divisor = m.unit, 1.0
    if m.unit == "s":
        divisor, unit = time_unit(max((v or 0.0) for v in means))
    heights = [(v or 0.0) / divisor for v in means]
    # rows of one run have no interval: NaN draws no error bar there (0 would draw a lone cap)
    yerr = [math.nan if e is None else e / divisor for e in errs] if any(e is not None for e in errs) else None
    ax.bar(range(len(labels)), heights, yerr=yerr, capsize=4, color=colors)
    tops = [h + (0.0 if yerr is None or math.isnan(yerr[i]) else yerr[i]) for i, h in enumerate(heights)]
    for i, v in enumerate(means):  # the value above the bar and its error bar
        ax.annotate(fmt_number(None if v is None else v / divisor), (i, tops[i]),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize="small")
    hint = {True: " (lower is better)", False: " (higher is better)", None: ""}[m.lower_is_better]
    ax.set_title(f"{m.label}{hint}", fontsize="medium")
    ax.set_ylabel(unit or m.label)
    slanted = len(labels) > 3 or max(len(lb) for lb in labels) > 14
    ax.set_xticks(range(len(labels)), labels, rotation=30 if slanted else 0, ha="right" if slanted else "center",
                  fontsize="small")
    if max(tops) <= 0:
        ax.set_ylim(0, 1)
        ax.set_yticks([0])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.6g}"))
    ax.margins(y=0.15)
    ax.grid(axis="y", alpha=0.3)
