"""Selectors of a pod's Services and controller, merged as helper.DefaultSelector does.

PodTopologySpread's system default constraints spread a pod by this selector; a pod with no
Service and no known controller gets the empty selector, and so no default constraints.
"""

from __future__ import annotations

from pydantic import BaseModel

from kbench.api.objects import Pod, ReplicationController, Service
from kbench.api.selectors import Requirement, Selector, label_selector
from kbench.api.workloads import ReplicaSet, StatefulSet

_CONTROLLER_KINDS = {
    ("v1", "ReplicationController"): ReplicationController,
    ("apps/v1", "ReplicaSet"): ReplicaSet,
    ("apps/v1", "StatefulSet"): StatefulSet,
}


class Owners:
    """Services and controllers by namespace and name."""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Service]] = {}
        self.controllers: dict[tuple[str, str, str], BaseModel] = {}

    def add(self, obj: BaseModel) -> None:
        meta = obj.metadata  # type: ignore[attr-defined]
        ns = meta.namespace or "default"
        if isinstance(obj, Service):
            self.services.setdefault(ns, {})[meta.name] = obj
        else:
            self.controllers[(obj.kind, ns, meta.name)] = obj  # type: ignore[attr-defined]

    def remove(self, obj: BaseModel) -> None:
        """Forget a Service or controller (it was deleted)."""
        meta = obj.metadata  # type: ignore[attr-defined]
        ns = meta.namespace or "default"
        if isinstance(obj, Service):
            self.services.get(ns, {}).pop(meta.name, None)
        else:
            self.controllers.pop((obj.kind, ns, meta.name), None)  # type: ignore[attr-defined]

    def default_selector(self, pod: Pod) -> Selector:
        """Mirrors helper.DefaultSelector(pod, services, rcs, rss, sss)."""
        labels = pod.metadata.labels
        merged: dict[str, str] = {}
        for svc in self.services.get(pod.namespace, {}).values():
            sel = svc.spec.selector
            if sel is None:
                continue
            if all(labels.get(k) == v for k, v in sel.items()):
                merged.update(sel)
        selector = _from_set(merged)
        owner = next((o for o in pod.metadata.owner_references if o.controller), None)
        if owner is None:
            return selector
        kind = _CONTROLLER_KINDS.get((owner.api_version, owner.kind))
        ctrl = self.controllers.get((owner.kind, pod.namespace, owner.name)) if kind else None
        if isinstance(ctrl, ReplicationController):
            merged.update(ctrl.spec.selector or {})
            return _from_set(merged)
        if isinstance(ctrl, (ReplicaSet, StatefulSet)):
            other = label_selector(ctrl.spec.selector)
            if not other.nothing:
                return Selector(selector.requirements + other.requirements)
        return selector


def _from_set(labels: dict[str, str]) -> Selector:
    """labels.Set.AsSelector(): one equality per key, sorted by key."""
    return Selector(tuple(Requirement(k, "In", frozenset([v])) for k, v in sorted(labels.items())))
