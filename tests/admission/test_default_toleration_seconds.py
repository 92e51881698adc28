"""DefaultTolerationSeconds: the cases of Kubernetes' TestForgivenessAdmission."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kbench.admission.default_toleration_seconds import DefaultTolerationSeconds
from kbench.api.objects import Node, Pod
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine

NOT_READY = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
               "tolerationSeconds": 300}
FOO = {"key": "foo", "operator": "Equal", "value": "bar", "effect": "NoSchedule", "tolerationSeconds": 700}


def with_seconds(tol: dict[str, Any], seconds: int) -> dict[str, Any]:
    return {**tol, "tolerationSeconds": seconds}


def tolerations(pod: Any) -> list[dict[str, Any]]:
    return [t.model_dump(by_alias=True, exclude_defaults=True) for t in pod.spec.tolerations]


CASES = [
    ("no tolerations: both added", [], [NOT_READY, UNREACHABLE]),
    ("none for the two taints: both added", [FOO], [FOO, NOT_READY, UNREACHABLE]),
    ("not-ready tolerated: unreachable added", [with_seconds(NOT_READY, 700)],
     [with_seconds(NOT_READY, 700), UNREACHABLE]),
    ("unreachable tolerated: not-ready added", [with_seconds(UNREACHABLE, 700)],
     [with_seconds(UNREACHABLE, 700), NOT_READY]),
    ("both tolerated: unchanged", [with_seconds(NOT_READY, 700), with_seconds(UNREACHABLE, 700)],
     [with_seconds(NOT_READY, 700), with_seconds(UNREACHABLE, 700)]),
    ("unreachable tolerated for every effect: not-ready added",
     [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 700}],
     [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 700}, NOT_READY]),
    ("wildcard toleration: unchanged", [{"operator": "Exists", "tolerationSeconds": 700}],
     [{"operator": "Exists", "tolerationSeconds": 700}]),
]


@pytest.mark.parametrize("given,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_forgiveness_admission(given: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    pod = Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "tolerations": given}})
    assert tolerations(DefaultTolerationSeconds()(pod)) == expected


def test_other_objects_pass_and_the_api_server_admits_pods() -> None:
    node = Node.model_validate({"metadata": {"name": "n"}})
    assert DefaultTolerationSeconds()(node) is node
    api = APIServer(Store(), Engine(np.random.default_rng(0)), admission=[DefaultTolerationSeconds(60, 120)])
    stored = api.create(Pod.model_validate({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}))
    assert tolerations(stored) == [with_seconds(NOT_READY, 60), with_seconds(UNREACHABLE, 120)]
