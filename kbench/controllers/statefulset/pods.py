"""StatefulSet pods: identity, state and control (stateful_set_utils.go, stateful_pod_control.go).

A pod of set ``web`` with ordinal i is named ``web-i`` and labelled
``statefulset.kubernetes.io/pod-name: web-i``, ``apps.kubernetes.io/pod-index: i`` and
``controller-revision-hash: <its revision>``; its spec.hostname is its name and spec.subdomain
the set's serviceName. Creates, updates and deletes record StatefulPodControl's events:
``SuccessfulCreate`` "create Pod web-0 in StatefulSet web successful" (``FailedCreate``
"create Pod web-0 in StatefulSet web failed error: ERR"), and the same for ``update`` and
``delete``; a create that finds the name taken (AlreadyExists) records nothing.

Simplified: volumeClaimTemplates and persistentVolumeClaimRetentionPolicy are accepted and
ignored (kbench has no volumes), so no claims are created and a pod's storage always matches; kbench's API server leaves a new pod's phase unset until a kubelet
writes one, so a pod counts as created (isCreated) when it is in the informer's cache, not by
its phase; an identity update reads the pod afresh when it commits instead of retrying on
conflict.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from kbench.api.objects import Pod
from kbench.api.workloads import PodTemplateSpec, StatefulSet
from kbench.controllers.base import is_pod_available, is_pod_ready, pod_from_template
from kbench.controllers.statefulset.revisions import REVISION_LABEL
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
_NAME = re.compile(r"(.*)-([0-9]+)")
_INT32_MAX = 2 ** 31 - 1


def parent_and_ordinal(pod: Pod) -> tuple[str, int]:
    """getParentNameAndOrdinal: the set name and ordinal in ``<set>-<ordinal>``; ('', -1) for
    another name, (parent, -1) when the ordinal is not an int32."""
    m = _NAME.fullmatch(pod.metadata.name)
    if m is None:
        return "", -1
    ordinal = int(m.group(2))
    return m.group(1), ordinal if ordinal <= _INT32_MAX else -1


def ordinal(pod: Pod) -> int:
    """getOrdinal: the pod's ordinal, -1 if it has none."""
    return parent_and_ordinal(pod)[1]


def start_ordinal(sts: StatefulSet) -> int:
    """getStartOrdinal: spec.ordinals.start, else 0."""
    return sts.spec.ordinals.start if sts.spec.ordinals is not None else 0


def end_ordinal(sts: StatefulSet) -> int:
    """getEndOrdinal: the last ordinal the set keeps (inclusive)."""
    return start_ordinal(sts) + sts.spec.replicas - 1


def in_ordinal_range(pod: Pod, sts: StatefulSet) -> bool:
    """podInOrdinalRange."""
    return start_ordinal(sts) <= ordinal(pod) <= end_ordinal(sts)


def pod_name(sts: StatefulSet, ordinal_: int) -> str:
    """getPodName."""
    return f"{sts.metadata.name}-{ordinal_}"


def is_member_of(sts: StatefulSet, pod: BaseModel) -> bool:
    """isMemberOf: the pod's name says it belongs to the set."""
    return isinstance(pod, Pod) and parent_and_ordinal(pod)[0] == sts.metadata.name


def identity_matches(sts: StatefulSet, pod: Pod) -> bool:
    """identityMatches: name, namespace and pod-name label are the set's for the pod's ordinal."""
    parent, ord_ = parent_and_ordinal(pod)
    return (ord_ >= 0 and parent == sts.metadata.name and pod.metadata.name == pod_name(sts, ord_)
            and pod.namespace == sts.namespace and pod.metadata.labels.get(POD_NAME_LABEL) == pod.metadata.name)


def identity_labels(pod_name_: str, ordinal_: int) -> dict[str, str]:
    """updateIdentity's labels (pod-index: the PodIndexLabel feature, on by default)."""
    return {POD_NAME_LABEL: pod_name_, POD_INDEX_LABEL: str(ordinal_)}


