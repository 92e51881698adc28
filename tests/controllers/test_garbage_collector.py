"""The garbage collector: cascading (background) deletion through ownerReferences, worked from
garbagecollector.go's attemptToDeleteItem (skip objects being deleted or without owners; an
owner is dangling when a GET finds nothing or another uid; solid owners left: drop the dangling
references; none left: delete)."""

from __future__ import annotations

from kbench.api.objects import OwnerReference, Pod
from kbench.controllers.garbage_collector import GarbageCollector
from tests.controllers.apps_world import deployment, live, pods, replica_sets, start, world


def gc_world(**kw):  # type: ignore[no-untyped-def]
    w = world(**kw)
    gc = GarbageCollector(w.api, w.factory)
    start(w)
    return w, gc


def bare_pod(name: str, owners: list[OwnerReference]) -> Pod:
    return Pod.model_validate({"metadata": {"name": name, "ownerReferences": [o.model_dump(by_alias=True) for o in owners]},
                               "spec": {"containers": [{"name": "c", "image": "app:1"}]}})


def ref(kind: str, name: str, uid: str, controller: bool = False) -> OwnerReference:
    return OwnerReference(api_version="apps/v1", kind=kind, name=name, uid=uid, controller=controller)


def test_deleting_a_deployment_deletes_its_replica_set_then_its_pods() -> None:
    w, _ = gc_world()
    w.api.create(deployment("web", replicas=3))
    w.eng.run(until=50.0)
    assert len(replica_sets(w.api)) == 1 and len(live(w.api)) == 3
    w.eng.at(100.0, lambda: w.api.delete("Deployment", "default", "web"))
    w.eng.run(until=101.0)
    # background propagation: the ReplicaSet goes at once, its pods get their deletionTimestamp
    # (grace 30 s) and the kubelets remove them when it passes
    assert replica_sets(w.api) == []
    assert [p.metadata.deletion_timestamp for p in pods(w.api)] == [130.0] * 3
    w.eng.run(until=131.0)
    assert pods(w.api) == []


def test_a_replica_set_with_a_live_owner_is_left_alone() -> None:
    w, gc = gc_world()
    w.api.create(deployment("web", replicas=2))
    w.eng.run(until=50.0)
    assert len(replica_sets(w.api)) == 1 and len(live(w.api)) == 2 and gc.idle


def test_dangling_references_are_dropped_when_a_solid_owner_remains() -> None:
    w, _ = gc_world(scheduler=False, deployments=False)
    a = w.api.create(bare_pod("owner-a", []))
    b = w.api.create(bare_pod("owner-b", []))
    refs = [ref("Pod", "owner-a", a.metadata.uid), ref("Pod", "owner-b", b.metadata.uid)]
    w.api.create(bare_pod("dep", [r.model_copy(update={"api_version": "v1"}) for r in refs]))
    w.eng.run(until=1.0)
    w.api.delete("Pod", "default", "owner-a")
    w.eng.run(until=2.0)
    dep = w.api.get("Pod", "default", "dep")
    assert [(r.name, r.uid) for r in dep.metadata.owner_references] == [("owner-b", b.metadata.uid)]
    w.api.delete("Pod", "default", "owner-b")
    w.eng.run(until=3.0)
    assert [p.metadata.name for p in pods(w.api)] == []  # last owner gone: deleted (unbound: at once)


def test_an_object_naming_an_absent_owner_is_collected() -> None:
    w, _ = gc_world(scheduler=False, deployments=False)
    w.api.create(bare_pod("orphan", [ref("ReplicaSet", "never-was", "uid-x", controller=True)]))
    w.api.create(bare_pod("free", []))
    w.eng.run(until=1.0)
    assert [p.metadata.name for p in pods(w.api)] == ["free"]


def test_an_owner_with_the_same_name_but_another_uid_is_dangling() -> None:
    w, _ = gc_world(scheduler=False, deployments=False)
    first = w.api.create(bare_pod("owner", []))
    w.api.create(bare_pod("dep", [ref("Pod", "owner", first.metadata.uid).model_copy(update={"api_version": "v1"})]))
    w.eng.run(until=1.0)
    w.api.delete("Pod", "default", "owner")
    w.api.create(bare_pod("owner", []))  # a new object under the old name, before the collector looks
    w.eng.run(until=2.0)
    assert [p.metadata.name for p in pods(w.api)] == ["owner"]


def test_kubectl_delete_action_cascades_in_a_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`actions: delete` of a Deployment in a policy: its 4 pods are deleted by the collector at
    the action's time and leave 30 s later (their grace period), as in a cluster."""
    import pyarrow.parquet as pq

    from kbench.run import run_policy

    (tmp_path / "cluster.yaml").write_text("""
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
status: {allocatable: {cpu: "8", memory: 32Gi, pods: "110"}}
""")
    (tmp_path / "workload.yaml").write_text("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1", resources: {requests: {cpu: 100m}}}]}
""")
    (tmp_path / "policy.yaml").write_text("""
name: gc
cluster: {nodes: cluster.yaml}
workload: {pods: workload.yaml}
simulation: {until: 300}
actions:
  - {at: 100, delete: {kind: Deployment, namespace: default, name: web}}
""")
    res = run_policy(tmp_path / "policy.yaml", out=tmp_path / "out")
    rows = pq.read_table(res.out / "pods.parquet").to_pylist()
    assert len(rows) == 4 and all(r["owner_kind"] == "ReplicaSet" for r in rows)
    assert [r["deleted_at"] for r in rows] == [130.0] * 4
