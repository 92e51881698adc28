"""Report of kbench's FGD reproduction sweep: the paper's tables and figures from arrival curves.

A sweep writes one ``arrival_curve.parquet`` per run (trace × policy × seed; FGD.md §6.5): the
unallocated, fragmented GPU % at each arrived workload % 0..130. This module reads them all,
checks the default trace at x = 100 against the paper (FGD.md §7), draws Figs. 7, 9(a) and 11–14
(FGD.md §6.7) and writes one self-contained ``report.html``.

Examples
--------
>>> PAPER_DEFAULT["FGD"][100]
PaperValue(mean=4.77, sd=0.11)
>>> family_of("gpushare40"), family_of("default"), family_of("mytrace")
('gpushare', None, 'other')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kbench.analysis.render import atomic_write, html_page, html_table, img_tag, new_figure, png_bytes
from kbench.errors import ConfigError

POLICIES = ("Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD")
"""The six policies of the paper, in its table order (baselines first, FGD last)."""
DEFAULT_TRACE = "default"
VALUE_COLUMNS = ("alloc_gpu_pct", "unalloc_gpu_pct", "frag_amount_pct", "frag_ratio_pct")
SCHEMA: dict[str, type[pl.DataType]] = {
    "policy": pl.String, "trace": pl.String, "seed": pl.Int64, "arrived_pct": pl.Int64,
    **{c: pl.Float64 for c in VALUE_COLUMNS},
}
"""Columns of an arrival curve and the dtypes :func:`load_curves` casts them to."""
FAMILIES = {"gpushare": "GPU-sharing tasks (Fig. 11)", "multigpu": "multi-GPU tasks (Fig. 12)",
            "gpuspec": "GPU-model-constrained tasks (Fig. 13)", "cpu": "non-GPU tasks (Fig. 14)",
            "other": "other traces"}
"""Trace families of the bar charts (a family is a trace-name prefix) and their titles."""
FRAG_LABELS = {"frag_amount_pct": "Fragmented GPUs (% of cluster GPUs)",
               "frag_ratio_pct": "Fragmentation ratio (% of unallocated GPUs)"}
X_LABEL = "Arrived workload (% of cluster GPU capacity)"
UNALLOC_LABEL = "Unallocated GPUs (% of cluster GPUs)"


class PaperValue(NamedTuple):
    """One cell of the paper's table: mean and, where the paper gives it, sd over 10 seeds."""

    mean: float
    sd: float | None


_PAPER_ROWS: dict[str, tuple[tuple[float, float | None], ...]] = {  # x = 90, 95, 100, 110, 130
    "Random": ((14.98, 0.29), (14.28, None), (13.70, 0.33), (13.12, None), (12.53, 0.32)),
    "DotProd": ((10.02, 0.05), (9.42, None), (9.38, 0.19), (9.30, None), (9.15, 0.20)),
    "GpuClustering": ((10.02, 0.05), (8.39, None), (8.35, 0.61), (8.27, None), (8.12, 0.62)),
    "GpuPacking": ((10.02, 0.05), (8.26, None), (8.22, 0.53), (8.14, None), (8.00, 0.54)),
    "BestFit": ((10.01, 0.04), (7.18, None), (7.14, 0.14), (7.06, None), (6.92, 0.13)),
    "FGD": ((10.02, 0.05), (5.09, None), (4.77, 0.11), (4.70, None), (4.61, 0.08)),
}
PAPER_DEFAULT: dict[str, dict[int, PaperValue]] = {
    p: {x: PaperValue(*v) for x, v in zip((90, 95, 100, 110, 130), row)} for p, row in _PAPER_ROWS.items()
}
"""Default-trace unallocated GPU % of the paper, policy -> arrived x -> value (FGD.md §7)."""


def load_curves(folder: str | Path) -> pl.DataFrame:
    """All ``arrival_curve.parquet`` files anywhere below ``folder``, concatenated; NaN becomes null."""
    files = sorted(Path(folder).glob("**/arrival_curve.parquet"))
    if not files:
        raise ConfigError(str(folder), "", "no arrival_curve.parquet under it")
    frames = []
    for f in files:
        try:
            df = pl.read_parquet(f)
            missing = [c for c in SCHEMA if c not in df.columns]
            if missing:
                raise ConfigError(str(f), missing[0], "missing column")
            frames.append(df.select(pl.col(c).cast(t) for c, t in SCHEMA.items()))
        except (OSError, pl.exceptions.PolarsError) as e:
            raise ConfigError(str(f), "", f"not a readable arrival curve: {e}") from e
    return pl.concat(frames).with_columns(pl.col(c).fill_nan(None) for c in VALUE_COLUMNS)


