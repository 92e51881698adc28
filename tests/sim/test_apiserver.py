"""The API server over the etcd model, and informers fed by its watches."""

from __future__ import annotations

import numpy as np
import pytest

from kbench.api.objects import Node, Pod
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.engine import Engine
from kbench.sim.informers import Informer


def setup(delay: float = 0.0):
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    return eng, api


def pod(name: str, ns: str = "default") -> Pod:
    return Pod.model_validate({"metadata": {"name": name, "namespace": ns}, "spec": {"containers": [{"name": "c"}]}})


def node(name: str) -> Node:
    return Node.model_validate({"metadata": {"name": name}})


def test_registry_keys_follow_kube_apiserver() -> None:
    assert registry_key("Pod", "ns1", "p") == b"/registry/pods/ns1/p"
    assert registry_key("Node", None, "n1") == b"/registry/minions/n1"
    assert registry_key("Namespace", None, "ns1") == b"/registry/namespaces/ns1"


def test_create_get_update_delete_and_revisions() -> None:
    _, api = setup()
    p = api.create(pod("a"))
    # fresh etcd is at revision 1; the create is revision 2
    assert p.metadata.resource_version == "2" and p.metadata.uid
    assert api.get("Pod", "default", "a") == p
    with pytest.raises(APIError) as e:
        api.create(pod("a"))
    assert e.value.reason == "AlreadyExists"
    assert api.store.revision == 2  # a failed create writes nothing
    bound = api.bind("default", "a", "n1")
    assert bound.spec.node_name == "n1" and bound.metadata.resource_version == "3"
    with pytest.raises(APIError) as e:
        api.update(p)  # stale resourceVersion 2
    assert e.value.reason == "Conflict"
    with pytest.raises(APIError) as e:
        api.bind("default", "a", "n2")
    assert e.value.reason == "Conflict"
    gone = api.delete("Pod", "default", "a", grace_seconds=0)
    assert gone.spec.node_name == "n1" and api.store.revision == 4
    with pytest.raises(APIError) as e:
        api.get("Pod", "default", "a")
    assert e.value.reason == "NotFound"


def test_bound_pods_are_deleted_gracefully() -> None:
    eng, api = setup()
    api.create(pod("pending"))
    assert api.delete("Pod", "default", "pending").metadata.deletion_timestamp is None  # unbound: removed at once
    with pytest.raises(APIError):
        api.get("Pod", "default", "pending")
    api.create(pod("a"))
    api.bind("default", "a", "n1")
    eng.run(until=5.0)
    marked = api.delete("Pod", "default", "a")
    # v1.DefaultTerminationGracePeriodSeconds: 30 s from the delete
    assert marked.metadata.deletion_timestamp == 35.0 and marked.metadata.deletion_grace_period_seconds == 30
    assert api.get("Pod", "default", "a") == marked
    assert api.delete("Pod", "default", "a", grace_seconds=60) == marked  # a longer grace changes nothing
    shorter = api.delete("Pod", "default", "a", grace_seconds=10)
    assert shorter.metadata.deletion_grace_period_seconds == 10 and shorter.metadata.deletion_timestamp == 15.0
    api.delete("Pod", "default", "a", grace_seconds=0)
    with pytest.raises(APIError):
        api.get("Pod", "default", "a")


