"""Read Kubernetes manifests (YAML streams or `kind: List`) into validated objects.

Errors name the file and the field path, e.g.
``pod.yaml: spec.containers[0].resources.requests.cpu: invalid quantity '12x'``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kbench.api.objects import Namespace, Node, Pod, ReplicationController, Service
from kbench.api.policy import PodDisruptionBudget
from kbench.api.quota import LimitRange, ResourceQuota
from kbench.api.scheduling import PriorityClass
from kbench.api.workloads import DaemonSet, Deployment, Job, ReplicaSet, StatefulSet
from kbench.errors import FieldError, InputError
from kbench.validation import describe

KINDS: dict[str, type[BaseModel]] = {
    "Pod": Pod,
    "Node": Node,
    "Namespace": Namespace,
    "Service": Service,
    "ReplicationController": ReplicationController,
    "ReplicaSet": ReplicaSet,
    "StatefulSet": StatefulSet,
    "Deployment": Deployment,
    "DaemonSet": DaemonSet,
    "Job": Job,
    "PriorityClass": PriorityClass,
    "ResourceQuota": ResourceQuota,
    "LimitRange": LimitRange,
    "PodDisruptionBudget": PodDisruptionBudget,
}


def read_yaml_documents(path: str | Path) -> list[Any]:
    """All YAML documents in a file; a syntax error becomes an InputError with its line."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise InputError(str(path), "", f"cannot read file: {e.strerror or e}") from None
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(str(path), "", f"invalid YAML{where}: {problem}") from None


def parse_object(doc: Any, file: str, where: str = "") -> BaseModel:
    """Validate one manifest; ``where`` prefixes field paths inside a stream (e.g. ``items[3].``)."""
    if not isinstance(doc, dict):
        raise InputError(file, where.rstrip(".") or "", "expected a Kubernetes object (a YAML mapping)")
    kind = doc.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise InputError(file, where + "kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
    try:
        obj = model.model_validate(doc)
    except ValidationError as e:
        path, msg = describe(e)
        raise InputError(file, where + path, msg) from None
    try:
        _check(obj)
    except FieldError as e:
        raise InputError(file, where + e.field, e.message) from None
    return obj


def _check(obj: BaseModel) -> None:
    """Semantic validation the API server does that a schema cannot say."""
    if not obj.metadata.name:  # type: ignore[attr-defined]
        raise FieldError("metadata.name", "required field is missing")
    if isinstance(obj, Pod):
        if not obj.spec.containers:
            raise FieldError("spec.containers", "a pod needs at least one container")
        for group in ("init_containers", "containers"):
            for i, c in enumerate(getattr(obj.spec, group)):
                for what in ("requests", "limits"):
                    for name, q in getattr(c.resources, what).items():
                        if q.amount < 0:
                            camel = "initContainers" if group == "init_containers" else "containers"
                            raise FieldError(
                                f"spec.{camel}[{i}].resources.{what}.{name}",
                                f"must be greater than or equal to 0, got '{q.text}'",
                            )


@dataclass
class Manifests:
    """Objects read from one or more files, in file order."""

    nodes: list[Node] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    owners: list[BaseModel] = field(default_factory=list)
    """Services, ReplicationControllers, ReplicaSets and StatefulSets (selectors for spreading defaults)."""


def manifest_documents(path: str | Path) -> Iterator[tuple[Any, str]]:
    """Each document of a manifest file (items of a ``kind: List`` one by one) with its field-path prefix."""
    docs = read_yaml_documents(path)
    multi = len(docs) > 1
    for i, doc in enumerate(docs):
        if isinstance(doc, dict) and doc.get("kind") == "List":
            for j, item in enumerate(doc.get("items") or []):
                yield item, (f"[{i}]." if multi else "") + f"items[{j}]."
        else:
            yield doc, f"[{i}]." if multi else ""


def load_manifests(path: str | Path) -> Manifests:
    """Load a cluster file: Nodes, Pods, Namespaces and the owners PodTopologySpread's defaults read
    (Service, ReplicationController, ReplicaSet, StatefulSet); other kinds are skipped with a warning."""
    out = Manifests()
    file = str(path)
    for doc, where in manifest_documents(path):
        kind = doc.get("kind") if isinstance(doc, dict) else None
        if isinstance(kind, str) and kind not in KINDS:
            warnings.warn(f"{file}: {where}kind: {kind} is not used by kbench; skipped", stacklevel=2)
            continue
        obj = parse_object(doc, file, where)
        if isinstance(obj, Node):
            out.nodes.append(obj)
        elif isinstance(obj, Pod):
            out.pods.append(obj)
        elif isinstance(obj, Namespace):
            out.namespaces.append(obj)
        else:
            out.owners.append(obj)
    return out


def load_pod(path: str | Path) -> Pod:
    """Load the single Pod of a pod file."""
    file = str(path)
    docs = read_yaml_documents(path)
    if len(docs) != 1:
        raise InputError(file, "", f"expected exactly one Pod, found {len(docs)} documents")
    obj = parse_object(docs[0], file)
    if not isinstance(obj, Pod):
        raise InputError(file, "kind", f"expected 'Pod', got {docs[0].get('kind')!r}")
    return obj
