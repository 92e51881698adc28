"""The ResourceQuota admission plugin: cases of plugin/pkg/admission/resourcequota/admission_test.go
(quotas with a synced status, as there), with usage and messages worked by hand from
CheckRequest and pods.go."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbench.api.loader import load_manifests
from kbench.api.quota import ResourceQuota
from kbench.errors import InputError
from kbench.sim.apiserver import APIServer
from tests.admission.helpers import api_server, pod, priority_class, quota, rejected

HARD = {"cpu": "3", "memory": "100Gi", "pods": "5"}
USED = {"cpu": "1", "memory": "50Gi", "pods": "3"}


def used(api: APIServer, name: str = "quota") -> dict[str, str] | None:
    """The quota's status.used as Kubernetes prints it."""
    rq = api.get("ResourceQuota", "test", name)
    assert isinstance(rq, ResourceQuota)
    return None if rq.status.used is None else {k: q.text for k, q in rq.status.used.items()}


def test_admit_below_quota_limit_charges_the_quota() -> None:
    api = api_server()
    api.create(quota("quota", HARD, USED))
    api.create(pod("allowed-pod", requests={"cpu": "100m", "memory": "2Gi"}))
    assert used(api) == {"cpu": "1100m", "memory": "52Gi", "pods": "4"}


def test_admit_exceeding_quota_is_forbidden_and_charges_nothing() -> None:
    api = api_server()
    api.create(quota("quota", HARD, USED))
    err = rejected(api, pod("not-allowed-pod", requests={"cpu": "3", "memory": "2Gi"}))
    assert err.reason == "Forbidden"
    assert str(err) == ('pods "not-allowed-pod" is forbidden: exceeded quota: quota, requested: cpu=3, used: cpu=1, '
                        "limited: cpu=3")
    assert used(api) == USED


def test_every_exceeded_resource_is_listed_in_name_order() -> None:
    api = api_server()
    api.create(quota("q", {"pods": "2", "requests.cpu": "2"}, {"pods": "2", "requests.cpu": "1500m"}))
    err = rejected(api, pod("p", requests={"cpu": "1"}))
    assert str(err) == ('pods "p" is forbidden: exceeded quota: q, requested: pods=1,requests.cpu=1, '
                        "used: pods=2,requests.cpu=1500m, limited: pods=2,requests.cpu=2")


def test_quota_on_a_resource_the_pod_does_not_specify_is_forbidden() -> None:
    hard = {**HARD, "limits.memory": "200Gi"}
    api = api_server()
    api.create(quota("quota", hard, {**USED, "limits.memory": "100Gi"}))
    err = rejected(api, pod("not-allowed-pod", requests={"cpu": "100m", "memory": "2Gi"}, limits={"cpu": "200m"}))
    assert str(err) == 'pods "not-allowed-pod" is forbidden: failed quota: quota: must specify limits.memory for: c0'


def test_requests_cpu_quota_needs_a_cpu_request_in_every_container() -> None:
    api = api_server()
    api.create(quota("compute", {"requests.cpu": "4", "requests.memory": "4Gi"},
                     {"requests.cpu": "0", "requests.memory": "0"}))
    err = rejected(api, pod("p", requests={"memory": "1Gi"}, containers=2))
    assert str(err) == 'pods "p" is forbidden: failed quota: compute: must specify requests.cpu for: c0,c1'
    err = rejected(api, pod("q"))
    assert str(err) == ('pods "q" is forbidden: failed quota: compute: must specify requests.cpu for: c0; '
                        "requests.memory for: c0")
    # a limit alone is also the request (API defaulting)
    api.create(pod("r", limits={"cpu": "500m", "memory": "1Gi"}))
    assert used(api, "compute") == {"requests.cpu": "500m", "requests.memory": "1Gi"}


def test_pod_in_namespace_without_quota_is_admitted() -> None:
    api = api_server()
    api.create(quota("quota", HARD, USED, namespace="other"))
    api.create(pod("p", requests={"cpu": "100m", "memory": "2Gi"}))
    rq = api.get("ResourceQuota", "other", "quota")
    assert isinstance(rq, ResourceQuota) and rq.status.used is not None
    assert {k: q.text for k, q in rq.status.used.items()} == USED


def test_terminating_pod_charges_only_the_terminating_quota() -> None:
    api = api_server()
    api.create(quota("quota-non-terminating", HARD, USED, scopes=["NotTerminating"]))
    api.create(quota("quota-terminating", HARD, USED, scopes=["Terminating"]))
    api.create(pod("allowed-pod", requests={"cpu": "100m", "memory": "2Gi"}, activeDeadlineSeconds=30))
    assert used(api, "quota-terminating") == {"cpu": "1100m", "memory": "52Gi", "pods": "4"}
    assert used(api, "quota-non-terminating") == USED


