"""deployment_util.go's EqualIgnoreHash, FindNewReplicaSet and FindOldReplicaSets, and
controller_utils.go's ReplicaSetsByCreationTimestamp, worked by hand."""

from __future__ import annotations

from kbench.api.workloads import PodTemplateSpec, ReplicaSet
from kbench.controllers.deployment.util import (
    UNIQUE_LABEL_KEY,
    by_creation,
    equal_ignore_hash,
    find_new_replica_set,
    find_old_replica_sets,
    without_hash,
)
from tests.controllers.apps_world import deployment, template


def _template(image: str = "app:1", **labels: str) -> PodTemplateSpec:
    t = template(image)
    t["metadata"]["labels"] = {"app": "web", **labels}
    return PodTemplateSpec.model_validate(t)


def _rs(name: str, created: float, t: PodTemplateSpec) -> ReplicaSet:
    rs = ReplicaSet.model_validate({"metadata": {"name": name, "namespace": "default", "uid": name,
                                                 "creationTimestamp": created},
                                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                                             "template": template()}})
    return rs.model_copy(update={"spec": rs.spec.model_copy(update={"template": t})})


def test_equal_ignore_hash_ignores_only_the_hash_label() -> None:
    plain = _template()
    hashed = _template(**{UNIQUE_LABEL_KEY: "abc"})
    assert equal_ignore_hash(plain, hashed) and equal_ignore_hash(hashed, plain)
    assert equal_ignore_hash(hashed, _template(**{UNIQUE_LABEL_KEY: "xyz"}))
    assert not equal_ignore_hash(hashed, _template("app:2", **{UNIQUE_LABEL_KEY: "abc"}))
    assert not equal_ignore_hash(plain, _template(tier="front"))
    # asked again about the same objects, the answers do not change
    for _ in range(2):
        assert equal_ignore_hash(plain, hashed)
        assert not equal_ignore_hash(hashed, _template("app:2"))
    assert UNIQUE_LABEL_KEY not in without_hash(hashed).metadata.labels
    assert hashed.metadata.labels[UNIQUE_LABEL_KEY] == "abc"
    assert without_hash(plain) == plain


def test_creation_order_breaks_ties_by_name() -> None:
    t = _template()
    rss = [_rs("c", 10.0, t), _rs("b", 10.4, t), _rs("a", 12.0, t), _rs("d", 9.0, t)]
    # creation timestamps compare at whole seconds: c and b (both second 10) tie, then name order
    assert [rs.metadata.name for rs in by_creation(rss)] == ["d", "b", "c", "a"]


def test_the_new_replica_set_is_the_oldest_with_the_deployments_template() -> None:
    d = deployment(image="app:2")
    new_t = _template("app:2", **{UNIQUE_LABEL_KEY: "h2"})
    rss = [_rs("web-h1", 1.0, _template("app:1", **{UNIQUE_LABEL_KEY: "h1"})), _rs("web-h2b", 6.0, new_t),
           _rs("web-h2a", 5.0, new_t)]
    new = find_new_replica_set(d, rss)
    assert new is not None and new.metadata.name == "web-h2a"
    with_replicas, old = find_old_replica_sets(d, rss)
    assert [rs.metadata.name for rs in old] == ["web-h1", "web-h2b"]
    assert [rs.metadata.name for rs in with_replicas] == ["web-h1", "web-h2b"]
