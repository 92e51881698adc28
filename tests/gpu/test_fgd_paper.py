"""The FGD paper's default-trace result (FGD.md §7), reproduced by `kbench sweep workloads/fgd-openb.yaml`:
six policies x seeds 42..51, placement-only replay inflated to 130%. The expected means and sds
are the authors' (their cached results of the reference simulator), not kbench's output."""

from __future__ import annotations

from pathlib import Path

from kbench.gpu.report import fgd_beats_baselines, load_curves, paper_check
from kbench.sweep import run_sweep

SWEEP = Path(__file__).parents[2] / "workloads" / "fgd-openb.yaml"


def test_default_trace_sweep_matches_the_paper(tmp_path: Path) -> None:
    result = run_sweep(SWEEP, tmp_path, workers=2)
    assert len(result.done) == 60 and not result.failed
    curves = load_curves(tmp_path)
    check = paper_check(curves)
    # within max(0.5, 1.5 x seed sd) percentage points of the paper's mean at x = 100, every policy
    assert check["within"].all(), check
    assert check["n"].to_list() == [10] * 6
    assert fgd_beats_baselines(curves)
    assert result.report is not None and result.report.name == "report.html"
