"""Informer indices (cache.Indexers): objects are refiled as their index values change, and
``by_indices`` lists the union of several index values once each, in key order."""

from __future__ import annotations

import numpy as np

from kbench.api.objects import Pod
from kbench.controllers.base import ORPHAN_INDEX, controller_ref, orphan_index
from kbench.etcd import Store
from kbench.sim.apiserver import APIServer
from kbench.sim.engine import Engine
from kbench.sim.informers import Informer, controller_index, namespace_index


def world() -> tuple[Engine, APIServer, Informer]:
    eng = Engine(np.random.default_rng(0))
    api = APIServer(Store(), eng)
    inf = Informer(api, "Pod")
    inf.add_indexer("namespace", namespace_index)
    inf.add_indexer("controller", controller_index)
    inf.add_indexer(ORPHAN_INDEX, orphan_index)
    return eng, api, inf


def pod(name: str, ns: str = "default") -> Pod:
    return Pod.model_validate({"metadata": {"name": name, "namespace": ns}, "spec": {"containers": [{"name": "c"}]}})


def names(objs: list) -> list[str]:  # type: ignore[type-arg]
    return [o.metadata.name for o in objs]


def test_adoption_and_release_refile_the_pod() -> None:
    eng, api, inf = world()
    owner = api.create(pod("owner"))
    inf.start()
    p = api.create(pod("p"))
    eng.run(until=1)
    assert names(inf.by_index(ORPHAN_INDEX, "default")) == ["owner", "p"]
    meta = p.metadata
    api.update(p.model_copy(update={"metadata": meta.model_copy(update={"owner_references": [controller_ref(owner)],
                                                                          "resource_version": None})}))
    eng.run(until=2)
    uid = owner.metadata.uid  # type: ignore[attr-defined]
    assert names(inf.by_index("controller", uid)) == ["p"]
    assert names(inf.by_index(ORPHAN_INDEX, "default")) == ["owner"]
    adopted = api.get("Pod", "default", "p")
    api.update(adopted.model_copy(update={"metadata": adopted.metadata.model_copy(update={"owner_references": []})}))  # type: ignore[attr-defined]
    eng.run(until=3)
    assert inf.by_index("controller", uid) == []
    assert names(inf.by_index(ORPHAN_INDEX, "default")) == ["owner", "p"]
    api.delete("Pod", "default", "p")
    eng.run(until=4)
    assert names(inf.by_index(ORPHAN_INDEX, "default")) == ["owner"]
    assert names(inf.by_index("namespace", "default")) == ["owner"]


def test_by_indices_lists_the_union_in_key_order() -> None:
    eng, api, inf = world()
    owner = api.create(pod("owner", "other"))
    inf.start()
    for name, owned in (("d", True), ("b", False), ("a", True), ("c", False)):
        p = pod(name)
        if owned:
            p = p.model_copy(update={"metadata": p.metadata.model_copy(update={"owner_references": [controller_ref(owner)]})})
        api.create(p)
    api.create(pod("e", "third"))
    eng.run(until=1)
    uid = owner.metadata.uid  # type: ignore[attr-defined]
    assert names(inf.by_indices(("controller", uid), (ORPHAN_INDEX, "default"))) == ["a", "b", "c", "d"]
    # an object under both queries is listed once
    assert names(inf.by_indices(("namespace", "default"), (ORPHAN_INDEX, "default"))) == ["a", "b", "c", "d"]
    assert inf.by_indices(("controller", "nobody")) == []