def new_pod(sts: StatefulSet, template: PodTemplateSpec, ordinal_: int, revision: str) -> Pod:
    """newStatefulSetPod and setPodRevision: the pod of ``ordinal_`` from ``template``."""
    name = pod_name(sts, ordinal_)
    pod = pod_from_template(template, sts, name=name,
                            extra_labels={**identity_labels(name, ordinal_), REVISION_LABEL: revision})
    spec = pod.spec.model_copy(update={"hostname": name, "subdomain": sts.spec.service_name or None})
    return pod.model_copy(update={"spec": spec})


def new_versioned_pod(sts: StatefulSet, current: PodTemplateSpec, update: PodTemplateSpec, current_revision: str,
                      update_revision: str, ordinal_: int) -> Pod:
    """newVersionedStatefulSetPod: ordinals below the partition (or, without rollingUpdate, below
    start + status.currentReplicas) are made at the current revision, the others at the update one."""
    strategy = sts.spec.update_strategy
    start = start_ordinal(sts)
    if ((strategy.type == "RollingUpdate" and strategy.rolling_update is None
         and ordinal_ < start + sts.status.current_replicas)
            or (strategy.rolling_update is not None and ordinal_ < start + strategy.rolling_update.partition)):
        return new_pod(sts, current, ordinal_, current_revision)
    return new_pod(sts, update, ordinal_, update_revision)


def is_running_and_ready(pod: Pod) -> bool:
    """isRunningAndReady."""
    return pod.status.get("phase") == "Running" and is_pod_ready(pod)


def is_running_and_available(pod: Pod, min_ready_seconds: int, now: float) -> bool:
    """isRunningAndAvailable: podutil.IsPodAvailable."""
    return is_pod_available(pod, min_ready_seconds, now)


def is_terminating(pod: Pod) -> bool:
    """isTerminating: the pod has a deletionTimestamp."""
    return pod.metadata.deletion_timestamp is not None


def is_healthy(pod: Pod) -> bool:
    """isHealthy: running, ready and not being deleted."""
    return is_running_and_ready(pod) and not is_terminating(pod)


def is_finished(pod: Pod) -> bool:
    """isFailed or isSucceeded."""
    return pod.status.get("phase") in ("Failed", "Succeeded")


def _record(api: APIServer, sts: StatefulSet, verb: str, name: str, error: APIError | None) -> None:
    """recordPodEvent."""
    if error is None:
        api.event("Normal", f"Successful{verb.title()}", sts.kind, sts.key,
                  f"{verb} Pod {name} in StatefulSet {sts.metadata.name} successful")
    else:
        api.event("Warning", f"Failed{verb.title()}", sts.kind, sts.key,
                  f"{verb} Pod {name} in StatefulSet {sts.metadata.name} failed error: {error}")


def create_stateful_pod(api: APIServer, sts: StatefulSet, pod: Pod) -> BaseModel:
    """StatefulPodControl.CreateStatefulPod (no claims to create first)."""
    try:
        created = api.create(pod)
    except APIError as e:
        if e.reason != "AlreadyExists":
            _record(api, sts, "create", pod.metadata.name, e)
        raise
    _record(api, sts, "create", pod.metadata.name, None)
    return created


def update_stateful_pod(api: APIServer, sts: StatefulSet, pod: Pod) -> BaseModel | None:
    """StatefulPodControl.UpdateStatefulPod: give the pod its identity again (None if it has it)."""
    try:
        current = api.get("Pod", pod.namespace, pod.metadata.name)
        if not isinstance(current, Pod) or identity_matches(sts, current):
            return None
        ord_ = ordinal(current)
        name = pod_name(sts, ord_)
        meta = current.metadata.model_copy(update={"name": name, "namespace": sts.namespace,
                                                   "labels": {**current.metadata.labels, **identity_labels(name, ord_)}})
        updated = api.update(current.model_copy(update={"metadata": meta}))
    except APIError as e:
        _record(api, sts, "update", pod.metadata.name, e)
        raise
    _record(api, sts, "update", pod.metadata.name, None)
    return updated


def delete_stateful_pod(api: APIServer, sts: StatefulSet, pod: Pod) -> BaseModel:
    """StatefulPodControl.DeleteStatefulPod (an event for every outcome, NotFound included)."""
    try:
        gone = api.delete("Pod", pod.namespace, pod.metadata.name)
    except APIError as e:
        _record(api, sts, "delete", pod.metadata.name, e)
        raise
    _record(api, sts, "delete", pod.metadata.name, None)
    return gone
