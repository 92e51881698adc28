"""Alibaba cluster-trace-gpu-v2023 readers.

Expected counts and totals come from the trace's own README (the reference copy in
/work/shared/traces/alibaba-gpu-v2023/README.md, verified there with wc/awk) and from rows quoted
verbatim from the CSVs, never from the reader's output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from kbench.errors import InputError, TraceError
from kbench.traces import NODE_SCHEMA, POD_SCHEMA, alibaba, list_traces, load_nodes, load_pods, workloads_dir

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "workloads" / "alibaba-gpu-v2023"
REFERENCE = Path("/work/shared/traces/alibaba-gpu-v2023")
T = "alibaba-gpu-v2023:"
POD_HEADER = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time"
NODE_HEADER = "sn,cpu_milli,memory_mib,gpu,model"
MIB = 1048576

# data rows per pod list (README: lines - 1)
POD_ROWS = {
    "default": 8152, "cpu0": 7064, "cpu037": 7336, "cpu050": 7439, "cpu072": 7608, "cpu100": 7853,
    "cpu200": 8832, "cpu235": 9240, "cpu250": 9420, "cpu300": 10094,
    "gpushare20": 8152, "gpushare40": 8152, "gpushare60": 8152, "gpushare80": 8152, "gpushare100": 8152,
    "gpuspec05": 8152, "gpuspec10": 8152, "gpuspec20": 8152, "gpuspec25": 8152, "gpuspec33": 8152,
    "multigpu20": 8324, "multigpu30": 8508, "multigpu40": 8746, "multigpu50": 9061,
}
# README "Variants": GPU demand in GPUs (one decimal) = sum(num_gpu * gpu_milli) / 1000
GPU_DEMAND = {
    **{n: 6086.8 for n in ["default", "cpu0", "cpu037", "cpu050", "cpu072", "cpu100", "cpu200", "cpu235",
                           "cpu250", "cpu300", "gpuspec05", "gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33"]},
    "gpushare20": 6531.5, "gpushare40": 5641.2, "gpushare60": 4908.3, "gpushare80": 4408.2, "gpushare100": 3952.7,
    "multigpu20": 7086.8, "multigpu30": 8086.8, "multigpu40": 9442.8, "multigpu50": 11358.8,
}
# README: CPU-only tasks in percent of tasks for the cpu* lists
CPU_ONLY_PERCENT = {"cpu0": 0.0, "cpu037": 3.71, "cpu050": 5.04, "cpu072": 7.15, "cpu100": 10.05,
                    "cpu200": 20.02, "cpu235": 23.55, "cpu250": 25.01, "cpu300": 30.02}
# README: sharing tasks' share of GPU demand, percent
GPUSHARE_PERCENT = {"gpushare20": 20.0, "gpushare40": 40.1, "gpushare60": 60.0, "gpushare80": 80.0,
                    "gpushare100": 100.0}
# README: tasks given a GPU-model constraint
GPUSPEC_TASKS = {"gpuspec05": 369, "gpuspec10": 732, "gpuspec20": 1444, "gpuspec25": 1759, "gpuspec33": 2388}
# README: multi-GPU tasks' share of GPU demand, percent
MULTIGPU_PERCENT = {"multigpu20": 20.4, "multigpu30": 30.2, "multigpu40": 40.2, "multigpu50": 50.3}


@pytest.fixture(autouse=True)
def _bundled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(alibaba.WORKLOADS_ENV, raising=False)


def write(tmp_path: Path, text: str, name: str = "pods.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def pod_csv(tmp_path: Path, *rows: str, header: str = POD_HEADER) -> Path:
    return write(tmp_path, "\n".join([header, *rows]) + "\n")


def error_of(fn, *args, **kwargs) -> str:
    with pytest.raises(TraceError) as e:
        fn(*args, **kwargs)
    assert isinstance(e.value, InputError)
    return str(e.value)


# --- names --------------------------------------------------------------------------------------


def test_list_traces_names_every_list() -> None:
    assert list_traces("nodes") == [T + "gpu", T + "all"]
    assert list_traces("pods") == [T + n for n in POD_ROWS]
    assert list_traces() == list_traces("nodes") + list_traces("pods")


def test_workloads_dir_is_the_repositorys_and_env_overrides(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    assert workloads_dir() == REPO / "workloads"
    monkeypatch.setenv(alibaba.WORKLOADS_ENV, str(tmp_path))
    assert workloads_dir() == tmp_path


def test_env_points_named_lists_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "alibaba-gpu-v2023").mkdir()
    pod_csv(tmp_path / "alibaba-gpu-v2023", "p,1,1,0,0,,LS,Running,0,1,0").rename(
        tmp_path / "alibaba-gpu-v2023" / "openb_pod_list_default.csv")
    monkeypatch.setenv(alibaba.WORKLOADS_ENV, str(tmp_path))
    assert load_pods(T + "default")["name"].to_pylist() == ["p"]
    missing = tmp_path / "alibaba-gpu-v2023" / "openb_pod_list_cpu0.csv"
    assert error_of(load_pods, T + "cpu0") == f"{missing}: no such file"


def test_env_without_the_trace_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(alibaba.WORKLOADS_ENV, str(tmp_path))
    assert error_of(load_nodes, T + "gpu") == (
        f"{tmp_path / 'alibaba-gpu-v2023'}: bundled trace folder not found; "
        "set KBENCH_WORKLOADS to a workloads/ folder that holds alibaba-gpu-v2023/")


def test_loads_from_another_directory_through_the_installed_package(tmp_path: Path) -> None:
    # kbench is installed editable (pip install -e .): the bundled data is found from the package's
    # location, not from the working directory.
    env = {k: v for k, v in os.environ.items() if k != alibaba.WORKLOADS_ENV}
    code = ("import kbench, kbench.traces as t; "
            "print(kbench.__file__, t.load_pods('alibaba-gpu-v2023:default').num_rows, "
            "t.load_nodes('alibaba-gpu-v2023:gpu').num_rows)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == [str(REPO / "kbench" / "__init__.py"), "8152", "1213"]


def test_unknown_and_misplaced_names() -> None:
    assert error_of(load_pods, T + "cpu1") == (
        "alibaba-gpu-v2023:cpu1: unknown pod list; expected alibaba-gpu-v2023:<list> with <list> one of "
        + ", ".join(POD_ROWS))
    assert error_of(load_pods, T + "gpu") == (
        "alibaba-gpu-v2023:gpu: a node list, not a pod list; expected alibaba-gpu-v2023:<list> with <list> one of "
        + ", ".join(POD_ROWS))
    assert error_of(load_nodes, T + "default") == (
        "alibaba-gpu-v2023:default: a pod list, not a node list; expected alibaba-gpu-v2023:<list> with "
        "<list> one of gpu, all")


# --- the bundled copy ---------------------------------------------------------------------------


def test_bundled_files_are_the_26_csvs_the_yaml_and_the_readme() -> None:
    names = sorted(p.name for p in BUNDLED.iterdir())
    csvs = [n for n in names if n.endswith(".csv")]
    assert len(csvs) == 26
    assert sorted(csvs) == sorted([*alibaba.NODE_LISTS.values(), *alibaba.POD_LISTS.values()])
    assert names == sorted([*csvs, "openb_node_list_gpu_node.yaml", "README.md"])
    assert sum((BUNDLED / n).stat().st_size for n in csvs) == 12_838_024  # README: total of the 26 CSVs


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference copy /work/shared/traces not available")
def test_bundled_copy_is_byte_identical_to_the_reference() -> None:
    ref = sorted(p.name for p in REFERENCE.iterdir() if p.suffix in (".csv", ".yaml"))
    assert len(ref) == 27
    for name in ref:
        assert (BUNDLED / name).read_bytes() == (REFERENCE / name).read_bytes(), name


def test_readme_carries_attribution_and_terms() -> None:
    text = (BUNDLED / "README.md").read_text()
    for fragment in ["https://github.com/alibaba/clusterdata", "7a6c496e4f4b6ce6150be8f881cb051bf2abff42",
                     "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent",
                     "USENIX ATC '23", "research or study purposes only", "sn,cpu_milli,memory_mib,gpu,model",
                     POD_HEADER]:
        assert fragment in text, fragment


def test_every_node_of_the_yaml_advertises_1001_pods() -> None:
    text = (BUNDLED / "openb_node_list_gpu_node.yaml").read_text()
    pods = re.findall(r"^ +pods: (.*)$", text, flags=re.M)
    assert len(pods) == 2 * 1213  # allocatable and capacity of each node
    assert set(pods) == {"'1001'"} and alibaba.NODE_PODS == 1001


# --- node lists ---------------------------------------------------------------------------------


def test_gpu_node_list_totals() -> None:
    nodes = load_nodes(T + "gpu")
    assert nodes.schema.equals(NODE_SCHEMA, check_metadata=True)
    assert nodes.num_rows == 1213
    assert pc.sum(nodes["gpu"]).as_py() == 6212
    assert pc.sum(nodes["cpu_milli"]).as_py() == 107_018_000
    assert pc.sum(nodes["memory_bytes"]).as_py() == 503_828_480 * MIB
    assert pc.sum(nodes["gpu_milli"]).as_py() == 6_212_000
    assert nodes["pods"].to_pylist() == [1001] * 1213
    assert nodes["gpu_model"].null_count == 0
    # README: GPUs per model as nodes x GPUs per node
    shapes: dict[tuple[str, int], int] = {}
    for model, gpu in zip(nodes["gpu_model"].to_pylist(), nodes["gpu"].to_pylist()):
        shapes[(model, gpu)] = shapes.get((model, gpu), 0) + 1
    assert shapes == {
        ("G2", 8): 549, ("T4", 2): 387, ("T4", 4): 17, ("G3", 8): 39, ("P100", 2): 131, ("P100", 1): 3,
        ("V100M32", 8): 21, ("V100M32", 4): 9, ("V100M16", 8): 8, ("V100M16", 4): 28, ("V100M16", 1): 19,
        ("A10", 1): 2,
    }
    # first data row: openb-node-0000,64000,262144,2,P100
    assert nodes.slice(0, 1).to_pylist() == [{
        "name": "openb-node-0000", "cpu_milli": 64000, "memory_bytes": 262144 * MIB, "pods": 1001,
        "gpu": 2, "gpu_milli": 2000, "gpu_model": "P100"}]


def test_all_node_list_adds_310_cpu_only_nodes() -> None:
    nodes, gpu_nodes = load_nodes(T + "all"), load_nodes(T + "gpu")
    assert nodes.num_rows == 1523
    cpu_only = pc.equal(nodes["gpu"], 0)
    assert pc.sum(cpu_only).as_py() == 310
    # gpu_model is null exactly for the CPU-only nodes (empty `model` cell)
    assert pc.is_null(nodes["gpu_model"]).equals(cpu_only)
    # first data row: openb-node-0000,32000,262144,0,
    assert nodes.slice(0, 1).to_pylist()[0] == {
        "name": "openb-node-0000", "cpu_milli": 32000, "memory_bytes": 262144 * MIB, "pods": 1001,
        "gpu": 0, "gpu_milli": 0, "gpu_model": None}
    # the GPU nodes are the gpu list's rows in the same order, numbered separately
    gpu_rows = nodes.filter(pc.invert(cpu_only))
    assert gpu_rows.drop_columns(["name"]).equals(gpu_nodes.drop_columns(["name"]))
    assert gpu_rows["name"][0].as_py() == "openb-node-0123" != gpu_nodes["name"][0].as_py()


def test_node_list_from_a_path_equals_the_named_list() -> None:
    assert load_nodes(BUNDLED / "openb_node_list_gpu_node.csv").equals(load_nodes(T + "gpu"))
    assert load_nodes(str(BUNDLED / "openb_node_list_all_node.csv")).equals(load_nodes(T + "all"))


# --- pod lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(POD_ROWS))
def test_every_pod_list_loads(name: str) -> None:
    pods = load_pods(T + name)
    assert pods.schema.equals(POD_SCHEMA, check_metadata=True)
    assert pods.num_rows == POD_ROWS[name]
    assert pods["row"].to_pylist() == list(range(1, POD_ROWS[name] + 1))
    assert pods["namespace"].unique().to_pylist() == ["default"]
    num_gpu, raw = pods["num_gpu"].to_numpy(), pods["trace_gpu_milli"].to_numpy()
    gpu, milli = pods["gpu"].to_numpy(), pods["gpu_milli"].to_numpy()
    demand = int((num_gpu * raw).sum())
    assert round(demand / 1000, 1) == GPU_DEMAND[name]  # gpushare40: 5641.25 rounds half-even to 5641.2
    assert int((gpu * 1000 + milli).sum()) == demand  # the mapping loses no GPU demand
    assert not np.any((gpu > 0) & (milli > 0))
    if not name.startswith("cpu"):  # the cpu* lists vary the CPU-only tasks: see below
        assert int((num_gpu == 0).sum()) == 1088
    if name.startswith("multigpu"):  # five columns only
        for col in ["qos", "phase", "created_at", "scheduled_at", "deleted_at"]:
            assert pods[col].null_count == pods.num_rows, col
        assert pc.sum(pc.list_value_length(pods["gpu_models"])).as_py() == 0
    else:
        assert pods["qos"].null_count == 0 and pods["phase"].null_count == 0
        assert pods["created_at"].null_count == 0 and pods["deleted_at"].null_count == 0
        # scheduled_time is empty exactly for the Pending tasks
        assert pc.is_null(pods["scheduled_at"]).equals(pc.equal(pods["phase"], "Pending"))


def test_pod_list_from_a_path_equals_the_named_list() -> None:
    assert load_pods(BUNDLED / "openb_pod_list_default.csv").equals(load_pods(T + "default"))


def test_default_pod_list_breakdown() -> None:
    # README: 8152 tasks, 1088 CPU-only, 6989 one-GPU of which 3078 sharing, 16 x 2, 15 x 4, 44 x 8 GPUs
    pods = load_pods(T + "default")
    num_gpu, raw = pods["num_gpu"].to_numpy(), pods["trace_gpu_milli"].to_numpy()
    assert {k: int((num_gpu == k).sum()) for k in (0, 1, 2, 4, 8)} == {0: 1088, 1: 6989, 2: 16, 4: 15, 8: 44}
    sharing = pods["gpu_milli"].to_numpy() > 0
    assert int(sharing.sum()) == 3078
    assert np.array_equal(sharing, (num_gpu == 1) & (raw < 1000))
    # GPU demand 6086.8 GPUs = 97.98% of the gpu list's 6212; sharing 28.5%, multi-GPU 7.3% of it
    demand = int((num_gpu * raw).sum())
    assert demand == 6_086_800
    assert round(100 * demand / 6_212_000, 2) == 97.98
    assert round(100 * raw[sharing].sum() / demand, 1) == 28.5
    assert round(100 * (num_gpu * raw)[num_gpu > 1].sum() / demand, 1) == 7.3
    assert pc.min(pods["created_at"]).as_py() == 0 and pc.max(pods["created_at"]).as_py() == 12_901_761
    assert pods["scheduled_at"].null_count == 897


@pytest.mark.parametrize("name", list(CPU_ONLY_PERCENT))
def test_cpu_lists_vary_only_the_cpu_only_tasks(name: str) -> None:
    pods = load_pods(T + name)
    cpu_only = int(pc.sum(pc.equal(pods["num_gpu"], 0)).as_py())
    assert POD_ROWS[name] - cpu_only == 8152 - 1088  # the same 7064 GPU tasks as default
    assert round(100 * cpu_only / POD_ROWS[name], 2) == CPU_ONLY_PERCENT[name]


@pytest.mark.parametrize("name", list(GPUSHARE_PERCENT))
def test_gpushare_lists_share_of_sharing_demand(name: str) -> None:
    pods = load_pods(T + name)
    num_gpu, raw = pods["num_gpu"].to_numpy(), pods["trace_gpu_milli"].to_numpy()
    assert int((num_gpu == 0).sum()) == 1088
    share = pods["gpu_milli"].to_numpy().sum() / (num_gpu * raw).sum()
    assert round(100 * share, 1) == GPUSHARE_PERCENT[name]


@pytest.mark.parametrize("name", list(MULTIGPU_PERCENT))
def test_multigpu_lists_share_of_multi_gpu_demand(name: str) -> None:
    pods = load_pods(T + name)
    num_gpu, raw = pods["num_gpu"].to_numpy(), pods["trace_gpu_milli"].to_numpy()
    assert int((num_gpu == 0).sum()) == 1088
    share = (num_gpu * raw)[num_gpu > 1].sum() / (num_gpu * raw).sum()
    assert round(100 * share, 1) == MULTIGPU_PERCENT[name]


@pytest.mark.parametrize("name", list(GPUSPEC_TASKS))
def test_gpuspec_lists_are_default_plus_model_constraints(name: str) -> None:
    pods, default = load_pods(T + name), load_pods(T + "default")
    constrained = pc.greater(pc.list_value_length(pods["gpu_models"]), 0)
    assert pc.sum(constrained).as_py() == GPUSPEC_TASKS[name]
    assert pods.drop_columns(["gpu_models", "gpu_spec"]).equals(default.drop_columns(["gpu_models", "gpu_spec"]))


def test_gpu_mapping_on_quoted_rows() -> None:
    pods = load_pods(T + "default")
    cols = ["name", "cpu_milli", "memory_bytes", "num_gpu", "trace_gpu_milli", "gpu", "gpu_milli", "qos",
            "phase", "created_at", "deleted_at", "scheduled_at", "row"]

    def row(i: int) -> dict:
        return pods.select(cols).slice(i - 1, 1).to_pylist()[0]

    # openb-pod-0000,12000,16384,1,1000,,LS,Running,0,12537496,0  -> one whole GPU
    assert row(1) == dict(name="openb-pod-0000", cpu_milli=12000, memory_bytes=16384 * MIB, num_gpu=1,
                          trace_gpu_milli=1000, gpu=1, gpu_milli=0, qos="LS", phase="Running", created_at=0.0,
                          deleted_at=12537496.0, scheduled_at=0.0, row=1)
    # openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061  -> shares 460 of one GPU
    assert row(2) == dict(name="openb-pod-0001", cpu_milli=6000, memory_bytes=12288 * MIB, num_gpu=1,
                          trace_gpu_milli=460, gpu=0, gpu_milli=460, qos="LS", phase="Running",
                          created_at=427061.0, deleted_at=12902960.0, scheduled_at=427061.0, row=2)
    # openb-pod-0005,20000,65536,0,0,,LS,Running,2759674,12902960,2759676  -> CPU-only
    r = row(6)
    assert (r["name"], r["gpu"], r["gpu_milli"], r["num_gpu"]) == ("openb-pod-0005", 0, 0, 0)
    # openb-pod-0017,88000,327680,8,1000,,Burstable,Succeeded,9437497,10769854,9437497  -> 8 GPUs
    keys = ["name", "gpu", "gpu_milli", "num_gpu", "trace_gpu_milli", "qos", "phase"]
    assert {k: row(18)[k] for k in keys} == dict(name="openb-pod-0017", gpu=8, gpu_milli=0, num_gpu=8,
                                                 trace_gpu_milli=1000, qos="Burstable", phase="Succeeded")
    # openb-pod-0061,11908,47104,1,1000,,BE,Pending,10001278,10001403,  -> never scheduled
    assert (row(62)["name"], row(62)["phase"], row(62)["scheduled_at"], row(62)["deleted_at"]) == (
        "openb-pod-0061", "Pending", None, 10001403.0)
    # openb-pod-0422,17400,43008,2,1000,... and openb-pod-2182,32200,132096,4,1000,...
    assert (row(423)["name"], row(423)["gpu"], row(423)["gpu_milli"]) == ("openb-pod-0422", 2, 0)
    assert (row(2183)["name"], row(2183)["gpu"], row(2183)["gpu_milli"]) == ("openb-pod-2182", 4, 0)


def test_gpu_spec_with_a_repeated_model() -> None:
    # gpuspec05 line 2184: openb-pod-2182,32200,132096,4,1000,V100M16|V100M32|V100M32,LS,Failed,...
    pods = load_pods(T + "gpuspec05")
    assert pods["name"][2182].as_py() == "openb-pod-2182"
    assert pods["gpu_models"][2182].as_py() == ["V100M16", "V100M32"]
    assert pods["gpu_spec"][2182].as_py() == "V100M16|V100M32|V100M32"  # as written
    assert pods["gpu_models"][0].as_py() == [] and pods["gpu_spec"][0].as_py() is None


def test_gpu_spec_parsing(tmp_path: Path) -> None:
    rows = [f"p{i},1,1,1,1000,{spec},LS,Running,0,1,0" for i, spec in
            enumerate(["", "T4", "A10|T4", "T4|A10|T4|A10", "|G2||G3|", "P100|P100"])]
    pods = load_pods(pod_csv(tmp_path, *rows))
    assert pods["gpu_models"].to_pylist() == [[], ["T4"], ["A10", "T4"], ["T4", "A10"], ["G2", "G3"], ["P100"]]


def test_empty_qos_phase_and_times_are_null(tmp_path: Path) -> None:
    pods = load_pods(pod_csv(tmp_path, "p,1,1,0,0,,,,,,", "q,1,1,0,0,,BE,Failed,1.5,2.25,1.75"))
    assert pods.select(["qos", "phase", "created_at", "deleted_at", "scheduled_at"]).to_pylist() == [
        dict(qos=None, phase=None, created_at=None, deleted_at=None, scheduled_at=None),
        dict(qos="BE", phase="Failed", created_at=1.5, deleted_at=2.25, scheduled_at=1.75)]


def test_optional_columns_may_be_absent_one_by_one(tmp_path: Path) -> None:
    header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,creation_time,qos"
    p = pod_csv(tmp_path, "p,1,1,1,500,T4,10,LS", header=header)
    assert load_pods(p).select(["gpu_models", "qos", "phase", "created_at", "deleted_at"]).to_pylist() == [
        dict(gpu_models=["T4"], qos="LS", phase=None, created_at=10.0, deleted_at=None)]


def test_extra_columns_are_ignored_and_order_does_not_matter(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, "x,0,2,p,1,0", header="extra,gpu_milli,memory_mib,name,cpu_milli,num_gpu")
    assert load_pods(p).select(["name", "cpu_milli", "memory_bytes", "num_gpu"]).to_pylist() == [
        dict(name="p", cpu_milli=1, memory_bytes=2 * MIB, num_gpu=0)]


def test_empty_pod_list(tmp_path: Path) -> None:
    pods = load_pods(pod_csv(tmp_path))
    assert pods.num_rows == 0 and pods.schema.equals(POD_SCHEMA)


# --- sorting ------------------------------------------------------------------------------------


def test_sorted_lists_are_exactly_the_sorted_files() -> None:
    for name in POD_ROWS:
        if name in alibaba.SORTED_POD_LISTS or name.startswith("multigpu"):  # multigpu: no times
            load_pods(T + name, sorted_by_creation=True)
        else:
            with pytest.raises(TraceError):
                load_pods(T + name, sorted_by_creation=True)


def test_unsorted_list_forced_sorted_names_the_row() -> None:
    # cpu037 lines 2-3: openb-pod-0000,...,10971827,... then openb-pod-0001,...,10462689,...
    path = workloads_dir() / "alibaba-gpu-v2023" / "openb_pod_list_cpu037.csv"
    assert error_of(load_pods, T + "cpu037", sorted_by_creation=True) == (
        f"{path}: row 2, column creation_time: creation time 10462689 is before 10971827 of row 1; "
        "this list must be sorted by creation time")


def test_time_going_backwards(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, "a,1,1,0,0,,LS,Running,5,9,5", "b,1,1,0,0,,LS,Running,,9,",
                "c,1,1,0,0,,LS,Running,4,9,4")
    assert load_pods(p).num_rows == 3  # explicit paths are not required to be sorted by default
    assert error_of(load_pods, p, sorted_by_creation=True) == (
        f"{p}: row 3, column creation_time: creation time 4 is before 5 of row 1; "
        "this list must be sorted by creation time")
    assert load_pods(p, sorted_by_creation=False).num_rows == 3


# --- errors -------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "openb_pod_list_x.csv"
    assert error_of(load_pods, p) == f"{p}: no such file"
    assert error_of(load_nodes, str(p)) == f"{p}: no such file"


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    assert error_of(load_pods, tmp_path).startswith(f"{tmp_path}: cannot read file: ")


@pytest.mark.parametrize("header, missing", [
    ("name,cpu_milli,memory_mib,num_gpu", "gpu_milli"),
    ("sn,cpu_milli,memory_mib,num_gpu,gpu_milli", "name"),
    ("name,cpu,memory,num_gpu,gpu_milli,qos", "cpu_milli, memory_mib"),
])
def test_missing_pod_column(tmp_path: Path, header: str, missing: str) -> None:
    p = write(tmp_path, header + "\n")
    assert error_of(load_pods, p) == (
        f"{p}: header: missing column(s) {missing}; expected columns name,cpu_milli,memory_mib,num_gpu,gpu_milli"
        "[,gpu_spec][,qos][,pod_phase][,creation_time][,deletion_time][,scheduled_time]")


def test_missing_node_column(tmp_path: Path) -> None:
    p = write(tmp_path, "sn,cpu_milli,memory_mib,gpu\nn,1,1,0\n", "nodes.csv")
    assert error_of(load_nodes, p) == (
        f"{p}: header: missing column(s) model; expected columns sn,cpu_milli,memory_mib,gpu,model")


def test_empty_file(tmp_path: Path) -> None:
    p = write(tmp_path, "")
    assert error_of(load_pods, p) == (
        f"{p}: header: empty; expected columns name,cpu_milli,memory_mib,num_gpu,gpu_milli"
        "[,gpu_spec][,qos][,pod_phase][,creation_time][,deletion_time][,scheduled_time]")


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, "a,1,1,0,0,,LS,Running,0,1,0", "b,1,1,0,0,,LS,Running,0,1,0", "c,1,1,0,0,,LS")
    assert error_of(load_pods, p) == f"{p}: row 3: expected 11 fields, got 7"


BAD_NUMBERS = [
    # (column, value, message)
    ("cpu_milli", "abc", "expected a non-negative integer, got 'abc'"),
    ("cpu_milli", "-5", "expected a non-negative integer, got '-5'"),
    ("memory_mib", "1.5", "expected a non-negative integer, got '1.5'"),
    ("num_gpu", "", "expected a non-negative integer, got ''"),
    ("gpu_milli", " 5", "expected a non-negative integer, got ' 5'"),
    ("cpu_milli", "1" * 19, f"expected a non-negative integer, got '{'1' * 19}'"),
    ("memory_mib", "8796093022208", "expected at most 8796093022207 MiB, got '8796093022208'"),  # 2**43 MiB = 2**63 B
    ("creation_time", "abc", "expected a non-negative number of seconds or an empty cell, got 'abc'"),
    ("deletion_time", "-1", "expected a non-negative number of seconds or an empty cell, got '-1'"),
    ("scheduled_time", "1e3", "expected a non-negative number of seconds or an empty cell, got '1e3'"),
    ("creation_time", "9" * 400, f"number too large: '{'9' * 400}'"),
]


@pytest.mark.parametrize("column, value, message", BAD_NUMBERS)
def test_bad_number(tmp_path: Path, column: str, value: str, message: str) -> None:
    good = dict(name="p", cpu_milli="1", memory_mib="1", num_gpu="0", gpu_milli="0", gpu_spec="", qos="LS",
                pod_phase="Running", creation_time="0", deletion_time="1", scheduled_time="0")
    rows = [",".join({**good, "name": f"p{i}"}.values()) for i in range(16)]
    rows.append(",".join({**good, "name": "p16", column: value}.values()))
    p = pod_csv(tmp_path, *rows)
    assert error_of(load_pods, p) == f"{p}: row 17, column {column}: {message}"


def test_bad_node_number(tmp_path: Path) -> None:
    p = write(tmp_path, f"{NODE_HEADER}\nn0,1000,1,0,\nn1,1000,x,0,\n", "nodes.csv")
    assert error_of(load_nodes, p) == f"{p}: row 2, column memory_mib: expected a non-negative integer, got 'x'"
    p = write(tmp_path, f"{NODE_HEADER}\nn0,1000,1,-2,T4\n", "nodes.csv")
    assert error_of(load_nodes, p) == f"{p}: row 1, column gpu: expected a non-negative integer, got '-2'"


def test_empty_name(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, "a,1,1,0,0,,LS,Running,0,1,0", ",1,1,0,0,,LS,Running,0,1,0")
    assert error_of(load_pods, p) == f"{p}: row 2, column name: expected a non-empty name"
    p = write(tmp_path, f"{NODE_HEADER}\n,1,1,0,\n", "nodes.csv")
    assert error_of(load_nodes, p) == f"{p}: row 1, column sn: expected a non-empty name"


def test_duplicate_names(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, *[f"{n},1,1,0,0,,LS,Running,0,1,0" for n in ["a", "b", "c", "b", "a"]])
    assert error_of(load_pods, p) == f"{p}: row 4, column name: duplicate name 'b' (first at row 2)"
    p = write(tmp_path, f"{NODE_HEADER}\nn1,1,1,0,\nn2,1,1,0,\nn1,1,1,0,\n", "nodes.csv")
    assert error_of(load_nodes, p) == f"{p}: row 3, column sn: duplicate name 'n1' (first at row 1)"


def test_deletion_before_creation(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, "a,1,1,0,0,,LS,Running,10,20,10", "b,1,1,0,0,,LS,Running,10,9.5,10")
    assert error_of(load_pods, p) == f"{p}: row 2, column deletion_time: deletion time 9.5 is before creation time 10"


def test_scheduled_before_creation(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, "a,1,1,0,0,,LS,Running,10,20,8")
    assert error_of(load_pods, p) == f"{p}: row 1, column scheduled_time: scheduled time 8 is before creation time 10"


@pytest.mark.parametrize("num_gpu, gpu_milli, message", [
    ("0", "500", "expected 0 when num_gpu is 0, got '500'"),
    ("1", "0", "expected 1 to 1000 when num_gpu is 1, got '0'"),
    ("1", "1500", "expected 1 to 1000 when num_gpu is 1, got '1500'"),
    ("2", "500", "expected 1000 when num_gpu is 2 (only a single-GPU pod may share a GPU), got '500'"),
])
def test_gpu_pairs_the_columns_cannot_represent(tmp_path: Path, num_gpu: str, gpu_milli: str,
                                                 message: str) -> None:
    p = pod_csv(tmp_path, "a,1,1,1,250,,LS,Running,0,1,0", f"b,1,1,{num_gpu},{gpu_milli},,LS,Running,0,1,0")
    assert error_of(load_pods, p) == f"{p}: row 2, column gpu_milli: {message}"


def test_errors_are_one_line(tmp_path: Path) -> None:
    p = pod_csv(tmp_path, 'a,"1\r2",1,0,0,,LS,Running,0,1,0')
    assert error_of(load_pods, p) == f"{p}: row 1, column cpu_milli: expected a non-negative integer, got '1\\r2'"
