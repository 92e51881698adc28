"""A Job's pods: building them from the template (the tracking finalizer, and for Indexed Jobs the
completion index), creating and deleting them with PodControl's events, removing the tracking
finalizer, and choosing which active pods to delete (job_controller.go, indexed_job_utils.go,
controller_utils.go's ActivePods order)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cmp_to_key
from typing import Any

from kbench.api.objects import Container, Pod
from kbench.api.workloads import Job, PodTemplateSpec
from kbench.controllers.base import is_pod_ready, pod_from_template
from kbench.controllers.job.indexed import (
    COMPLETION_INDEX_ENV,
    JOB_COMPLETION_INDEX,
    UNKNOWN_INDEX,
    completion_index,
    is_indexed,
)
from kbench.controllers.pod_ranking import PHASE_ORDINAL, max_restarts, ready_time
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
"""batch.JobTrackingFinalizer: keeps a finished pod until the Job status has counted it."""


def has_tracking_finalizer(pod: Pod) -> bool:
    return JOB_TRACKING_FINALIZER in (pod.metadata.finalizers or ())


def only_replace_failed_pods(job: Job) -> bool:
    """onlyReplaceFailedPods: ``podReplacementPolicy: Failed`` (podFailurePolicy is not modelled)."""
    return job.spec.pod_replacement_policy == "Failed"


def is_pod_failed(pod: Pod, job: Job) -> bool:
    """isPodFailed: Failed, or (unless only failed pods are replaced) being deleted without having succeeded."""
    phase = pod.status.get("phase")
    if phase == "Failed":
        return True
    if only_replace_failed_pods(job):
        return False
    return pod.metadata.deletion_timestamp is not None and phase != "Succeeded"


def is_pod_terminating(pod: Pod) -> bool:
    """controller.isPodTerminating: being deleted and not yet Succeeded or Failed."""
    return pod.metadata.deletion_timestamp is not None and pod.status.get("phase") not in ("Succeeded", "Failed")


def _with_index_env(c: Container) -> Container:
    """addCompletionIndexEnvVariable: JOB_COMPLETION_INDEX from the index label, unless already set."""
    env: list[Any] = list(c.env or [])
    if any(isinstance(e, dict) and e.get("name") == COMPLETION_INDEX_ENV for e in env):
        return c
    ref = {"fieldRef": {"fieldPath": f"metadata.labels['{JOB_COMPLETION_INDEX}']"}}
    return c.model_copy(update={"env": [*env, {"name": COMPLETION_INDEX_ENV, "valueFrom": ref}]})


def base_template(job: Job) -> PodTemplateSpec:
    """The template pods are made from: the Job's, with the tracking finalizer and, for an Indexed
    Job, the JOB_COMPLETION_INDEX variable in every container."""
    t = job.spec.template
    finalizers = list(t.metadata.finalizers or [])
    if JOB_TRACKING_FINALIZER not in finalizers:
        finalizers.append(JOB_TRACKING_FINALIZER)
    spec = t.spec
    if is_indexed(job):
        spec = spec.model_copy(update={"containers": [_with_index_env(c) for c in spec.containers],
                                       "init_containers": [_with_index_env(c) for c in spec.init_containers]})
    return t.model_copy(update={"metadata": t.metadata.model_copy(update={"finalizers": finalizers}), "spec": spec})


def indexed_template(template: PodTemplateSpec, job: Job, index: int) -> PodTemplateSpec:
    """The completion index as annotation and label, and hostname ``<job>-<index>``."""
    meta = template.metadata.model_copy(update={
        "annotations": {**template.metadata.annotations, JOB_COMPLETION_INDEX: str(index)},
        "labels": {**template.metadata.labels, JOB_COMPLETION_INDEX: str(index)}})
    spec = template.spec.model_copy(update={"hostname": f"{job.metadata.name}-{index}"})
    return template.model_copy(update={"metadata": meta, "spec": spec})


def create_job_pod(api: APIServer, job: Job, template: PodTemplateSpec, generate_name: str | None) -> Pod:
    """PodControl.CreatePodsWithGenerateName, with its events."""
    pod = pod_from_template(template, job, generate_name=generate_name)
    if not pod.metadata.labels:
        raise APIError("Invalid", "unable to create pods, no labels")
    try:
        created = api.create(pod)
    except APIError as e:
        api.event("Warning", "FailedCreate", job.kind, job.key, f"Error creating: {e}")
        raise
    api.event("Normal", "SuccessfulCreate", job.kind, job.key, f"Created pod: {created.metadata.name}")  # type: ignore[attr-defined]
    return created  # type: ignore[return-value]


def delete_job_pod(api: APIServer, job: Job, name: str) -> Pod:
    """PodControl.DeletePod, with its events (none when the pod is already gone)."""
    try:
        gone = api.delete("Pod", job.namespace, name)
    except APIError as e:
        if e.reason != "NotFound":
            api.event("Warning", "FailedDelete", job.kind, job.key, f"Error deleting: {e}")
        raise
    api.event("Normal", "SuccessfulDelete", job.kind, job.key, f"Deleted pod: {name}")
    return gone  # type: ignore[return-value]


def remove_tracking_finalizer(api: APIServer, namespace: str, name: str) -> Pod:
    """The patch ``$deleteFromPrimitiveList/finalizers``: drop the tracking finalizer (no write
    when the pod no longer has it)."""
    pod = api.get("Pod", namespace, name)
    assert isinstance(pod, Pod)
    if not has_tracking_finalizer(pod):
        return pod
    rest = [f for f in pod.metadata.finalizers or () if f != JOB_TRACKING_FINALIZER]
    meta = pod.metadata.model_copy(update={"finalizers": rest or None, "resource_version": None})
    return api.update(pod.model_copy(update={"metadata": meta}))  # type: ignore[return-value]


def _seconds(t: Any) -> float | None:
    return None if t is None else float(math.floor(float(t)))


def _after_or_zero(t1: float | None, t2: float | None) -> bool:
    """afterOrZero: t1 is after t2, a zero time counting as after any other."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def active_pods_less(a: Pod, b: Pod) -> bool:
    """controller.ActivePods.Less: whether ``a`` should be deleted before ``b`` (unassigned, then
    earlier phase, not ready, ready more recently, more restarts, created more recently)."""
    if a.spec.node_name != b.spec.node_name and (not a.spec.node_name or not b.spec.node_name):
        return not a.spec.node_name
    pa, pb = PHASE_ORDINAL.get(a.status.get("phase", ""), 0), PHASE_ORDINAL.get(b.status.get("phase", ""), 0)
    if pa != pb:
        return pa < pb
    ra, rb = is_pod_ready(a), is_pod_ready(b)
    if ra != rb:
        return not ra
    if ra and rb:
        ta, tb = ready_time(a), ready_time(b)
        if ta != tb:
            return _after_or_zero(ta, tb)
    xa, xb = max_restarts(a), max_restarts(b)
    if xa[0] != xb[0]:
        return xa[0] > xb[0]
    if xa[1] != xb[1]:
        return xa[1] > xb[1]
    ca, cb = _seconds(a.metadata.creation_timestamp), _seconds(b.metadata.creation_timestamp)
    if ca != cb:
        return _after_or_zero(ca, cb)
    return False


