"""The LimitRanger admission plugin and LimitRange defaulting/validation: cases of
plugin/pkg/admission/limitranger/admission_test.go (TestDefaultContainerResourceRequirements,
TestMergePodResourceRequirements, TestPodLimitFunc) and of SetDefaults_LimitRangeItem and
ValidateLimitRange, worked by hand."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kbench.admission.limit_ranger import LIMIT_RANGER_ANNOTATION, pod_limit_errors
from kbench.api.objects import Pod
from kbench.api.quota import LimitRange
from tests.admission.helpers import api_server, limit_range, pod, quota, rejected

VALID = limit_range(
    {"type": "Pod", "max": {"cpu": "200m", "memory": "4Gi"}, "min": {"cpu": "50m", "memory": "2Mi"}},
    {"type": "Container", "max": {"cpu": "100m", "memory": "2Gi"}, "min": {"cpu": "25m", "memory": "1Mi"},
     "default": {"cpu": "75m", "memory": "10Mi"}, "defaultRequest": {"cpu": "50m", "memory": "5Mi"}},
)


def resources(p: Pod, i: int = 0) -> tuple[dict[str, str], dict[str, str]]:
    c = p.spec.containers[i]
    return ({k: q.text for k, q in c.resources.requests.items()}, {k: q.text for k, q in c.resources.limits.items()})


def admitted(lr: LimitRange, p: Pod) -> Pod:
    api = api_server()
    api.create(lr)
    out = api.create(p)
    assert isinstance(out, Pod)
    return out


def test_empty_container_gets_default_request_and_limit() -> None:
    out = admitted(VALID, pod("empty-resources"))
    assert resources(out) == ({"cpu": "50m", "memory": "5Mi"}, {"cpu": "75m", "memory": "10Mi"})
    assert out.metadata.annotations[LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu, memory request for container c0; cpu, memory limit for container c0")


def test_only_missing_values_are_merged() -> None:
    out = admitted(VALID, pod("limit-memory", requests={"memory": "512Mi"}))
    assert resources(out) == ({"memory": "512Mi", "cpu": "50m"}, {"cpu": "75m", "memory": "10Mi"})
    assert out.metadata.annotations[LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for container c0; cpu, memory limit for container c0")


def test_fully_specified_pod_is_left_alone() -> None:
    lr = limit_range({"type": "Container", "default": {"cpu": "75m", "memory": "10Mi"},
                      "defaultRequest": {"cpu": "50m", "memory": "5Mi"}})
    p = pod("limit-memory", requests={"cpu": "100m", "memory": "512Mi"}, limits={"cpu": "200m", "memory": "1G"})
    out = admitted(lr, p)
    assert resources(out) == resources(p)
    assert LIMIT_RANGER_ANNOTATION not in out.metadata.annotations


def test_a_limit_alone_keeps_its_defaulted_request() -> None:
    lr = limit_range({"type": "Container", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "500m"}})
    out = admitted(lr, pod("p", limits={"cpu": "2"}))
    assert resources(out) == ({}, {"cpu": "2"})  # request = limit (2) by API defaulting: nothing to set
    assert LIMIT_RANGER_ANNOTATION not in out.metadata.annotations


def test_init_containers_are_defaulted_too() -> None:
    lr = limit_range({"type": "Container", "defaultRequest": {"cpu": "100m"}})
    p = pod("p", requests={"cpu": "1"}, initContainers=[{"name": "init", "image": "x"}])
    out = admitted(lr, p)
    assert {k: q.text for k, q in out.spec.init_containers[0].resources.requests.items()} == {"cpu": "100m"}
    assert out.metadata.annotations[LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for init container init")


def test_limit_range_item_defaulting() -> None:
    item = limit_range({"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "1Mi"},
                        "default": {"memory": "10Mi"}}).spec.limits[0]
    assert {k: q.text for k, q in item.default.items()} == {"memory": "10Mi", "cpu": "2"}
    assert {k: q.text for k, q in item.default_request.items()} == {"memory": "10Mi", "cpu": "2"}
    only_min = limit_range({"type": "Container", "min": {"cpu": "50m"}}).spec.limits[0]
    assert ({k: q.text for k, q in only_min.default_request.items()}, only_min.default) == ({"cpu": "50m"}, {})
    pod_item = limit_range({"type": "Pod", "max": {"cpu": "2"}}).spec.limits[0]
    assert (pod_item.default, pod_item.default_request) == ({}, {})


SUCCESS: list[tuple[Pod, dict[str, Any]]] = [
    (pod("ctr-min-cpu-request", requests={"cpu": "100m"}), {"type": "Container", "min": {"cpu": "50m"}}),
    (pod("ctr-min-cpu-request-limit", requests={"cpu": "100m"}, limits={"cpu": "200m"}),
     {"type": "Container", "min": {"cpu": "50m"}}),
    (pod("ctr-min-memory-request-limit", requests={"memory": "60Mi"}, limits={"memory": "100Mi"}),
     {"type": "Container", "min": {"memory": "50Mi"}}),
    (pod("ctr-max-cpu-request-limit", requests={"cpu": "500m"}, limits={"cpu": "1"}),
     {"type": "Container", "max": {"cpu": "2"}}),
    (pod("ctr-max-cpu-limit", limits={"cpu": "1"}), {"type": "Container", "max": {"cpu": "2"}}),
    (pod("ctr-max-cpu-ratio", requests={"cpu": "500m"}, limits={"cpu": "750m"}),
     {"type": "Container", "maxLimitRequestRatio": {"cpu": "1.5"}}),
    (pod("pod-min-cpu-request", requests={"cpu": "75m"}, containers=2), {"type": "Pod", "min": {"cpu": "100m"}}),
    (pod("pod-max-cpu-request-limit", requests={"cpu": "500m"}, limits={"cpu": "1"}, containers=2),
     {"type": "Pod", "max": {"cpu": "2"}}),
    (pod("pod-max-mem-ratio", requests={"memory": "300Mi"}, limits={"memory": "450Mi"}, containers=3),
     {"type": "Pod", "max": {"memory": "2Gi"}, "maxLimitRequestRatio": {"memory": "1.5"}}),
]


@pytest.mark.parametrize(("p", "item"), SUCCESS, ids=[p.metadata.name for p, _ in SUCCESS])
def test_pod_within_limits(p: Pod, item: dict[str, Any]) -> None:
    assert pod_limit_errors(limit_range(item), p) == []


ERRORS: list[tuple[Pod, dict[str, Any], list[str]]] = [
    (pod("ctr-min-cpu-request", requests={"cpu": "40m"}), {"type": "Container", "min": {"cpu": "50m"}},
     ["minimum cpu usage per Container is 50m, but request is 40m"]),
    (pod("ctr-min-cpu-no-request-limit"), {"type": "Container", "min": {"cpu": "50m"}},
     ["minimum cpu usage per Container is 50m.  No request is specified"]),
    (pod("ctr-min-memory-request-limit", requests={"memory": "40Mi"}, limits={"memory": "100Mi"}),
     {"type": "Container", "min": {"memory": "50Mi"}},
     ["minimum memory usage per Container is 50Mi, but request is 40Mi"]),
    (pod("ctr-max-cpu-request-limit", requests={"cpu": "500m"}, limits={"cpu": "2500m"}),
     {"type": "Container", "max": {"cpu": "2"}}, ["maximum cpu usage per Container is 2, but limit is 2500m"]),
    (pod("ctr-max-cpu-no-request-limit"), {"type": "Container", "max": {"cpu": "2"}},
     ["maximum cpu usage per Container is 2.  No limit is specified"]),
    (pod("ctr-max-cpu-ratio", requests={"cpu": "1250m"}, limits={"cpu": "2500m"}),
     {"type": "Container", "maxLimitRequestRatio": {"cpu": "1"}},
     ["cpu max limit to request ratio per Container is 1, but provided ratio is 2.000000"]),
    (pod("ctr-max-mem-request-limit", requests={"memory": "250Mi"}, limits={"memory": "2Gi"}),
     {"type": "Container", "max": {"memory": "1Gi"}},
     ["maximum memory usage per Container is 1Gi, but limit is 2Gi"]),
    (pod("pod-min-cpu-request", requests={"cpu": "40m"}, containers=2), {"type": "Pod", "min": {"cpu": "100m"}},
     ["minimum cpu usage per Pod is 100m, but request is 80m"]),
    (pod("pod-max-mem-ratio", requests={"memory": "250Mi"}, limits={"memory": "500Mi"}, containers=3),
     {"type": "Pod", "max": {"memory": "2Gi"}, "maxLimitRequestRatio": {"memory": "1.5"}},
     ["memory max limit to request ratio per Pod is 1500m, but provided ratio is 2.000000"]),
    (pod("two-containers", requests={"cpu": "40m"}, containers=2), {"type": "Container", "min": {"cpu": "50m"}},
     ["minimum cpu usage per Container is 50m, but request is 40m"] * 2),
]


@pytest.mark.parametrize(("p", "item", "errs"), ERRORS, ids=[p.metadata.name for p, _, _ in ERRORS])
def test_pod_outside_limits(p: Pod, item: dict[str, Any], errs: list[str]) -> None:
    assert pod_limit_errors(limit_range(item), p) == errs


def test_violation_is_forbidden_with_all_messages() -> None:
    lr = limit_range({"type": "Container", "min": {"cpu": "50m", "memory": "50Mi"}})
    api = api_server()
    api.create(lr)
    err = rejected(api, pod("p", requests={"cpu": "40m", "memory": "40Mi"}))
    assert err.reason == "Forbidden"
    assert str(err) == ('pods "p" is forbidden: [minimum cpu usage per Container is 50m, but request is 40m, '
                        "minimum memory usage per Container is 50Mi, but request is 40Mi]")
    # min alone defaults the request, so an empty pod gets min and passes
    out = api.create(pod("empty"))
    assert isinstance(out, Pod)
    assert resources(out) == ({"cpu": "50m", "memory": "50Mi"}, {})


def test_defaults_apply_before_quota_checks() -> None:
    api = api_server()
    api.create(limit_range({"type": "Container", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "500m"}}))
    api.create(quota("q", {"requests.cpu": "1", "limits.cpu": "2"}, {"requests.cpu": "0", "limits.cpu": "0"}))
    api.create(pod("a"))
    api.create(pod("b"))
    err = rejected(api, pod("c"))
    assert str(err) == ('pods "c" is forbidden: exceeded quota: q, requested: limits.cpu=1,requests.cpu=500m, '
                        "used: limits.cpu=2,requests.cpu=1, limited: limits.cpu=2,requests.cpu=1")


@pytest.mark.parametrize(("item", "message"), [
    ({"type": "Pod", "max": {"cpu": "1"}, "default": {"cpu": "1"}},
     "default: Forbidden: may not be specified when `type` is 'Pod'"),
    ({"type": "Pod", "max": {"cpu": "10m"}, "min": {"cpu": "100m"}},
     "min[cpu]: min value 100m is greater than max value 10m"),
    ({"type": "Container", "max": {"cpu": "1"}, "default": {"cpu": "2"}},
     "default[cpu]: default value 2 is greater than max value 1"),
    ({"type": "Container", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "2"}},
     "defaultRequest[cpu]: default request value 2 is greater than default limit value 1"),
    ({"type": "Container", "maxLimitRequestRatio": {"cpu": "800m"}},
     "maxLimitRequestRatio[cpu]: ratio 800m is less than 1"),
])
def test_invalid_limit_range(item: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as e:
        limit_range(item)
    assert message in str(e.value)
