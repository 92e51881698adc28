"""The FGD sweep report (kbench.gpu.report) on tiny synthetic arrival curves with hand-worked stats."""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl
import pytest

from kbench.errors import ConfigError
from kbench.gpu.report import (
    PAPER_DEFAULT,
    POLICIES,
    at_x,
    fgd_beats_baselines,
    fig_bars,
    fig_frag,
    fig_unallocated,
    load_curves,
    paper_check,
    write_report,
)

SEEDS = (42, 43, 44)
XS = (0, 50, 75, 90, 100, 110, 130)
NAN = float("nan")
# Unallocated GPU % at x = 100 per trace, policy and seed (42, 43, 44); None = null value.
AT_100: dict[str, dict[str, tuple[float | None, ...]]] = {
    "default": {
        "Random": (11.0, 13.0, 15.0),
        "DotProd": (10.4, 10.5, 10.6),
        "GpuClustering": (8.0, 8.5, 9.0),
        "GpuPacking": (8.0, 8.2, 8.4),
        "BestFit": (7.0, 7.2, 7.4),
        "FGD": (4.5, 4.8, 5.1),
    },
    "cpu050": {
        "Random": (20.0, 20.0, NAN),  # NaN counts as missing
        "DotProd": (10.0, 11.0, 12.0),
        "GpuClustering": (9.0, 9.0, 9.0),
        "GpuPacking": (8.0, 10.0, None),
        "BestFit": (5.0, 6.0, 7.0),
        "FGD": (6.0, 7.0, 8.0),  # loses to BestFit
    },
}
MISSING_ROW = ("cpu050", "DotProd", 43, 110)
"""A (trace, policy, seed, x) with no row at all."""


def _curve(trace: str, policy: str, i: int) -> pl.DataFrame:
    """One run: unallocated = value at 100 + max(100 − x, 0); frag amount half of it; ratio 50%."""
    v100 = AT_100[trace][policy][i]
    rows = []
    for x in XS:
        if (trace, policy, SEEDS[i], x) == MISSING_ROW:
            continue
        u = None if v100 is None else v100 + max(100 - x, 0)
        rows.append({"policy": policy, "trace": trace, "seed": SEEDS[i], "arrived_pct": x,
                     "alloc_gpu_pct": None if u is None else 100.0 - u, "unalloc_gpu_pct": u,
                     "frag_amount_pct": None if u is None else u / 2, "frag_ratio_pct": 50.0})
    return pl.DataFrame(rows, schema_overrides={"seed": pl.Int64, "arrived_pct": pl.Int64})


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """default in the sweep layout; cpu050 in another layout, to check the recursive glob."""
    root = tmp_path / "sweep"
    for trace in AT_100:
        for policy in POLICIES:
            for i, seed in enumerate(SEEDS):
                d = (root / trace / policy / f"seed={seed}" if trace == "default"
                     else root / "elsewhere" / "deeper" / f"{trace}-{policy}-{seed}")
                d.mkdir(parents=True)
                _curve(trace, policy, i).write_parquet(d / "arrival_curve.parquet")
    return root


def _row(df: pl.DataFrame, trace: str, policy: str) -> dict[str, object]:
    return df.filter((pl.col("trace") == trace) & (pl.col("policy") == policy)).row(0, named=True)


def test_load_curves_reads_every_file_and_turns_nan_into_null(sweep: Path) -> None:
    curves = load_curves(sweep)
    # 2 traces × 6 policies × 3 seeds × 7 x values, minus the one missing row
    assert curves.height == 2 * 6 * 3 * 7 - 1
    assert set(curves["trace"]) == {"default", "cpu050"}
    assert curves["seed"].dtype == pl.Int64 and curves["unalloc_gpu_pct"].dtype == pl.Float64
    # cpu050 seed 44 at all 7 x: GpuPacking's None stays null, Random's NaN becomes null
    assert curves["unalloc_gpu_pct"].null_count() == 7 + 7
    assert curves["unalloc_gpu_pct"].is_nan().sum() == 0


def test_empty_or_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no arrival_curve.parquet under it"):
        load_curves(tmp_path)
    with pytest.raises(ConfigError):
        write_report(tmp_path / "nope")


def test_at_x_mean_sd_and_n_by_hand(sweep: Path) -> None:
    t = at_x(load_curves(sweep))
    assert t.height == 12
    assert t["trace"].to_list()[:6] == ["default"] * 6 and t["policy"].to_list()[:6] == list(POLICIES)
    # Random 11, 13, 15: mean 13, deviations −2, 0, 2 -> sd = sqrt((4 + 0 + 4) / 2) = 2
    r = _row(t, "default", "Random")
    assert (r["mean"], r["sd"], r["n"]) == (pytest.approx(13.0), pytest.approx(2.0), 3)
    # FGD 4.5, 4.8, 5.1: mean 4.8, sd = sqrt((0.09 + 0 + 0.09) / 2) = 0.3
    r = _row(t, "default", "FGD")
    assert (r["mean"], r["sd"]) == (pytest.approx(4.8), pytest.approx(0.3))
    # GpuPacking 8, 10, null: n 2, mean 9, sd = sqrt((1 + 1) / 1) = sqrt(2)
    r = _row(t, "cpu050", "GpuPacking")
    assert (r["mean"], r["sd"], r["n"]) == (pytest.approx(9.0), pytest.approx(math.sqrt(2)), 2)
    # Random 20, 20, NaN: n 2, mean 20, sd 0
    r = _row(t, "cpu050", "Random")
    assert (r["mean"], r["sd"], r["n"]) == (pytest.approx(20.0), pytest.approx(0.0), 2)


