"""A pod's effective requests: expectations from component-helpers' resource helpers_test.go and the
scheduler's non-zero defaults (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest)."""

from __future__ import annotations

import gc
from fractions import Fraction

from kbench.api import resources
from kbench.api.objects import Container, Pod
from kbench.api.resources import (
    NON_ZERO_DEFAULTS,
    _pod_requests,
    int_requests,
    is_scalar_resource,
    pod_int_requests,
    pod_requests,
)


def pod(spec: dict) -> Pod:
    return Pod.model_validate({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})


def c(name: str, requests: dict | None = None, limits: dict | None = None, restart: str | None = None) -> dict:
    out: dict = {"name": name, "resources": {}}
    if requests is not None:
        out["resources"]["requests"] = requests
    if limits is not None:
        out["resources"]["limits"] = limits
    if restart:
        out["restartPolicy"] = restart
    return out


def test_containers_sum_and_init_max() -> None:
    p = pod({"containers": [c("a", {"cpu": "1", "memory": "1Gi"}), c("b", {"cpu": "500m"})],
             "initContainers": [c("i1", {"cpu": "2"}), c("i2", {"memory": "3Gi"})]})
    # cpu max(1.5, 2) = 2; memory max(1Gi, 3Gi) = 3Gi
    assert int_requests(pod_requests(p)) == {"cpu": 2000, "memory": 3 * 1024**3}


def test_sidecar_init_containers_accumulate() -> None:
    # helpers_test.go "restartable init container": sidecars add to the pod and to later init containers.
    p = pod({"containers": [c("app", {"cpu": "1"})],
             "initContainers": [c("side", {"cpu": "1"}, restart="Always"), c("init", {"cpu": "2"})]})
    # containers 1 + sidecar 1 = 2; init phase: sidecar 1 + init 2 = 3 -> max(2, 3) = 3
    assert int_requests(pod_requests(p)) == {"cpu": 3000}


def test_overhead_added() -> None:
    p = pod({"containers": [c("a", {"cpu": "1"})], "overhead": {"cpu": "250m", "memory": "120Mi"}})
    assert int_requests(pod_requests(p)) == {"cpu": 1250, "memory": 120 * 1024**2}


def test_limits_default_requests() -> None:
    p = pod({"containers": [c("a", limits={"cpu": "2", "memory": "1Gi"})]})
    assert int_requests(pod_requests(p)) == {"cpu": 2000, "memory": 1024**3}


def test_sum_is_exact_before_rounding() -> None:
    # Go adds Quantities exactly and rounds once: 0.5m + 0.5m = 1m, not 2m.
    p = pod({"containers": [c("a", {"cpu": "0.0005"}), c("b", {"cpu": "0.0005"})]})
    assert int_requests(pod_requests(p)) == {"cpu": 1}


def test_non_zero_defaults_only_where_missing() -> None:
    p = pod({"containers": [c("a"), c("b", {"cpu": "0", "memory": "0"}), c("d", {"memory": "1Gi"})]})
    got = int_requests(pod_requests(p, NON_ZERO_DEFAULTS))
    # a: 100m + 200Mi; b: explicit zeros stay 0; d: 100m cpu default, memory 1Gi
    assert got == {"cpu": 200, "memory": 200 * 1024**2 + 1024**3}
    assert pod_requests(p) == {"cpu": Fraction(0), "memory": Fraction(1024**3)}


def test_scalar_resource_names() -> None:
    assert is_scalar_resource("nvidia.com/gpu")
    assert is_scalar_resource("hugepages-2Mi")
    assert is_scalar_resource("attachable-volumes-aws-ebs")
    assert is_scalar_resource("kubernetes.io/batch-cpu")
    assert not is_scalar_resource("cpu")
    assert not is_scalar_resource("foo")
    assert not is_scalar_resource("requests.nvidia.com/gpu")


def test_requests_are_memoized_per_spec_and_returned_as_new_dicts() -> None:
    p = pod({"containers": [c("a", {"cpu": "250m", "memory": "1Gi"})]})
    first = pod_requests(p)
    first["cpu"] = Fraction(99)  # callers may change what they get
    assert pod_requests(p) == {"cpu": Fraction(1, 4), "memory": Fraction(1024**3)}
    ints = pod_int_requests(p, NON_ZERO_DEFAULTS)
    ints["memory"] = 0
    assert pod_int_requests(p, NON_ZERO_DEFAULTS) == {"cpu": 250, "memory": 1024**3}
    # a copy that keeps the spec (a metadata or status update) shares the result
    moved = p.model_copy(update={"status": {"phase": "Running"}})
    assert moved.spec is p.spec
    assert pod_requests(moved) == pod_requests(p)


def test_a_copy_with_a_new_spec_is_computed_afresh() -> None:
    p = pod({"containers": [c("a", {"cpu": "1"})]})
    assert pod_requests(p) == {"cpu": 1}
    assert pod_int_requests(p) == {"cpu": 1000}
    bigger = p.spec.model_copy(update={"containers": [Container(name="a", resources={"requests": {"cpu": "3"}})]})
    q = p.model_copy(update={"spec": bigger})
    assert pod_requests(q) == {"cpu": 3}
    assert pod_int_requests(q) == {"cpu": 3000}
    assert pod_int_requests(q, NON_ZERO_DEFAULTS) == {"cpu": 3000, "memory": 200 * 1024**2}
    assert pod_requests(p) == {"cpu": 1}


def test_memo_matches_computation_for_every_argument() -> None:
    p = pod({"containers": [c("a"), c("b", {"cpu": "0"}), c("d", {"memory": "1Gi"}, {"cpu": "2"})],
             "initContainers": [c("s", {"cpu": "300m"}, restart="Always"), c("i", {"memory": "5Gi"})],
             "overhead": {"cpu": "10m"}})
    own_defaults = {"cpu": Fraction(1, 10), "memory": Fraction(200 * 1024 * 1024)}  # equal, not the same dict
    for non_missing in (None, NON_ZERO_DEFAULTS, own_defaults, {"cpu": 7}):
        want = _pod_requests(p.spec, non_missing)
        for _ in range(2):
            got = pod_requests(p, non_missing)
            assert got == want and all(type(v) is Fraction for v in got.values())
            assert pod_int_requests(p, non_missing) == int_requests(want)


def test_memo_is_dropped_with_its_spec() -> None:
    p = pod({"containers": [c("a", {"cpu": "1"})]})
    pod_requests(p)
    key = id(p.spec)
    ref = resources._MEMO[key][0]
    assert ref() is p.spec
    del p
    gc.collect()
    assert ref() is None
    assert resources._MEMO.get(key, [None])[0] is not ref
    assert all(m[0]() is not None for m in resources._MEMO.values())
