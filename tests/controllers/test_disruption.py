"""The disruption controller's sync, transcribed from Kubernetes' disruption_test.go: the same
objects and steps, driven through the API server and informers instead of fake stores (a test's
``dc.sync(key)`` is :meth:`World.sync`), with the numbers those tests expect.

Status tuples are VerifyPdbStatus's arguments: (disruptionsAllowed, currentHealthy, desiredHealthy,
expectedPods, disruptedPods), and disruptionsAllowed = max(currentHealthy - desiredHealthy, 0),
0 when expectedPods is 0.
"""

from __future__ import annotations

from kbench.api.objects import LabelSelector, OwnerReference, Pod
from kbench.api.policy import PodDisruptionBudget
from kbench.api.workloads import Condition
from tests.controllers.disruption_world import (
    FOO_BAR,
    KEY,
    READY,
    deployment,
    owner,
    pdb,
    pod,
    replica_set,
    replication_controller,
    stateful_set,
    world,
)


def unready(w: object, p: Pod) -> None:
    """Set the pod's conditions to [] (not ready), as the Go tests do."""
    w.update(p.model_copy(update={"status": {"conditions": []}}))  # type: ignore[attr-defined]


def test_no_selector() -> None:
    """TestNoSelector: an empty selector matches every pod of the namespace."""
    w = world()
    w.add(pdb(min_available=3, selector={}))
    assert w.status() == (0, 0, 3, 0, {})
    w.add(pod("yo-yo-yo"))
    assert w.status() == (0, 1, 3, 1, {})  # 1 healthy - 3 desired < 0: none allowed
    assert w.condition() == ("False", "InsufficientPods")


def test_unavailable() -> None:
    """TestUnavailable: counts go up pod by pod; a pod losing Ready takes the allowance away."""
    w = world()
    w.add(pdb(min_available=3))
    pods = []
    for i in range(4):
        assert w.status() == (0, i, 3, i, {})
        pods.append(w.add(pod(f"yo-yo-yo-{i}")))
    assert w.status() == (1, 4, 3, 4, {})  # 4 - 3 = 1
    assert w.condition() == ("True", "SufficientPods")
    unready(w, pods[0])
    assert w.status() == (0, 3, 3, 4, {})
    assert w.condition() == ("False", "InsufficientPods")


def test_integer_max_unavailable() -> None:
    """TestIntegerMaxUnavailable: no disruption for a pod without a controller (expected 0)."""
    w = world()
    w.add(pdb(max_unavailable=1))
    assert w.status()[0] == 0
    w.add(pod("naked"))
    assert w.status()[0] == 0
    assert w.events("UnmanagedPods")


def test_integer_max_unavailable_with_scaling() -> None:
    """TestIntegerMaxUnavailableWithScaling: desired = scale - 2, recomputed when the scale changes."""
    w = world()
    w.add(pdb(max_unavailable=2))
    rs = w.add(replica_set(7))
    w.add(pod("pod", owners=[owner(rs)]))
    assert w.status() == (0, 1, 5, 7, {})  # 7 - 2 = 5
    w.update(rs.model_copy(update={"spec": rs.spec.model_copy(update={"replicas": 5})}))  # type: ignore[attr-defined]
    w.sync()
    assert w.status() == (0, 1, 3, 5, {})  # 5 - 2 = 3


def test_percentage_max_unavailable_with_scaling() -> None:
    """TestPercentageMaxUnavailableWithScaling: maxUnavailable 30% rounds up."""
    w = world()
    w.add(pdb(max_unavailable="30%"))
    rs = w.add(replica_set(7))
    w.add(pod("pod", owners=[owner(rs)]))
    assert w.status() == (0, 1, 4, 7, {})  # ceil(0.3 * 7 = 2.1) = 3 unavailable: 7 - 3 = 4
    w.update(rs.model_copy(update={"spec": rs.spec.model_copy(update={"replicas": 3})}))  # type: ignore[attr-defined]
    w.sync()
    assert w.status() == (0, 1, 2, 3, {})  # ceil(0.3 * 3 = 0.9) = 1: 3 - 1 = 2


