"""The ReplicaSet controller (pkg/controller/replicaset/replica_set.go, replica_set_utils.go):
keep ``spec.replicas`` active pods for each ReplicaSet.

A sync lists the pods the ReplicaSet controls and the orphans of its namespace (FilterPodsByOwner,
through the shared pod informer's controller and orphan indexes: the latter holds the namespace
of each pod without a controller), keeps the active ones, claims them (adopting matching orphans, releasing owned pods that no longer match), then,
if its expectations are satisfied, creates or deletes the difference:

* creates in slow-start batches of 1, 2, 4, ... (SlowStartInitialBatchSize 1), at most
  BurstReplicas (500) per sync; a failed batch stops the rest, and the skipped creates are
  taken off the expectations;
* deletes at most 500 per sync, all at once, choosing the victims by ActivePodsWithRanks
  (:mod:`kbench.controllers.pod_ranking`) with ranks counted over the pods of every ReplicaSet
  with the same controller (getIndirectlyRelatedPods).

Then it writes the status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas with
minReadySeconds, observedGeneration, the ReplicaFailure condition), retrying once after a fresh
read on a conflict. A pod becoming ready under ``minReadySeconds > 0`` requeues its ReplicaSet
``minReadySeconds + 1`` seconds later, and a sync whose pods are all ready but not all available
requeues after ``minReadySeconds``. Events: ``SuccessfulCreate`` "Created pod: NAME",
``FailedCreate`` "Error creating: ERR", ``SuccessfulDelete`` "Deleted pod: NAME",
``FailedDelete`` "Error deleting: ERR".

Simplified: status.terminatingReplicas (feature gate DeploymentReplicaSetTerminatingReplicas) is
not reported; pods counted for ranks are those of the related ReplicaSets (by controller) and
the namespace's orphans that their selectors match, not pods that another controller owns.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from pydantic import BaseModel

from kbench.api.objects import OwnerReference, Pod
from kbench.api.selectors import label_selector
from kbench.api.workloads import Condition, ReplicaSet, ReplicaSetStatus
from kbench.controllers.base import (
    ORPHAN_INDEX,
    InformerFactory,
    controller_of,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    pod_from_template,
)
from kbench.controllers.blocking import BlockingController, Call, Steps, call
from kbench.controllers.manager import register
from kbench.controllers.pod_ranking import pods_to_delete
from kbench.controllers.ref_manager import claim
from kbench.controllers.uid_expectations import UIDTrackingExpectations
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer

BURST_REPLICAS = 500
SLOW_START_INITIAL_BATCH_SIZE = 1
STATUS_UPDATE_RETRIES = 1
REPLICA_FAILURE = "ReplicaFailure"


def create_pod(api: APIServer, rs: ReplicaSet) -> BaseModel:
    """PodControl.CreatePods: a pod from the template, owned by ``rs``, with the events kube records."""
    pod = pod_from_template(rs.spec.template, rs)
    if not pod.metadata.labels:
        raise APIError("Invalid", "unable to create pods, no labels")
    try:
        created = api.create(pod)
    except APIError as e:
        api.event("Warning", "FailedCreate", rs.kind, rs.key, f"Error creating: {e}")
        raise
    api.event("Normal", "SuccessfulCreate", rs.kind, rs.key, f"Created pod: {created.metadata.name}")  # type: ignore[attr-defined]
    return created


def delete_pod(api: APIServer, rs: ReplicaSet, name: str) -> BaseModel:
    """PodControl.DeletePod, with its events (none when the pod is already gone)."""
    try:
        gone = api.delete("Pod", rs.namespace, name)
    except APIError as e:
        if e.reason != "NotFound":
            api.event("Warning", "FailedDelete", rs.kind, rs.key, f"Error deleting: {e}")
        raise
    api.event("Normal", "SuccessfulDelete", rs.kind, rs.key, f"Deleted pod: {name}")
    return gone


def calculate_status(rs: ReplicaSet, pods: list[Pod], manage_error: APIError | None, now: float) -> ReplicaSetStatus:
    """calculateStatus: counts over the active claimed pods and the ReplicaFailure condition."""
    template = rs.spec.template.metadata.labels
    labeled = ready = available = 0
    for p in pods:
        if all(p.metadata.labels.get(k) == v for k, v in template.items()):
            labeled += 1
        if is_pod_ready(p):
            ready += 1
            if is_pod_available(p, rs.spec.min_ready_seconds, now):
                available += 1
    conditions = list(rs.status.conditions)
    failure = next((c for c in conditions if c.type == REPLICA_FAILURE), None)
    if manage_error is not None and failure is None:
        diff = len(pods) - rs.spec.replicas
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions.append(Condition(type=REPLICA_FAILURE, status="True", reason=reason, message=str(manage_error),
                                    last_transition_time=float(math.floor(now))))
    elif manage_error is None and failure is not None:
        conditions = [c for c in conditions if c.type != REPLICA_FAILURE]
    return rs.status.model_copy(update={"replicas": len(pods), "fully_labeled_replicas": labeled,
                                        "ready_replicas": ready, "available_replicas": available,
                                        "conditions": conditions})


def _status_unchanged(rs: ReplicaSet, new: ReplicaSetStatus) -> bool:
    s = rs.status
    return (s.replicas == new.replicas and s.fully_labeled_replicas == new.fully_labeled_replicas
            and s.ready_replicas == new.ready_replicas and s.available_replicas == new.available_replicas
            and (rs.metadata.generation or 0) == s.observed_generation and s.conditions == new.conditions)


@register
class ReplicaSetController(BlockingController):
    """kube-controller-manager's ``replicaset`` controller."""

    name = "replicaset"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.replica_sets: Informer = informers.get("ReplicaSet")
        self.pods: Informer = informers.get("Pod")
        self.expectations = UIDTrackingExpectations(self.now)
        self.replica_sets.add_handlers(on_add=self._add_rs, on_update=self._update_rs, on_delete=self._delete_rs)
        self.pods.add_handlers(on_add=self._add_pod, on_update=self._update_pod, on_delete=self._delete_pod)

    # ---- lookups ------------------------------------------------------------------------------

    def _get(self, namespace: str, name: str) -> ReplicaSet | None:
        rs = self.replica_sets.get(registry_key("ReplicaSet", namespace, name))
        return rs if isinstance(rs, ReplicaSet) else None

    def _resolve(self, namespace: str, ref: OwnerReference) -> ReplicaSet | None:
        """resolveControllerRef: the cached ReplicaSet the reference names, if its uid matches."""
        if ref.kind != "ReplicaSet":
            return None
        rs = self._get(namespace, ref.name)
        return rs if rs is not None and rs.metadata.uid == ref.uid else None

    def _pod_replica_sets(self, pod: Pod) -> list[ReplicaSet]:
        """GetPodReplicaSets: ReplicaSets of the pod's namespace whose non-empty selector matches it
        (none for a pod without labels)."""
        if not pod.metadata.labels:
            return []
        out = []
        for rs in self.replica_sets.by_index("namespace", pod.namespace):
            if not isinstance(rs, ReplicaSet):
                continue
            sel = label_selector(rs.spec.selector)
            if not sel.empty and sel.matches(pod.metadata.labels):
                out.append(rs)
        return out

    def _owned_and_orphans(self, rs: ReplicaSet) -> list[Pod]:
        """FilterPodsByOwner(includeOrphanedPods): pods ``rs`` controls, then its namespace's orphans."""
        pods = self.pods.by_index("controller", rs.metadata.uid or "")
        pods += self.pods.by_index(ORPHAN_INDEX, rs.namespace)
        return [p for p in pods if isinstance(p, Pod)]

    def _related_pods(self, rs: ReplicaSet) -> list[Pod]:
        """getIndirectlyRelatedPods: pods of every ReplicaSet with the same controller as ``rs``."""
        ref = controller_of(rs)
        if ref is None:
            return []
        seen: set[str] = set()
        out: list[Pod] = []
        orphans = [p for p in self.pods.by_index(ORPHAN_INDEX, rs.namespace) if isinstance(p, Pod)]
        for other in self.replica_sets.by_index("controller", ref.uid):
            if not isinstance(other, ReplicaSet):
                continue
            sel = label_selector(other.spec.selector)
            owned = [p for p in self.pods.by_index("controller", other.metadata.uid or "") if isinstance(p, Pod)]
            for p in owned + orphans:
                uid = p.metadata.uid or p.key
                if uid not in seen and sel.matches(p.metadata.labels):
                    seen.add(uid)
                    out.append(p)
        return out

    # ---- handlers -----------------------------------------------------------------------------

    def _add_rs(self, rs: ReplicaSet) -> None:
        self.queue.add(rs.key)

    def _update_rs(self, old: ReplicaSet, cur: ReplicaSet) -> None:
        if cur.metadata.uid != old.metadata.uid:
            self._delete_rs(old)
        self.queue.add(cur.key)

    def _delete_rs(self, rs: ReplicaSet) -> None:
        self.expectations.delete(rs.key)
        self.queue.add(rs.key)

    def _add_pod(self, pod: Pod) -> None:
        if pod.metadata.deletion_timestamp is not None:
            self._delete_pod(pod)
            return
        ref = controller_of(pod)
        if ref is not None:
            rs = self._resolve(pod.namespace, ref)
            if rs is not None:
                self.expectations.creation_observed(rs.key)
                self.queue.add(rs.key)
            return
        for rs in self._pod_replica_sets(pod):
            self.queue.add(rs.key)

    def _update_pod(self, old: Pod, cur: Pod) -> None:
        if cur.metadata.resource_version == old.metadata.resource_version:
            return
        label_changed = cur.metadata.labels != old.metadata.labels
        if cur.metadata.deletion_timestamp is not None:
            self._delete_pod(cur)
            if label_changed:
                self._delete_pod(old)
            return
        cur_ref, old_ref = controller_of(cur), controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            prev = self._resolve(old.namespace, old_ref)
            if prev is not None:
                self.queue.add(prev.key)
        if cur_ref is not None:
            rs = self._resolve(cur.namespace, cur_ref)
            if rs is None:
                return
            self.queue.add(rs.key)
            if not is_pod_ready(old) and is_pod_ready(cur) and rs.spec.min_ready_seconds > 0:
                # "Add a second to avoid milliseconds skew in AddAfter."
                self.queue.add_after(rs.key, rs.spec.min_ready_seconds + 1.0)
            return
        if label_changed or ref_changed:
            for rs in self._pod_replica_sets(cur):
                self.queue.add(rs.key)

    def _delete_pod(self, pod: Pod) -> None:
        ref = controller_of(pod)
        if ref is None:
            return
        rs = self._resolve(pod.namespace, ref)
        if rs is None:
            return
        self.expectations.deletion_observed(rs.key, pod.key)
        self.queue.add(rs.key)

    # ---- sync ---------------------------------------------------------------------------------

    def steps(self, key: Any) -> Steps:
        """syncReplicaSet."""
        namespace, name = str(key).split("/", 1)
        rs = self._get(namespace, name)
        if rs is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        selector = label_selector(rs.spec.selector)
        active = [p for p in self._owned_and_orphans(rs) if is_pod_active(p)]
        claimed = yield from claim(self.api, rs, selector, active)
        pods = [p for p in claimed if isinstance(p, Pod)]
        manage_error: APIError | None = None
        if needs_sync and rs.metadata.deletion_timestamp is None:
            try:
                yield from self._manage_replicas(pods, rs)
            except APIError as e:
                manage_error = e
        updated = yield from self._update_status(rs, calculate_status(rs, pods, manage_error, self.now()))
        spec, status = updated.spec, updated.status
        if (manage_error is None and spec.min_ready_seconds > 0 and status.ready_replicas == spec.replicas
                and status.available_replicas != spec.replicas):
            self.queue.add_after(key, float(spec.min_ready_seconds))
        if manage_error is not None:
            raise manage_error

    def _manage_replicas(self, pods: list[Pod], rs: ReplicaSet) -> Generator[Call | list[Call], Any, None]:
        """manageReplicas: create or delete the difference between active pods and replicas."""
        key = rs.key
        diff = len(pods) - rs.spec.replicas
        if diff < 0:
            diff = min(-diff, BURST_REPLICAS)
            self.expectations.expect_creations(key, diff)
            created, error = yield from self._slow_start_creates(diff, rs)
            for _ in range(diff - created):
                self.expectations.creation_observed(key)
            if error is not None:
                raise error
        elif diff > 0:
            diff = min(diff, BURST_REPLICAS)
            victims = pods_to_delete(pods, self._related_pods(rs), diff, self.now())
            self.expectations.expect_deletions(key, [p.key for p in victims])
            results = yield [call(delete_pod, self.api, rs, p.metadata.name) for p in victims]
            first: APIError | None = None
            for p, r in zip(victims, results):
                if isinstance(r, APIError):
                    self.expectations.deletion_observed(key, p.key)
                    if r.reason != "NotFound" and first is None:
                        first = r
            if first is not None:
                raise first

    def _slow_start_creates(self, count: int, rs: ReplicaSet) -> Generator[list[Call], Any, tuple[int, APIError | None]]:
        """slowStartBatch: batches of 1, 2, 4, ... sent together; stop after a batch with a failure."""
        remaining, successes = count, 0
        size = min(remaining, SLOW_START_INITIAL_BATCH_SIZE)
        while size > 0:
            results = yield [call(create_pod, self.api, rs) for _ in range(size)]
            errors = [r for r in results if isinstance(r, APIError)]
            successes += size - len(errors)
            if errors:
                return successes, errors[0]
            remaining -= size
            size = min(2 * size, remaining)
        return successes, None

    def _update_status(self, rs: ReplicaSet, status: ReplicaSetStatus) -> Generator[Call, Any, ReplicaSet]:
        """updateReplicaSetStatus: skip when nothing changed; else write, retrying once after a read."""
        if _status_unchanged(rs, status):
            return rs
        status = status.model_copy(update={"observed_generation": rs.metadata.generation or 0})
        current, attempt = rs, 0
        while True:
            try:
                updated: ReplicaSet = yield call(self.api.update, current.model_copy(update={"status": status}))
                return updated
            except APIError:
                if attempt >= STATUS_UPDATE_RETRIES:
                    raise
            attempt += 1
            current = yield call(self.api.get, "ReplicaSet", rs.namespace, rs.metadata.name)
