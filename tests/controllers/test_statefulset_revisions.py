"""StatefulSet revisions: FNV-1 (Go's hash/fnv golden values), revision names, and the history
rules of getStatefulSetRevisions and truncateHistory worked by hand."""

from __future__ import annotations

import json

from kbench.api.objects import Pod
from kbench.api.workloads import StatefulSet
from kbench.controllers.deployment.hashing import safe_encode_string
from kbench.controllers.statefulset.pods import is_member_of, parent_and_ordinal
from kbench.controllers.statefulset.revisions import History, Revision, fnv32, revision_data, revision_name


def sts(image: str, current: str = "", limit: int = 10, collisions: int | None = None) -> StatefulSet:
    return StatefulSet.model_validate({"metadata": {"name": "web", "namespace": "default", "uid": "u1"}, "spec": {
        "replicas": 1, "revisionHistoryLimit": limit, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": image}]}}},
        "status": {"currentRevision": current, "collisionCount": collisions}})


def test_fnv1_golden_values() -> None:
    # hash/fnv golden32 (New32 is FNV-1, not FNV-1a).
    assert [fnv32(s) for s in (b"", b"a", b"ab", b"abc")] == [0x811C9DC5, 0x050C5D7E, 0x70772D38, 0x439C2F4B]


def test_revision_data_is_a_replace_patch_of_the_template() -> None:
    data = json.loads(revision_data(sts("web:1").spec.template))
    assert list(data) == ["spec"] and list(data["spec"]) == ["template"]
    assert data["spec"]["template"]["$patch"] == "replace"
    assert data["spec"]["template"]["spec"]["containers"][0]["image"] == "web:1"


def test_revision_name_hashes_the_data_and_collision_count() -> None:
    data = revision_data(sts("web:1").spec.template)
    assert revision_name("web", data, 0) == "web-" + safe_encode_string(str(fnv32(data + b"0")))
    assert revision_name("web", data, 1) != revision_name("web", data, 0)
    assert revision_name("x" * 300, data, 0).startswith("x" * 223 + "-")


def test_update_current_and_rollback() -> None:
    h = History("u1")
    cur, upd, cc = h.revisions(sts("web:1"), h.listed())
    assert cur is upd and upd.revision == 1 and cc == 0
    first = upd.name
    # the same template again: the same revision
    cur, upd, _ = h.revisions(sts("web:1", current=first), h.listed())
    assert (cur.name, upd.name, upd.revision) == (first, first, 1)
    # a new template: revision 2; status.currentRevision stays current
    cur, upd, _ = h.revisions(sts("web:2", current=first), h.listed())
    assert (cur.name, upd.revision) == (first, 2) and upd.name != first
    second = upd.name
    # back to the first template: that revision is renumbered 3, not recreated
    cur, upd, _ = h.revisions(sts("web:1", current=second), h.listed())
    assert (cur.name, upd.name, upd.revision) == (second, first, 3)
    assert [(r.name, r.revision) for r in h.listed()] == [(second, 2), (first, 3)]


def test_a_name_taken_by_other_data_bumps_the_collision_count() -> None:
    h = History("u1")
    s = sts("web:2")
    taken = revision_name("web", revision_data(s.spec.template), 0)
    _, other, _ = h.revisions(sts("web:1"), h.listed())
    h.by_name[taken] = Revision(taken, 1, other.template, other.data)   # web:1's data under web:2's name
    _, upd, cc = h.revisions(s, h.listed())
    assert cc == 1 and upd.name == revision_name("web", revision_data(s.spec.template), 1)


def test_truncate_keeps_live_revisions_and_the_newest_history() -> None:
    h = History("u1")
    names = []
    for i in range(1, 5):
        _, upd, _ = h.revisions(sts(f"web:{i}"), h.listed())
        names.append(upd.name)
    # revisions 1..4; 4 is current and update, a pod still runs revision 1: history = [2, 3]
    pod = Pod.model_validate({"metadata": {"name": "web-0", "labels": {"controller-revision-hash": names[0]}}})
    s = sts("web:4", current=names[3], limit=1)
    listed = h.listed()
    cur, upd, _ = h.revisions(s, listed)
    h.truncate(s, listed, [pod], cur, upd)
    assert [r.name for r in h.listed()] == [names[0], names[2], names[3]]


def test_member_names() -> None:
    def pod(name: str) -> Pod:
        return Pod.model_validate({"metadata": {"name": name}})
    assert parent_and_ordinal(pod("web-12")) == ("web", 12)
    assert parent_and_ordinal(pod("my-web-3")) == ("my-web", 3)
    assert parent_and_ordinal(pod("web")) == ("", -1)
    assert parent_and_ordinal(pod("web-99999999999")) == ("web", -1)
    s = sts("web:1")
    assert is_member_of(s, pod("web-0")) and not is_member_of(s, pod("web2-0")) and not is_member_of(s, pod("web-x"))