def test_naked_pod() -> None:
    """TestNakedPod: minAvailable 28% of no controller's scale: nothing allowed."""
    w = world()
    w.add(pdb(min_available="28%"))
    assert w.status()[0] == 0
    w.add(pod("naked"))
    assert w.status() == (0, 1, 0, 0, {})  # expected 0: none allowed although 1 - 0 > 0
    assert w.events("UnmanagedPods")
    assert w.condition() == ("False", "InsufficientPods")  # unmanaged pods are not a sync error


def test_unsupported_controller_pod() -> None:
    """TestUnsupportedControllerPod: a controller of an unknown kind fails the sync (failSafe)."""
    w = world()
    w.add(pdb(min_available="28%"))
    assert w.status()[0] == 0
    w.add(pod("naked", owners=[{"apiVersion": "apps.test.io/v1", "kind": "TestWorkload", "name": "fake-controller",
                                "uid": "b7329742-8daa-493a-8881-6ca07139172b", "controller": True}]))
    assert w.status()[0] == 0
    event = w.events("CalculateExpectedPodCountFailed")[0]  # once per sync: the pod's add, failSafe's write
    assert event["message"] == ('Failed to calculate the number of expected pods: no matches for kind "TestWorkload" '
                                'in version "apps.test.io/v1"')
    c = next(c for c in w.pdb().status.conditions if c.type == "DisruptionAllowed")
    assert (c.status, c.reason) == ("False", "SyncFailed") and "TestWorkload" in c.message


def test_status_for_unmanaged_pod() -> None:
    """TestStatusForUnmanagedPod / TestTotalUnmanagedPods: an unmanaged pod is an event, not a
    status error, and getExpectedScale lists it."""
    w = world()
    w.add(pdb(min_available="28%"))
    unmanaged = w.add(pod("unmanaged"))
    assert all(c.reason != "SyncFailed" for c in w.pdb().status.conditions)
    event = w.events("UnmanagedPods")[0]  # once per sync: the pod's add, the status write
    assert event["object"] == KEY
    assert "(selector: &LabelSelector{MatchLabels:map[string]string{foo: bar,},MatchExpressions:" \
           "[]LabelSelectorRequirement{},})" in event["message"]
    assert w.dc.finder.expected_scale([unmanaged]) == (0, ["unmanaged"])  # type: ignore[list-item]


def test_replica_set() -> None:
    """TestReplicaSet: the scale of a ReplicaSet without a Deployment counts."""
    w = world()
    w.add(pdb(min_available="20%"))
    rs = w.add(replica_set(10))
    w.add(pod("pod", owners=[owner(rs)]))
    assert w.status() == (0, 1, 2, 10, {})  # ceil(0.2 * 10) = 2


def test_scale_resource() -> None:
    """TestScaleResource, with a Deployment controlling the pods directly standing in for the custom
    resource (no finder but the scale subresource knows it): replicas 10, 4 pods, maxUnavailable 5."""
    w = world()
    d = w.add(deployment(10))
    w.add(pdb(max_unavailable=5))
    for i in range(4):
        w.add(pod(f"pod-{i}", owners=[owner(d)]))
    # replicas - pods = 6 missing already >= maxUnavailable 5: no disruption allowed
    assert w.status() == (0, 4, 10 - 5, 10, {})


def test_multiple_controllers() -> None:
    """TestMultipleControllers: 2 pods of one RC of scale 1, minAvailable 1%."""
    w = world()
    w.add(pdb(min_available="1%"))
    pods = [w.add(pod(f"pod-{i}")) for i in range(2)]
    assert w.status()[0] == 0  # no controllers yet
    rc = w.add(replication_controller(1, name="rc-1"))
    for p in pods:
        w.api.update(p.model_copy(update={"metadata": p.metadata.model_copy(  # type: ignore[attr-defined]
            update={"owner_references": [OwnerReference.model_validate(owner(rc))]})}))
    w.sync()
    assert w.status() == (1, 2, 1, 1, {})  # expected 1, ceil(0.01 * 1) = 1 desired, 2 healthy: 2 - 1 = 1


