"""Memory per pod: `kbench run` in a child process on synthetic-100k's cluster and pod mix with
60-second pods (so the pods running at once are the same at both sizes), at 20,000 and 60,000
pods. ``extra_info`` records each child's peak resident memory and the growth per extra pod,
which the lazy arrivals and compact results keep small (README, "Memory, and a million pods").
The timed call is the larger run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

POLICY = Path(__file__).resolve().parents[1] / "policies" / "synthetic-100k.yaml"


def _policy(tmp_path: Path, pods: int) -> Path:
    doc = yaml.safe_load(POLICY.read_text())
    doc["name"] = f"memory-{pods}"
    doc["workload"]["pods"]["synthetic"]["count"] = pods
    doc["workload"]["pods"]["synthetic"]["duration"] = {"distribution": "exponential", "mean": 60}
    path = tmp_path / f"memory-{pods}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _peak_kib(tmp_path: Path, pods: int) -> int:
    """Peak resident KiB of a child running the policy (ru_maxrss of the one child waited for)."""
    code = ("import resource, sys; from kbench.run import run_policy; "
            f"run_policy({str(_policy(tmp_path, pods))!r}, out={str(tmp_path / f'out-{pods}')!r}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


def test_memory_per_pod(benchmark, tmp_path: Path) -> None:
    small = _peak_kib(tmp_path, 20_000)
    peaks: list[int] = []
    benchmark.pedantic(lambda: peaks.append(_peak_kib(tmp_path, 60_000)), rounds=1, iterations=1)
    run = json.loads((tmp_path / "out-60000" / "run.json").read_text())
    assert run["pods_total"] == 60_000
    benchmark.extra_info["peak_kib_20000_pods"] = small
    benchmark.extra_info["peak_kib_60000_pods"] = peaks[0]
    benchmark.extra_info["kib_per_extra_pod"] = round((peaks[0] - small) / 40_000, 2)