def test_best_effort_pod_charges_only_the_best_effort_quota() -> None:
    api = api_server()
    api.create(quota("quota-besteffort", {"pods": "5"}, {"pods": "3"}, scopes=["BestEffort"]))
    api.create(quota("quota-not-besteffort", HARD, USED, scopes=["NotBestEffort"]))
    api.create(pod("allowed-pod"))
    assert used(api, "quota-besteffort") == {"pods": "4"}
    assert used(api, "quota-not-besteffort") == USED


def test_priority_class_scope_selector_sees_the_resolved_class() -> None:
    api = api_server()
    api.create(priority_class("high", 1000))
    api.create(priority_class("low", 10, global_default=True))
    selector = {"matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}
    api.create(quota("high-pods", {"pods": "1"}, {"pods": "0"}, scopeSelector=selector))
    api.create(pod("a", priorityClassName="high"))
    api.create(pod("b"))  # the global default "low": out of the quota's scope
    assert used(api, "high-pods") == {"pods": "1"}
    err = rejected(api, pod("c", priorityClassName="high"))
    assert str(err) == ('pods "c" is forbidden: exceeded quota: high-pods, requested: pods=1, used: pods=1, '
                        "limited: pods=1")


def test_extended_resources_are_charged_as_requests_dot_name() -> None:
    api = api_server()
    api.create(quota("gpu", {"requests.nvidia.com/gpu": "2"}, {"requests.nvidia.com/gpu": "1"}))
    err = rejected(api, pod("p", limits={"nvidia.com/gpu": "2"}))
    assert str(err) == ('pods "p" is forbidden: exceeded quota: gpu, requested: requests.nvidia.com/gpu=2, '
                        "used: requests.nvidia.com/gpu=1, limited: requests.nvidia.com/gpu=2")
    api.create(pod("q", limits={"nvidia.com/gpu": "1"}))
    assert used(api, "gpu") == {"requests.nvidia.com/gpu": "2"}


def test_quota_without_usage_for_a_limited_resource_is_forbidden() -> None:
    api = api_server()
    api.create(quota("quota", {"cpu": "3", "pods": "5"}, {"pods": "1"}))
    err = rejected(api, pod("p", requests={"cpu": "1"}))
    assert str(err) == 'pods "p" is forbidden: status unknown for quota: quota, resources: cpu,pods'


def test_quota_not_yet_synced_limits_nothing() -> None:
    api = api_server()
    api.create(quota("quota", {"pods": "0"}, with_status=False))
    api.create(pod("p"))
    assert used(api) is None


def test_multi_container_usage_is_summed_in_the_first_quantitys_format() -> None:
    api = api_server()
    api.create(quota("quota", {"requests.memory": "10Gi", "limits.cpu": "4"},
                     {"requests.memory": "0", "limits.cpu": "0"}))
    api.create(pod("p", requests={"memory": "512Mi"}, limits={"cpu": "250m", "memory": "512Mi"}, containers=2))
    assert used(api) == {"requests.memory": "1Gi", "limits.cpu": "500m"}


def test_quota_scopes_are_validated_as_the_api_server_does(tmp_path: Path) -> None:
    cases = {
        "scopes: [Sometimes]": "scopes: unsupported scope 'Sometimes'",
        "scopes: [BestEffort, NotBestEffort]": "scopes: conflicting scopes",
        "scopes: [VolumeAttributesClass]": "scopes: unsupported scope 'VolumeAttributesClass'",
        "scopes: [BestEffort], hard: {cpu: '1'}": "scopes: unsupported scope applied to resource",
        "scopeSelector: {matchExpressions: [{scopeName: PriorityClass, operator: In}]}":
            "scopeSelector.matchExpressions.values: must be at least one value when `operator` is 'In' or 'NotIn' "
            "for scope selector",
        "scopeSelector: {matchExpressions: [{scopeName: BestEffort, operator: DoesNotExist}]}":
            "scopeSelector.matchExpressions.operator: must be 'Exist' when scope is any of",
        "hard: {pods: '-1'}": "hard.pods: must be greater than or equal to 0",
    }
    for spec, message in cases.items():
        path = tmp_path / "q.yaml"
        path.write_text(f"apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q}}\nspec: {{{spec}}}\n")
        with pytest.raises(InputError) as e:
            load_manifests(path)
        assert e.value.field == "spec" and message in e.value.message, spec