def test_replication_controller() -> None:
    """TestReplicationController: minAvailable 34% of an RC of 3 (ceil(1.02) = 2); a rogue pod
    matching the PDB but no controller adds a healthy pod and no scale."""
    labels = {"foo": "bar", "baz": "quux"}
    w = world()
    w.add(pdb(min_available="34%"))
    rc = w.add(replication_controller(3, selector=labels))
    w.sync()
    assert w.status() == (0, 0, 0, 0, {})  # no pods: the PDB does not know the RC yet
    for i in range(3):
        w.add(pod(f"foobar-{i}", labels=labels, owners=[owner(rc)]))
        assert w.status() == ((0, i + 1, 2, 3, {}) if i < 2 else (1, 3, 2, 3, {}))
    w.add(pod("rogue"))
    assert w.status()[0] == 2  # 4 healthy - 2 desired


def test_stateful_set_controller() -> None:
    """TestStatefulSetController: as the RC case, with a StatefulSet of 3."""
    labels = {"foo": "bar", "baz": "quux"}
    w = world()
    w.add(pdb(min_available="34%"))
    ss = w.add(stateful_set(3))
    w.sync()
    assert w.status() == (0, 0, 0, 0, {})
    for i in range(3):
        w.add(pod(f"foobar-{i}", labels=labels, owners=[owner(ss)]))
        assert w.status() == ((0, i + 1, 2, 3, {}) if i < 2 else (1, 3, 2, 3, {}))


def test_two_controllers() -> None:
    """TestTwoControllers: an RC of 11 and a ReplicaSet of 11 (its Deployment does not own it),
    minAvailable 28%: ceil(0.28 * 11 = 3.08) = 4 with one controller, ceil(0.28 * 22 = 6.16) = 7
    with both."""
    rc_labels = {"foo": "bar", "baz": "quux"}
    d_labels = {"foo": "bar", "baz": "quuux"}
    size, minimum_one, minimum_two = 11, 4, 7
    w = world()
    w.add(pdb(min_available="28%"))
    rc = w.add(replication_controller(size, selector=rc_labels))
    w.sync()
    assert w.status() == (0, 0, 0, 0, {})

    pods: list[Pod] = []
    unavailable = size - minimum_one - 1  # 6: the first 6 pods are not ready
    for i in range(1, size + 1):
        p = w.add(pod(f"quux-{i}", labels=rc_labels, owners=[owner(rc)], ready=i > unavailable))
        pods.append(p)  # type: ignore[arg-type]
        if i <= unavailable:
            assert w.status() == (0, 0, minimum_one, size, {})
        elif i - unavailable <= minimum_one:
            assert w.status() == (0, i - unavailable, minimum_one, size, {})
        else:
            assert w.status() == (1, i - unavailable, minimum_one, size, {})

    w.add(deployment(size, selector=d_labels))
    w.sync()
    assert w.status() == (1, minimum_one + 1, minimum_one, size, {})
    rs = w.add(replica_set(size, selector=d_labels))
    w.sync()
    assert w.status() == (1, minimum_one + 1, minimum_one, size, {})

    unavailable = 2 * size - (minimum_two + 2) - unavailable  # 22 - 9 - 6 = 7 not ready of the RS's 11
    for i in range(1, size + 1):
        p = w.add(pod(f"quuux-{i}", labels=d_labels, owners=[owner(rs)], ready=i > unavailable))
        pods.append(p)  # type: ignore[arg-type]
        if i <= unavailable:
            assert w.status() == (0, minimum_one + 1, minimum_two, 2 * size, {})
        elif i - unavailable <= minimum_two - (minimum_one + 1):
            assert w.status() == (0, minimum_one + 1 + i - unavailable, minimum_two, 2 * size, {})
        else:
            assert w.status() == (i - unavailable - (minimum_two - (minimum_one + 1)),
                                  minimum_one + 1 + i - unavailable, minimum_two, 2 * size, {})

    # 9 healthy of 7 desired: one pod down still allows a disruption, two do not
    assert w.status() == (2, 2 + minimum_two, minimum_two, 2 * size, {})
    unready(w, pods[size - 1])
    assert w.status() == (1, 1 + minimum_two, minimum_two, 2 * size, {})
    unready(w, pods[size - 2])
    assert w.status() == (0, minimum_two, minimum_two, 2 * size, {})
    p = pods[size - 1]
    w.update(p.model_copy(update={"status": {"conditions": READY}}))
    assert w.status() == (1, 1 + minimum_two, minimum_two, 2 * size, {})


