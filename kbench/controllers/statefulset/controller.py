"""The StatefulSet controller process (pkg/controller/statefulset/stateful_set.go and
UpdateStatefulSet/updateStatefulSetStatus of stateful_set_control.go): informer handlers that
queue StatefulSets, and the sync.

A sync claims the set's pods (pods it owns or orphans its selector matches, whose names make them
members: ``<set>-<ordinal>``), finds the current and update revisions (:mod:`.revisions`), runs
the update logic (:mod:`.control`), writes the status when it differs (after completing a rolling
update whose replicas are all updated and ready: currentRevision becomes the update revision),
retrying on conflict up to 5 times, and trims the revision history. With minReadySeconds, a pod
turning ready requeues its set minReadySeconds + 1 s later, and a sync with fewer available
replicas than spec.replicas requeues after minReadySeconds. The StatefulSet controller keeps no
expectations: a create of a name that exists fails (AlreadyExists) and the sync is retried.

Simplified: a status write that conflicts reads the set again from the API server (Go re-reads
its informer cache after a 10 ms backoff).
"""

from __future__ import annotations

from typing import Any

from kbench.api.objects import OwnerReference, Pod
from kbench.api.selectors import label_selector
from kbench.api.workloads import StatefulSet
from kbench.controllers.base import ORPHAN_INDEX, InformerFactory, controller_of, is_pod_ready
from kbench.controllers.blocking import BlockingController, Steps, call
from kbench.controllers.manager import register
from kbench.controllers.ref_manager import claim
from kbench.controllers.statefulset.control import Gen, Status, update_stateful_set
from kbench.controllers.statefulset.pods import is_member_of
from kbench.controllers.statefulset.revisions import History
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer

STATUS_UPDATE_RETRIES = 5
"""retry.DefaultRetry's steps."""


def complete_rolling_update(sts: StatefulSet, status: Status) -> None:
    """completeRollingUpdate: all replicas updated and ready make the update revision current."""
    replicas = sts.spec.replicas
    if (sts.spec.update_strategy.type == "RollingUpdate" and status.updated_replicas == replicas
            and status.ready_replicas == replicas and status.replicas == replicas):
        status.current_replicas = status.updated_replicas
        status.current_revision = status.update_revision


def inconsistent_status(sts: StatefulSet, status: Status) -> bool:
    """inconsistentStatus: a newer generation observed or a count or revision changed."""
    s = sts.status
    return (status.observed_generation > s.observed_generation or status.replicas != s.replicas
            or status.current_replicas != s.current_replicas or status.ready_replicas != s.ready_replicas
            or status.updated_replicas != s.updated_replicas or status.current_revision != s.current_revision
            or status.available_replicas != s.available_replicas or status.update_revision != s.update_revision)


