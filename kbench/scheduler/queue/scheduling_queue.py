"""PriorityQueue: activeQ, backoffQ and the unschedulable pod pool behind one interface.

Mirrors pkg/scheduler/backend/queue/scheduling_queue.go of Kubernetes v1.34 with the v1.34
default feature gates: SchedulerQueueingHints on (locked), SchedulerPopFromBackoffQ on (beta).
The paths Go keeps for disabled gates (moveRequestCycle deciding where failed pods go,
addUnschedulableWithoutQueueingHint, isPodUpdated) are therefore not modelled; moveRequestCycle is
still recorded as Go records it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Protocol

from kbench.api.objects import Pod
from kbench.scheduler.framework import Code, PodInfo, Status
from kbench.scheduler.queue.active_queue import ActiveQueue
from kbench.scheduler.queue.backoff_queue import BackoffQueue
from kbench.scheduler.queue.events import (
    EVENT_FORCE_ACTIVATE,
    EVENT_UNSCHEDULABLE_TIMEOUT,
    pod_scheduling_properties_change,
)
from kbench.scheduler.queue.types import (
    NS_PER_SECOND,
    ClusterEvent,
    HintError,
    HintObject,
    QueuedPodInfo,
    QueueingHint,
    QueueingHintMap,
    cluster_event_is_wildcard,
    match_any_cluster_event,
    match_cluster_events,
    pod_uid,
    to_ns,
)
from kbench.scheduler.queue.unschedulable_pods import UnschedulablePods

DEFAULT_POD_INITIAL_BACKOFF = 1.0
"""DefaultPodInitialBackoffDuration (podInitialBackoffSeconds), seconds."""
DEFAULT_POD_MAX_BACKOFF = 10.0
"""DefaultPodMaxBackoffDuration (podMaxBackoffSeconds), seconds."""
DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS = 300.0
"""DefaultPodMaxInUnschedulablePodsDuration: 5 minutes."""
FLUSH_BACKOFF_PERIOD = 1.0
"""flushBackoffQCompleted runs at every whole second (waitUntilAlignedWithOrderingWindow)."""
FLUSH_UNSCHEDULABLE_PERIOD = 30.0
"""flushUnschedulablePodsLeftover runs every 30 s from Run() (wait.Until)."""

ACTIVE_Q, BACKOFF_Q, UNSCHEDULABLE_Q = "Active", "Backoff", "Unschedulable"
"""The queue names Go returns from requeuePodWithQueueingStrategy."""

PreEnqueueCheck = Callable[[Pod], bool]
"""queue.PreEnqueueCheck: MoveAllToActiveOrBackoffQueue moves only the pods it accepts."""


class Strategy(IntEnum):
    """queue.queueingStrategy."""

    QueueSkip = 0
    QueueAfterBackoff = 1
    QueueImmediately = 2


class PreEnqueuePlugin(Protocol):
    """framework.PreEnqueuePlugin: a non-success status keeps the pod out of activeQ (gated)."""

    NAME: ClassVar[str]

    def pre_enqueue(self, pod: Pod) -> Status: ...


class SchedulingGates:
    """The SchedulingGates plugin's PreEnqueue (plugins/schedulinggates/scheduling_gates.go)."""

    NAME: ClassVar[str] = "SchedulingGates"

    def pre_enqueue(self, pod: Pod) -> Status:
        """Mirrors SchedulingGates.PreEnqueue: unresolvable while spec.schedulingGates is set."""
        gates = pod.spec.scheduling_gates or []
        if not gates:
            return Status()
        names = " ".join(g.get("name", "") if isinstance(g, Mapping) else str(g) for g in gates)
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, f"waiting for scheduling gates: [{names}]")


@dataclass(frozen=True)
class QueueLengths:
    """The scheduler_pending_pods gauge by queue, plus the pods in flight."""

    active: int
    backoff: int
    unschedulable: int
    """Pods in the unschedulable pool that are not gated."""
    gated: int
    in_flight: int


