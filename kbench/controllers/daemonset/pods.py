"""Daemon pods: building one for a node from the DaemonSet's template (util.CreatePodTemplate and
the node affinity syncNodes sets), and creating or deleting it with RealPodControl's events
(``SuccessfulCreate`` "Created pod: NAME", ``FailedCreate`` "Error creating: ERR",
``SuccessfulDelete`` "Deleted pod: NAME", ``FailedDelete`` "Error deleting: ERR")."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from kbench.api.objects import Pod
from kbench.api.workloads import DaemonSet, PodTemplateSpec
from kbench.controllers.base import pod_from_template
from kbench.controllers.daemonset.util import (
    CONTROLLER_REVISION_HASH_LABEL,
    TEMPLATE_GENERATION_LABEL,
    daemon_pod_tolerations,
    node_name_affinity,
)
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer


def create_pod_template(template: PodTemplateSpec, generation: int | None, hash_: str) -> PodTemplateSpec:
    """util.CreatePodTemplate: the template with the daemon tolerations, the template-generation
    label (when the DaemonSet has one) and the ``controller-revision-hash`` label."""
    labels = dict(template.metadata.labels)
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(generation)
    if hash_:
        labels[CONTROLLER_REVISION_HASH_LABEL] = hash_
    spec = template.spec.model_copy(update={"tolerations": daemon_pod_tolerations(template.spec)})
    return template.model_copy(update={"metadata": template.metadata.model_copy(update={"labels": labels}),
                                       "spec": spec})


def daemon_pod(template: PodTemplateSpec, ds: DaemonSet, node: str) -> Pod:
    """The pod syncNodes creates for ``node``: required node affinity on its name, owned by ``ds``."""
    spec = template.spec.model_copy(update={"affinity": node_name_affinity(template.spec.affinity, node)})
    return pod_from_template(template.model_copy(update={"spec": spec}), ds)


def create_daemon_pod(api: APIServer, ds: DaemonSet, pod: Pod) -> BaseModel:
    """RealPodControl.CreatePods for one daemon pod, with its events."""
    if not pod.metadata.labels:
        raise APIError("Invalid", "unable to create pods, no labels")
    try:
        created = api.create(pod)
    except APIError as e:
        api.event("Warning", "FailedCreate", ds.kind, ds.key, f"Error creating: {e}")
        raise
    name: Any = created.metadata.name  # type: ignore[attr-defined]
    api.event("Normal", "SuccessfulCreate", ds.kind, ds.key, f"Created pod: {name}")
    return created


def delete_daemon_pod(api: APIServer, ds: DaemonSet, name: str) -> BaseModel:
    """RealPodControl.DeletePod, with its events (none when the pod is already gone)."""
    try:
        gone = api.delete("Pod", ds.namespace, name)
    except APIError as e:
        if e.reason != "NotFound":
            api.event("Warning", "FailedDelete", ds.kind, ds.key, f"Error deleting: {e}")
        raise
    api.event("Normal", "SuccessfulDelete", ds.kind, ds.key, f"Deleted pod: {name}")
    return gone
