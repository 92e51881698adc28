"""The disruption controller's finders and helpers: TestBasicFinderFunctions,
TestDeploymentFinderFunction and TestScaleFinderNoResource of disruption_test.go, the percentage
rounding, and the health and disruptedPods rules."""

from __future__ import annotations

import pytest

from kbench.api.objects import OwnerReference, Pod
from kbench.api.workloads import Condition, Job
from kbench.controllers.disruption.scale import DisruptionError, parse_group_version, scaled_value
from kbench.controllers.disruption.status import (
    build_disrupted_pod_map,
    count_healthy_pods,
    pod_ready,
    set_status_condition,
)
from tests.controllers.disruption_world import (
    deployment,
    owner,
    pod,
    replica_set,
    replication_controller,
    stateful_set,
    world,
)


def ref(api_version: str, kind: str, name: str, uid: str | None) -> OwnerReference:
    return OwnerReference(api_version=api_version, kind=kind, name=name, uid=uid or "", controller=True)


def test_basic_finder_functions() -> None:
    """TestBasicFinderFunctions: each finder knows its kind in its groups only."""
    w = world()
    rs = w.add(replica_set(10))
    rc = w.add(replication_controller(12))
    ss = w.add(stateful_set(14))
    f = w.dc.finder
    uid = {o.kind: o.metadata.uid for o in (rs, rc, ss)}  # type: ignore[attr-defined]
    found = f.replica_set(ref("apps/v1", "ReplicaSet", "foobar", uid["ReplicaSet"]), "default")
    assert found is not None and (found.scale, found.uid) == (10, uid["ReplicaSet"])
    assert f.replica_set(ref("invalid/v1", "ReplicaSet", "foobar", uid["ReplicaSet"]), "default") is None
    found = f.replication_controller(ref("/v1", "ReplicationController", "foobar", uid["ReplicationController"]),
                                     "default")
    assert found is not None and (found.scale, found.uid) == (12, uid["ReplicationController"])
    assert f.replication_controller(ref("apps/v1", "ReplicationController", "foobar", uid["ReplicationController"]),
                                    "default") is None
    found = f.stateful_set(ref("apps/v1", "StatefulSet", "foobar", uid["StatefulSet"]), "default")
    assert found is not None and (found.scale, found.uid) == (14, uid["StatefulSet"])
    assert f.stateful_set(ref("apps/v1", "ReplicaSet", "foobar", uid["StatefulSet"]), "default") is None


@pytest.mark.parametrize(("rs_api", "rs_kind", "dep_api", "dep_kind", "scale"), [
    ("apps/v1", "ReplicaSet", "extensions/v1", "Deployment", 10),  # happy path
    ("invalid/v1", "ReplicaSet", "apps/v1", "Deployment", None),
    ("apps/v1", "InvalidKind", "apps/v1", "Deployment", None),
    ("extensions/v1", "ReplicaSet", "deployment/v1", "Deployment", None),
    ("apps/v1", "ReplicaSet", "extensions/v1", "InvalidKind", None),
])
def test_deployment_finder_function(rs_api: str, rs_kind: str, dep_api: str, dep_kind: str,
                                    scale: int | None) -> None:
    """TestDeploymentFinderFunction: a Deployment of 10 owning a ReplicaSet of 5."""
    w = world()
    dep = w.add(deployment(10))
    rs = w.add(replica_set(5, owners=[{**owner(dep, dep_api), "kind": dep_kind}]))
    found = w.dc.finder.deployment(ref(rs_api, rs_kind, "foobar", rs.metadata.uid), "default")  # type: ignore[attr-defined]
    if scale is None:
        assert found is None
    else:
        assert found is not None and (found.scale, found.uid) == (scale, dep.metadata.uid)  # type: ignore[attr-defined]


def test_scale_finder_no_resource() -> None:
    """TestScaleFinderNoResource: a missing object of a kind with a scale subresource is no error
    (the pod has no controller to be found); a kind without one, or unknown, is."""
    w = world()
    f = w.dc.finder
    assert f.scale_controller(ref("apps/v1", "Deployment", "gone", "u1"), "default") is None
    job = w.add(Job.model_validate({"metadata": {"name": "j", "namespace": "default"},
                                    "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c"}]}}}}))
    with pytest.raises(DisruptionError, match="^jobs.batch does not implement the scale subresource$"):
        f.scale_controller(ref("batch/v1", "Job", "j", job.metadata.uid), "default")  # type: ignore[attr-defined]
    with pytest.raises(DisruptionError, match='^no matches for kind "customresource" in version "custom.k8s.io/v1"$'):
        f.scale_controller(ref("custom.k8s.io/v1", "customresource", "c", "u2"), "default")
    with pytest.raises(DisruptionError, match="^pods does not implement the scale subresource$"):
        f.scale_controller(ref("v1", "Pod", "p", "u3"), "default")