def traces_of(curves: pl.DataFrame) -> list[str]:
    """Traces present, ``default`` first, then by name prefix and number (gpushare40 < gpushare100)."""
    def key(t: str) -> tuple[bool, str, int, str]:
        m = re.fullmatch(r"(.*?)(\d+)", t)
        return (t != DEFAULT_TRACE, m.group(1) if m else t, int(m.group(2)) if m else -1, t)
    return sorted(curves["trace"].unique().to_list(), key=key)


def policies_of(curves: pl.DataFrame) -> list[str]:
    """Policies present, in :data:`POLICIES` order, any others after them by name."""
    names = curves["policy"].unique().to_list()
    return sorted(names, key=lambda p: (POLICIES.index(p) if p in POLICIES else len(POLICIES), p))


def family_of(trace: str) -> str | None:
    """The bar-chart family of a trace: its name prefix if known, ``other`` if not, None for default."""
    if trace == DEFAULT_TRACE:
        return None
    m = re.fullmatch(r"(gpushare|multigpu|gpuspec|cpu)\d+", trace)
    return m.group(1) if m else "other"


def at_x(curves: pl.DataFrame, x: int = 100) -> pl.DataFrame:
    """Per (trace, policy): mean, sample sd (ddof=1) and n seeds of unallocated GPU % at arrived x."""
    v = pl.col("unalloc_gpu_pct")
    t_rank = {t: i for i, t in enumerate(traces_of(curves))}
    p_rank = {p: i for i, p in enumerate(policies_of(curves))}
    return (curves.filter((pl.col("arrived_pct") == x) & v.is_not_null())
            .group_by("trace", "policy")
            .agg(mean=v.mean(), sd=v.std(ddof=1), n=pl.len().cast(pl.Int64))
            .sort(pl.col("trace").replace_strict(t_rank, return_dtype=pl.Int64),
                  pl.col("policy").replace_strict(p_rank, return_dtype=pl.Int64)))


def paper_check(curves: pl.DataFrame) -> pl.DataFrame:
    """The default trace at x = 100 against the paper, one row per paper policy.

    ``diff`` = kbench mean − paper mean; ``within`` = |diff| ≤ max(0.5, 1.5 × kbench sd); a policy
    kbench has no value for is not within.
    """
    paper = pl.DataFrame({"policy": list(PAPER_DEFAULT),
                          "paper_mean": [v[100].mean for v in PAPER_DEFAULT.values()],
                          "paper_sd": [v[100].sd for v in PAPER_DEFAULT.values()]})
    ours = (at_x(curves.filter(pl.col("trace") == DEFAULT_TRACE))
            .select("policy", kbench_mean="mean", kbench_sd="sd", n="n"))
    df = paper.join(ours, on="policy", how="left", maintain_order="left")
    df = df.with_columns(diff=pl.col("kbench_mean") - pl.col("paper_mean"),
                         tolerance=pl.max_horizontal(pl.lit(0.5), 1.5 * pl.col("kbench_sd")))
    df = df.with_columns(within=(pl.col("diff").abs() <= pl.col("tolerance")).fill_null(False))
    return df.select("policy", "kbench_mean", "kbench_sd", "n", "paper_mean", "paper_sd", "diff",
                     "tolerance", "within")


def fgd_beats_baselines(curves: pl.DataFrame, trace: str = DEFAULT_TRACE, x: int = 100) -> bool:
    """Whether FGD's mean unallocated GPU % at x is below every other policy's on ``trace``.

    False unless FGD and all five paper baselines have a value there.
    """
    means = dict(at_x(curves.filter(pl.col("trace") == trace), x).select("policy", "mean").iter_rows())
    if any(p not in means for p in POLICIES):
        return False
    return all(means["FGD"] < m for p, m in means.items() if p != "FGD")