def sort_active_pods(pods: Sequence[Pod]) -> list[Pod]:
    """The pods in ActivePods order, first to delete first."""
    def cmp(x: Pod, y: Pod) -> int:
        return -1 if active_pods_less(x, y) else 1 if active_pods_less(y, x) else 0
    return sorted(pods, key=cmp_to_key(cmp))


def duplicated_index_pods(pods: Sequence[Pod], completions: int) -> tuple[list[Pod], list[Pod]]:
    """appendDuplicatedIndexPodsForRemoval: pods without a valid index, pods with an index beyond
    ``completions``, and for each index held by n pods the first n - 1 in ActivePods order go to
    the first list (to remove); one pod per index stays in the second."""
    ordered = sorted(pods, key=completion_index)
    rm: list[Pod] = []
    left: list[Pod] = []

    def flush(group: Sequence[Pod], ix: int) -> None:
        if ix == UNKNOWN_INDEX:
            rm.extend(group)
        elif len(group) == 1:
            left.append(group[0])
        elif group:
            ranked = sort_active_pods(group)
            rm.extend(ranked[:-1])
            left.append(ranked[-1])

    last, first, looped = UNKNOWN_INDEX, 0, 0
    for i, p in enumerate(ordered):
        ix = completion_index(p)
        if ix >= completions:
            rm.extend(ordered[i:])
            break
        if ix != last:
            flush(ordered[first:i], last)
            first, last = i, ix
        looped += 1
    flush(ordered[first:looped], last)
    return rm, left


def active_pods_for_removal(job: Job, pods: Sequence[Pod], rm_at_least: int) -> list[Pod]:
    """activePodsForRemoval: the duplicated-index pods of an Indexed Job, then the first of the rest
    in ActivePods order until ``rm_at_least`` are chosen."""
    if is_indexed(job):
        rm, left = duplicated_index_pods(pods, job.spec.completions or 0)
    else:
        rm, left = [], list(pods)
    if len(rm) < rm_at_least:
        rm += sort_active_pods(left)[:rm_at_least - len(rm)]
    return rm
