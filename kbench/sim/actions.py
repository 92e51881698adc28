"""Scripted actions of a policy: what an operator does to the cluster at given simulated times
(``kubectl scale``, ``kubectl set image``, ``kubectl rollout undo``, ``kubectl delete``, a node
or a whole zone going down and coming back).

Each action is one entry of the policy's ``actions`` list: ``at`` (simulated seconds) and exactly
one action key::

    actions:
      - {at: 600, scale: {kind: Deployment, namespace: shop, name: web, replicas: 30}}
      - {at: 900, set_image: {kind: Deployment, namespace: shop, name: web, container: web, image: "web:2"}}
      - {at: 1500, rollback: {namespace: shop, name: web}}          # to the previous revision
      - {at: 1200, stop_node: {node: node-3, until: 1800}}          # until: optional
      - {at: 1200, stop_zone: {zone: zone-b, until: 2400}}
      - {at: 2000, delete: {kind: Deployment, namespace: shop, name: web}}

Actions go through the API server like any client's writes; one that fails (e.g. the object does
not exist) records a Warning event ``FailedAction`` and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kbench.controllers.deployment import rollback as deployment_rollback
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

ScalableKind = Literal["Deployment", "ReplicaSet", "StatefulSet"]
TemplatedKind = Literal["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    kind: ScalableKind = "Deployment"
    namespace: str = "default"
    name: str
    replicas: int = Field(ge=0)


class SetImage(_Strict):
    kind: TemplatedKind = "Deployment"
    namespace: str = "default"
    name: str
    container: str
    image: str


class Rollback(_Strict):
    namespace: str = "default"
    name: str
    revision: int = Field(default=0, ge=0, description="0: the previous revision")


class Delete(_Strict):
    kind: str
    namespace: str | None = "default"
    name: str


class StopNode(_Strict):
    node: str
    until: float | None = Field(default=None, gt=0)


class StopZone(_Strict):
    zone: str
    until: float | None = Field(default=None, gt=0)


_ACTIONS = ("scale", "set_image", "rollback", "delete", "stop_node", "stop_zone")


class Action(_Strict):
    at: float = Field(ge=0)
    scale: Scale | None = None
    set_image: SetImage | None = None
    rollback: Rollback | None = None
    delete: Delete | None = None
    stop_node: StopNode | None = None
    stop_zone: StopZone | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Action:
        given = [a for a in _ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(f"expected exactly one of {', '.join(_ACTIONS)}, got {len(given)}")
        until = getattr(self.stop_node or self.stop_zone, "until", None)
        if until is not None and until <= self.at:
            raise ValueError(f"until ({until}) must be after at ({self.at})")
        return self

    @property
    def what(self) -> str:
        """The action's key (``scale``, ``stop_node``, ...)."""
        return next(a for a in _ACTIONS if getattr(self, a) is not None)


def scale(api: APIServer, a: Scale) -> BaseModel:
    """``kubectl scale``: set spec.replicas."""
    obj = api.get(a.kind, a.namespace, a.name)
    spec = obj.spec.model_copy(update={"replicas": a.replicas})  # type: ignore[attr-defined]
    return api.update(obj.model_copy(update={"spec": spec}))


def set_image(api: APIServer, a: SetImage) -> BaseModel:
    """``kubectl set image``: change one container's image in the pod template."""
    obj = api.get(a.kind, a.namespace, a.name)
    template = obj.spec.template  # type: ignore[attr-defined]
    names = [c.name for c in template.spec.containers]
    if a.container not in names:
        raise APIError("NotFound", f"unable to find container named {a.container!r} in {a.kind} {a.name}")
    containers = [c.model_copy(update={"image": a.image}) if c.name == a.container else c
                  for c in template.spec.containers]
    pod_spec = template.spec.model_copy(update={"containers": containers})
    spec = obj.spec.model_copy(update={"template": template.model_copy(update={"spec": pod_spec})})  # type: ignore[attr-defined]
    return api.update(obj.model_copy(update={"spec": spec}))


def rollback(api: APIServer, a: Rollback) -> BaseModel:
    """``kubectl rollout undo [--to-revision]``."""
    return deployment_rollback(api, a.namespace, a.name, a.revision)


def delete(api: APIServer, a: Delete) -> BaseModel:
    """``kubectl delete``."""
    return api.delete(a.kind, a.namespace, a.name)


def schedule_actions(api: APIServer, actions: list[Action],
                     handlers: dict[str, Callable[[Any], None]] | None = None) -> None:
    """Schedule each action at its time. ``handlers`` maps the actions that are not API writes
    (``stop_node``, ``stop_zone``) to the component that performs them."""
    writes: dict[str, Callable[[APIServer, Any], BaseModel]] = {"scale": scale, "set_image": set_image,
                                                               "rollback": rollback, "delete": delete}
    for action in actions:
        what = action.what
        arg = getattr(action, what)
        if what in writes:
            api.engine.at(action.at, _send, api, what, writes[what], arg)
        else:
            if handlers is None or what not in handlers:
                raise ValueError(f"no handler for action {what!r}")
            api.engine.at(action.at, handlers[what], arg)


def _send(api: APIServer, what: str, fn: Callable[[APIServer, Any], BaseModel], arg: Any) -> None:
    api.submit(fn, api, arg, on_done=lambda result: _report(api, what, arg, result))


def _report(api: APIServer, what: str, arg: Any, result: Any) -> None:
    if isinstance(result, APIError):
        target = getattr(arg, "name", "")
        api.event("Warning", "FailedAction", getattr(arg, "kind", ""), target, f"{what} failed: {result}")
