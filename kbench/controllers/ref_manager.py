"""BaseControllerRefManager.ClaimObject (pkg/controller/controller_ref_manager.go): a controller
claims the objects it owns that its selector still matches, releases the ones it owns that no
longer match, adopts matching orphans, and ignores what another controller owns.

Adoption and release are patches of ``metadata.ownerReferences`` with the object's uid as a
precondition; they carry no resourceVersion. Before the first adoption of a claim the owner is
read again from the API server (RecheckDeletionTimestamp), so an owner being deleted adopts
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

from pydantic import BaseModel

from kbench.api.selectors import Selector
from kbench.controllers.base import controller_of, controller_ref
from kbench.controllers.blocking import Call, call
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer


def adopt(api: APIServer, kind: str, namespace: str, name: str, uid: str, owner: BaseModel) -> BaseModel:
    """The adoption patch: add ``owner`` as controller of the object that has ``uid``."""
    obj = api.get(kind, namespace, name)
    meta = obj.metadata  # type: ignore[attr-defined]
    if meta.uid != uid:
        raise APIError("Conflict", f"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta.uid}")
    if controller_of(obj) is not None:
        raise APIError("Invalid", f'{kind} "{name}" is invalid: metadata.ownerReferences: Invalid value: '
                                  "Only one reference can have Controller set to true")
    ref = controller_ref(owner)
    refs = [r for r in meta.owner_references if r.uid != ref.uid] + [ref]
    return api.update(obj.model_copy(update={"metadata": meta.model_copy(update={"owner_references": refs})}))


def release(api: APIServer, kind: str, namespace: str, name: str, uid: str, owner_uid: str) -> BaseModel:
    """The release patch: drop the owner reference to ``owner_uid`` from the object that has ``uid``."""
    obj = api.get(kind, namespace, name)
    meta = obj.metadata  # type: ignore[attr-defined]
    if meta.uid != uid:
        raise APIError("Invalid", f"{kind} {name}: uid {meta.uid} does not match {uid}")
    refs = [r for r in meta.owner_references if r.uid != owner_uid]
    return api.update(obj.model_copy(update={"metadata": meta.model_copy(update={"owner_references": refs})}))


def recheck_deletion(api: APIServer, kind: str, namespace: str, name: str, uid: str) -> BaseModel:
    """RecheckDeletionTimestamp: read the owner afresh; fail if it is gone, replaced or being deleted."""
    try:
        fresh = api.get(kind, namespace, name)
    except APIError as e:
        raise APIError(e.reason, f"can't recheck DeletionTimestamp: {e}") from None
    meta = fresh.metadata  # type: ignore[attr-defined]
    if meta.uid != uid:
        raise APIError("Conflict", f"original {kind} {namespace}/{name} is gone: got uid {meta.uid}, wanted {uid}")
    if meta.deletion_timestamp is not None:
        raise APIError("Conflict", f"{namespace}/{name} has just been deleted at {meta.deletion_timestamp}")
    return fresh


def claim(api: APIServer, owner: BaseModel, selector: Selector, objects: Sequence[BaseModel],
          match: Callable[[BaseModel], bool] | None = None) -> Generator[Call, Any, list[BaseModel]]:
    """ClaimPods / ClaimReplicaSets: the objects ``owner`` controls after adopting and releasing,
    one patch at a time. Raises the first error after trying every object (the aggregate)."""
    meta = owner.metadata  # type: ignore[attr-defined]
    owner_kind: str = owner.kind  # type: ignore[attr-defined]
    deleting = meta.deletion_timestamp is not None
    claimed: list[BaseModel] = []
    errors: list[APIError] = []
    can_adopt: list[APIError | None] = []

    def matches(obj: BaseModel) -> bool:
        return selector.matches(obj.metadata.labels) and (match is None or match(obj))  # type: ignore[attr-defined]

    for obj in objects:
        om = obj.metadata  # type: ignore[attr-defined]
        kind: str = obj.kind  # type: ignore[attr-defined]
        ref = controller_of(obj)
        if ref is not None:
            if ref.uid != meta.uid:
                continue
            if matches(obj):
                claimed.append(obj)
                continue
            if deleting:
                continue
            try:
                yield call(release, api, kind, om.namespace, om.name, om.uid, meta.uid)
            except APIError as e:
                if e.reason not in ("NotFound", "Invalid"):
                    errors.append(e)
            continue
        if deleting or not matches(obj) or om.deletion_timestamp is not None or om.namespace != meta.namespace:
            continue
        if not can_adopt:
            try:
                yield call(recheck_deletion, api, owner_kind, meta.namespace, meta.name, meta.uid)
                can_adopt.append(None)
            except APIError as e:
                can_adopt.append(e)
        if can_adopt[0] is not None:
            errors.append(can_adopt[0])
            continue
        try:
            yield call(adopt, api, kind, om.namespace, om.name, om.uid, owner)
        except APIError as e:
            if e.reason != "NotFound":
                errors.append(e)
            continue
        claimed.append(obj)
    if errors:
        raise errors[0]
    return claimed