def test_pdb_not_exist() -> None:
    """TestPDBNotExist: syncing a key with no PDB is no error and writes nothing."""
    w = world()
    w.add(pdb(min_available="67%"))
    rv = w.pdb().metadata.resource_version
    w.sync("default/notExist")
    assert w.pdb().metadata.resource_version == rv and w.dc.queue.num_requeues("default/notExist") == 0


def test_update_disrupted_pods() -> None:
    """TestUpdateDisruptedPods at t = 1000: p1 is being deleted, p2's entry is 3 min old (expired),
    p3's 1 min old (kept), 'notthere' has no pod. p3 counts as not healthy while its entry lasts;
    it expires at 1000 - 60 + 120 = 1060, when the PDB is synced again."""
    now = 1000.0
    w = world(start=now)
    w.add(pod("p1", deletionTimestamp=now))
    w.add(pod("p2"))
    w.add(pod("p3"))
    w.add(pdb(min_available=1, disruptedPods={"p1": now, "p2": now - 180, "p3": now - 60, "notthere": now}))
    # healthy: p2 only (p1 is being deleted, p3 disrupted); expected 3 pods, desired 1: 1 - 1 = 0
    assert w.status() == (0, 1, 1, 3, {"p3": now - 60})
    [event] = w.events("NotDeleted")
    assert event["object"] == "default/p2"
    w.eng.run(until=now + 59.0)
    assert w.status()[4] == {"p3": now - 60}
    w.eng.run(until=now + 61.0)
    assert w.status() == (1, 2, 1, 3, {})  # p2 and p3 healthy: 2 - 1 = 1
    assert w.dc.idle


def test_update_pdb_status_retries() -> None:
    """TestUpdatePDBStatusRetries: a status write that conflicts with an eviction's update is
    dropped and the PDB synced again, so the stale disruptionsAllowed 1 is never stored.

    Writes commit 1 s after they are sent. minAvailable 1 over moe, larry, curly: 3 - 1 = 2 allowed.
    Deleting moe makes the controller send 2 - 1 = 1; before it commits, an eviction of larry and
    curly sets 0 and deletes them; the controller's write conflicts, and its next sync finds no pod."""
    w = world(latency=1.0)
    allowed: list[int] = []
    w.dc.pdbs.add_handlers(on_add=lambda p: allowed.append(p.status.disruptions_allowed),
                           on_update=lambda old, new: allowed.append(new.status.disruptions_allowed))
    w.api.create(pdb(min_available=1))
    for name in ("moe", "larry", "curly"):
        w.api.create(pod(name))
    w.eng.run(until=5.0)
    assert w.status()[0] == 2
    w.api.delete("Pod", "default", "moe")
    w.eng.run(until=5.5)  # the controller's write (allowed 1) is in flight
    current = w.pdb()
    evicted = current.status.model_copy(update={"disruptions_allowed": 0, "disrupted_pods": {"larry": 5.5, "curly": 5.5}})
    w.api.update(current.model_copy(update={"status": evicted}))
    w.api.delete("Pod", "default", "larry")
    w.api.delete("Pod", "default", "curly")
    w.eng.run(until=20.0)
    assert 1 not in allowed
    assert w.status() == (0, 0, 1, 0, {})  # no pods: nothing expected, none allowed


def test_invalid_selectors() -> None:
    """TestInvalidSelectors ("illegal value key"; an illegal operator is rejected by the object
    model already): the sync fails, disruptionsAllowed stays 0 with DisruptionAllowed False (SyncFailed)."""
    w = world()
    w.add(pdb(min_available=3, selector={"matchLabels": {"k8s.io/too/many/slashes": "value"}}))
    assert w.status() == (0, 0, 0, 0, {})
    c = next(c for c in w.pdb().status.conditions if c.type == "DisruptionAllowed")
    assert (c.status, c.reason) == ("False", "SyncFailed")
    events = w.events("NoPods")  # once per sync: the PDB's add, failSafe's write
    assert all(e["type"] == "Warning" and e["message"].startswith("Failed to get pods: key: Invalid value")
               for e in events) and events
    assert w.pdb().status.observed_generation == 0  # failSafe leaves observedGeneration alone


