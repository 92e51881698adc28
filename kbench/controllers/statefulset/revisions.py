"""A StatefulSet's revisions (pkg/controller/history and getStatefulSetRevisions/truncateHistory of
stateful_set_control.go): each distinct pod template is a revision named ``<set>-<hash>``, the
value of its pods' ``controller-revision-hash`` label.

The revision's data is getPatch's strategic merge patch ``{"spec":{"template":{...,"$patch":
"replace"}}}``, which Go marshals from maps (sorted keys, no spaces), and the hash is
HashControllerRevision: 32-bit FNV-1 of the data followed by the decimal collisionCount, encoded
by rand.SafeEncodeString. kbench marshals the template from its own model (JSON with the unset
fields left out), not from Go's v1 types with their API defaults, so names are stable and change
exactly when the template does, but do not equal a real cluster's.

A sync finds the update revision (the current template's: the latest revision if its data is
equal, an older equal revision renumbered as the newest, or a new one, the collisionCount bumped
on a name taken by different data), and the current revision (status.currentRevision's, else the
update revision); afterwards the revisions that are neither of those nor a pod's are deleted,
oldest first, beyond revisionHistoryLimit.

Simplified: ControllerRevision objects are not stored in the API server; the controller keeps
each StatefulSet's revisions in memory (what it would read from its ControllerRevision informer),
so creating, renumbering and deleting them costs no API calls and no write latency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from kbench.api.objects import Pod
from kbench.api.workloads import PodTemplateSpec, StatefulSet
from kbench.controllers.deployment.hashing import safe_encode_string

REVISION_LABEL = "controller-revision-hash"
"""apps.StatefulSetRevisionLabel (= ControllerRevisionHashLabelKey)."""
MAX_PREFIX = 223


def fnv32(data: bytes) -> int:
    """The 32-bit FNV-1 hash (hash/fnv New32, which HashControllerRevision uses)."""
    h = 2166136261
    for b in data:
        h = ((h * 16777619) & 0xFFFFFFFF) ^ b
    return h


def revision_data(template: PodTemplateSpec) -> bytes:
    """getPatch: the patch that restores ``template``, keys sorted as Go marshals maps."""
    body = template.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps({"spec": {"template": {**body, "$patch": "replace"}}}, sort_keys=True,
                      separators=(",", ":")).encode()


def revision_name(parent: str, data: bytes, collision_count: int) -> str:
    """ControllerRevisionName(parent, HashControllerRevision(data, &collisionCount))."""
    digest = safe_encode_string(str(fnv32(data + str(collision_count).encode())))
    return f"{parent[:MAX_PREFIX]}-{digest}"


@dataclass(frozen=True)
class Revision:
    """A ControllerRevision: its name, Revision number, and the template it restores."""

    name: str
    revision: int
    template: PodTemplateSpec
    data: bytes


def pod_revision(pod: Pod) -> str:
    """getPodRevision: the pod's ``controller-revision-hash`` label ('' when unset)."""
    return pod.metadata.labels.get(REVISION_LABEL, "")


class History:
    """The revisions of one StatefulSet (by uid), by name."""

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.by_name: dict[str, Revision] = {}

    def listed(self) -> list[Revision]:
        """ListControllerRevisions sorted as SortControllerRevisions (by Revision, then name)."""
        return sorted(self.by_name.values(), key=lambda r: (r.revision, r.name))

    def revisions(self, sts: StatefulSet, listed: list[Revision]) -> tuple[Revision, Revision, int]:
        """getStatefulSetRevisions: (current revision, update revision, collisionCount)."""
        collision_count = sts.status.collision_count or 0
        template = sts.spec.template
        data = revision_data(template)
        number = listed[-1].revision + 1 if listed else 1
        equal = [r for r in listed if r.data == data]
        if equal and listed[-1].data == data:
            update = listed[-1]
        elif equal:
            update = self.by_name[equal[-1].name] = replace(equal[-1], revision=number)
        else:
            while True:
                name = revision_name(sts.metadata.name, data, collision_count)
                taken = self.by_name.get(name)
                if taken is None:
                    update = self.by_name[name] = Revision(name, number, template, data)
                    break
                if taken.data == data:
                    update = taken
                    break
                collision_count += 1
        current = next((r for r in listed if r.name == sts.status.current_revision), update)
        return current, update, collision_count

    def truncate(self, sts: StatefulSet, listed: list[Revision], pods: Iterable[Pod], current: Revision,
                 update: Revision) -> None:
        """truncateHistory: delete the oldest revisions no pod uses beyond revisionHistoryLimit."""
        live = {current.name, update.name} | {pod_revision(p) for p in pods}
        history = [r for r in listed if r.name not in live]
        excess = len(history) - sts.spec.revision_history_limit
        for r in history[:max(excess, 0)]:
            self.by_name.pop(r.name, None)