def test_at_x_skips_a_missing_row(sweep: Path) -> None:
    # x = 110 adds max(100 − 110, 0) = 0; DotProd seed 43 has no row: 10, 12 -> mean 11, sd sqrt(2)
    r = _row(at_x(load_curves(sweep), 110), "cpu050", "DotProd")
    assert (r["mean"], r["sd"], r["n"]) == (pytest.approx(11.0), pytest.approx(math.sqrt(2)), 2)


def test_paper_table_values() -> None:
    assert PAPER_DEFAULT["BestFit"][100] == (7.14, 0.14)
    assert PAPER_DEFAULT["Random"][95] == (14.28, None)
    assert PAPER_DEFAULT["FGD"][130] == (4.61, 0.08)
    assert list(PAPER_DEFAULT) == list(POLICIES)


def test_paper_check_within_and_not(sweep: Path) -> None:
    c = paper_check(load_curves(sweep))
    assert c["policy"].to_list() == list(POLICIES)
    # Random: 13 − 13.70 = −0.70, tol max(0.5, 1.5·2) = 3 -> within only thanks to the sd
    # DotProd: 10.5 − 9.38 = 1.12, sd 0.1, tol max(0.5, 0.15) = 0.5 -> not within
    # GpuClustering: 8.5 − 8.35 = 0.15, sd 0.5, tol 0.75; GpuPacking 8.2 − 8.22 = −0.02, tol 0.5
    # BestFit: 7.2 − 7.14 = 0.06, tol 0.5; FGD: 4.8 − 4.77 = 0.03, tol max(0.5, 0.45) = 0.5
    assert c["diff"].to_list() == pytest.approx([-0.70, 1.12, 0.15, -0.02, 0.06, 0.03])
    assert c["tolerance"].to_list() == pytest.approx([3.0, 0.5, 0.75, 0.5, 0.5, 0.5])
    assert c["within"].to_list() == [True, False, True, True, True, True]


def test_paper_check_missing_policy_is_not_within(sweep: Path) -> None:
    c = paper_check(load_curves(sweep).filter(pl.col("policy") != "BestFit"))
    assert c.filter(pl.col("policy") == "BestFit")["within"].to_list() == [False]


def test_fgd_beats_baselines(sweep: Path) -> None:
    curves = load_curves(sweep)
    assert fgd_beats_baselines(curves)  # default: FGD 4.8 < BestFit 7.2 < ...
    assert not fgd_beats_baselines(curves, "cpu050")  # FGD 7 > BestFit 6
    assert not fgd_beats_baselines(curves.filter(pl.col("policy") != "FGD"))
    assert not fgd_beats_baselines(curves.filter(pl.col("policy") != "Random"))  # a baseline missing


def test_figures_have_units_titles_and_the_ideal_line(sweep: Path) -> None:
    curves = load_curves(sweep)
    ax = fig_unallocated(curves).axes[0]
    assert "default" in ax.get_title() and "3 seeds" in ax.get_title()
    assert "%" in ax.get_xlabel() and "%" in ax.get_ylabel()
    assert len(ax.get_lines()) == 7  # six policies + the ideal line
    ideal = ax.get_lines()[-1]
    assert ideal.get_linestyle() == "--"
    assert (ideal.get_xdata()[0], ideal.get_ydata()[0]) == (75, 25)  # 100 − 75
    assert (ideal.get_xdata()[-1], ideal.get_ydata()[-1]) == (120, 0)  # max(100 − 120, 0)
    # FGD median over seeds at x = 75: 4.8 + 25 = 29.8
    fgd = ax.get_lines()[5]
    assert fgd.get_label() == "FGD" and fgd.get_ydata()[0] == pytest.approx(29.8)
    bars = fig_bars(curves, ["default", "cpu050", "cpu100"], "non-GPU").axes[0]
    assert [t.get_text() for t in bars.get_xticklabels()] == ["default", "cpu050"]
    assert len(bars.patches) == 12  # 2 traces × 6 policies
    frag = fig_frag(curves, "frag_ratio_pct").axes[0]
    assert "%" in frag.get_ylabel() and "default" in frag.get_title()


def test_figure_errors(sweep: Path) -> None:
    curves = load_curves(sweep)
    with pytest.raises(ConfigError):
        fig_bars(curves, ["gpushare40"], "GPU sharing")
    with pytest.raises(ConfigError):
        fig_frag(curves, "unalloc_gpu_pct")
    with pytest.raises(ConfigError):
        fig_unallocated(curves, "multigpu20")


def test_write_report_is_self_contained(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = write_report(sweep, out)
    assert path == out / "report.html"
    pngs = {"fig9a_unallocated_default.png", "bars_cpu.png", "fig7_frag_amount.png",
            "fig7_frag_ratio.png"}
    assert {p.name for p in out.iterdir()} == pngs | {"report.html"}  # no temp files left
    text = path.read_text()
    assert text.count("data:image/png;base64,") == 4
    assert all(s.startswith("data:") for s in re.findall(r'(?:src|href)="([^"]*)"', text))
    assert ".png" not in text
    assert "FAIL" in text and "FGD beats every baseline" in text
    assert "13.00 ± 2.00 (n=3)" in text  # default, Random


def test_write_report_without_default_trace(sweep: Path) -> None:
    path = write_report(sweep / "elsewhere")
    assert path == sweep / "elsewhere" / "report.html"
    assert (sweep / "elsewhere" / "bars_cpu.png").exists()
    assert not (sweep / "elsewhere" / "fig9a_unallocated_default.png").exists()
    assert "vs the paper" not in path.read_text()
