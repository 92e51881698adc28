"""A pod's GPU request (d per GPU, k GPUs, allowed models) from its extended resources."""

from __future__ import annotations

import pytest

from kbench.api.objects import Pod
from kbench.errors import FieldError
from kbench.gpu.requests import CPU_ONLY, GpuRequest, gpu_request


def pod(requests: dict[str, str], models: list[str] | None = None) -> Pod:
    spec: dict = {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1", **requests}}}]}
    if models:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kbench.io/gpu-model", "operator": "In", "values": models}]}]}}}
    return Pod.model_validate({"metadata": {"name": "p"}, "spec": spec})


def test_cpu_only_pod_asks_for_nothing() -> None:
    assert gpu_request(pod({})) == CPU_ONLY == GpuRequest(0, 0)


def test_whole_gpus_from_nvidia_gpu() -> None:
    # nvidia.com/gpu 2 with the workload's gpu-milli 2 x 1000: d = 1000 on k = 2 GPUs
    r = gpu_request(pod({"nvidia.com/gpu": "2", "alibabacloud.com/gpu-milli": "2000"}))
    assert r == GpuRequest(1000, 2) and r.total == 2000 and not r.sharing
    assert gpu_request(pod({"nvidia.com/gpu": "1"})) == GpuRequest(1000, 1)


def test_share_of_one_gpu() -> None:
    r = gpu_request(pod({"alibabacloud.com/gpu-milli": "460"}))
    assert r == GpuRequest(460, 1) and r.sharing and r.total == 460


def test_gpu_milli_in_whole_gpus_without_nvidia_gpu() -> None:
    # 3000 milli without nvidia.com/gpu: 3000 / 1000 = 3 whole GPUs
    assert gpu_request(pod({"alibabacloud.com/gpu-milli": "3000"})) == GpuRequest(1000, 3)


def test_part_of_several_gpus_is_an_error() -> None:
    with pytest.raises(FieldError, match="1500 is more than one GPU but not whole GPUs"):
        gpu_request(pod({"alibabacloud.com/gpu-milli": "1500"}))


def test_whole_gpus_with_another_milli_total_is_an_error() -> None:
    with pytest.raises(FieldError, match="must be 1000 or absent, got 500"):
        gpu_request(pod({"nvidia.com/gpu": "1", "alibabacloud.com/gpu-milli": "500"}))


def test_allowed_models_from_the_required_node_affinity() -> None:
    r = gpu_request(pod({"alibabacloud.com/gpu-milli": "250"}, models=["T4", "P100"]))
    assert r == GpuRequest(250, 1, ("T4", "P100"))


def test_computed_once_per_spec() -> None:
    p = pod({"alibabacloud.com/gpu-milli": "250"})
    assert gpu_request(p) is gpu_request(p)
    bound = p.model_copy(update={"spec": p.spec.model_copy(update={"node_name": "n1"})})
    assert gpu_request(bound) == gpu_request(p)
