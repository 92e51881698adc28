"""The FGD paper's default-trace result (FGD.md §7), reproduced by `kbench sweep workloads/fgd-openb.yaml`:
six policies x seeds 42..51, placement-only replay inflated to 130%. The expected means and sds
are the authors' (their cached results of the reference simulator), not kbench's output."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kbench.gpu.report import fgd_beats_baselines, load_curves, paper_check
from kbench.sweep import run_sweep

SWEEP = Path(__file__).parents[2] / "workloads" / "fgd-openb.yaml"

POLICIES = ("Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD")
FRAGMENTATION = {
    # FGD.md §7: frag amount (% of all GPUs) at x = 50 and 90 [KF], frag ratio (% of idle) at x = 80 [KR]
    ("frag_amount_pct", 50): (15.10, 12.09, 12.11, 12.01, 10.81, 8.93),
    ("frag_amount_pct", 90): (14.48, 9.43, 8.45, 8.37, 7.41, 5.00),
    ("frag_ratio_pct", 80): (74.6, 50.5, 46.9, 46.4, 41.5, 29.9),
}


def test_default_trace_sweep_matches_the_paper(tmp_path: Path) -> None:
    result = run_sweep(SWEEP, tmp_path, workers=2)
    assert len(result.done) == 60 and not result.failed
    curves = load_curves(tmp_path)
    check = paper_check(curves)
    # within max(0.5, 1.5 x seed sd) percentage points of the paper's mean at x = 100, every policy
    assert check["within"].all(), check
    assert check["n"].to_list() == [10] * 6
    assert fgd_beats_baselines(curves)
    for (column, x), paper in FRAGMENTATION.items():
        at = curves.filter(pl.col("arrived_pct") == x).group_by("policy").agg(
            pl.col(column).mean().alias("mean"), pl.col(column).std().alias("sd"))
        got = {r["policy"]: r for r in at.to_dicts()}
        for policy, expected in zip(POLICIES, paper, strict=True):
            r = got[policy]
            assert abs(r["mean"] - expected) <= max(0.5, 1.5 * r["sd"]), (column, x, policy, r, expected)
    assert result.report is not None and result.report.name == "report.html"
