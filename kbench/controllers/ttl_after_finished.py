"""The TTL-after-finished controller (pkg/controller/ttlafterfinished, kube-controller-manager's
"ttl-after-finished"): a finished Job with ``spec.ttlSecondsAfterFinished`` is deleted that many
seconds after it finished (the lastTransitionTime of its true Complete or Failed condition), and
the garbage collector then deletes its pods.

processJob: a Job not finished, without a TTL or being deleted is left alone; one whose TTL has
not expired is looked at again when it expires; one whose TTL has expired is read again from the
API server (the TTL may have changed) and deleted if it still has expired, with the uid as a
precondition.

Simplified: kube deletes with foreground propagation (the Job stays, with a deletionTimestamp,
until the collector has deleted its pods); kbench has only background propagation, so the Job
goes first and its pods at the same instant.
"""

from __future__ import annotations

from collections.abc import Hashable

from kbench.api.workloads import Job
from kbench.controllers.base import Controller, InformerFactory
from kbench.controllers.job.status import COMPLETE, FAILED, is_job_finished
from kbench.controllers.manager import register
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key


def needs_cleanup(job: Job) -> bool:
    """needsCleanup: a TTL is set and the Job has finished."""
    return job.spec.ttl_seconds_after_finished is not None and is_job_finished(job)


def expire_at(job: Job) -> float:
    """getFinishAndExpireTime's expiry: the finish time (jobFinishTime) plus the TTL."""
    finished = next(c.last_transition_time for c in job.status.conditions
                    if c.type in (COMPLETE, FAILED) and c.status == "True")
    return float(finished) + float(job.spec.ttl_seconds_after_finished or 0)


@register
class TTLAfterFinishedController(Controller):
    """Deletes finished Jobs once their ttlSecondsAfterFinished has passed."""

    name = "ttl-after-finished"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.jobs = informers.get("Job")
        self.jobs.add_handlers(on_add=self._seen, on_update=lambda old, new: self._seen(new))

    def _seen(self, job: Job) -> None:
        """addJob / updateJob: queue a finished Job with a TTL that is not being deleted."""
        if job.metadata.deletion_timestamp is None and needs_cleanup(job):
            self.queue.add((job.metadata.namespace or "default", job.metadata.name))

    def _expired(self, job: Job) -> bool:
        """processTTL: whether the TTL has expired; if it will later, look again then."""
        if job.metadata.deletion_timestamp is not None or not needs_cleanup(job):
            return False
        left = expire_at(job) - self.now()
        if left <= 0:
            return True
        self.queue.add_after((job.metadata.namespace or "default", job.metadata.name), left)
        return False

    def sync(self, key: Hashable) -> None:
        """processJob."""
        assert isinstance(key, tuple)
        namespace, name = (str(part) for part in key)
        job = self.jobs.get(registry_key("Job", namespace, name))
        if not isinstance(job, Job) or not self._expired(job):
            return
        try:
            fresh = self.api.get("Job", namespace, name)
        except APIError:
            return
        if isinstance(fresh, Job) and self._expired(fresh):
            self.write(self._delete, namespace, name, fresh.metadata.uid)

    def _delete(self, namespace: str, name: str, uid: str | None) -> Job | None:
        """Delete the Job if it is still the one that expired (the uid precondition)."""
        if uid is None or self.api.get_if("Job", namespace, name, uid) is None:
            return None
        return self.api.delete("Job", namespace, name)  # type: ignore[return-value]
