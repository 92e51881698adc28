"""The garbage collector (pkg/controller/garbagecollector, kube-controller-manager's
"garbagecollector"): cascading deletion through ownerReferences.

When an object goes, each object that names it in ``metadata.ownerReferences`` is looked at
(attemptToDeleteItem): it is skipped if it is already being deleted or has no owner references;
every reference is checked with a GET of the owner (by kind, the dependent's namespace and name):
absent, or present with another uid, the reference is *dangling*, else *solid*. With a solid owner
left, the dangling references are removed from the dependent (a patch); with none, the dependent is
deleted with background propagation, and its own dependents follow when that deletion is
observed. An object that appears naming an owner that does not exist is looked at the same way (the
graph builder's virtual owner nodes). Deleting a Deployment thus deletes its ReplicaSets, then
their pods, each pod with its grace period.

Simplified: only background propagation exists (``kubectl delete``'s default, and what the
collector itself uses); there is no foreground deletion (``foregroundDeletion`` finalizer,
blockOwnerDeletion) and no orphaning (``orphan`` finalizer, ``--cascade=orphan``); batch/v1's
API default of orphaning a Job's pods does not arise because kbench deletes as ``kubectl`` does.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from pydantic import BaseModel

from kbench.controllers.base import Controller, InformerFactory
from kbench.controllers.manager import register
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

KINDS = ("Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicationController")
"""The kinds whose objects own or are owned in kbench (the collector watches these)."""
OWNER_INDEX = "owner-uid"


def owner_uids(obj: BaseModel) -> list[str]:
    """Informer index: the uid of every owner the object names."""
    return [o.uid for o in obj.metadata.owner_references if o.uid]  # type: ignore[attr-defined]


Key = tuple[str, str, str, str]
"""(kind, namespace, name, uid) of an object to look at."""


def key_of(obj: BaseModel) -> Key:
    meta = obj.metadata  # type: ignore[attr-defined]
    return (obj.kind, meta.namespace or "", meta.name, meta.uid or "")  # type: ignore[attr-defined]


@register
class GarbageCollector(Controller):
    """Deletes objects whose owners are all gone; drops references to gone owners of the others."""

    name = "garbagecollector"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.watched = {kind: informers.get(kind) for kind in KINDS}
        for inf in self.watched.values():
            inf.add_indexer(OWNER_INDEX, owner_uids)
            inf.add_handlers(on_add=self._seen, on_update=lambda old, new: self._seen(new), on_delete=self._gone)

    def _seen(self, obj: BaseModel) -> None:
        """An object naming an owner the caches do not hold is looked at (a virtual owner node)."""
        meta = obj.metadata  # type: ignore[attr-defined]
        if not meta.owner_references or meta.deletion_timestamp is not None:
            return
        if any(not self._cached(ref, meta.namespace) for ref in meta.owner_references):
            self.queue.add(key_of(obj))

    def _cached(self, ref: Any, namespace: str | None) -> bool:
        """Whether the owner a reference names is in the informer cache with that uid."""
        inf = self.watched.get(ref.kind)
        if inf is None:
            return True  # a kind kbench does not store: never observed, left alone
        return inf.get_named(namespace or "default", ref.name, ref.uid) is not None

    def _gone(self, obj: BaseModel) -> None:
        """An object was deleted: each of its dependents is looked at."""
        uid = obj.metadata.uid  # type: ignore[attr-defined]
        if not uid:
            return
        for inf in self.watched.values():
            for dep in inf.by_index(OWNER_INDEX, uid):
                self.queue.add(key_of(dep))

    def sync(self, key: Hashable) -> None:
        """attemptToDeleteItem for one object."""
        assert isinstance(key, tuple)
        kind, namespace, name, uid = (str(part) for part in key)
        latest = self.api.get_if(kind, namespace or None, name, uid)
        if latest is None:
            return
        meta = latest.metadata  # type: ignore[attr-defined]
        if meta.deletion_timestamp is not None or not meta.owner_references:
            return
        dangling = [ref for ref in meta.owner_references if self._dangling(ref, namespace)]
        if not dangling:
            return
        if len(dangling) < len(meta.owner_references):
            keep = [ref for ref in meta.owner_references if ref not in dangling]
            self.write(self._drop_references, kind, namespace, name, uid, keep)
            return
        self.write(self._delete, kind, namespace, name, uid)

    def _dangling(self, ref: Any, namespace: str) -> bool:
        """isDangling: the owner is absent, or present with another uid (a GET of the owner)."""
        if ref.kind not in self.watched:
            return False
        try:
            owner = self.api.get(ref.kind, namespace or None, ref.name)
        except APIError:
            return True
        return (owner.metadata.uid or "") != ref.uid  # type: ignore[attr-defined]

    def _delete(self, kind: str, namespace: str, name: str, uid: str) -> BaseModel | None:
        """Delete the object (background propagation), if it is still the one looked at."""
        if self.api.get_if(kind, namespace or None, name, uid) is None:
            return None
        return self.api.delete(kind, namespace or None, name)

    def _drop_references(self, kind: str, namespace: str, name: str, uid: str, keep: list[Any]) -> BaseModel | None:
        """The patch that removes dangling ownerReferences."""
        obj = self.api.get_if(kind, namespace or None, name, uid)
        if obj is None:
            return None
        meta = obj.metadata.model_copy(update={"owner_references": keep})  # type: ignore[attr-defined]
        return self.api.update(obj.model_copy(update={"metadata": meta}))
