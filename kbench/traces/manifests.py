"""Kubernetes manifests as a timed workload: every object of a YAML file with its arrival time.

A workload or cluster file is a YAML stream (or ``kind: List``) of the kinds kbench's API server
stores (Node, Pod, Namespace, Service, ReplicationController, ReplicaSet, StatefulSet). Each
object is created at the time in its annotation ``kbench.io/arrival-seconds`` (simulated seconds,
default 0; multiplied by the policy's ``time_scale``, as durations are): a Node that arrives late joins a running cluster, a Pod is submitted then. Pods may
carry ``kbench.io/duration-seconds`` (run that long once started, then succeed; without it, run
until the end) and ``kbench.io/failure-probability`` (end as Failed with that probability).
Objects are created in arrival order, file order among equal times.

Examples
--------
>>> import tempfile, os
>>> text = '''
... apiVersion: v1
... kind: Pod
... metadata: {name: late, annotations: {kbench.io/arrival-seconds: "30"}}
... spec: {containers: [{name: c, image: nginx}]}
... ---
... apiVersion: v1
... kind: Pod
... metadata: {name: early}
... spec: {containers: [{name: c, image: nginx}]}
... '''
>>> with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
...     _ = f.write(text)
>>> [(t, o.metadata.name) for t, o in load_timed_manifests(f.name)]
[(0.0, 'early'), (30.0, 'late')]
>>> os.unlink(f.name)
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from pydantic import BaseModel

from kbench.api.annotations import ARRIVAL_ANNOTATION, DURATION_ANNOTATION
from kbench.api.loader import KINDS, manifest_documents, parse_object
from kbench.errors import InputError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

Arrival = tuple[float, BaseModel]


def is_manifest_path(source: str) -> bool:
    """True when a policy's source names a manifest file (by its suffix)."""
    return source.endswith(MANIFEST_SUFFIXES)


def _seconds(obj: BaseModel, annotation: str, file: str, where: str) -> float | None:
    """A non-negative finite number of seconds in an annotation (None without it)."""
    raw = obj.metadata.annotations.get(annotation)  # type: ignore[attr-defined]
    if raw is None:
        return None
    try:
        t = float(raw)
    except ValueError:
        t = math.nan
    if not (t >= 0 and math.isfinite(t)):
        raise InputError(file, f"{where}metadata.annotations.{annotation}",
                         f"expected a number of seconds >= 0, got {raw!r}")
    return t


def arrival_time(obj: BaseModel, file: str, where: str) -> float:
    """The object's ``kbench.io/arrival-seconds`` (0 without it); a bad value is an InputError."""
    return _seconds(obj, ARRIVAL_ANNOTATION, file, where) or 0.0


def duration_seconds(obj: BaseModel, file: str, where: str) -> float | None:
    """A pod's ``kbench.io/duration-seconds`` (None without it); a bad value is an InputError."""
    return _seconds(obj, DURATION_ANNOTATION, file, where)


def load_timed_manifests(path: str | Path, time_scale: float = 1.0) -> list[Arrival]:
    """(arrival time x ``time_scale``, object) for every object in the file, sorted by time (stable).

    The same object (kind, namespace, name) may appear again with a later arrival time: it is then
    applied over the first (``kubectl apply``: e.g. a Deployment's new replicas or image at that
    time). Kinds kbench does not store are skipped with a warning; a file with no object, or with
    the same object twice at the same time, is an error."""
    file = str(path)
    out: list[Arrival] = []
    seen: dict[tuple[str, str | None, str, float], str] = {}
    for doc, where in manifest_documents(path):
        kind = doc.get("kind") if isinstance(doc, dict) else None
        if isinstance(kind, str) and kind not in KINDS:
            warnings.warn(f"{file}: {where}kind: {kind} is not used by kbench; skipped", stacklevel=2)
            continue
        obj = parse_object(doc, file, where)
        t = arrival_time(obj, file, where)
        ident = (obj.kind, getattr(obj.metadata, "namespace", None) or None, obj.metadata.name, t)  # type: ignore[attr-defined]
        if ident in seen:
            raise InputError(file, f"{where}metadata.name",
                             f"{ident[0]} {obj.metadata.name!r} is defined twice for the same arrival time "  # type: ignore[attr-defined]
                             f"(first at {seen[ident] or 'the top'})")
        seen[ident] = where.rstrip(".")
        duration = duration_seconds(obj, file, where)
        if time_scale != 1.0 and duration is not None:
            notes = {**obj.metadata.annotations, DURATION_ANNOTATION: repr(duration * time_scale)}  # type: ignore[attr-defined]
            meta = obj.metadata.model_copy(update={"annotations": notes})  # type: ignore[attr-defined]
            obj = obj.model_copy(update={"metadata": meta})
        out.append((t * time_scale, obj))
    if not out:
        raise InputError(file, "", f"expected Kubernetes objects ({', '.join(KINDS)}), found none")
    out.sort(key=lambda a: a[0])
    return out
