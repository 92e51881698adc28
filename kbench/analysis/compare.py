"""`kbench compare`: the headline metrics of several runs side by side, each with its ratio to a baseline.

Runs that differ only by seed (one ``group``: same policy and sweep parameters, distinct seeds)
make one row: the mean over seeds and the half-width of its 95% t confidence interval. Other runs
make one row each. The ratio is row mean / baseline mean: 1 when both are 0, none when only the
baseline is 0 or either is missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from kbench.analysis.metrics import HEADLINE, METRICS, Metric, run_metrics
from kbench.analysis.render import atomic_write
from kbench.analysis.runs import Runs
from kbench.analysis.stats import Estimate, mean_ci
from kbench.errors import ConfigError

INTERVAL = "95% confidence interval of the mean over seeds, Student's t (half-width)"


@dataclass
class Row:
    """One line of the comparison: a run, or a group of runs that differ only by seed."""

    label: str
    policy: str
    runs: list[str]
    seeds: list[int]
    values: dict[str, Estimate]
    ratios: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Comparison:
    """The compared rows, the metrics shown and the baseline row's label."""

    metrics: list[Metric]
    rows: list[Row]
    baseline: str

    def to_frame(self) -> pl.DataFrame:
        """Wide table: label, policy, runs (n), seeds, then per metric its mean, ``_ci95`` and ``_ratio``."""
        data: dict[str, list[Any]] = {"label": [r.label for r in self.rows], "policy": [r.policy for r in self.rows],
                                      "runs": [len(r.runs) for r in self.rows],
                                      "seeds": [" ".join(map(str, r.seeds)) for r in self.rows]}
        for m in self.metrics:
            data[m.name] = [r.values[m.name].mean for r in self.rows]
            data[f"{m.name}_ci95"] = [r.values[m.name].half_width for r in self.rows]
            data[f"{m.name}_ratio"] = [r.ratios.get(m.name) for r in self.rows]
        schema = {k: (pl.String if k in ("label", "policy", "seeds") else pl.Int64 if k == "runs" else pl.Float64)
                  for k in data}
        return pl.DataFrame(data, schema=schema)

    def to_json(self) -> dict[str, Any]:
        """The comparison as a JSON-ready dict: baseline, interval, metric units and per row the values."""
        return {
            "baseline": self.baseline,
            "interval": INTERVAL,
            "metrics": {m.name: {"label": m.label, "unit": m.unit} for m in self.metrics},
            "rows": [{"label": r.label, "policy": r.policy, "runs": r.runs, "seeds": r.seeds,
                      "values": {m.name: {"mean": r.values[m.name].mean, "ci95": r.values[m.name].half_width,
                                          "n": r.values[m.name].n, "ratio": r.ratios.get(m.name)}
                                 for m in self.metrics}} for r in self.rows],
        }

    def write(self, path: str | Path) -> Path:
        """Write the comparison to ``path`` as CSV or JSON (by its suffix), atomically."""
        out = Path(path)
        suffix = out.suffix.lower()
        if suffix == ".csv":
            data = self.to_frame().write_csv().encode()
        elif suffix == ".json":
            data = (json.dumps(self.to_json(), indent=2) + "\n").encode()
        else:
            raise ConfigError(str(path), "--output", "expected a .csv or .json file name")
        if not out.parent.is_dir():
            raise ConfigError(str(path), "--output", f"folder {out.parent} does not exist")
        atomic_write(out, data)
        return out


def select_metrics(names: Sequence[str] | None, values: pl.DataFrame) -> list[Metric]:
    """The metrics named (all must exist), or the headline ones that some run has a value for."""
    if names:
        unknown = [n for n in names if n not in METRICS]
        if unknown:
            raise ConfigError("--metric", unknown[0], f"unknown metric; one of: {', '.join(METRICS)}")
        return [METRICS[n] for n in dict.fromkeys(names)]
    return [METRICS[n] for n in HEADLINE if values[n].null_count() < values.height]


def compare(runs: Runs, metrics: Sequence[str] | None = None, baseline: str | None = None) -> Comparison:
    """Rows of the comparison (see the module docstring) with ratios to ``baseline`` (a row label,
    a policy name or a run label; default: the first row)."""
    values = run_metrics(runs)
    shown = select_metrics(metrics, values)
    rows: list[Row] = []
    for group in values["group"].unique(maintain_order=True).to_list():
        part = values.filter(pl.col("group") == group)
        seeds = part["seed"].to_list()
        if part.height > 1 and len(set(seeds)) < len(seeds):
            rows += [_row(run, values.filter(pl.col("run") == run), shown) for run in part["run"]]
        else:
            rows.append(_row(group, part, shown))
    base = _baseline(rows, baseline)
    for r in rows:
        r.ratios = {m.name: ratio(r.values[m.name].mean, base.values[m.name].mean) for m in shown}
    return Comparison(shown, rows, base.label)


def _row(label: str, part: pl.DataFrame, shown: list[Metric]) -> Row:
    return Row(label, part["policy"][0], part["run"].to_list(), part["seed"].to_list(),
               {m.name: mean_ci(part[m.name].to_list()) for m in shown})


def _baseline(rows: list[Row], wanted: str | None) -> Row:
    if wanted is None:
        return rows[0]
    for match in (lambda r: r.label == wanted, lambda r: wanted in r.runs, lambda r: r.policy == wanted):
        found = [r for r in rows if match(r)]
        if len(found) == 1:
            return found[0]
    raise ConfigError("--baseline", "", f"{wanted!r} names none (or several) of the compared rows: "
                      + ", ".join(r.label for r in rows))


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base; 1.0 when both are 0; None when base is 0 (and value is not) or either is missing.

    >>> ratio(3.0, 2.0), ratio(0.0, 0.0), ratio(1.0, 0.0)
    (1.5, 1.0, None)
    """
    if value is None or base is None or math.isnan(value) or math.isnan(base):
        return None
    if base == 0:
        return 1.0 if value == 0 else None
    return value / base