def _seeds_label(df: pl.DataFrame) -> str:
    counts = df.group_by("trace", "policy").agg(pl.col("seed").n_unique())["seed"]
    lo, hi = int(counts.min()), int(counts.max())  # type: ignore[arg-type]
    return f"{hi} seeds" if lo == hi else f"{lo}–{hi} seeds per policy"


def _colors(curves: pl.DataFrame) -> dict[str, str]:
    return {p: f"C{i % 10}" for i, p in enumerate(policies_of(curves))}


def _quantiles(df: pl.DataFrame, column: str) -> pl.DataFrame:
    v = pl.col(column)
    return (df.filter(v.is_not_null()).group_by("policy", "arrived_pct")
            .agg(med=v.median(), q25=v.quantile(0.25, "linear"), q75=v.quantile(0.75, "linear"))
            .sort("arrived_pct"))


def _curve_figure(curves: pl.DataFrame, trace: str, column: str, xlim: tuple[int, int],
                  band: bool) -> tuple[Figure, Axes, str]:
    """Median over seeds of ``column`` vs arrived % per policy (and the 25–75% band if ``band``)."""
    df = curves.filter((pl.col("trace") == trace) & pl.col("arrived_pct").is_between(*xlim))
    if df.is_empty():
        raise ConfigError("arrival curves", "trace", f"no curve for trace {trace!r} in x ∈ {list(xlim)}")
    q = _quantiles(df, column)
    fig = new_figure()
    ax = fig.add_subplot()
    colors = _colors(curves)
    for p in policies_of(df):
        s = q.filter(pl.col("policy") == p)
        ax.plot(s["arrived_pct"], s["med"], color=colors[p], label=p)
        if band:
            ax.fill_between(s["arrived_pct"], s["q25"], s["q75"], color=colors[p], alpha=0.2, lw=0)
    ax.set(xlim=xlim, xlabel=X_LABEL)
    ax.grid(alpha=0.3)
    return fig, ax, _seeds_label(df)


def fig_unallocated(curves: pl.DataFrame, trace: str = DEFAULT_TRACE) -> Figure:
    """Paper Fig. 9(a): unallocated GPU % vs arrived %, x ∈ [75, 120], median and 25–75% band."""
    fig, ax, seeds = _curve_figure(curves, trace, "unalloc_gpu_pct", (75, 120), band=True)
    xs = list(range(75, 121))
    ax.plot(xs, [max(100 - x, 0) for x in xs], "k--", label="ideal: max(100 − x, 0)")
    ax.set(ylabel=UNALLOC_LABEL, title=f"Unallocated GPUs, trace {trace}: median and 25–75% over {seeds}")
    ax.legend()
    return fig


def fig_bars(curves: pl.DataFrame, traces: list[str], title: str) -> Figure:
    """Paper Figs. 11–14: unallocated GPU % at x = 100, mean ± sd; groups = traces, bars = policies."""
    table = at_x(curves.filter(pl.col("trace").is_in(traces)))
    groups = [t for t in traces if t in set(table["trace"])]
    if not groups:
        raise ConfigError("arrival curves", "trace", f"none of {traces} has a value at x = 100")
    policies = policies_of(table)
    width = 0.8 / len(policies)
    colors = _colors(curves)
    fig = new_figure((max(8.0, 1.6 * len(groups)), 5.0))
    ax = fig.add_subplot()
    for j, p in enumerate(policies):
        cells = {t: (m, s) for t, m, s in table.filter(pl.col("policy") == p)
                 .select("trace", "mean", "sd").iter_rows()}
        xs = [i + (j - (len(policies) - 1) / 2) * width for i, t in enumerate(groups) if t in cells]
        vals = [cells[t] for t in groups if t in cells]
        ax.bar(xs, [m for m, _ in vals], width, yerr=[s or 0.0 for _, s in vals], capsize=2,
               color=colors[p], label=p)
    ax.set_xticks(range(len(groups)), groups)
    ax.set(xlabel="Trace", ylabel=UNALLOC_LABEL,
           title=f"{title}: unallocated GPUs at 100% arrived workload\n(mean ± sd over "
                 f"{_seeds_label(curves.filter(pl.col('trace').is_in(groups)))})")
    ax.grid(axis="y", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(policies), 6), fontsize="small")
    return fig