def test_a_replica_set_of_a_missing_deployment_is_found_through_its_scale() -> None:
    """getPodReplicaSet skips a ReplicaSet a Deployment controls and getPodDeployment needs the
    Deployment; the scale subresource then gives the ReplicaSet's own replicas (5)."""
    w = world()
    rs = w.add(replica_set(5, owners=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": "gone", "uid": "x",
                                       "controller": True}]))
    p = pod("p", owners=[owner(rs)])
    assert w.dc.finder.expected_scale([p]) == (5, [])


def test_expected_scale_counts_each_controller_once() -> None:
    """Two pods of one ReplicaSet of 3 and one of a StatefulSet of 4: 3 + 4 = 7."""
    w = world()
    rs = w.add(replica_set(3))
    ss = w.add(stateful_set(4, name="db"))
    pods = [pod("a", owners=[owner(rs)]), pod("b", owners=[owner(rs)]), pod("c", owners=[owner(ss)]), pod("d")]
    assert w.dc.finder.expected_scale(pods) == (7, ["d"])


def test_a_controller_no_finder_knows_is_an_error() -> None:
    """A pod whose ReplicaSet is gone: no finder finds it."""
    w = world()
    p = pod("p", owners=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "gone", "uid": "x",
                          "controller": True}])
    with pytest.raises(DisruptionError, match='^found no controllers for pod "p"$'):
        w.dc.finder.expected_scale([p])


def test_scaled_value_rounds_percentages_up() -> None:
    assert scaled_value(3, 10) == 3
    assert scaled_value("34%", 3) == 2  # 1.02 -> 2
    assert scaled_value("28%", 11) == 4  # 3.08 -> 4
    assert scaled_value("50%", 4) == 2  # exactly 2
    assert scaled_value("1%", 0) == 0


def test_parse_group_version() -> None:
    assert parse_group_version("apps/v1") == ("apps", "v1")
    assert parse_group_version("v1") == ("", "v1")
    assert parse_group_version("/v1") == ("", "v1")
    assert parse_group_version("") == ("", "")
    with pytest.raises(DisruptionError, match="unexpected GroupVersion string: a/b/c"):
        parse_group_version("a/b/c")


def test_health_is_ready_not_deleted_not_disrupted() -> None:
    """Ready pods count; not one being deleted, one disrupted < 120 s ago, one that has ended (the
    kubelet model keeps Ready on it), or one without the Ready condition."""
    now = 500.0
    ended = pod("ended").model_copy(update={"status": {"phase": "Succeeded", "conditions": [
        {"type": "Ready", "status": "True"}]}})
    pods = [pod("ok"), pod("deleting", deletionTimestamp=now), pod("fresh"), pod("old"), ended, pod("no", ready=False)]
    assert not pod_ready(ended) and pod_ready(pods[0])
    # fresh: disrupted 119 s ago (still pending); old: exactly 120 s ago (expired at now: counted)
    assert count_healthy_pods(pods, {"fresh": now - 119, "old": now - 120}, now) == 2  # ok, old


def test_disrupted_pod_map_boundaries() -> None:
    """An entry exactly DeletionTimeout old is kept (expected deletion not before now); older ones
    expire; the recheck is the earliest pending expected deletion."""
    now = 1000.0
    pods: list[Pod] = [pod("a"), pod("b"), pod("c"), pod("d", deletionTimestamp=now)]
    kept, recheck, expired = build_disrupted_pod_map(
        pods, {"a": now - 120, "b": now - 121, "c": now - 10, "d": now, "e": now}, now)
    assert kept == {"a": now - 120, "c": now - 10}
    assert recheck == now  # a: 880 + 120
    assert [p.metadata.name for p in expired] == ["b"]
    assert build_disrupted_pod_map(pods, {}, now) == ({}, None, [])


def test_set_status_condition() -> None:
    """meta.SetStatusCondition: a new condition gets now as its transition; an update moves the
    transition only when the status changes."""
    c = Condition(type="DisruptionAllowed", status="False", reason="InsufficientPods", observed_generation=1)
    [first] = set_status_condition([], c, 10.0)
    assert first.last_transition_time == 10.0
    [same] = set_status_condition([first], c.model_copy(update={"reason": "SyncFailed", "message": "m"}), 20.0)
    assert (same.status, same.reason, same.message, same.last_transition_time) == ("False", "SyncFailed", "m", 10.0)
    [flipped] = set_status_condition([same], c.model_copy(update={"status": "True", "reason": "SufficientPods"}), 30.0)
    assert (flipped.status, flipped.reason, flipped.message, flipped.last_transition_time) == \
        ("True", "SufficientPods", "", 30.0)
