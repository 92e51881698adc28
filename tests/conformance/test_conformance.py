"""Every case transcribed from kube-scheduler's own plugin tests, run through the `kbench explain` CLI.

Cases live in tests/conformance/cases/<Plugin>__<name>/ (cluster.yaml, pod.yaml, config.yaml,
expected.json); their expected values are the literals of the Go tests they cite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbench.cli import cli

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "expected.json").exists())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_case(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text())
    result = CliRunner().invoke(
        cli,
        ["explain", "--cluster", str(case / "cluster.yaml"), "--pod", str(case / "pod.yaml"),
         "--config", str(case / "config.yaml"), "--output", "json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    nodes = {n["name"]: n for n in out["nodes"]}
    for name, feasible in expected.get("feasible", {}).items():
        assert nodes[name]["feasible"] is feasible, (name, nodes[name])
    for name, substring in expected.get("reasons", {}).items():
        assert any(substring in r for r in nodes[name]["reasons"]), (name, nodes[name]["reasons"])
    plugin = expected["plugin"]
    for name, score in expected.get("scores", {}).items():
        got = nodes[name]["scores"].get(plugin)
        if got is None:
            assert score == 0, f"{name}: {plugin} gave no score (PreScore Skip) but the Go test expects {score}"
        else:
            assert got == score, (name, nodes[name]["scores"])