def test_keep_existing_pdb_condition_during_sync() -> None:
    """TestKeepExistingPDBConditionDuringSync: other conditions survive the status write."""
    w = world()
    existing = Condition(type="ExistingTestCondition", status="True", reason="Test", message="This is a test condition",
                         last_transition_time=0.0)
    w.add(pdb(min_available=3, selector={}, conditions=[existing.model_dump(by_alias=True)]))
    assert w.status() == (0, 0, 3, 0, {})
    assert [c.type for c in w.pdb().status.conditions] == ["ExistingTestCondition", "DisruptionAllowed"]


def test_stale_pod_disruption() -> None:
    """TestStalePodDisruption: a DisruptionTarget condition True on a pod not being deleted is set to
    False 2 min after its transition (kept at 2 min - 1 s); a pod being deleted keeps it; a pod
    without it or with it False is left alone."""
    def target(status: str) -> list[dict[str, object]]:
        return [{"type": "DisruptionTarget", "status": status, "lastTransitionTime": 0.0}]

    cases = {
        "stale pod disruption": ({}, target("True"), 121.0, "False"),
        "pod disruption in progress": ({}, target("True"), 119.0, "True"),
        "pod disruption actuated": ({"deletionTimestamp": 0.0}, target("True"), 121.0, "True"),
        "no pod disruption": ({"deletionTimestamp": 0.0}, [], 121.0, None),
        "pod disruption cleared": ({"deletionTimestamp": 0.0}, target("False"), 121.0, "False"),
    }
    for name, (meta, conditions, passed, want) in cases.items():
        w = world()
        p = Pod.model_validate({"metadata": {"name": "foo", "namespace": "default", **meta},
                                "spec": {"containers": [{"name": "c"}]}, "status": {"conditions": conditions}})
        w.add(p)
        w.eng.run(until=passed)
        got = w.api.get("Pod", "default", "foo")
        assert isinstance(got, Pod)
        cond = next((c for c in got.status.get("conditions", []) if c["type"] == "DisruptionTarget"), None)
        assert (cond["status"] if cond else None) == want, name


def test_a_pod_matching_two_pdbs_queues_the_first_and_warns() -> None:
    """getPdbForPod: the pod's event queues one PDB (the first by name here) and records
    MultiplePodDisruptionBudgets; the other PDB's status waits for its own next sync."""
    w = world()
    w.add(pdb(min_available=1, name="a"))
    w.add(pdb(min_available=1, name="b"))
    w.add(pod("p"))
    assert w.status("a") == (0, 1, 1, 1, {})
    assert w.status("b") == (0, 0, 1, 0, {})
    [event] = w.events("MultiplePodDisruptionBudgets")
    assert event["message"] == 'Pod "default"/"p" matches multiple PodDisruptionBudgets.  Chose "a" arbitrarily.'
    w.sync("default/b")
    assert w.status("b") == (0, 1, 1, 1, {})


def test_selector_change_relists_pods() -> None:
    """A PDB whose selector changes counts the pods the new selector matches."""
    w = world()
    w.add(pod("a", labels={"app": "a"}))
    w.add(pod("b1", labels={"app": "b"}))
    w.add(pod("b2", labels={"app": "b"}))
    p = w.add(pdb(min_available=1, selector={"matchLabels": {"app": "a"}}))
    assert w.status() == (0, 1, 1, 1, {})
    assert isinstance(p, PodDisruptionBudget)
    spec = p.spec.model_copy(update={"selector": LabelSelector(match_labels={"app": "b"})})
    w.update(w.pdb().model_copy(update={"spec": spec}))
    assert w.status() == (1, 2, 1, 2, {})  # 2 - 1 = 1
    assert w.pdb().status.observed_generation == 2


def test_pods_of_other_namespaces_do_not_count() -> None:
    w = world()
    w.add(pdb(min_available=0))
    w.add(pod("here"))
    w.add(Pod.model_validate({"metadata": {"name": "there", "namespace": "other", "labels": FOO_BAR},
                              "spec": {"containers": [{"name": "c"}]}, "status": {"conditions": READY}}))
    assert w.status() == (1, 1, 0, 1, {})
