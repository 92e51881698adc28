"""kbench report: one self-contained HTML page, or the figures as PNG files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kbench
from kbench.analysis import figures
from kbench.analysis.report import write_report
from kbench.errors import ConfigError

PNG = b"\x89PNG\r\n\x1a\n"


def test_html_embeds_every_figure_and_references_nothing(sweep_dir: Path, tmp_path: Path) -> None:
    out = write_report(kbench.load(sweep_dir), tmp_path / "report.html")
    page = out.read_text()
    # CPU-only simulated runs: wait CDF, pending, allocation and the metric bars (no GPU, no curves)
    assert page.count('src="data:image/png;base64,') == 4
    assert re.findall(r'(?:src|href)="(?!data:)', page) == []
    assert "http://" not in page and "https://" not in page
    assert "<h2>Comparison</h2>" in page and "spread" in page
    assert "name: spread" in page  # the policy file's YAML
    assert "Scheduler configuration" in page and "MostAllocated" in page  # pack's scheduler config


def test_png_format_writes_the_figures(sweep_dir: Path, tmp_path: Path) -> None:
    out = write_report(kbench.load(sweep_dir), tmp_path / "figs", fmt="png")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["allocation.png", "metrics.png", "pending.png", "wait_cdf.png"]
    assert all((out / n).read_bytes().startswith(PNG) for n in names)


def test_figures_without_data_are_left_out(sweep_dir: Path) -> None:
    runs = kbench.load(sweep_dir)
    assert figures.fig_arrival(runs) is None
    assert figures.fig_gpu_fragmentation(runs) is None
    fig = figures.fig_wait_cdf(runs)
    assert fig is not None
    ax = fig.axes[0]
    assert "(s)" in ax.get_xlabel() and "%" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["pack", "spread"]


def test_bad_output(sweep_dir: Path, tmp_path: Path) -> None:
    runs = kbench.load(sweep_dir)
    with pytest.raises(ConfigError, match="does not exist"):
        write_report(runs, tmp_path / "no" / "r.html")
    with pytest.raises(ConfigError, match="format"):
        write_report(runs, tmp_path / "r.pdf", fmt="pdf")
