"""QoS classes; cases after qos_test.go (TestComputePodQOS) in kubernetes/kubernetes."""

from __future__ import annotations

import pytest

from kbench.api.objects import Pod
from kbench.api.qos import qos_class


def pod(*containers: dict, init: list[dict] | None = None) -> Pod:
    cs = [{"name": f"c{i}", "resources": r} for i, r in enumerate(containers)]
    spec: dict = {"containers": cs}
    if init:
        spec["initContainers"] = [{"name": f"i{i}", "resources": r} for i, r in enumerate(init)]
    return Pod.model_validate({"metadata": {"name": "p"}, "spec": spec})


G = {"requests": {"cpu": "100m", "memory": "100Mi"}, "limits": {"cpu": "100m", "memory": "100Mi"}}


@pytest.mark.parametrize(
    ("p", "want"),
    [
        (pod({}), "BestEffort"),
        (pod({"requests": {"nvidia.com/gpu": "1"}}), "BestEffort"),  # only cpu and memory count
        (pod(G, G), "Guaranteed"),
        (pod({"limits": {"cpu": "100m", "memory": "100Mi"}}), "Guaranteed"),  # requests default to limits
        (pod(G, {"requests": {"cpu": "100m", "memory": "100Mi"}}), "Burstable"),  # a container without limits
        (pod({"requests": {"cpu": "100m"}, "limits": {"cpu": "200m", "memory": "100Mi"}}), "Burstable"),
        (pod({"limits": {"cpu": "100m"}}), "Burstable"),  # memory not limited
        (pod(G, init=[{"requests": {"cpu": "1"}}]), "Burstable"),  # init containers count too
        (pod({"requests": {"cpu": "0", "memory": "0"}}), "BestEffort"),  # zero requests are ignored
    ],
)
def test_qos(p: Pod, want: str) -> None:
    assert qos_class(p) == want