@register
class StatefulSetController(BlockingController):
    """kube-controller-manager's ``statefulset`` controller."""

    name = "statefulset"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.sets: Informer = informers.get("StatefulSet")
        self.pods: Informer = informers.get("Pod")
        self.histories: dict[str, History] = {}
        """Set key -> its revisions (the ControllerRevisions kube stores)."""
        self.sets.add_handlers(on_add=self._enqueue, on_update=lambda old, cur: self._enqueue(cur),
                               on_delete=self._enqueue)
        self.pods.add_handlers(on_add=self._add_pod, on_update=self._update_pod, on_delete=self._delete_pod)

    # ---- lookups ------------------------------------------------------------------------------

    def _get(self, namespace: str, name: str) -> StatefulSet | None:
        sts = self.sets.get(registry_key("StatefulSet", namespace, name))
        return sts if isinstance(sts, StatefulSet) else None

    def _resolve(self, namespace: str, ref: OwnerReference) -> StatefulSet | None:
        """resolveControllerRef: the cached set the reference names, if its uid matches."""
        if ref.kind != "StatefulSet":
            return None
        sts = self._get(namespace, ref.name)
        return sts if sts is not None and sts.metadata.uid == ref.uid else None

    def _pod_sets(self, pod: Pod) -> list[StatefulSet]:
        """GetPodStatefulSets: sets of the pod's namespace whose non-empty selector matches it."""
        if not pod.metadata.labels:
            return []
        out = []
        for sts in self.sets.by_index("namespace", pod.namespace):
            if not isinstance(sts, StatefulSet):
                continue
            sel = label_selector(sts.spec.selector)
            if not sel.empty and sel.matches(pod.metadata.labels):
                out.append(sts)
        return out

    # ---- handlers -----------------------------------------------------------------------------

    def _enqueue(self, sts: StatefulSet) -> None:
        self.queue.add(sts.key)

    def _add_pod(self, pod: Pod) -> None:
        if pod.metadata.deletion_timestamp is not None:
            self._delete_pod(pod)
            return
        ref = controller_of(pod)
        if ref is not None:
            sts = self._resolve(pod.namespace, ref)
            if sts is not None:
                self.queue.add(sts.key)
            return
        for sts in self._pod_sets(pod):
            self.queue.add(sts.key)

    def _update_pod(self, old: Pod, cur: Pod) -> None:
        if cur.metadata.resource_version == old.metadata.resource_version:
            return
        cur_ref, old_ref = controller_of(cur), controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            prev = self._resolve(old.namespace, old_ref)
            if prev is not None:
                self.queue.add(prev.key)
        if cur_ref is not None:
            sts = self._resolve(cur.namespace, cur_ref)
            if sts is None:
                return
            self.queue.add(sts.key)
            if not is_pod_ready(old) and is_pod_ready(cur) and sts.spec.min_ready_seconds > 0:
                # "Add a second to avoid milliseconds skew in AddAfter."
                self.queue.add_after(sts.key, sts.spec.min_ready_seconds + 1.0)
            return
        if cur.metadata.labels != old.metadata.labels or ref_changed:
            for sts in self._pod_sets(cur):
                self.queue.add(sts.key)

    def _delete_pod(self, pod: Pod) -> None:
        ref = controller_of(pod)
        if ref is None:
            return
        sts = self._resolve(pod.namespace, ref)
        if sts is not None:
            self.queue.add(sts.key)

    # ---- sync ---------------------------------------------------------------------------------

    def _history(self, sts: StatefulSet) -> History:
        h = self.histories.get(sts.key)
        if h is None or h.uid != sts.metadata.uid:
            h = self.histories[sts.key] = History(sts.metadata.uid or "")
        return h

    def steps(self, key: Any) -> Steps:
        """sync and syncStatefulSet."""
        namespace, name = str(key).split("/", 1)
        sts = self._get(namespace, name)
        if sts is None:
            self.histories.pop(str(key), None)
            return
        candidates = self.pods.by_index("controller", sts.metadata.uid or "") + self.pods.by_index(ORPHAN_INDEX,
                                                                                                 sts.namespace)
        claimed = yield from claim(self.api, sts, label_selector(sts.spec.selector),
                                   [p for p in candidates if isinstance(p, Pod)], match=lambda p: is_member_of(sts, p))
        pods = [p for p in claimed if isinstance(p, Pod)]
        history = self._history(sts)
        listed = history.listed()
        current, update, collision_count = history.revisions(sts, listed)
        status, error = yield from update_stateful_set(self.api, self.now, sts, current, update, collision_count, pods)
        status_error: APIError | None = None
        try:
            yield from self._update_status(sts, status)
        except APIError as e:
            status_error = e
        history.truncate(sts, listed, pods, current, update)
        if error is not None:
            raise error
        if status_error is not None:
            raise status_error
        if sts.spec.min_ready_seconds > 0 and status.available_replicas != sts.spec.replicas:
            self.queue.add_after(sts.key, float(sts.spec.min_ready_seconds))

    def _update_status(self, sts: StatefulSet, status: Status) -> Gen:
        """updateStatefulSetStatus: complete a finished rolling update, then write the status if
        it differs, retrying on conflict."""
        complete_rolling_update(sts, status)
        if not inconsistent_status(sts, status):
            return
        new = sts.status.model_copy(update={
            "observed_generation": status.observed_generation, "replicas": status.replicas,
            "ready_replicas": status.ready_replicas, "current_replicas": status.current_replicas,
            "updated_replicas": status.updated_replicas, "available_replicas": status.available_replicas,
            "current_revision": status.current_revision, "update_revision": status.update_revision,
            "collision_count": status.collision_count, "conditions": []})
        current: StatefulSet = sts
        for attempt in range(STATUS_UPDATE_RETRIES):
            try:
                yield call(self.api.update, current.model_copy(update={"status": new}))
                return
            except APIError as e:
                if e.reason != "Conflict" or attempt == STATUS_UPDATE_RETRIES - 1:
                    raise
            current = yield call(self.api.get, "StatefulSet", sts.namespace, sts.metadata.name)
