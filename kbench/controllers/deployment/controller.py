"""The Deployment controller process (pkg/controller/deployment/deployment_controller.go):
informer handlers that queue Deployments, and syncDeployment, which claims the ReplicaSets,
then pauses, scales or rolls out.

Rollout records for metrics: ``rollouts`` is a list of dicts ``{namespace, name, revision,
started_at, completed_at, replicas}``, one per revision a Deployment rolls out. A rollout starts
when the write that gives a ReplicaSet a new revision commits (the new ReplicaSet's creation, or
a rollback's revival of an old one) and completes when the status write that sets the
Progressing condition to NewReplicaSetAvailable commits; ``completed_at`` stays None until then
(for ever when a newer revision supersedes it). ``replicas`` is spec.replicas when it started.

Simplified: the Recreate pod-deletion handler counts the Deployment's pods from the informer
cache, where Go lists the ReplicaSets from the API server. A sync claims from the ReplicaSets the
Deployment controls and its namespace's orphans (informer indices), where Go hands every
ReplicaSet of the namespace to ClaimReplicaSets: that skips the ones another controller owns, so
the claimed list is the same (in the same key order), without a scan of the namespace per sync.
"""

from __future__ import annotations

from typing import Any

from kbench.api.objects import OwnerReference, Pod
from kbench.api.selectors import label_selector
from kbench.api.workloads import Deployment, ReplicaSet
from kbench.controllers.base import ORPHAN_INDEX, InformerFactory, controller_of
from kbench.controllers.blocking import BlockingController, Steps
from kbench.controllers.deployment.recreate import rollout_recreate
from kbench.controllers.deployment.rolling import rollout_rolling
from kbench.controllers.deployment.sync import (
    check_paused_conditions,
    is_scaling_event,
    sync,
    sync_status_only,
    update_status,
)
from kbench.controllers.deployment.util import DeploymentCopy, empty_selector, revision_or_none
from kbench.controllers.manager import register
from kbench.controllers.ref_manager import claim
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer


