"""The API errors admission returns, worded as kube-apiserver words them
(apiserver/pkg/admission/errors.go NewForbidden, apimachinery/pkg/api/errors NewInvalid)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from kbench.api.label_validation import aggregate
from kbench.errors import APIError

GROUPS = {"PriorityClass": "scheduling.k8s.io"}
"""API group of the kinds admission handles outside the core group."""
RESOURCES = {"Pod": "pods", "PriorityClass": "priorityclasses", "ResourceQuota": "resourcequotas",
             "LimitRange": "limitranges"}


def _name(obj: BaseModel) -> str:
    """extractResourceName: the name, else the generateName (no name is generated yet), else Unknown."""
    meta = obj.metadata  # type: ignore[attr-defined]
    return str(meta.name or meta.generate_name or "Unknown")


def forbidden(obj: BaseModel, reason: str) -> APIError:
    """admission.NewForbidden: ``<resource>[.<group>] "<name>" is forbidden: <reason>``."""
    kind = obj.kind  # type: ignore[attr-defined]
    group = GROUPS.get(kind)
    resource = RESOURCES.get(kind, kind.lower() + "s") + (f".{group}" if group else "")
    return APIError("Forbidden", f'{resource} "{_name(obj)}" is forbidden: {reason}')


def invalid(obj: BaseModel, errors: Sequence[str]) -> APIError:
    """apierrors.NewInvalid: ``<Kind>[.<group>] "<name>" is invalid: <field errors>``."""
    kind = obj.kind  # type: ignore[attr-defined]
    group = GROUPS.get(kind)
    return APIError("Invalid", f'{kind}{"." + group if group else ""} "{_name(obj)}" is invalid: {aggregate(errors)}')
