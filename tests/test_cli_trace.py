"""`kbench trace list | inspect | convert` on small hand-written traces (figures worked by hand)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kbench.cli import cli
from kbench.traces import load_pods

PODS = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,deletion_time\np-1,1000,512,1,1000,0,10\np-2,500,256,0,0,5,\n"
NODES = "sn,cpu_milli,memory_mib,gpu,model\nn-1,32000,131072,8,V100\nn-2,16000,65536,0,\n"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "pods.csv").write_text(PODS)
    (tmp_path / "nodes.csv").write_text(NODES)
    return tmp_path / "pods.csv", tmp_path / "nodes.csv"


def test_list_names_the_bundled_lists() -> None:
    r = invoke("trace", "list")
    assert r.exit_code == 0
    assert r.output.splitlines()[:3] == ["alibaba-gpu-v2023:gpu", "alibaba-gpu-v2023:all", "alibaba-gpu-v2023:default"]


def test_inspect_pods(tmp_path: Path) -> None:
    pods, _ = write(tmp_path)
    r = invoke("trace", "inspect", str(pods), "--json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["kind"] == "pods" and got["pods"] == 2
    # created at 0 and 5 s: 2 pods in 5 s is 1,440 an hour
    assert got["arrivals"] == {"with_creation_time": 2, "first_s": 0.0, "last_s": 5.0, "span_s": 5.0,
                               "per_hour": 1440.0, "in_creation_order": True}
    # p-1 runs 10 - 0 s (never scheduled in the trace: from creation); p-2 has no deletion time
    assert got["running_time_s"]["p50"] == 10.0 and got["run_to_the_end"] == 1
    assert got["cpu_milli"]["min"] == 500.0 and got["cpu_milli"]["max"] == 1000.0
    assert got["memory_bytes"]["max"] == 512 * 2**20
    assert got["gpu"] == {"cpu_only": 1, "gpu_share": 0, "whole_gpus": {"1": 1}, "gpus_requested": 1,
                          "milli_gpu_requested": 1000, "model_constrained": 0, "models": {}}
    table = invoke("trace", "inspect", str(pods))
    assert table.exit_code == 0 and "1,440" in table.output and "0.5 GiB" in table.output


def test_inspect_nodes(tmp_path: Path) -> None:
    _, nodes = write(tmp_path)
    got = json.loads(invoke("trace", "inspect", str(nodes), "--json").output)
    assert got["kind"] == "nodes" and got["nodes"] == 2 and got["gpu_nodes"] == 1
    assert got["total"] == {"cpu_milli": 48000, "memory_bytes": (131072 + 65536) * 2**20, "gpu": 8, "pods": 2002}
    assert got["gpu_models"] == {"V100": 1} and got["distinct_shapes"] == 2


def test_convert_then_run_from_the_parquet(tmp_path: Path) -> None:
    pods, nodes = write(tmp_path)
    r = invoke("trace", "convert", str(pods), "-o", str(tmp_path / "out" / "pods.parquet"))
    assert r.exit_code == 0 and r.output.strip().endswith("2 pods")
    assert load_pods(tmp_path / "out" / "pods.parquet").equals(load_pods(pods))
    r = invoke("trace", "convert", str(nodes), "-o", str(tmp_path / "out" / "nodes.parquet"))
    assert r.exit_code == 0 and r.output.strip().endswith("2 nodes")
    limited = invoke("trace", "convert", "alibaba-gpu-v2023:default", "--limit", "10", "-o", str(tmp_path / "ten.parquet"))
    assert limited.exit_code == 0 and load_pods(tmp_path / "ten.parquet").num_rows == 10
    policy = tmp_path / "p.yaml"
    policy.write_text("name: conv\ncluster: {nodes: out/nodes.parquet}\nworkload: {pods: out/pods.parquet}\n")
    r = invoke("run", str(policy), "--out", str(tmp_path / "res"))
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "res" / "run.json").read_text())["pods_scheduled"] == 2


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    pods, nodes = write(tmp_path)
    for args, message in [
        (("trace", "convert", str(pods), "-o", str(tmp_path / "x.csv")), "--output: "),
        (("trace", "inspect", str(tmp_path / "none.csv")), "none.csv"),
        (("trace", "inspect", str(nodes), "--kind", "pods"), "nodes.csv"),
    ]:
        r = CliRunner().invoke(cli, list(args))
        assert r.exit_code == 2 and r.output.startswith("error: ") and message in r.output
        assert len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_inspect_a_policy_reads_its_workload_or_cluster() -> None:
    """policies/zone-spread.yaml generates 3,000 pods on 300 nodes of 16 cpu (its own numbers)."""
    policy = str(Path(__file__).parents[1] / "policies" / "zone-spread.yaml")
    pods = json.loads(invoke("trace", "inspect", policy, "--json").output)
    assert pods["kind"] == "pods" and pods["pods"] == 3000
    nodes = json.loads(invoke("trace", "inspect", policy, "--kind", "nodes", "--json").output)
    assert nodes["nodes"] == 300 and nodes["total"]["cpu_milli"] == 300 * 16000
    perf = invoke("trace", "inspect", str(Path(__file__).parents[1] / "policies" / "scheduler-perf-basic.yaml"))
    assert perf.exit_code == 2 and "workload.pods: " in perf.output and "Parquet table" in perf.output
