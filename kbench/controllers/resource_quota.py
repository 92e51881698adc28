"""The resource quota controller (pkg/controller/resourcequota, kube-controller-manager's
"resourcequota"): keeps each ResourceQuota's ``status.hard`` equal to ``spec.hard`` and its
``status.used`` equal to what the namespace's pods consume.

A quota is synced (syncResourceQuota) when it is created, when its ``spec.hard`` changes, when a
pod of its namespace stops counting (it turned Succeeded or Failed) or enters or leaves the
Terminating scope (the quota monitor's update filter) or is deleted (replenishment, for the quotas that
limit a pod resource), and for every quota every ``--resource-quota-sync-period`` (5 min) and at
start. A sync recomputes the usage of the resources the quota limits from the pods informer (each
pod matching the quota's scopes, terminal pods counting only ``count/pods``), keeps previously
observed values of resources it cannot measure, and writes the status if the hard limits or the
usage changed (a Conflict retries with the queue's backoff).

Simplified: kube keeps a priority queue for quotas whose status lacks a usage; here all keys share
one queue. Only pod resources are measured (the evaluator of :mod:`kbench.quota.pods`); object
counts of other kinds are left unmeasured.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, cast

from kbench.api.objects import Pod
from kbench.api.quantity_format import Amount
from kbench.api.quota import ResourceQuota
from kbench.controllers.base import InformerFactory
from kbench.controllers.blocking import BlockingController, Steps, call
from kbench.controllers.manager import register
from kbench.quota.pods import (
    is_quota_pod,
    is_terminating,
    matches_scope,
    matching_resources,
    pod_usage,
    scope_selectors,
)
from kbench.quota.resources import Usage, add, amounts, equals, mask, quantities
from kbench.sim.apiserver import APIServer, registry_key

RESOURCE_QUOTA_SYNC_PERIOD = 300.0
"""--resource-quota-sync-period: every quota is recalculated this often."""


@register
class ResourceQuotaController(BlockingController):
    """Recomputes ResourceQuota status from the pods of its namespace."""

    name = "resourcequota"
    sync_period = RESOURCE_QUOTA_SYNC_PERIOD

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.quotas = informers.get("ResourceQuota")
        self.pods = informers.get("Pod")
        self.quotas.add_handlers(on_add=self._enqueue, on_update=self._quota_updated, on_delete=self._enqueue)
        self.pods.add_handlers(on_update=self._pod_updated, on_delete=self._pod_deleted)

    def start(self) -> None:
        """Queue every quota now and every sync period (wait.Until of enqueueAll)."""
        self._enqueue_all()

    def _enqueue_all(self) -> None:
        for rq in self.quotas.list():
            self._enqueue(rq)
        self.engine.schedule(self.sync_period, self._enqueue_all)

    def _enqueue(self, rq: Any) -> None:
        self.queue.add((rq.metadata.namespace or "default", rq.metadata.name))

    def _quota_updated(self, old: ResourceQuota, new: ResourceQuota) -> None:
        """Only a change of spec.hard queues a quota: its status is this controller's own write."""
        if not equals(amounts(old.spec.hard), amounts(new.spec.hard)):
            self._enqueue(new)

    def _pod_updated(self, old: Pod, new: Pod) -> None:
        """The quota monitor's update filter (DefaultUpdateFilter): the Terminating scope changed,
        or the pod stopped counting."""
        now = self.now()
        if is_terminating(old) != is_terminating(new) or (is_quota_pod(old, now) and not is_quota_pod(new, now)):
            self._replenish(new)

    def _pod_deleted(self, pod: Pod) -> None:
        self._replenish(pod)

    def _replenish(self, pod: Pod) -> None:
        """replenishQuota: queue the namespace's quotas that limit a pod resource."""
        for rq in self.quotas.by_index("namespace", pod.metadata.namespace or ""):
            if isinstance(rq, ResourceQuota) and matching_resources(rq.status.hard or {}):
                self._enqueue(rq)

    def usage(self, rq: ResourceQuota, hard: Usage) -> Usage:
        """CalculateUsage with the pod evaluator: usage of the limited pod resources by matching pods."""
        limited = matching_resources(hard)
        if not limited:
            return {}
        used: Usage = {name: Amount.of_int(0) for name in limited}
        selectors = scope_selectors(rq)
        now = self.now()
        for pod in self.pods.by_index("namespace", rq.metadata.namespace or "default"):
            if isinstance(pod, Pod) and all(matches_scope(s, pod) for s in selectors):
                used = add(used, pod_usage(pod, now))
        return mask(used, limited)

    def steps(self, key: Hashable) -> Steps:
        """syncResourceQuota: write status.hard = spec.hard and the recomputed usage, if they changed."""
        ns, name = cast(tuple[str, str], key)
        rq = self.quotas.get(registry_key("ResourceQuota", ns, name))
        if not isinstance(rq, ResourceQuota):
            return
        hard = amounts(rq.spec.hard)
        dirty = (not equals(hard, amounts(rq.status.hard)) or rq.status.hard is None or rq.status.used is None)
        used = {**amounts(rq.status.used), **self.usage(rq, hard)}
        used = mask(used, hard)
        if dirty or not equals(used, amounts(rq.status.used)):
            status = rq.status.model_copy(update={"hard": quantities(hard), "used": quantities(used)})
            yield call(self.api.update, rq.model_copy(update={"status": status}))
