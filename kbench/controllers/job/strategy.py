"""What kube-apiserver does to a Job on create (pkg/registry/batch/job/strategy.go and
pkg/apis/batch/v1/defaults.go), as an admission plugin: :class:`JobDefaults`.

* PrepareForCreate: the status is cleared.
* SetDefaults_Job: a Job without labels gets its pod template's labels (the spec defaults --
  parallelism, completions, backoffLimit, completionMode -- are filled by the Job model).
* generateSelector, unless ``spec.manualSelector``: the template gets the labels
  ``batch.kubernetes.io/controller-uid`` and ``controller-uid`` (the Job's uid) and
  ``batch.kubernetes.io/job-name`` and ``job-name`` (its name), each unless already set, and the
  selector matches ``batch.kubernetes.io/controller-uid=<uid>``.
* ValidateJob's selector rules (Invalid): a selector is required; it must match the template's
  labels; a generated one must be the generated one, with the generated labels on the template.

kube-apiserver assigns the uid before the strategy runs; kbench's API server runs admission first,
so the plugin gives the Job its uid: a UUID derived from the namespace, name and a per-plugin
sequence number (deterministic, like every uid in a run). Register one instance per API server.
"""

from __future__ import annotations

import uuid
from itertools import count

from pydantic import BaseModel

from kbench.api.objects import LabelSelector
from kbench.api.selectors import label_selector
from kbench.api.workloads import Job, JobStatus
from kbench.errors import APIError

LEGACY_JOB_NAME_LABEL = "job-name"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
_UID_NAMESPACE = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
"""uuid.NAMESPACE_URL: the namespace of the derived uids."""


def generate_selector(job: Job, uid: str) -> Job:
    """generateSelector: the job-name and controller-uid labels on the template (unless set) and
    ``batch.kubernetes.io/controller-uid`` in the selector's matchLabels."""
    t = job.spec.template
    labels = dict(t.metadata.labels)
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, job.metadata.name)
    for key in (LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL):
        labels.setdefault(key, uid)
    selector = job.spec.selector or LabelSelector()
    match = dict(selector.match_labels)
    match.setdefault(CONTROLLER_UID_LABEL, uid)
    template = t.model_copy(update={"metadata": t.metadata.model_copy(update={"labels": labels})})
    spec = job.spec.model_copy(update={"template": template,
                                       "selector": selector.model_copy(update={"match_labels": match})})
    return job.model_copy(update={"spec": spec})


def selector_errors(job: Job, uid: str) -> list[str]:
    """ValidateJobSpec's and ValidateGeneratedSelector's selector checks, as field errors."""
    spec = job.spec
    if spec.selector is None:
        return ["spec.selector: Required value"]
    errors = []
    labels = spec.template.metadata.labels
    if not spec.manual_selector:
        for key, want in ((LEGACY_CONTROLLER_UID_LABEL, uid), (LEGACY_JOB_NAME_LABEL, job.metadata.name),
                          (CONTROLLER_UID_LABEL, uid), (JOB_NAME_LABEL, job.metadata.name)):
            if labels.get(key) != want:
                errors.append(f"spec.template.metadata.labels: Invalid value: {labels.get(key)!r}: must be '{want}'")
        if not label_selector(spec.selector).matches({CONTROLLER_UID_LABEL: uid}):
            errors.append("spec.selector: Invalid value: `selector` not auto-generated")
    if not label_selector(spec.selector).matches(labels):
        errors.append("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`")
    return errors


class JobDefaults:
    """The admission plugin: call it on an object being created; objects other than Jobs pass unchanged."""

    def __init__(self) -> None:
        self._seq = count(1)

    def __call__(self, obj: BaseModel) -> BaseModel:
        if not isinstance(obj, Job):
            return obj
        meta = obj.metadata
        uid = meta.uid or str(uuid.uuid5(_UID_NAMESPACE, f"{obj.namespace}/{meta.name or meta.generate_name}"
                                                         f"/{next(self._seq)}"))
        updates: dict[str, object] = {"uid": uid}
        if not meta.labels and obj.spec.template.metadata.labels:
            updates["labels"] = dict(obj.spec.template.metadata.labels)
        job = obj.model_copy(update={"metadata": meta.model_copy(update=updates), "status": JobStatus()})
        if not job.spec.manual_selector:
            job = generate_selector(job, uid)
        errors = selector_errors(job, uid)
        if errors:
            raise APIError("Invalid", f'Job.batch "{meta.name}" is invalid: ' + "; ".join(errors))
        return job
