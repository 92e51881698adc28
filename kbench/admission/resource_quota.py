"""The ResourceQuota admission plugin for pod creates (apiserver/pkg/admission/plugin/resourcequota,
controller.go CheckRequest and checkQuotas).

Every ResourceQuota of the pod's namespace that matches the pod (it limits, in ``status.hard``, a
resource pods consume, and each of its scopes matches) is checked in turn: the pod must specify
each of cpu/memory requests/limits the quota limits (``failed quota: NAME: must specify
requests.cpu for: c``), the quota must have a usage for each resource it limits (``status unknown
for quota``: the controller has not synced it yet), and the pod's usage added to ``status.used``
must stay within ``status.hard`` for the resources the pod consumes (``exceeded quota: NAME,
requested: cpu=2, used: cpu=3, limited: cpu=4``, resources sorted, quantities as Go prints them).
All Forbidden. When every quota admits the pod, each quota whose usage changed is written back
(``status.used``) before the pod is stored, as kube-apiserver updates the quota status within
admission; a pod charged this way whose own write then fails stays charged until the quota
controller recomputes the namespace.

A quota whose status the controller has not yet written (``status.hard`` unset) limits nothing,
as in Kubernetes. Simplified: quotas are read from the store (kube's informer cache plus its
cache of the quotas it just updated); kube batches concurrent requests per namespace and retries
status-update conflicts, which a single-threaded simulation never meets. Only pods are charged:
object-count quotas of other kinds (``count/deployments.apps``, ``services``, ...) are accepted
and not enforced.
"""

from __future__ import annotations

from pydantic import BaseModel

from kbench.admission.errors import forbidden
from kbench.api.objects import Pod
from kbench.api.quota import ResourceQuota
from kbench.quota.pods import constraint_error, matches, matching_resources, pod_usage
from kbench.quota.resources import (
    Usage,
    add,
    amounts,
    equals,
    less_than_or_equal,
    mask,
    negative,
    pretty,
    quantities,
    remove_zeros,
)
from kbench.sim.apiserver import APIServer


class ResourceQuotaAdmission:
    """The plugin; call it on an object being created."""

    def __init__(self, api: APIServer) -> None:
        self.api = api

    def __call__(self, obj: BaseModel) -> BaseModel:
        """Check a pod against its namespace's quotas and charge them; other objects pass unchanged."""
        if not isinstance(obj, Pod):
            return obj
        quotas = [q for q in self.api.list("ResourceQuota", obj.namespace)[0] if isinstance(q, ResourceQuota)]
        if not quotas:
            return obj
        for rq, used in check_request(quotas, obj, self.api.engine.now):
            status = rq.status.model_copy(update={"used": quantities(used)})
            self.api.update(rq.model_copy(update={"status": status}))
        return obj


def check_request(quotas: list[ResourceQuota], pod: Pod, now: float) -> list[tuple[ResourceQuota, Usage]]:
    """CheckRequest for a pod create: the quotas to update with their new usage; raises Forbidden."""
    interesting: list[ResourceQuota] = []
    for rq in quotas:
        if not matches(rq, pod):
            continue
        hard = rq.status.hard or {}
        restricted = matching_resources(hard)
        err = constraint_error(restricted, pod)
        if err is not None:
            raise forbidden(pod, f"failed quota: {rq.metadata.name}: {err}")
        used = rq.status.used or {}
        unknown = [r for r in restricted if r in hard and r not in used]
        if unknown:
            raise forbidden(pod, f"status unknown for quota: {rq.metadata.name}, resources: {','.join(sorted(restricted))}")
        interesting.append(rq)
    usage = pod_usage(pod, now)
    bad = negative(usage)
    if bad:
        raise forbidden(pod, f"quota usage is negative for resource(s): {','.join(sorted(bad))}")
    delta = remove_zeros(usage)
    if not interesting or not delta:
        return []
    out = []
    for rq in interesting:
        limits = amounts(rq.status.hard)
        current = amounts(rq.status.used)
        requested = mask(delta, limits)
        new_used = add(current, requested)
        ok, exceeded = less_than_or_equal(mask(new_used, requested), limits)
        if not ok:
            raise forbidden(pod, f"exceeded quota: {rq.metadata.name}, requested: {pretty(mask(requested, exceeded))}, "
                                 f"used: {pretty(mask(current, exceeded))}, limited: {pretty(mask(limits, exceeded))}")
        if not equals(new_used, current):
            out.append((rq, new_used))
    return out