@register
class DeploymentController(BlockingController):
    """kube-controller-manager's ``deployment`` controller."""

    name = "deployment"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.deployments: Informer = informers.get("Deployment")
        self.replica_sets: Informer = informers.get("ReplicaSet")
        self.pods: Informer = informers.get("Pod")
        self.rollouts: list[dict[str, Any]] = []
        """One record per revision rolled out (see the module docstring)."""
        self.deployments.add_handlers(on_add=self._add_deployment, on_update=self._update_deployment,
                                      on_delete=self._delete_deployment)
        self.replica_sets.add_handlers(on_add=self._add_rs, on_update=self._update_rs, on_delete=self._delete_rs)
        self.pods.add_handlers(on_delete=self._delete_pod)

    # ---- metrics ------------------------------------------------------------------------------

    def rollout_started(self, d: Deployment, rs: ReplicaSet) -> None:
        """A ReplicaSet of ``d`` got a new revision: a rollout starts."""
        self.rollouts.append({"namespace": d.namespace, "name": d.metadata.name, "revision": revision_or_none(rs),
                              "started_at": self.now(), "completed_at": None, "replicas": d.spec.replicas})

    def rollout_completed(self, d: Deployment, revision: str | None) -> None:
        """The rollout of ``revision`` reached NewReplicaSetAvailable."""
        rev = int(revision) if revision is not None and revision.isdigit() else None
        for r in reversed(self.rollouts):
            if r["namespace"] == d.namespace and r["name"] == d.metadata.name and r["revision"] == rev:
                if r["completed_at"] is None:
                    r["completed_at"] = self.now()
                return

    # ---- lookups ------------------------------------------------------------------------------

    def get_deployment(self, namespace: str, name: str) -> Deployment | None:
        d = self.deployments.get(registry_key("Deployment", namespace, name))
        return d if isinstance(d, Deployment) else None

    def get_replica_set(self, namespace: str, name: str) -> ReplicaSet | None:
        rs = self.replica_sets.get(registry_key("ReplicaSet", namespace, name))
        return rs if isinstance(rs, ReplicaSet) else None

    def _resolve(self, namespace: str, ref: OwnerReference) -> Deployment | None:
        """resolveControllerRef."""
        if ref.kind != "Deployment":
            return None
        d = self.get_deployment(namespace, ref.name)
        return d if d is not None and d.metadata.uid == ref.uid else None

    def _deployments_for_rs(self, rs: ReplicaSet) -> list[Deployment]:
        """GetDeploymentsForReplicaSet: Deployments of the namespace whose non-empty selector matches."""
        if not rs.metadata.labels:
            return []
        out = []
        for d in self.deployments.by_index("namespace", rs.namespace):
            if isinstance(d, Deployment):
                sel = label_selector(d.spec.selector)
                if not sel.empty and sel.matches(rs.metadata.labels):
                    out.append(d)
        return out

    def _deployment_for_pod(self, pod: Pod) -> Deployment | None:
        """getDeploymentForPod: through the pod's ReplicaSet."""
        ref = controller_of(pod)
        if ref is None or ref.kind != "ReplicaSet":
            return None
        rs = self.get_replica_set(pod.namespace, ref.name)
        if rs is None or rs.metadata.uid != ref.uid:
            return None
        rs_ref = controller_of(rs)
        return self._resolve(rs.namespace, rs_ref) if rs_ref is not None else None

    def _owned_replica_sets(self, d: Deployment) -> list[ReplicaSet]:
        """The ReplicaSets ``d`` controls whose labels its selector matches (ListReplicaSets)."""
        sel = label_selector(d.spec.selector)
        return [rs for rs in self.replica_sets.by_index("controller", d.metadata.uid or "")
                if isinstance(rs, ReplicaSet) and sel.matches(rs.metadata.labels)]

    def pod_map(self, d: Deployment, rs_list: list[ReplicaSet]) -> dict[str, list[Pod]]:
        """getPodMapForDeployment: the pods the selector matches, by owning ReplicaSet uid (inactive included)."""
        sel = label_selector(d.spec.selector)
        return {rs.metadata.uid or "": [p for p in self.pods.by_index("controller", rs.metadata.uid or "")
                                        if isinstance(p, Pod) and sel.matches(p.metadata.labels)]
                for rs in rs_list}

    # ---- handlers -----------------------------------------------------------------------------

    def _add_deployment(self, d: Deployment) -> None:
        self.queue.add(d.key)

    def _update_deployment(self, old: Deployment, cur: Deployment) -> None:
        self.queue.add(cur.key)

    def _delete_deployment(self, d: Deployment) -> None:
        self.queue.add(d.key)

    def _add_rs(self, rs: ReplicaSet) -> None:
        if rs.metadata.deletion_timestamp is not None:
            self._delete_rs(rs)
            return
        ref = controller_of(rs)
        if ref is not None:
            d = self._resolve(rs.namespace, ref)
            if d is not None:
                self.queue.add(d.key)
            return
        for d in self._deployments_for_rs(rs):
            self.queue.add(d.key)

    def _update_rs(self, old: ReplicaSet, cur: ReplicaSet) -> None:
        if cur.metadata.resource_version == old.metadata.resource_version:
            return
        cur_ref, old_ref = controller_of(cur), controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            prev = self._resolve(old.namespace, old_ref)
            if prev is not None:
                self.queue.add(prev.key)
        if cur_ref is not None:
            d = self._resolve(cur.namespace, cur_ref)
            if d is not None:
                self.queue.add(d.key)
            return
        if cur.metadata.labels != old.metadata.labels or ref_changed:
            for d in self._deployments_for_rs(cur):
                self.queue.add(d.key)

    def _delete_rs(self, rs: ReplicaSet) -> None:
        ref = controller_of(rs)
        if ref is None:
            return
        d = self._resolve(rs.namespace, ref)
        if d is not None:
            self.queue.add(d.key)

    def _delete_pod(self, pod: Pod) -> None:
        """deletePod: a Recreate Deployment whose last pod went is synced."""
        d = self._deployment_for_pod(pod)
        if d is None or d.spec.strategy.type != "Recreate":
            return
        if not any(self.pod_map(d, self._owned_replica_sets(d)).values()):
            self.queue.add(d.key)

    # ---- sync ---------------------------------------------------------------------------------

    def steps(self, key: Any) -> Steps:
        """syncDeployment."""
        namespace, name = str(key).split("/", 1)
        d = self.get_deployment(namespace, name)
        if d is None:
            return
        w = DeploymentCopy(d)
        if empty_selector(d.spec.selector):
            self.event(d, "Warning", "SelectingAll",
                       "This deployment is selecting all pods. A non-empty selector is required.")
            if d.status.observed_generation < (d.metadata.generation or 0):
                w.set_status(d.status.model_copy(update={"observed_generation": d.metadata.generation or 0}))
                try:
                    yield update_status(self, w)
                except APIError:
                    pass
            return
        candidates = [rs for rs in self.replica_sets.by_indices(("controller", d.metadata.uid or ""),
                                                                 (ORPHAN_INDEX, d.namespace))
                      if isinstance(rs, ReplicaSet)]
        claimed = yield from claim(self.api, d, label_selector(d.spec.selector), candidates)
        rs_list = [rs for rs in claimed if isinstance(rs, ReplicaSet)]
        pod_map = self.pod_map(d, rs_list) if d.spec.strategy.type == "Recreate" else {}
        if d.metadata.deletion_timestamp is not None:
            yield from sync_status_only(self, w, rs_list)
            return
        yield from check_paused_conditions(self, w)
        if w.d.spec.paused:
            yield from sync(self, w, rs_list)
            return
        if (yield from is_scaling_event(self, w, rs_list)):
            yield from sync(self, w, rs_list)
            return
        if d.spec.strategy.type == "Recreate":
            yield from rollout_recreate(self, w, rs_list, pod_map)
        else:
            yield from rollout_rolling(self, w, rs_list)