def test_generate_name_and_generation() -> None:
    _, api = setup()
    p = Pod.model_validate({"metadata": {"generateName": "web-"}, "spec": {"containers": [{"name": "c"}]}})
    a, b = api.create(p), api.create(p)
    assert a.metadata.name.startswith("web-") and len(a.metadata.name) == 9 and a.metadata.name != b.metadata.name
    assert set(a.metadata.name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert a.metadata.generation == 1
    relabeled = api.update(a.model_copy(update={"metadata": a.metadata.model_copy(update={"labels": {"x": "y"}})}))
    assert relabeled.metadata.generation == 1  # metadata only
    spec = a.spec.model_copy(update={"node_name": "n1"})
    assert api.update(relabeled.model_copy(update={"spec": spec})).metadata.generation == 2


def test_list_is_sorted_and_scoped() -> None:
    _, api = setup()
    for ns, name in (("b", "x"), ("a", "y"), ("a", "b")):
        api.create(pod(name, ns))
    pods, rev = api.list("Pod")
    assert [(p.metadata.namespace, p.metadata.name) for p in pods] == [("a", "b"), ("a", "y"), ("b", "x")]
    assert rev == 4
    assert [p.metadata.name for p in api.list("Pod", "a")[0]] == ["b", "y"]


def test_admission_runs_on_create() -> None:
    eng = Engine(np.random.default_rng(0))

    def deny_kube_system(obj):
        if obj.metadata.namespace == "kube-system":
            raise APIError("Forbidden", "no")
        return obj.model_copy(update={"metadata": obj.metadata.model_copy(update={"labels": {"admitted": "yes"}})})

    api = APIServer(Store(), eng, admission=[deny_kube_system])
    assert api.create(pod("a")).metadata.labels == {"admitted": "yes"}
    with pytest.raises(APIError):
        api.create(pod("b", "kube-system"))


def test_informer_lists_then_watches_in_order() -> None:
    eng, api = setup()
    api.create(node("n1"))
    seen = []
    inf = Informer(api, "Node")
    inf.add_handlers(on_add=lambda o: seen.append(("add", o.metadata.name)),
                     on_update=lambda a, b: seen.append(("update", b.metadata.name)),
                     on_delete=lambda o: seen.append(("delete", o.metadata.name)))
    inf.start()
    assert seen == [("add", "n1")]
    api.create(node("n2"))
    n1 = api.get("Node", None, "n1")
    api.update(n1.model_copy(update={"spec": n1.spec.model_copy(update={"unschedulable": True})}))
    api.delete("Node", None, "n2")
    api.create(pod("p"))  # another kind: not seen
    eng.run()
    assert seen == [("add", "n1"), ("add", "n2"), ("update", "n1"), ("delete", "n2")]
    assert [n.metadata.name for n in inf.list()] == ["n1"] and inf.list()[0].spec.unschedulable


def test_informer_delivery_delay() -> None:
    eng, api = setup()
    inf = Informer(api, "Pod", delay=0.5)
    times = []
    inf.add_handlers(on_add=lambda o: times.append((eng.now, o.metadata.name)))
    inf.start()
    eng.at(1.0, lambda: api.create(pod("a")))
    eng.at(1.2, lambda: api.create(pod("b")))
    eng.run()
    assert times == [(1.5, "a"), (1.7, "b")]


def test_compactor_compacts_to_the_previous_ticks_revision() -> None:
    eng, api = setup()
    api.start_compactor(300.0)
    api.create(pod("a"))  # revision 2
    eng.run(until=300.0)
    # first tick: CAS on compact_rev_key (revision 3), no compaction on bootstrap
    assert api.store.revision == 3 and api.store.compact_revision == -1
    eng.at(400.0, lambda: api.create(pod("b")))  # revision 4
    eng.run(until=600.0)
    # second tick: writes revision 5, compacts to 3 (what the first tick saw)
    assert api.store.revision == 5 and api.store.compact_revision == 3
    assert [p.metadata.name for p in api.list("Pod")[0]] == ["a", "b"]
    # the write times of compacted revisions are gone: revision 4 (pod b) stays, 2 goes
    assert sorted(api.write_times) == [4]


def test_informer_delay_spans_a_compaction() -> None:
    """An informer that delivers long after the write (400 s, past the compaction at 600 s that
    drops the write's time) delivers it at write time + delay all the same."""
    eng, api = setup()
    api.start_compactor(300.0)
    inf = Informer(api, "Pod", delay=400.0)
    times = []
    inf.add_handlers(on_add=lambda o: times.append((eng.now, o.metadata.name)))
    inf.start()
    eng.at(250.0, lambda: api.create(pod("a")))  # revision 2; the tick at 600 s compacts to 3
    eng.run(until=700.0)
    assert api.store.compact_revision == 3 and 2 not in api.write_times
    assert times == [(650.0, "a")]


def test_keep_removed_keeps_what_it_returns() -> None:
    eng, api = setup()
    api.keep_removed = lambda p: (p.metadata.name, p.metadata.resource_version)
    api.create(pod("a"))
    api.delete("Pod", "default", "a")
    (uid, kept), = api.pods_removed.items()
    assert kept == ("a", "2") and uid in api.pods_removed_at


def test_apply_creates_then_replaces_spec_and_labels() -> None:
    _, api = setup()
    first = api.apply(Pod.model_validate({"metadata": {"name": "a", "labels": {"v": "1"}},
                                          "spec": {"containers": [{"name": "c", "image": "app:1"}]}}))
    api.bind("default", "a", "n1")
    again = api.apply(Pod.model_validate({"metadata": {"name": "a", "labels": {"v": "2"}},
                                          "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "app:2"}]}}))
    assert again.metadata.uid == first.metadata.uid and again.metadata.labels == {"v": "2"}
    assert again.spec.containers[0].image == "app:2"
    with pytest.raises(APIError, match="may not change fields other than"):
        api.apply(Pod.model_validate({"metadata": {"name": "a"},
                                      "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "app:2",
                                                                                 "resources": {"requests": {"cpu": "1"}}}]}}))