class SchedulingQueue:
    """Mirrors PriorityQueue. ``clock`` returns the simulated time in seconds.

    ``hint_maps`` is the QueueingHintMap of each profile, by scheduler name (see
    kbench.scheduler.queueing_hints.queueing_hint_map). ``pre_enqueue`` gives each profile's
    PreEnqueue plugins; None means SchedulingGates for every profile, as the default profile has.

    The owner drives the clock: call flush_backoff_completed() at each whole second (or only at
    next_backoff_expiry(), which is equivalent) and flush_unschedulable_leftover() every
    FLUSH_UNSCHEDULABLE_PERIOD seconds from the start, as PriorityQueue.Run does.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        pod_initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF,
        pod_max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
        pod_max_in_unschedulable_pods: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS,
        hint_maps: Mapping[str, QueueingHintMap] | None = None,
        pre_enqueue: Mapping[str, Sequence[PreEnqueuePlugin]] | None = None,
    ) -> None:
        self._clock = clock
        self.pod_max_in_unschedulable_pods_ns = to_ns(pod_max_in_unschedulable_pods)
        self.hint_maps: dict[str, QueueingHintMap] = dict(hint_maps or {})
        self._pre_enqueue = pre_enqueue
        self.backoff_q = BackoffQueue(self._now_ns, to_ns(pod_initial_backoff), to_ns(pod_max_backoff))
        self.active_q = ActiveQueue(self.backoff_q)
        self.unschedulable_pods = UnschedulablePods()
        self.move_request_cycle = -1
        """moveRequestCycle: recorded for parity; it decides nothing with queueing hints on."""
        self.plugin_to_events: dict[str, list[ClusterEvent]] = {}
        for hint_map in self.hint_maps.values():
            for event, fns in hint_map.items():
                for fn in fns:
                    self.plugin_to_events.setdefault(fn.plugin_name, []).append(event)

    def _now_ns(self) -> int:
        return to_ns(self._clock())

    def _pre_enqueue_plugins(self, pod: Pod) -> Sequence[PreEnqueuePlugin]:
        if self._pre_enqueue is None:
            return (SchedulingGates(),)
        return self._pre_enqueue.get(pod.spec.scheduler_name, ())

    # ---- helpers -----------------------------------------------------------------------------

    def new_queued_pod_info(self, pod: Pod, *plugins: str) -> QueuedPodInfo:
        """Mirrors newQueuedPodInfo: Timestamp now, no InitialAttemptTimestamp yet."""
        return QueuedPodInfo(PodInfo(pod), timestamp_ns=self._now_ns(), unschedulable_plugins=set(plugins))

    def is_event_of_interest(self, event: ClusterEvent) -> bool:
        """Mirrors isEventOfInterest: wildcard, or registered by some plugin of some profile."""
        if cluster_event_is_wildcard(event):
            return True
        return any(match_cluster_events(e, event) for m in self.hint_maps.values() for e in m)

    def is_pod_worth_requeuing(self, pinfo: QueuedPodInfo, event: ClusterEvent, old: HintObject, new: HintObject) -> Strategy:
        """Mirrors isPodWorthRequeuing: ask the hints of the pod's rejector plugins only.

        No rejector: QueueAfterBackoff. Wildcard event: QueueAfterBackoff, unless it carries a new
        object that is not this pod (EventForceActivate for another pod). A Queue from a Pending
        plugin is QueueImmediately; from an Unschedulable plugin QueueAfterBackoff. A hint that
        raises HintError counts as Queue.
        """
        rejectors = pinfo.rejector_plugins()
        if not rejectors:
            return Strategy.QueueAfterBackoff
        if cluster_event_is_wildcard(event):
            if new is not None and not (isinstance(new, Pod) and pod_uid(new) == pinfo.uid):
                return Strategy.QueueSkip
            return Strategy.QueueAfterBackoff
        hint_map = self.hint_maps.get(pinfo.pod.spec.scheduler_name)
        if hint_map is None:
            return Strategy.QueueAfterBackoff
        strategy = Strategy.QueueSkip
        for registered, fns in hint_map.items():
            if not match_cluster_events(registered, event):
                continue
            for fn in fns:
                if fn.plugin_name not in rejectors:
                    continue
                try:
                    hint = fn.queueing_hint_fn(pinfo.pod, old, new)
                except HintError:
                    hint = QueueingHint.Queue
                if hint == QueueingHint.QueueSkip:
                    continue
                if fn.plugin_name in pinfo.pending_plugins:
                    return Strategy.QueueImmediately
                if not pinfo.pending_plugins:
                    return Strategy.QueueAfterBackoff
                strategy = Strategy.QueueAfterBackoff
        return strategy

    def _run_pre_enqueue_plugins(self, pinfo: QueuedPodInfo) -> None:
        """Mirrors runPreEnqueuePlugins/runPreEnqueuePlugin: the gating plugin first, then the
        others; the first failure gates the pod (and counts as an unschedulable plugin)."""
        plugins = self._pre_enqueue_plugins(pinfo.pod)
        gating = pinfo.gating_plugin
        ordered = [p for p in plugins if p.NAME == gating] + [p for p in plugins if p.NAME != gating]
        for pl in ordered:
            if not pl.pre_enqueue(pinfo.pod).ok:
                pinfo.unschedulable_plugins.add(pl.NAME)
                pinfo.gating_plugin = pl.NAME
                pinfo.gating_plugin_events = list(self.plugin_to_events.get(pl.NAME, []))
                return
        pinfo.gating_plugin = ""

    def _move_to_active_q(self, pinfo: QueuedPodInfo, moves_from_backoff_q: bool) -> bool:
        """Mirrors moveToActiveQ: run PreEnqueue (skipped for a pod leaving backoffQ, which ran it
        on the way in); a gated pod goes to the unschedulable pool instead. True if added."""
        if not moves_from_backoff_q:
            self._run_pre_enqueue_plugins(pinfo)
        if pinfo.gated():
            key = pinfo.key
            if self.active_q.has(key) or self.backoff_q.has(key) or self.unschedulable_pods.get(pinfo.pod) is not None:
                return False
            self.unschedulable_pods.add_or_update(pinfo)
            return False
        if pinfo.initial_attempt_timestamp_ns is None:
            pinfo.initial_attempt_timestamp_ns = self._now_ns()
        self.unschedulable_pods.delete(pinfo.pod)
        self.backoff_q.delete(pinfo.key)
        self.active_q.add(pinfo)
        return True

    def _move_to_backoff_q(self, pinfo: QueuedPodInfo) -> bool:
        """Mirrors moveToBackoffQ: PreEnqueue runs here (SchedulerPopFromBackoffQ); a gated pod
        goes to the unschedulable pool instead. True if added."""
        self._run_pre_enqueue_plugins(pinfo)
        if pinfo.gated():
            if self.unschedulable_pods.get(pinfo.pod) is None:
                self.unschedulable_pods.add_or_update(pinfo)
            return False
        self.unschedulable_pods.delete(pinfo.pod)
        self.backoff_q.add(pinfo)
        return True

    def _requeue_pod_with_queueing_strategy(self, pinfo: QueuedPodInfo, strategy: Strategy) -> str:
        """Mirrors requeuePodWithQueueingStrategy; returns the queue the pod went to."""
        if strategy == Strategy.QueueSkip:
            self.unschedulable_pods.add_or_update(pinfo)
            return UNSCHEDULABLE_Q
        if strategy == Strategy.QueueAfterBackoff and self.backoff_q.is_pod_backing_off(pinfo):
            return BACKOFF_Q if self._move_to_backoff_q(pinfo) else UNSCHEDULABLE_Q
        return ACTIVE_Q if self._move_to_active_q(pinfo, False) else UNSCHEDULABLE_Q

    def _determine_scheduling_hint_for_in_flight_pod(self, pinfo: QueuedPodInfo) -> Strategy:
        """Mirrors determineSchedulingHintForInFlightPod: replay the events seen while the pod was
        in flight; a pod with no rejector plugin (Error) or not in flight is QueueAfterBackoff."""
        if not pinfo.rejector_plugins():
            return Strategy.QueueAfterBackoff
        events = self.active_q.cluster_events_for_pod(pinfo)
        if events is None:
            return Strategy.QueueAfterBackoff
        strategy = Strategy.QueueSkip
        for e in events:
            s = self.is_pod_worth_requeuing(pinfo, e.event, e.old, e.new)
            if s == Strategy.QueueImmediately:
                return s
            if s == Strategy.QueueAfterBackoff:
                strategy = s
                if not pinfo.pending_plugins:
                    return s
        return strategy

    def _move_pods_to_active_or_backoff_queue(self, pods: Iterable[QueuedPodInfo], event: ClusterEvent,
                                              old: HintObject, new: HintObject) -> None:
        """Mirrors movePodsToActiveOrBackoffQueue, then records the event for in-flight pods."""
        if not self.is_event_of_interest(event):
            return
        for pinfo in pods:
            if pinfo.gated() and not match_any_cluster_event(event, pinfo.gating_plugin_events):
                continue
            strategy = self.is_pod_worth_requeuing(pinfo, event, old, new)
            if strategy == Strategy.QueueSkip:
                continue
            self.unschedulable_pods.delete(pinfo.pod)
            self._requeue_pod_with_queueing_strategy(pinfo, strategy)
        self.move_request_cycle = self.active_q.sched_cycle
        self.active_q.add_event_if_any_in_flight(old, new, event)

    # ---- SchedulingQueue ---------------------------------------------------------------------

    def add(self, pod: Pod) -> None:
        """Mirrors PriorityQueue.Add: a new unscheduled pod goes to activeQ (or, gated, to the pool)."""
        self._move_to_active_q(self.new_queued_pod_info(pod), False)

    def activate(self, pods: Iterable[Pod]) -> None:
        """Mirrors PriorityQueue.Activate: move pods waiting in the pool or backoffQ to activeQ; a
        pod in flight gets EventForceActivate recorded for when it comes back."""
        for pod in pods:
            pinfo = self.unschedulable_pods.get(pod)
            from_backoff = False
            if pinfo is None:
                pinfo = self.backoff_q.delete(pod.key)
                from_backoff = pinfo is not None
            if pinfo is not None:
                self._move_to_active_q(pinfo, from_backoff)
                continue
            self.active_q.add_events_if_pod_in_flight(None, pod, [EVENT_FORCE_ACTIVATE])
            self.move_request_cycle = self.active_q.sched_cycle

    def scheduling_cycle(self) -> int:
        """Mirrors SchedulingCycle: the number of pods popped so far."""
        return self.active_q.sched_cycle

    def add_unschedulable_if_not_present(self, pinfo: QueuedPodInfo, scheduling_cycle: int) -> None:
        """Mirrors AddUnschedulableIfNotPresent: return a pod after a failed scheduling attempt.

        The caller (handleSchedulingFailure) has set ``pinfo.unschedulable_plugins`` and
        ``pending_plugins`` from the FitError (left empty for an Error status) and refreshed
        ``pinfo.pod_info`` with the latest version of the pod. The pod is always done() here.
        An Error increments ConsecutiveErrorsCount, a rejection UnschedulableCount (and resets the
        errors); Timestamp is reset to now and the cached backoff expiry cleared. The events seen
        while the pod was in flight then decide between activeQ, backoffQ and the pool.
        ``scheduling_cycle`` is only used by the hint-less path Go keeps for disabled hints.

        Raises ValueError, with Go's message, if the pod is already in one of the sub-queues.
        """
        try:
            pod = pinfo.pod
            if self.unschedulable_pods.get(pod) is not None:
                raise ValueError(f"Pod {pod.key} is already present in unschedulable queue")
            if self.active_q.has(pinfo.key):
                raise ValueError(f"Pod {pod.key} is already present in the active queue")
            if self.backoff_q.has(pinfo.key):
                raise ValueError(f"Pod {pod.key} is already present in the backoff queue")
            if not pinfo.rejector_plugins():
                pinfo.consecutive_errors_count += 1
            else:
                pinfo.unschedulable_count += 1
                pinfo.consecutive_errors_count = 0
            pinfo.timestamp_ns = self._now_ns()
            pinfo.backoff_expiration_ns = None
            strategy = self._determine_scheduling_hint_for_in_flight_pod(pinfo)
            self._requeue_pod_with_queueing_strategy(pinfo, strategy)
        finally:
            self.done(pinfo.uid)

    def flush_backoff_completed(self) -> None:
        """Mirrors flushBackoffQCompleted: move every pod whose backoff completed to activeQ."""
        for pinfo in self.backoff_q.pop_all_backoff_completed():
            self._move_to_active_q(pinfo, True)

    def flush_unschedulable_leftover(self) -> None:
        """Mirrors flushUnschedulablePodsLeftover: pods in the pool for longer than
        podMaxInUnschedulablePodsDuration (strictly) move with EventUnschedulableTimeout."""
        now = self._now_ns()
        leftover = [p for p in self.unschedulable_pods if now - p.timestamp_ns > self.pod_max_in_unschedulable_pods_ns]
        if leftover:
            self._move_pods_to_active_or_backoff_queue(leftover, EVENT_UNSCHEDULABLE_TIMEOUT, None, None)

    def pop(self) -> QueuedPodInfo | None:
        """Mirrors PriorityQueue.Pop, without blocking: None when activeQ and podBackoffQ are empty.
        The pod is in flight until done() (add_unschedulable_if_not_present calls it)."""
        return self.active_q.pop()

    def done(self, uid: str) -> None:
        """Mirrors PriorityQueue.Done: the pod's attempt ended (bound, dropped or requeued)."""
        self.active_q.done(uid)

    def update(self, old: Pod, new: Pod) -> None:
        """Mirrors PriorityQueue.Update for an unscheduled pod's update.

        In flight: the update events are recorded for its return. In activeQ or backoffQ: the pod
        is replaced where it is. In the pool: each PodSchedulingPropertiesChange event is offered
        to the rejector plugins' hints until one moves it. Elsewhere: it is added to activeQ.
        """
        events = pod_scheduling_properties_change(new, old)
        if self.active_q.add_events_if_pod_in_flight(old, new, events):
            return
        if self.active_q.update(new, old.key) is not None:
            return
        if self.backoff_q.update(new, old.key) is not None:
            return
        pinfo = self.unschedulable_pods.get(new)
        if pinfo is not None:
            pinfo.pod_info = PodInfo(new)
            for event in events:
                strategy = self.is_pod_worth_requeuing(pinfo, event, old, new)
                queue = self._requeue_pod_with_queueing_strategy(pinfo, strategy)
                if queue in (ACTIVE_Q, BACKOFF_Q):
                    break
            return
        self._move_to_active_q(self.new_queued_pod_info(new), False)

    def delete(self, pod: Pod) -> None:
        """Mirrors PriorityQueue.Delete: remove the pod from whichever sub-queue holds it."""
        if self.active_q.delete(pod.key) is not None:
            return
        if self.backoff_q.delete(pod.key) is not None:
            return
        self.unschedulable_pods.delete(pod)

    def move_all_to_active_or_backoff(self, event: ClusterEvent, old: HintObject = None, new: HintObject = None,
                                      pre_check: PreEnqueueCheck | None = None) -> None:
        """Mirrors MoveAllToActiveOrBackoffQueue: offer ``event`` to the pool's pods (those
        ``pre_check`` accepts) and record it for the pods in flight."""
        if not self.is_event_of_interest(event):
            return
        pods = [p for p in self.unschedulable_pods if pre_check is None or pre_check(p.pod)]
        self._move_pods_to_active_or_backoff_queue(pods, event, old, new)

    # ---- what the event loop and the metrics read ---------------------------------------------

    def next_backoff_expiry(self) -> float | None:
        """The simulated time of the first flush that would move a pod out of backoffQ (it may
        already have passed if no flush ran since); None when backoffQ is empty."""
        t = self.backoff_q.next_completion_ns()
        return None if t is None else t / NS_PER_SECOND

    def lengths(self) -> QueueLengths:
        """Pending pods by queue, as the scheduler_pending_pods gauge splits them."""
        gated = sum(1 for p in self.unschedulable_pods if p.gated())
        return QueueLengths(
            active=len(self.active_q),
            backoff=len(self.backoff_q),
            unschedulable=len(self.unschedulable_pods) - gated,
            gated=gated,
            in_flight=len(self.active_q.in_flight_pods),
        )

    def get_pod(self, name: str, namespace: str) -> QueuedPodInfo | None:
        """Mirrors GetPod: the queued pod from backoffQ, the pool or activeQ."""
        key = f"{namespace}/{name}"
        found = self.backoff_q.get(key)
        if found is None:
            found = next((p for p in self.unschedulable_pods if p.key == key), None)
        return found if found is not None else self.active_q.get(key)

    def pods_in_active_q(self) -> list[Pod]:
        return self.active_q.pods()

    def pods_in_backoff_q(self) -> list[Pod]:
        return self.backoff_q.pods()

    def unschedulable(self) -> list[Pod]:
        """Mirrors UnschedulablePods: the pods in the pool (gated ones included)."""
        return [p.pod for p in self.unschedulable_pods]

    def in_flight_pods(self) -> list[Pod]:
        """Mirrors InFlightPods."""
        return self.active_q.in_flight()
