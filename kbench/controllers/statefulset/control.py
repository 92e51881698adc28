"""The StatefulSet update logic (stateful_set_control.go updateStatefulSet): bring a set's pods to
``spec.replicas`` pods with ordinals start..start+replicas-1, then roll them to the update revision.

Pods in the ordinal range are the replicas; pods with a valid ordinal outside it are condemned;
every missing ordinal gets a new pod (newVersionedStatefulSetPod). Then:

* OrderedReady (monotonic): replicas in ordinal order; a failed or succeeded pod is deleted (its
  replacement, with the same name, comes on a later sync, once it is gone); a missing pod is
  created and the sync stops there; a pod being deleted, not Running and Ready, or not available
  for minReadySeconds stops the sync. Only when every replica is healthy are condemned pods
  deleted, the highest ordinal first, one per sync, each after the one before it is gone (a
  condemned pod that is not healthy blocks unless it is the first unhealthy pod).
* Parallel (burst): the same per replica but nothing blocks, in slow-start batches of 1, 2, 4, ...
  (at most 500), a batch with a failure ending the sync; then every condemned pod is deleted.
* RollingUpdate: from the highest ordinal down to the partition, the first pod not at the update
  revision and not being deleted is deleted (its replacement is made at the update revision), one
  per sync; a pod that is not healthy stops the walk. OnDelete: pods change revision only when
  deleted by someone else.

The returned status counts replicas (created pods), ready, available, current and updated ones
(pods being deleted count toward neither of the last two).

Simplified: the MaxUnavailableStatefulSet gate (alpha, off in v1.34) is not modelled: a rolling
update takes one pod at a time and rollingUpdate.maxUnavailable is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from kbench.api.objects import Pod
from kbench.api.workloads import StatefulSet
from kbench.controllers.blocking import Call, call
from kbench.controllers.statefulset.pods import (
    create_stateful_pod,
    delete_stateful_pod,
    identity_matches,
    in_ordinal_range,
    is_finished,
    is_healthy,
    is_running_and_available,
    is_running_and_ready,
    is_terminating,
    new_versioned_pod,
    ordinal,
    start_ordinal,
    update_stateful_pod,
)
from kbench.controllers.statefulset.revisions import Revision, pod_revision
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer

MAX_BATCH_SIZE = 500

Gen = Generator[Call | list[Call], Any, Any]


@dataclass
class Slot:
    """A pod of the sync: one from the cache (created), or one the set still has to create."""

    pod: Pod
    created: bool


@dataclass
class Status:
    """The apps.StatefulSetStatus a sync computes."""

    observed_generation: int
    current_revision: str
    update_revision: str
    collision_count: int
    replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0

    def count(self, min_ready_seconds: int, now: float, current: str, update: str, *lists: list[Slot]) -> None:
        """updateStatus: recount over the slots (computeReplicaStatus)."""
        self.replicas = self.ready_replicas = self.available_replicas = 0
        self.current_replicas = self.updated_replicas = 0
        for slots in lists:
            for s in slots:
                self.replicas += s.created
                if is_running_and_ready(s.pod):
                    self.ready_replicas += 1
                    self.available_replicas += is_running_and_available(s.pod, min_ready_seconds, now)
                if s.created and not is_terminating(s.pod):
                    revision = pod_revision(s.pod)
                    self.current_replicas += revision == current
                    self.updated_replicas += revision == update


Decision = tuple[Call | None, bool]
"""A pod's step: the API call to make (if any), and whether a monotonic sync stops after it."""


def run_for_all(slots: list[Slot], decide: Callable[[Slot], Decision], monotonic: bool) -> Gen:
    """runForAll: one by one until a step says stop (monotonic), else in slow-start batches whose
    calls go out together; returns (stop, first error)."""
    if monotonic:
        for s in slots:
            c, stop = decide(s)
            if c is not None:
                try:
                    yield c
                except APIError as e:
                    return True, e
            if stop:
                return True, None
        return False, None
    remaining, j = len(slots), 0
    batch = min(remaining, 1)
    while batch > 0:
        calls = [c for c in (decide(s)[0] for s in slots[j:j + batch]) if c is not None]
        j += batch
        if calls:
            results = yield calls
            errors = [r for r in results if isinstance(r, APIError)]
            if errors:
                return True, errors[0]
        remaining -= batch
        batch = min(2 * batch, remaining, MAX_BATCH_SIZE)
    return False, None


def update_stateful_set(api: APIServer, clock: Callable[[], float], sts: StatefulSet, current: Revision,
                        update: Revision, collision_count: int, pods: list[Pod]) -> Gen:
    """updateStatefulSet: returns (status, error)."""
    min_ready = sts.spec.min_ready_seconds
    status = Status(sts.metadata.generation or 0, current.name, update.name, collision_count)
    status.count(min_ready, clock(), current.name, update.name, [Slot(p, True) for p in pods])
    start = start_ordinal(sts)
    replicas: list[Slot | None] = [None] * sts.spec.replicas
    condemned: list[Slot] = []
    for pod in pods:
        if in_ordinal_range(pod, sts):
            replicas[ordinal(pod) - start] = Slot(pod, True)
        elif ordinal(pod) >= 0:
            condemned.append(Slot(pod, True))
    slots = [s if s is not None else Slot(new_versioned_pod(sts, current.template, update.template, current.name,
                                                            update.name, start + i), False)
             for i, s in enumerate(replicas)]
    condemned.sort(key=lambda s: ordinal(s.pod), reverse=True)
    unhealthy = [s for s in slots if not is_healthy(s.pod)] + [s for s in reversed(condemned) if not is_healthy(s.pod)]
    first_unhealthy = unhealthy[0] if unhealthy else None
    if sts.metadata.deletion_timestamp is not None:
        return status, None
    monotonic = sts.spec.pod_management_policy != "Parallel"

    def recount() -> None:
        status.count(min_ready, clock(), current.name, update.name, slots, condemned)

    def replica(s: Slot) -> Decision:
        """processReplica."""
        pod = s.pod
        if s.created and is_finished(pod):
            return (None if is_terminating(pod) else call(delete_stateful_pod, api, sts, pod)), True
        if not s.created:
            return call(create_stateful_pod, api, sts, pod), monotonic
        if monotonic and (is_terminating(pod) or not is_running_and_ready(pod)
                          or not is_running_and_available(pod, min_ready, clock())):
            return None, True
        if identity_matches(sts, pod):
            return None, False
        return call(update_stateful_pod, api, sts, pod), False

    def condemn(s: Slot) -> Decision:
        """processCondemned."""
        pod = s.pod
        if is_terminating(pod):
            return None, monotonic
        if monotonic and s is not first_unhealthy and (
                not is_running_and_ready(pod) or not is_running_and_available(pod, min_ready, clock())):
            return None, True
        return call(delete_stateful_pod, api, sts, pod), True

    for group, decide in ((slots, replica), (condemned, condemn)):
        stop, error = yield from run_for_all(group, decide, monotonic)
        if stop or error is not None:
            recount()
            return status, error
    recount()
    strategy = sts.spec.update_strategy
    if strategy.type == "OnDelete":
        return status, None
    update_min = strategy.rolling_update.partition if strategy.rolling_update is not None else 0
    for target in range(len(slots) - 1, update_min - 1, -1):
        pod = slots[target].pod
        if pod_revision(pod) != update.name and not is_terminating(pod):
            try:
                yield call(delete_stateful_pod, api, sts, pod)
            except APIError as e:
                if e.reason != "NotFound":
                    return status, e
            status.current_replicas -= 1
            return status, None
        if not is_healthy(pod):
            return status, None
    return status, None