def fig_frag(curves: pl.DataFrame, column: str, trace: str = DEFAULT_TRACE) -> Figure:
    """Paper Fig. 7: median over seeds of frag amount or frag ratio vs arrived %, 0..130."""
    if column not in FRAG_LABELS:
        raise ConfigError("arrival curves", column, f"not one of {sorted(FRAG_LABELS)}")
    fig, ax, seeds = _curve_figure(curves, trace, column, (0, 130), band=False)
    label = FRAG_LABELS[column]
    ax.set(ylabel=label, title=f"{label.split(' (')[0]}, trace {trace}: median over {seeds}")
    ax.legend()
    return fig


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _x100_table(curves: pl.DataFrame) -> str:
    cells = {(t, p): (m, s, n) for t, p, m, s, n in at_x(curves).iter_rows()}
    policies = policies_of(curves)
    rows = [[t] + [f"{_fmt(c[0])} ± {_fmt(c[1])} (n={c[2]})" if (c := cells.get((t, p))) else "–"
                   for p in policies] for t in traces_of(curves)]
    return html_table(["trace"] + policies, rows)


def _paper_section(curves: pl.DataFrame) -> str:
    rows = [[p, _fmt(km), _fmt(ks), str(n or 0), _fmt(pm), _fmt(ps), _fmt(d), _fmt(tol),
             "pass" if ok else "FAIL"] for p, km, ks, n, pm, ps, d, tol, ok in paper_check(curves).iter_rows()]
    verdict = "beats" if fgd_beats_baselines(curves) else "does NOT beat"
    return ("<h2>Default trace at x = 100 vs the paper (FGD.md §7)</h2>"
            + html_table(["policy", "kbench mean", "kbench sd", "n", "paper mean", "paper sd", "diff",
                          "tolerance", "result"], rows)
            + "<p>Tolerance = max(0.5, 1.5 × kbench sd), in unallocated-GPU percentage points.</p>"
            + f"<p><b>FGD {verdict} every baseline</b> (lowest mean unallocated GPU % at x = 100).</p>")


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the figures as PNGs and one self-contained ``report.html`` into ``out`` (default ``folder``).

    Returns the HTML path. Every file is written atomically (temp file, then ``os.replace``).
    """
    curves = load_curves(folder)
    out_dir = Path(folder if out is None else out)
    out_dir.mkdir(parents=True, exist_ok=True)
    traces = traces_of(curves)
    figures: list[tuple[str, str, Figure]] = []
    has_default = DEFAULT_TRACE in traces
    if has_default:
        figures += [(f"fig9a_unallocated_{DEFAULT_TRACE}.png", "Fig. 9(a)", fig_unallocated(curves)),
                    ("fig7_frag_amount.png", "Fig. 7, frag amount", fig_frag(curves, "frag_amount_pct")),
                    ("fig7_frag_ratio.png", "Fig. 7, frag ratio", fig_frag(curves, "frag_ratio_pct"))]
    at_100 = [t for t in traces if t in set(at_x(curves)["trace"])]
    for fam, title in FAMILIES.items():
        members = [t for t in at_100 if family_of(t) == fam]
        if members:
            group = [t for t in at_100 if t == DEFAULT_TRACE] + members
            figures.append((f"bars_{fam}.png", title, fig_bars(curves, group, title)))
    images = []
    for name, caption, fig in figures:
        data = png_bytes(fig)
        atomic_write(out_dir / name, data)
        images.append(img_tag(data, caption))
    runs = curves.select("trace", "policy", "seed").unique().height
    page = html_page("kbench FGD reproduction",
                     "<h1>kbench: FGD paper reproduction sweep</h1>"
                     f"<p>{runs} runs, {len(traces)} traces, {len(policies_of(curves))} policies.</p>"
                     + (_paper_section(curves) if has_default else "")
                     + "<h2>Unallocated GPU % at 100% arrived workload (mean ± sd, n seeds)</h2>"
                     + _x100_table(curves) + "<h2>Figures</h2>" + "".join(images))
    html_path = out_dir / "report.html"
    atomic_write(html_path, page.encode())
    return html_path
