"""The scheduling queue, transcribed from kube-scheduler v1.34's
pkg/scheduler/backend/queue/{scheduling_queue,backoff_queue}_test.go (queueing hints and
SchedulerPopFromBackoffQ on, their v1.34 defaults). Each test names the Go test it comes from;
expected values are Go's literals, or Go's rules worked by hand in the comments. Cases that only
exist for disabled feature gates, and the nominator's, are left out.

Times are simulated seconds on a FakeClock advanced by hand. Go's tests start at time.Now(); where
a case depends on the 1 s backoff ordering window the start is chosen to make Go's expectation
hold for every real start (e.g. aligned where Go truncates the clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from kbench.api.objects import Node, Pod
from kbench.scheduler.framework import Code, PodInfo, Status
from kbench.scheduler.queue import (
    EVENT_ASSIGNED_POD_ADD,
    EVENT_ASSIGNED_POD_UPDATE,
    EVENT_FORCE_ACTIVATE,
    EVENT_UNSCHEDULABLE_TIMEOUT,
    EVENT_UNSCHEDULED_POD_UPDATE,
    ActionType,
    ClusterEvent,
    EventResource,
    HintError,
    QueuedPodInfo,
    QueueingHint,
    QueueingHintFunction,
    QueueingHintMap,
    SchedulingGates,
    SchedulingQueue,
    Strategy,
    build_queueing_hint_map,
    node_scheduling_properties_change,
    pod_scheduling_properties_change,
)
from kbench.scheduler.queue.active_queue import InFlightEvent
from kbench.scheduler.queue.backoff_queue import BackoffQueue
from kbench.scheduler.queue.types import (
    ClusterEventWithHint,
    HintObject,
    less,
    match_cluster_events,
    to_ns,
    unroll_wildcard_resource,
)

SCHED = "default-scheduler"
"""The profile every test pod names (Go's tests use the "" profile)."""

NODE_ADD = ClusterEvent(EventResource.Node, ActionType.Add)
PV_ADD = ClusterEvent(EventResource.PersistentVolume, ActionType.Add)
PV_UPDATE = ClusterEvent(EventResource.PersistentVolume, ActionType.Update)
PVC_ADD = ClusterEvent(EventResource.PersistentVolumeClaim, ActionType.Add)
CSI_NODE_UPDATE = ClusterEvent(EventResource.CSINode, ActionType.Update)

LOW, MID, HIGH = 0, 100, 1000
MEDIUM = (LOW + HIGH) // 2


class FakeClock:
    """testingclock.FakeClock: simulated seconds, moved only by step()/set()."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def step(self, d: float) -> None:
        self.t += d

    def set(self, t: float) -> None:
        self.t = t


def make_pod(name: str, namespace: str = "", uid: str | None = None, priority: int | None = None,
             labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
             node_name: str = "", nominated: str = "", gates: list[str] | None = None,
             tolerations: list[dict[str, Any]] | None = None, generation: int | None = None) -> Pod:
    """st.MakePod() with the fields these tests set."""
    meta: dict[str, Any] = {"name": name, "labels": labels or {}, "annotations": annotations or {}}
    if namespace:
        meta["namespace"] = namespace
    if uid is not None:
        meta["uid"] = uid
    if generation is not None:
        meta["generation"] = generation
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "pause"}], "nodeName": node_name}
    if priority is not None:
        spec["priority"] = priority
    if gates:
        spec["schedulingGates"] = [{"name": g} for g in gates]
    if tolerations:
        spec["tolerations"] = tolerations
    status = {"nominatedNodeName": nominated} if nominated else {}
    return Pod.model_validate({"metadata": meta, "spec": spec, "status": status})


def modified(pod: Pod, **meta: Any) -> Pod:
    """pod.DeepCopy() with metadata fields replaced."""
    body = pod.model_dump(by_alias=True, exclude_none=True)
    body["metadata"].update(meta)
    return Pod.model_validate(body)


def hpp() -> Pod:
    return make_pod("hpp", "ns1", "hppns1", HIGH)


def hpp_nominated() -> Pod:
    return make_pod("hpp", "ns1", "hppns1", HIGH, nominated="node1")


def mpp() -> Pod:
    return make_pod("mpp", "ns2", "mppns2", MEDIUM, annotations={"annot2": "val2"}, nominated="node1")


def up() -> Pod:
    return make_pod("up", "ns1", "upns1", LOW, annotations={"annot2": "val2"}, nominated="node1")


def clone_pod(pod: Pod, name: str) -> Pod:
    """clonePod: a copy renamed, with UID name+namespace."""
    return modified(pod, name=name, uid=name + pod.namespace)


def hint_queue(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """queueHintReturnQueue."""
    return QueueingHint.Queue


def hint_skip(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """queueHintReturnSkip."""
    return QueueingHint.QueueSkip


def hints(*entries: tuple[ClusterEvent, list[tuple[str, Callable[..., QueueingHint]]]]) -> dict[str, QueueingHintMap]:
    """A QueueingHintMapPerProfile for the test profile."""
    return {SCHED: {ev: [QueueingHintFunction(name, fn) for name, fn in fns] for ev, fns in entries}}


def new_queue(clock: FakeClock | None = None, hint_maps: dict[str, QueueingHintMap] | None = None,
              pre_enqueue: list[Any] | None = None, **kw: Any) -> SchedulingQueue:
    """NewTestQueue: no PreEnqueue plugins unless given (Go's test queue has none)."""
    return SchedulingQueue(clock or FakeClock(), hint_maps=hint_maps or {},
                           pre_enqueue={SCHED: pre_enqueue or []}, **kw)


def pop_pod(q: SchedulingQueue, pod: Pod) -> QueuedPodInfo:
    """popPod: Pop must return ``pod``."""
    p = q.pop()
    assert p is not None and p.uid == pod.metadata.uid
    return p


def lookup(pod: Pod, *plugins: str) -> QueuedPodInfo:
    """newQueuedPodInfoForLookup."""
    return QueuedPodInfo.for_pod(pod, *plugins)


def names(pods: list[Pod]) -> list[str]:
    return sorted(p.metadata.name for p in pods)


class AllowlistPreEnqueue:
    """preEnqueuePlugin of scheduling_queue_test.go: lets a pod through if it has a label whose key
    is in the allowlist."""

    NAME: ClassVar[str] = "preEnqueuePlugin"

    def __init__(self, allowlists: list[str] | None = None) -> None:
        self.allowlists = allowlists or []

    def pre_enqueue(self, pod: Pod) -> Status:
        if any(label == allowed for allowed in self.allowlists for label in pod.metadata.labels):
            return Status()
        return Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, "pod name not in allowlists")


class FooPreEnqueue(AllowlistPreEnqueue):
    """The same plugin registered as "foo" (TestPriorityQueue_MoveAllToActiveOrBackoffQueueWithQueueingHint)."""

    NAME: ClassVar[str] = "foo"


# ---- Add / Pop -----------------------------------------------------------------------------------


def test_add_pops_by_priority() -> None:
    """TestPriorityQueue_Add (the nominator part is not modelled)."""
    q = new_queue()
    m, u, h = mpp(), up(), hpp()
    q.add(m)
    q.add(u)
    q.add(h)
    assert [pop_pod(q, x).pod for x in (h, m, u)] == [h, m, u]
    assert q.pop() is None


def test_add_with_reverse_priority() -> None:
    """TestPriorityQueue_AddWithReversePriorityLessFunc."""
    q = new_queue()
    m, h = mpp(), hpp()
    q.add(m)
    q.add(h)
    assert pop_pod(q, h).pod is h
    assert pop_pod(q, m).pod is m


def test_priority_sort_less() -> None:
    """PrioritySort.Less: higher priority first, then the earlier Timestamp."""
    a = QueuedPodInfo.for_pod(make_pod("a", priority=1), timestamp=5.0)
    b = QueuedPodInfo.for_pod(make_pod("b", priority=2), timestamp=9.0)
    c = QueuedPodInfo.for_pod(make_pod("c", priority=1), timestamp=4.0)
    d = QueuedPodInfo.for_pod(make_pod("d"), timestamp=0.0)
    assert less(b, a) and not less(a, b)
    assert less(c, a) and not less(a, c)
    assert less(a, d)  # no priority is 0 (corev1helpers.PodPriority)
    assert not less(a, a)


# ---- Test_InFlightPods ---------------------------------------------------------------------------

POD1 = make_pod("targetpod", uid="pod1")
POD2 = make_pod("targetpod2", uid="pod2")
POD3 = make_pod("targetpod3", uid="pod3")

Action = tuple[str, Any]


def _in_flight_events(q: SchedulingQueue) -> list[Any]:
    return [v.metadata.uid if isinstance(v, Pod) else v.event for v in q.active_q.in_flight_event_list()]


def _run_in_flight(hint_maps: dict[str, QueueingHintMap], initial: list[Pod], actions: list[Action]) -> SchedulingQueue:
    clock = FakeClock()
    q = new_queue(clock, hint_maps)
    for p in initial:
        q.add(p)
        clock.step(1.0)
    for kind, arg in actions:
        if kind == "create":
            q.add(arg)
        elif kind == "pop":
            pop_pod(q, arg)
        elif kind == "event":
            q.move_all_to_active_or_backoff(arg)
        elif kind == "enqueue":
            q.add_unschedulable_if_not_present(arg, q.scheduling_cycle())
        else:
            arg(q)
    return q


QUEUE_ALL = [("fooPlugin1", hint_queue)]


def test_in_flight_interested_events_registered() -> None:
    """Test_InFlightPods: Pod and interested events are registered in inFlightPods/inFlightEvents."""
    q = _run_in_flight(hints((PV_ADD, QUEUE_ALL)), [POD1], [
        ("event", PVC_ADD),  # no pod in flight: not recorded
        ("pop", POD1),
        ("event", PV_ADD),  # recorded for pod1
        ("event", PV_UPDATE),  # no plugin is interested: not recorded
    ])
    assert [p.metadata.uid for p in q.in_flight_pods()] == ["pod1"]
    assert _in_flight_events(q) == ["pod1", PV_ADD]


def test_in_flight_pod_enqueued_back_to_backoff() -> None:
    """Test_InFlightPods: Pod, registered in inFlightPods, is enqueued back to backoffQ."""
    m = hints((PV_ADD, QUEUE_ALL), (NODE_ADD, QUEUE_ALL), (PVC_ADD, QUEUE_ALL))
    q = _run_in_flight(m, [POD1, POD2], [
        ("event", PVC_ADD), ("pop", POD1), ("event", PV_ADD), ("pop", POD2), ("event", NODE_ADD),
        ("enqueue", lookup(POD1)),  # no unschedulable plugin: an error, straight to backoffQ
    ])
    assert names(q.pods_in_backoff_q()) == ["targetpod"]
    assert [p.metadata.uid for p in q.in_flight_pods()] == ["pod2"]
    # pod1's entry is removed and PvAdd, now at the front, is pruned.
    assert _in_flight_events(q) == ["pod2", NODE_ADD]


def test_in_flight_all_pods_enqueued_back() -> None:
    """Test_InFlightPods: All Pods registered in inFlightPods are enqueued back to activeQ."""
    m = hints((PV_ADD, QUEUE_ALL), (NODE_ADD, QUEUE_ALL), (PVC_ADD, QUEUE_ALL), (CSI_NODE_UPDATE, QUEUE_ALL))
    q = _run_in_flight(m, [POD1, POD2], [
        ("event", PVC_ADD), ("pop", POD1), ("event", PV_ADD), ("pop", POD2), ("event", NODE_ADD),
        ("enqueue", lookup(POD1)), ("event", CSI_NODE_UPDATE), ("enqueue", lookup(POD2)),
    ])
    assert names(q.pods_in_backoff_q()) == ["targetpod", "targetpod2"]
    assert q.in_flight_pods() == []
    assert _in_flight_events(q) == []


def test_in_flight_intermediate_pod_enqueued_back() -> None:
    """Test_InFlightPods: One intermediate Pod registered in inFlightPods is enqueued back to activeQ."""
    m = hints((PV_ADD, QUEUE_ALL), (NODE_ADD, QUEUE_ALL), (EVENT_ASSIGNED_POD_ADD, QUEUE_ALL))
    q = _run_in_flight(m, [POD1, POD2, POD3], [
        ("event", PVC_ADD), ("pop", POD1), ("event", PV_ADD), ("pop", POD2), ("event", NODE_ADD),
        ("pop", POD3), ("event", EVENT_ASSIGNED_POD_ADD), ("enqueue", lookup(POD2)),
    ])
    assert names(q.pods_in_backoff_q()) == ["targetpod2"]
    assert sorted(p.metadata.uid or "" for p in q.in_flight_pods()) == ["pod1", "pod3"]
    assert _in_flight_events(q) == ["pod1", PV_ADD, NODE_ADD, "pod3", EVENT_ASSIGNED_POD_ADD]


def test_in_flight_events_before_pop_ignored() -> None:
    """Test_InFlightPods: events before popping Pod are ignored when Pod is enqueued back to queue."""
    q = _run_in_flight(hints((EVENT_ASSIGNED_POD_ADD, [("fooPlugin1", hint_skip)])), [POD1], [
        ("event", EVENT_UNSCHEDULABLE_TIMEOUT), ("pop", POD1), ("event", EVENT_ASSIGNED_POD_ADD),
        ("enqueue", lookup(POD1, "fooPlugin1")),  # fooPlugin1 returns QueueSkip
    ])
    assert q.unschedulable_pods.get(POD1) is not None
    assert q.in_flight_pods() == [] and _in_flight_events(q) == []


def test_in_flight_no_failed_plugin_goes_to_backoff() -> None:
    """Test_InFlightPods: pod is enqueued to backoff if no failed plugin."""
    q = _run_in_flight(hints((EVENT_ASSIGNED_POD_ADD, QUEUE_ALL)), [POD1], [
        ("pop", POD1), ("event", EVENT_ASSIGNED_POD_ADD), ("enqueue", lookup(POD1)),
    ])
    assert names(q.pods_in_backoff_q()) == ["targetpod"]
    assert q.in_flight_pods() == [] and _in_flight_events(q) == []


def test_in_flight_no_useful_event_goes_to_pool() -> None:
    """Test_InFlightPods: pod is enqueued to unschedulable pod pool if no events that can make the
    pod schedulable (NodeAdd interests no plugin, so it is not even recorded)."""
    q = _run_in_flight(hints((EVENT_ASSIGNED_POD_ADD, QUEUE_ALL)), [POD1], [
        ("pop", POD1), ("event", NODE_ADD), ("enqueue", lookup(POD1, "fooPlugin1")),
    ])
    assert q.unschedulable_pods.get(POD1) is not None
    assert q.in_flight_pods() == [] and _in_flight_events(q) == []


def test_in_flight_skip_goes_to_pool() -> None:
    """Test_InFlightPods: pod is enqueued to unschedulable pod pool because the failed plugin has a
    hint fn but it returns Skip."""
    q = _run_in_flight(hints((EVENT_ASSIGNED_POD_ADD, [("fooPlugin1", hint_skip)])), [POD1], [
        ("pop", POD1), ("event", EVENT_ASSIGNED_POD_ADD), ("enqueue", lookup(POD1, "fooPlugin1")),
    ])
    assert q.unschedulable_pods.get(POD1) is not None


def test_in_flight_pending_plugin_queue_goes_to_active() -> None:
    """Test_InFlightPods: pod is enqueued to activeQ because the Pending plugins has a hint fn and it
    returns Queue."""
    m = hints((EVENT_ASSIGNED_POD_ADD, [("fooPlugin3", hint_skip), ("fooPlugin2", hint_queue), ("fooPlugin1", hint_queue)]))
    qpi = QueuedPodInfo(PodInfo(POD1), unschedulable_plugins={"fooPlugin2", "fooPlugin3"}, pending_plugins={"fooPlugin1"})
    q = _run_in_flight(m, [POD1], [("pop", POD1), ("event", EVENT_ASSIGNED_POD_ADD), ("enqueue", qpi)])
    assert names(q.pods_in_active_q()) == ["targetpod"]
    assert q.in_flight_pods() == [] and _in_flight_events(q) == []


def test_in_flight_unschedulable_plugin_queue_goes_to_backoff() -> None:
    """Test_InFlightPods: pod is enqueued to backoffQ because the failed plugin has a hint fn and it
    returns Queue."""
    m = hints((EVENT_ASSIGNED_POD_ADD, [("fooPlugin2", hint_skip), ("fooPlugin1", hint_queue)]))
    q = _run_in_flight(m, [POD1], [
        ("pop", POD1), ("event", EVENT_ASSIGNED_POD_ADD), ("enqueue", lookup(POD1, "fooPlugin1", "fooPlugin2")),
    ])
    assert names(q.pods_in_backoff_q()) == ["targetpod"]


def test_in_flight_concurrent_event_for_pending_plugin() -> None:
    """Test_InFlightPods: pod is enqueued to activeQ because the pending plugin has a hint fn and it
    returns Queue for a concurrent event that was received while some other pod was in flight."""
    m = hints((EVENT_ASSIGNED_POD_ADD, [("fooPlugin3", hint_skip), ("fooPlugin2", hint_queue), ("fooPlugin1", hint_queue)]))
    popped: dict[str, QueuedPodInfo] = {}

    def enqueue_first(q: SchedulingQueue) -> None:
        q.add_unschedulable_if_not_present(popped["1"], q.scheduling_cycle())  # no plugin: backoffQ

    def enqueue_second(q: SchedulingQueue) -> None:
        p2 = popped["2"]
        p2.unschedulable_plugins = {"fooPlugin2", "fooPlugin3"}
        p2.pending_plugins = {"fooPlugin1"}
        q.add_unschedulable_if_not_present(p2, q.scheduling_cycle())

    q = _run_in_flight(m, [POD1, POD2], [
        ("call", lambda q: popped.__setitem__("1", pop_pod(q, POD1))),
        ("event", NODE_ADD),
        ("call", lambda q: popped.__setitem__("2", pop_pod(q, POD2))),
        ("event", EVENT_ASSIGNED_POD_ADD),
        ("call", enqueue_first),
        ("call", enqueue_second),
    ])
    assert names(q.pods_in_active_q()) == ["targetpod2"]
    assert names(q.pods_in_backoff_q()) == ["targetpod"]
    assert q.in_flight_pods() == [] and _in_flight_events(q) == []


def test_in_flight_popped_pod_has_empty_plugins() -> None:
    """Test_InFlightPods / TestPop as of v1.34: Pop resets UnschedulablePlugins and PendingPlugins
    for the new attempt ("popped pod must have empty UnschedulablePlugins and PendingPlugins";
    later releases keep them for logging)."""
    popped: dict[str, QueuedPodInfo] = {}

    def fail_pending(q: SchedulingQueue) -> None:
        p = popped["p"]
        p.pending_plugins = {"fooPlugin1"}
        p.unschedulable_plugins = {"fooPlugin2"}
        q.add_unschedulable_if_not_present(p, q.scheduling_cycle())

    def pop_again(q: SchedulingQueue) -> None:
        p = pop_pod(q, POD1)
        assert p.unschedulable_plugins == set() and p.pending_plugins == set()
        popped["p"] = p

    q = _run_in_flight(hints((PV_ADD, QUEUE_ALL)), [POD1], [
        ("call", lambda q: popped.__setitem__("p", pop_pod(q, POD1))),
        ("call", fail_pending),
        ("event", PV_ADD),  # fooPlugin1 is Pending and says Queue: straight to activeQ
        ("call", pop_again),
        ("call", lambda q: q.add_unschedulable_if_not_present(popped["p"], q.scheduling_cycle())),
    ])
    # The second failure has no plugin: an error, so backoffQ.
    assert names(q.pods_in_backoff_q()) == ["targetpod"]
    assert (popped["p"].unschedulable_count, popped["p"].consecutive_errors_count) == (1, 1)


def test_in_flight_pop_twice_cleanup() -> None:
    """Test_InFlightPods: Pop is made twice for the same Pod, but the cleanup still happen correctly."""
    m = hints((PV_ADD, QUEUE_ALL), (NODE_ADD, QUEUE_ALL), (PVC_ADD, QUEUE_ALL), (CSI_NODE_UPDATE, QUEUE_ALL))

    def bug(q: SchedulingQueue) -> None:
        # Simulate a bug: pod1 put into activeQ while being scheduled (its lookup info has
        # Timestamp zero, so it is ahead of pod3).
        q.active_q.add(lookup(POD1))

    def check_empty(q: SchedulingQueue) -> None:
        assert q.pods_in_active_q() == []

    q = _run_in_flight(m, [POD1, POD2], [
        ("event", PVC_ADD), ("pop", POD1), ("event", PV_ADD), ("pop", POD2),
        ("call", bug),
        ("create", POD3),
        ("pop", POD3),  # pod1 is popped first, found in flight and discarded
        ("call", check_empty),
        ("event", NODE_ADD),
        ("enqueue", lookup(POD1)), ("event", CSI_NODE_UPDATE), ("enqueue", lookup(POD2)), ("enqueue", lookup(POD3)),
    ])
    assert names(q.pods_in_backoff_q()) == ["targetpod", "targetpod2", "targetpod3"]
    assert q.in_flight_pods() == [] and _in_flight_events(q) == []


def test_pop_then_pending_plugin_queue() -> None:
    """TestPop (with-hints) as of v1.34: a Pending plugin's Queue skips backoff; the pod popped
    again starts its attempt with no plugins."""
    pod = make_pod("targetpod", uid="pod1")
    q = new_queue(hint_maps=hints((PV_ADD, QUEUE_ALL)))
    q.add(pod)
    popped = pop_pod(q, pod)
    popped.pending_plugins = {"fooPlugin1"}
    q.add_unschedulable_if_not_present(popped, q.scheduling_cycle())
    q.move_all_to_active_or_backoff(PV_ADD)
    popped = pop_pod(q, pod)
    assert popped.pending_plugins == set() and popped.unschedulable_plugins == set()
    assert popped.attempts == 2


# ---- AddUnschedulableIfNotPresent ------------------------------------------------------------------


def test_add_unschedulable_if_not_present() -> None:
    """TestPriorityQueue_AddUnschedulableIfNotPresent."""
    q = new_queue()
    u, h = up(), hpp_nominated()
    q.add(u)
    assert pop_pod(q, u).pod is u
    q.add(h)
    q.add_unschedulable_if_not_present(lookup(u, "plugin"), q.scheduling_cycle())
    assert pop_pod(q, h).pod is h
    # No event happened while it was scheduled: the pool.
    pinfo = q.unschedulable_pods.get(u)
    assert pinfo is not None and pinfo.pod is u


def test_add_unschedulable_if_not_present_rejects_queued_pod() -> None:
    """AddUnschedulableIfNotPresent's errors (Go's messages); the pod is done() all the same."""
    q = new_queue()
    pod = make_pod("p", uid="p")
    q.add(pod)
    with pytest.raises(ValueError, match="already present in the active queue"):
        q.add_unschedulable_if_not_present(lookup(pod, "plugin"), q.scheduling_cycle())
    q.delete(pod)
    q.unschedulable_pods.add_or_update(lookup(pod, "plugin"))
    with pytest.raises(ValueError, match="already present in unschedulable queue"):
        q.add_unschedulable_if_not_present(lookup(pod, "plugin"), q.scheduling_cycle())
    q.delete(pod)
    q.backoff_q.add(lookup(pod))
    with pytest.raises(ValueError, match="already present in the backoff queue"):
        q.add_unschedulable_if_not_present(lookup(pod, "plugin"), q.scheduling_cycle())


def test_add_unschedulable_if_not_present_backoff() -> None:
    """TestPriorityQueue_AddUnschedulableIfNotPresent_Backoff: pods in flight when a move request
    (UnschedulableTimeout) came go to backoffQ, not the pool."""
    q = new_queue()
    pods = [make_pod(f"pod{i}", f"ns{i}", f"upns{i}", i) for i in range(10)]
    for p in pods:
        q.add(p)
    for i in range(9, 0, -1):
        assert pop_pod(q, pods[i]).pod is pods[i]
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    old_cycle = q.scheduling_cycle()
    assert pop_pod(q, pods[0]).pod is pods[0]
    for i in range(1, 10):
        q.add_unschedulable_if_not_present(lookup(pods[i], "plugin"), old_cycle)
    # The wildcard event is QueueAfterBackoff; each pod failed just now, so it is backing off.
    for i in range(1, 10):
        assert q.backoff_q.has(pods[i].key)


def test_error_count_takes_precedence() -> None:
    """AddUnschedulableIfNotPresent (kubernetes#128748): an error counts ConsecutiveErrorsCount, a
    rejection UnschedulableCount and resets the errors; the backoff uses the errors when non-zero.
    Counts 2 errors after 3 rejections: 1 s × 2^(2−1) = 2 s; then a rejection: count 4 → 8 s."""
    clock = FakeClock(1000.0)
    q = new_queue(clock)
    pod = make_pod("p", uid="p")
    q.add(pod)
    for plugins in ([{"plugin"}] * 3) + [set(), set()]:
        p = pop_pod(q, pod)
        p.unschedulable_plugins = set(plugins)
        q.add_unschedulable_if_not_present(p, q.scheduling_cycle())
        q.activate([pod])
    p = pop_pod(q, pod)
    assert (p.unschedulable_count, p.consecutive_errors_count) == (3, 2)
    assert q.backoff_q.calculate_backoff_duration(2) == to_ns(2.0)
    q.add_unschedulable_if_not_present(p, q.scheduling_cycle())  # a third error: backoffQ
    assert p.backoff_expiration == 1000.0 + 4.0  # 3 errors: 1 s × 2^(3−1) = 4 s
    q.activate([pod])
    p = pop_pod(q, pod)
    p.unschedulable_plugins = {"plugin"}
    q.add_unschedulable_if_not_present(p, q.scheduling_cycle())  # no event: the pool
    assert (p.unschedulable_count, p.consecutive_errors_count) == (4, 0)
    assert p.backoff_expiration is None  # the cached expiry was cleared on the way back
    assert q.backoff_q.get_backoff_time(p) == to_ns(1000.0 + 8.0)  # 4 rejections: 2^(4−1) = 8 s


# ---- Pop with SchedulerPopFromBackoffQ ---------------------------------------------------------------


def test_pop_from_backoff_q() -> None:
    """TestPriorityQueue_Pop (PopFromBackoffQ enabled): activeQ first, then podBackoffQ; never
    podErrorBackoffQ nor the pool."""
    q = new_queue()
    hpp2 = make_pod("hpp2", "ns1", "hpp2ns1", HIGH)
    m, h, u = mpp(), hpp(), up()
    q.add(m)
    q.backoff_q.add(q.new_queued_pod_info(h, "plugin"))
    q.backoff_q.add(q.new_queued_pod_info(hpp2))  # no plugin: podErrorBackoffQ
    q.unschedulable_pods.add_or_update(q.new_queued_pod_info(u, "plugin"))
    got = []
    while (p := q.pop()) is not None:
        got.append(p.pod.metadata.name)
    assert got == ["mpp", "hpp"]


# ---- Update ----------------------------------------------------------------------------------------

UPDATE_HINTS = hints((EVENT_UNSCHEDULED_POD_UPDATE, [("queuePlugin", hint_queue), ("skipPlugin", hint_skip)]))


def _where(q: SchedulingQueue, pod: Pod) -> tuple[str, QueuedPodInfo | None]:
    for name, found in (("backoff", q.backoff_q.get(pod.key)), ("active", q.active_q.get(pod.key)),
                        ("unschedulable", q.unschedulable_pods.get(pod))):
        if found is not None:
            return name, found
    return "none", None


def _update_case(prepare: Callable[[SchedulingQueue, FakeClock], tuple[Pod, Pod]], want: str) -> None:
    clock = FakeClock()
    q = new_queue(clock, UPDATE_HINTS)
    old, new = prepare(q, clock)
    q.update(old, new)
    where, pinfo = _where(q, new)
    assert where == want
    if pinfo is not None:
        assert pinfo.pod == new


def test_update_pod_not_in_queue() -> None:
    """TestPriorityQueue_Update: Update pod that didn't exist in the queue."""
    m = mpp()
    _update_case(lambda q, c: (m, modified(m, annotations={"annot2": "val2", "foo": "test"})), "active")


def test_update_adds_nominated() -> None:
    """TestPriorityQueue_Update: Update highPriorityPodInfo and add a nominatedNodeName to it."""
    _update_case(lambda q, c: (hpp(), hpp_nominated()), "active")


def test_update_pod_in_active_q() -> None:
    """TestPriorityQueue_Update: When updating a pod that is already in activeQ, the pod should
    remain in activeQ after Update()."""
    h = hpp()

    def prepare(q: SchedulingQueue, c: FakeClock) -> tuple[Pod, Pod]:
        q.add(h)
        return h, h

    _update_case(prepare, "active")


def test_update_pod_in_backoff_q() -> None:
    """TestPriorityQueue_Update: When updating a pod that is in backoff queue and is still backing
    off, it will be updated in backoff queue."""
    def prepare(q: SchedulingQueue, c: FakeClock) -> tuple[Pod, Pod]:
        pinfo = q.new_queued_pod_info(mpp())
        q.backoff_q.add(pinfo)
        return pinfo.pod, pinfo.pod

    _update_case(prepare, "backoff")


def test_update_pool_pod_backing_off_moves_to_backoff() -> None:
    """TestPriorityQueue_Update: when updating a pod in unschedulablePods, if its backoff timer has
    not yet expired, it moves to backoffQ."""
    m = mpp()

    def prepare(q: SchedulingQueue, c: FakeClock) -> tuple[Pod, Pod]:
        pinfo = q.new_queued_pod_info(m, "queuePlugin")
        pinfo.unschedulable_count += 1
        q.unschedulable_pods.add_or_update(pinfo)
        return m, modified(m, annotations={"annot2": "val2", "foo": "test"})

    _update_case(prepare, "backoff")


def test_update_pool_pod_backed_off_moves_to_active() -> None:
    """TestPriorityQueue_Update: when updating a pod in unschedulablePods, if its backoff timer has
    expired, it moves to activeQ."""
    m = mpp()

    def prepare(q: SchedulingQueue, c: FakeClock) -> tuple[Pod, Pod]:
        pinfo = q.new_queued_pod_info(m, "queuePlugin")
        pinfo.unschedulable_count += 1
        q.unschedulable_pods.add_or_update(pinfo)
        c.step(10.0)  # podMaxBackoffDuration
        return m, modified(m, annotations={"annot2": "val2", "foo": "test1"})

    _update_case(prepare, "active")


def test_update_pool_pod_skip_stays() -> None:
    """TestPriorityQueue_Update: when updating a pod in unschedulablePods, if the scheduling hint
    returns QueueSkip, it remains in unschedulablePods."""
    m = mpp()

    def prepare(q: SchedulingQueue, c: FakeClock) -> tuple[Pod, Pod]:
        q.unschedulable_pods.add_or_update(q.new_queued_pod_info(m, "skipPlugin"))
        return m, modified(m, annotations={"annot2": "val2", "foo": "test1"})

    _update_case(prepare, "unschedulable")


def test_update_in_flight_pod_not_queued() -> None:
    """TestPriorityQueue_Update: when updating a pod which is in flightPods, the pod will not be
    added to any queue."""
    m = mpp()

    def prepare(q: SchedulingQueue, c: FakeClock) -> tuple[Pod, Pod]:
        q.add(m)
        assert pop_pod(q, m).pod is m
        return m, modified(m, annotations={"annot2": "val2", "foo": "bar"})

    _update_case(prepare, "none")


def test_update_when_in_flight() -> None:
    """TestPriorityQueue_UpdateWhenInflight: an update received while the pod is scheduled is
    replayed when it fails, and can send it to backoffQ."""
    q = new_queue(hint_maps=hints((EVENT_UNSCHEDULED_POD_UPDATE, [("fakePlugin", hint_queue)])))
    test_pod = make_pod("test-pod", "test-ns", "test-uid")
    q.add(test_pod)
    assert pop_pod(q, test_pod).pod is test_pod
    updated = make_pod("test-pod", "test-ns", "test-uid", tolerations=[{"key": "foo", "effect": "NoSchedule"}])
    q.update(test_pod, updated)
    q.add_unschedulable_if_not_present(lookup(updated, "fakePlugin"), q.scheduling_cycle())
    pinfo = q.backoff_q.get(updated.key)
    assert pinfo is not None and pinfo.pod == updated


def test_delete() -> None:
    """TestPriorityQueue_Delete (nominator checks left out)."""
    q = new_queue()
    q.update(hpp(), hpp_nominated())
    u = up()
    q.add(u)
    q.delete(hpp_nominated())
    assert q.active_q.has(u.key)
    assert not q.active_q.has(hpp_nominated().key)
    q.delete(u)
    assert len(q.active_q) == 0


# ---- Activate --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "in_flight", "want_active", "want_event"),
    [
        ("active", None, 1, False),  # pod already in activeQ
        ("nowhere", None, 0, False),  # pod not in unschedulablePods/backoffQ
        ("nowhere", "same", 0, True),  # [QHint] ... but in-flight
        ("nowhere", "other", 0, False),  # [QHint] ... and not in-flight
        ("unschedulable", None, 1, False),  # pod in unschedulablePods
        ("backoff", None, 1, False),  # pod in backoffQ
    ],
)
def test_activate(where: str, in_flight: str | None, want_active: int, want_event: bool) -> None:
    """TestPriorityQueue_Activate."""
    q = new_queue()
    target = hpp_nominated()
    if in_flight is not None:
        flying = target if in_flight == "same" else mpp()
        q.active_q.add(lookup(flying))
        assert pop_pod(q, flying).pod is flying
        assert len(q.active_q.in_flight_event_list()) == 1
    if where == "active":
        q.add(target)
    elif where == "unschedulable":
        q.unschedulable_pods.add_or_update(QueuedPodInfo(PodInfo(target)))
    elif where == "backoff":
        q.backoff_q.add(QueuedPodInfo(PodInfo(target)))
    q.activate([target])
    assert len(q.active_q) == want_active
    if want_active:
        assert q.active_q.has(target.key)
    events = q.active_q.in_flight_event_list()
    if want_event:
        assert len(events) == 2
        assert events[1] == InFlightEvent(EVENT_FORCE_ACTIVATE, None, target)
    elif in_flight is not None:
        assert len(events) == 1


# ---- moveToActiveQ / moveToBackoffQ and PreEnqueue -------------------------------------------------

# Go registers the plugins in a map by Name(); both are "preEnqueuePlugin", so the last one wins.


@pytest.mark.parametrize(
    ("allow", "moves_from_backoff_q", "want_unschedulable", "want_success"),
    [
        (None, False, 0, True),  # no plugins registered
        ([], False, 1, False),  # pod name not in allowlists
        (["foo"], False, 1, False),  # pod failed one preEnqueue plugin
        (["foo"], True, 0, True),  # moved from backoffQ after completing backoff: PreEnqueue not run
        (["foo"], False, 1, False),  # failed one preEnqueue plugin when activated from unschedulablePods
        (["foo"], True, 0, True),  # activated from backoffQ: PreEnqueue not run
        (["bar"], False, 0, True),  # pod passed all preEnqueue plugins
    ],
)
def test_move_to_active_q(allow: list[str] | None, moves_from_backoff_q: bool, want_unschedulable: int,
                          want_success: bool) -> None:
    """TestPriorityQueue_moveToActiveQ (popFromBackoffQEnabled true)."""
    pod = make_pod("bar", labels={"bar": ""}) if allow else make_pod("p", labels={"p": ""})
    plugins = [] if allow is None else [AllowlistPreEnqueue(allow)]
    q = new_queue(pre_enqueue=plugins, pod_initial_backoff=30.0, pod_max_backoff=60.0)
    assert q._move_to_active_q(q.new_queued_pod_info(pod), moves_from_backoff_q) is want_success
    assert len(q.unschedulable_pods) == want_unschedulable
    # An update leaves the pod where it is.
    q.update(pod, modified(pod, annotations={"foo": ""}))
    assert len(q.unschedulable_pods) == want_unschedulable


@pytest.mark.parametrize(
    ("allow", "want_success"),
    [
        (None, True),  # no plugins registered
        ([], False),  # pod name not in allowlists
        (["foo"], False),  # pod failed one preEnqueue plugin
        (["bar"], True),  # pod passed all preEnqueue plugins
    ],
)
def test_move_to_backoff_q(allow: list[str] | None, want_success: bool) -> None:
    """TestPriorityQueue_moveToBackoffQ (popFromBackoffQEnabled true: PreEnqueue runs)."""
    pod = make_pod("bar", labels={"bar": ""}) if allow else make_pod("p", labels={"p": ""})
    plugins = [] if allow is None else [AllowlistPreEnqueue(allow)]
    q = new_queue(pre_enqueue=plugins, pod_initial_backoff=30.0, pod_max_backoff=60.0)
    pinfo = q.new_queued_pod_info(pod)
    assert q._move_to_backoff_q(pinfo) is want_success
    assert q.backoff_q.has(pinfo.key) is want_success
    assert (q.unschedulable_pods.get(pod) is None) is want_success


# ---- MoveAllToActiveOrBackoffQueue ------------------------------------------------------------------


def _gated(pinfo: QueuedPodInfo, plugin: str, events: list[ClusterEvent]) -> QueuedPodInfo:
    """setQueuedPodInfoGated."""
    pinfo.gating_plugin = plugin
    pinfo.unschedulable_plugins = {plugin}
    pinfo.gating_plugin_events = events
    return pinfo


def _raise_hint(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    raise AssertionError("QueueingHintFn should not be called as pod is gated")


@pytest.mark.parametrize(
    ("case", "hint", "duration", "want"),
    [
        ("pending", hint_queue, 0.0, "active"),  # Queue queues pod to activeQ
        ("unschedulable", hint_queue, 0.0, "backoff"),  # Queue queues pod to backoffQ if Pod is backing off
        # Queue queues pod to activeQ if Pod is not backing off: 1 s backoff, plus 1 s because the
        # pod still backs off while {expiry} == truncate({now}).
        ("unschedulable", hint_queue, 2.0, "active"),
        ("unschedulable", hint_skip, 0.0, "unschedulable"),  # Skip queues pod to unschedulablePods
        # QueueHintFunction is not called when Pod is gated by the plugin that isn't interested in the event
        ("gated-by-gates", _raise_hint, 0.0, "unschedulable"),
        # QueueHintFunction is called when Pod is gated by the plugin that is interested in the event
        ("gated-by-foo", hint_queue, 0.0, "backoff"),
    ],
)
def test_move_all_with_queueing_hint(case: str, hint: Callable[..., QueueingHint], duration: float, want: str) -> None:
    """TestPriorityQueue_MoveAllToActiveOrBackoffQueueWithQueueingHint (clock at a whole second)."""
    clock = FakeClock(1000.0)
    p = make_pod("pod1", "ns1", "1", labels={"foo": "bar"})
    pinfo = QueuedPodInfo(PodInfo(p))
    if case == "pending":
        pinfo.pending_plugins = {"foo"}
    elif case == "unschedulable":
        pinfo.unschedulable_plugins = {"foo"}
    elif case == "gated-by-gates":
        _gated(pinfo, "SchedulingGates", [EVENT_UNSCHEDULED_POD_UPDATE])
    else:
        _gated(pinfo, "foo", [NODE_ADD])
    m = hints((NODE_ADD, [("foo", hint)]), (EVENT_UNSCHEDULED_POD_UPDATE, [("SchedulingGates", hint_queue)]))
    q = new_queue(clock, m, pre_enqueue=[SchedulingGates(), FooPreEnqueue(["foo"])])
    q.add(p)
    assert pop_pod(q, p).pod is p
    q.add_unschedulable_if_not_present(pinfo, q.scheduling_cycle())
    clock.step(duration)
    q.move_all_to_active_or_backoff(NODE_ADD)
    if want == "backoff":
        assert len(q.backoff_q) == 1
    elif want == "active":
        assert len(q.active_q) == 1
    else:
        assert q.unschedulable_pods.get(p) is not None


def test_move_all_to_active_or_backoff() -> None:
    """TestPriorityQueue_MoveAllToActiveOrBackoffQueue."""
    clock = FakeClock(1000.3)
    q = new_queue(clock, hints((NODE_ADD, [("fooPlugin", hint_queue)])))
    u, h, m = up(), hpp(), mpp()

    def in_flight() -> list[str]:
        return sorted(p.metadata.uid or "" for p in q.in_flight_pods())

    q.add(u)
    pop_pod(q, u)
    q.add(h)
    pop_pod(q, h)
    assert in_flight() == ["hppns1", "upns1"]
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(u, "fooPlugin"), q.scheduling_cycle())
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(h, "fooPlugin"), q.scheduling_cycle())
    assert in_flight() == []
    hpp1 = clone_pod(h, "hpp1")
    q.add(hpp1)
    pop_pod(q, hpp1)
    hpp1_info = q.new_queued_pod_info(hpp1)
    hpp1_info.unschedulable_count += 1
    q.add_unschedulable_if_not_present(hpp1_info, q.scheduling_cycle())  # no plugin: backoffQ
    hpp2 = clone_pod(h, "hpp2")
    q.add(hpp2)
    pop_pod(q, hpp2)
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(hpp2, "barPlugin"), q.scheduling_cycle())
    # NodeAdd moves up and hpp (fooPlugin says Queue) to backoffQ; they failed just now.
    q.move_all_to_active_or_backoff(NODE_ADD)
    q.add(m)
    assert len(q.active_q) == 1
    assert pop_pod(q, m).pod is m
    assert in_flight() == ["mppns2"]
    assert len(q.backoff_q) == 3  # hpp2 is not moved
    clock.step(10.0)
    q.backoff_q.pop_all_backoff_completed()  # drained, not in flight
    assert in_flight() == ["mppns2"]

    for pod in (u, h, hpp1):
        q.add(pod)
        pop_pod(q, pod)
    infos = [q.new_queued_pod_info(u, "fooPlugin"), q.new_queued_pod_info(h, "fooPlugin"), q.new_queued_pod_info(hpp1)]
    assert in_flight() == ["hpp1ns1", "hppns1", "mppns2", "upns1"]
    for info in infos:
        q.add_unschedulable_if_not_present(info, q.scheduling_cycle())
    assert in_flight() == ["mppns2"]
    q.add(m)
    for pod in (u, h, hpp2):
        assert q.unschedulable_pods.get(pod) is not None
    assert q.backoff_q.has(hpp1.key)
    assert len(q.active_q) == 1
    # 10 s later every backoff completed: the flush moves hpp1, NodeAdd up and hpp.
    clock.step(10.0)
    q.flush_backoff_completed()
    q.move_all_to_active_or_backoff(NODE_ADD)
    assert len(q.active_q) == 4
    assert len(q.backoff_q) == 0
    assert in_flight() == ["mppns2"]
    assert len(q.unschedulable_pods) == 1  # hpp2 stays whatever its backoff


def test_pending_pods() -> None:
    """TestPriorityQueue_PendingPods: the summary's active/backoff/unschedulable counts."""
    q = new_queue()
    u, h, m = up(), hpp(), mpp()
    q.add(u)
    pop_pod(q, u)
    q.add(h)
    pop_pod(q, h)
    q.add(m)
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(u, "plugin"), q.scheduling_cycle())
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(h, "plugin"), q.scheduling_cycle())
    got = q.lengths()
    assert (got.active, got.backoff, got.unschedulable) == (1, 0, 2)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    got = q.lengths()
    assert (got.active, got.backoff, got.unschedulable) == (1, 2, 0)


def test_new_with_options() -> None:
    """TestPriorityQueue_NewWithOptions."""
    q = new_queue(pod_initial_backoff=2.0, pod_max_backoff=20.0)
    assert q.backoff_q.initial_ns == to_ns(2.0)
    assert q.backoff_q.max_ns == to_ns(20.0)


def test_recently_tried_pods_go_back() -> None:
    """TestRecentlyTriedPodsGoBack: a pod that failed goes behind pods of the same priority, its
    Timestamp being reset when it came back."""
    clock = FakeClock()
    q = new_queue(clock)
    for i in range(5):
        q.add(make_pod(f"test-pod-{i}", "ns1", f"tp00{i}", HIGH, node_name="node1", nominated="node1"))
    clock.step(1e-6)
    p1 = q.pop()
    assert p1 is not None
    p1.unschedulable_plugins = {"plugin"}
    q.add_unschedulable_if_not_present(p1, q.scheduling_cycle())
    clock.step(10.0)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    for i in range(5):
        p = q.pop()
        assert (i == 4) == (p is p1)


def test_pod_failed_multiple_times_does_not_block_newer_pod() -> None:
    """TestPodFailedSchedulingMultipleTimesDoesNotBlockNewerPod."""
    clock = FakeClock()
    q = new_queue(clock)
    unsched = make_pod("test-pod-unscheduled", "ns1", "tp001", HIGH, nominated="node1")
    q.add(unsched)
    pop_pod(q, unsched)
    q.add_unschedulable_if_not_present(lookup(unsched, "plugin"), q.scheduling_cycle())
    clock.step(2.0)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    assert pop_pod(q, unsched).pod is unsched
    newer = make_pod("test-newer-pod", "ns1", "tp002", HIGH, nominated="node1")
    q.add(newer)
    q.add_unschedulable_if_not_present(lookup(unsched, "plugin"), q.scheduling_cycle())
    clock.step(2.0)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    # Same priority and Timestamp: newer entered activeQ first (Go's heap keeps it at the root).
    assert pop_pod(q, newer).pod is newer


def test_high_priority_backoff() -> None:
    """TestHighPriorityBackoff: an unschedulable high priority pod waits in backoffQ."""
    q = new_queue()
    mid = make_pod("test-midpod", "ns1", "tp-mid", MID, nominated="node1")
    high = make_pod("test-highpod", "ns1", "tp-high", HIGH, nominated="node1")
    q.add(mid)
    q.add(high)
    p = q.pop()
    assert p is not None and p.pod is high
    q.add_unschedulable_if_not_present(lookup(high, "fooPlugin"), q.scheduling_cycle())
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    p = q.pop()
    assert p is not None and p.pod is mid


def test_high_priority_flush_unschedulable_pods_leftover() -> None:
    """TestHighPriorityFlushUnschedulablePodsLeftover: after 5 min in the pool pods go to activeQ."""
    clock = FakeClock()
    q = new_queue(clock, hints((NODE_ADD, [("fakePlugin", hint_queue)])))
    mid = make_pod("test-midpod", "ns1", "tp-mid", MID, nominated="node1")
    high = make_pod("test-highpod", "ns1", "tp-high", HIGH, nominated="node1")
    q.add(high)
    pop_pod(q, high)
    q.add(mid)
    pop_pod(q, mid)
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(high, "fakePlugin"), q.scheduling_cycle())
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(mid, "fakePlugin"), q.scheduling_cycle())
    clock.step(300.0 + 1.0)
    q.flush_unschedulable_leftover()
    assert pop_pod(q, high).pod is high
    assert pop_pod(q, mid).pod is mid


def test_flush_unschedulable_leftover_is_strict() -> None:
    """flushUnschedulablePodsLeftover moves a pod only when now − Timestamp > 5 min (strictly)."""
    clock = FakeClock(1000.0)
    q = new_queue(clock)
    pod = make_pod("p", uid="p")
    q.add(pod)
    pop_pod(q, pod)
    q.add_unschedulable_if_not_present(q.new_queued_pod_info(pod, "plugin"), q.scheduling_cycle())
    clock.set(1300.0)
    q.flush_unschedulable_leftover()
    assert q.unschedulable_pods.get(pod) is not None
    clock.set(1300.000000001)
    q.flush_unschedulable_leftover()
    assert q.active_q.has(pod.key)


@pytest.mark.parametrize("max_in_unschedulable", [None, 30.0])
def test_init_pod_max_in_unschedulable_pods_duration(max_in_unschedulable: float | None) -> None:
    """TestPriorityQueue_initPodMaxInUnschedulablePodsDuration: default and user-defined value."""
    ts = 1000.0
    clock = FakeClock(ts)
    kw: dict[str, Any] = {} if max_in_unschedulable is None else {"pod_max_in_unschedulable_pods": max_in_unschedulable}
    q = new_queue(clock, **kw)
    p1 = QueuedPodInfo.for_pod(make_pod("test-pod-1", "ns1", "tp-1", nominated="node1"), timestamp=ts - 1.0)
    p2 = QueuedPodInfo.for_pod(make_pod("test-pod-2", "ns2", "tp-2", nominated="node2"), timestamp=ts - 2.0)
    for p in (p1, p2):  # addPodUnschedulablePods
        p.unschedulable_count += 1
        q.unschedulable_pods.add_or_update(p)
    clock.step(300.0 if max_in_unschedulable is None else max_in_unschedulable)  # flushUnscheduledQ
    q.flush_unschedulable_leftover()
    assert len(q.active_q) == 2
    assert [q.active_q.pop(), q.active_q.pop()] == [p2, p1]


# ---- TestPodTimestamp ------------------------------------------------------------------------------


def _timestamped() -> tuple[QueuedPodInfo, QueuedPodInfo]:
    ts = 1000.25
    p1 = QueuedPodInfo.for_pod(make_pod("test-pod-1", "ns1", "tp-1", nominated="node1"), timestamp=ts)
    p2 = QueuedPodInfo.for_pod(make_pod("test-pod-2", "ns2", "tp-2", nominated="node2"), timestamp=ts + 1.0)
    return p1, p2


def test_pod_timestamp_active_q_order() -> None:
    """TestPodTimestamp: add two pod to activeQ and sort them by the timestamp."""
    p1, p2 = _timestamped()
    q = new_queue(FakeClock(1000.25))
    q.active_q.add(p2)
    q.active_q.add(p1)
    assert [q.active_q.pop(), q.active_q.pop()] == [p1, p2]


def test_pod_timestamp_from_pool() -> None:
    """TestPodTimestamp: add two pod to unschedulablePods then move them to activeQ and sort them
    by the timestamp (moving keeps the Timestamp)."""
    p1, p2 = _timestamped()
    clock = FakeClock(1000.25)
    q = new_queue(clock)
    for p in (p2, p1):
        p.unschedulable_count += 1
        q.unschedulable_pods.add_or_update(p)
    clock.step(3.0)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    assert [q.active_q.pop(), q.active_q.pop()] == [p1, p2]


def test_pod_timestamp_from_backoff() -> None:
    """TestPodTimestamp: add one pod to BackoffQ and move it to activeQ."""
    p1, p2 = _timestamped()
    clock = FakeClock(1000.25)
    q = new_queue(clock)
    q.active_q.add(p2)
    q.backoff_q.add(p1)
    clock.step(3.0)
    q.flush_backoff_completed()
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    assert [q.active_q.pop(), q.active_q.pop()] == [p1, p2]


# ---- TestPendingPodsMetric -------------------------------------------------------------------------


class _Metric:
    """The queue of TestPendingPodsMetric and its operations."""

    def __init__(self) -> None:
        self.clock = FakeClock(1000.25)
        self.plugin = AllowlistPreEnqueue(["queueable"])
        self.q = new_queue(self.clock, hints((EVENT_UNSCHEDULED_POD_UPDATE, [("preEnqueuePlugin", hint_queue)])),
                           pre_enqueue=[self.plugin])
        ts = self.clock.t
        self.p = self._infos(50, "x", "queueable", ts) + [
            _gated(pi, "preEnqueuePlugin", [EVENT_UNSCHEDULED_POD_UPDATE]) for pi in self._infos(10, "y", "failme", ts)
        ]
        self.delayed = self._infos(20, "z", "queueable", ts + 2.0)

    @staticmethod
    def _infos(n: int, prefix: str, label: str, ts: float) -> list[QueuedPodInfo]:
        """makeQueuedPodInfos."""
        return [QueuedPodInfo.for_pod(make_pod(f"{prefix}-{i}", f"ns{i}", f"tp-{i}", labels={label: ""}), timestamp=ts)
                for i in range(1, n + 1)]

    def add(self, ps: list[QueuedPodInfo]) -> None:
        for p in ps:
            self.q.add(p.pod)

    def add_unschedulable(self, ps: list[QueuedPodInfo]) -> None:
        for p in ps:
            if not p.gated():
                p.unschedulable_count += 1
            self.q.unschedulable_pods.add_or_update(p)

    def add_backoff(self, ps: list[QueuedPodInfo]) -> None:
        for p in ps:
            self.q.backoff_q.add(p)

    def delete(self, ps: list[QueuedPodInfo]) -> None:
        for p in ps:
            self.q.delete(p.pod)

    def update_queueable(self, ps: list[QueuedPodInfo]) -> None:
        for p in ps:
            self.q.update(p.pod, modified(p.pod, labels={"queueable": ""}))

    def move_all(self) -> None:
        self.q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)

    def flush_backoff(self) -> None:
        self.clock.step(3.0)
        self.q.flush_backoff_completed()

    def lengths(self) -> tuple[int, int, int, int]:
        got = self.q.lengths()
        return got.active, got.backoff, got.gated, got.unschedulable


def test_pending_pods_metric_active_and_unschedulable() -> None:
    """TestPendingPodsMetric: add pods to activeQ and unschedulablePods (active, backoff, gated, unschedulable)."""
    m = _Metric()
    m.add(m.p[:30])
    m.add_unschedulable(m.p[30:])
    assert m.lengths() == (30, 0, 10, 20)


def test_pending_pods_metric_all_queues() -> None:
    """TestPendingPodsMetric: add pods to all kinds of queues."""
    m = _Metric()
    m.add(m.p[:15])
    m.add_backoff(m.p[15:40])
    m.add_unschedulable(m.p[40:])
    assert m.lengths() == (15, 25, 10, 10)


def test_pending_pods_metric_move_all() -> None:
    """TestPendingPodsMetric: add pods to unschedulablePods and then move all to activeQ (gated pods
    are not moved: UnschedulableTimeout is not among their gating plugin's events)."""
    m = _Metric()
    m.add_unschedulable(m.p)
    m.clock.step(3.0)
    m.move_all()
    assert m.lengths() == (50, 0, 10, 0)


def test_pending_pods_metric_some_backing_off() -> None:
    """TestPendingPodsMetric: make some pods subject to backoff, add pods to unschedulablePods, and
    then move all to activeQ (the delayed pods failed 2 s later: backoff ends in the current window)."""
    m = _Metric()
    m.add_unschedulable(m.p[20:])
    m.clock.step(3.0)
    m.add_unschedulable(m.delayed)
    m.move_all()
    assert m.lengths() == (30, 20, 10, 0)


def test_pending_pods_metric_flush_backoff() -> None:
    """TestPendingPodsMetric: make some pods subject to backoff, add pods to
    unschedulablePods/activeQ, move all to activeQ, and finally flush backoffQ."""
    m = _Metric()
    m.add_unschedulable(m.p[:40])
    m.add(m.p[40:50])
    m.move_all()
    m.flush_backoff()
    assert m.lengths() == (50, 0, 0, 0)


def test_pending_pods_metric_delete() -> None:
    """TestPendingPodsMetric: add pods to activeQ/unschedulablePods and then delete some Pods."""
    m = _Metric()
    m.add(m.p[:30])
    m.add_unschedulable(m.p[30:])
    m.delete(m.p[:2])
    m.delete(m.p[30:33])
    m.delete(m.p[50:54])
    assert m.lengths() == (28, 0, 6, 17)


def test_pending_pods_metric_update_queueable() -> None:
    """TestPendingPodsMetric: add pods to activeQ/unschedulablePods and then update some Pods as queueable."""
    m = _Metric()
    m.add(m.p[:30])
    m.add_unschedulable(m.p[30:])
    m.update_queueable(m.p[50:55])
    assert m.lengths() == (35, 0, 5, 20)


@pytest.mark.parametrize(
    ("step", "ungate", "want"),
    [
        (True, False, (0, 0, 1, 0)),  # Gated metric should be 1 when Ungated to Gated transition into moveToActiveQ
        (False, False, (0, 0, 1, 0)),  # ... into moveToBackoffQ
        (True, True, (1, 0, 0, 0)),  # Gated metric should be 0 when Ungated -> Gated -> Ungated (ActiveQ) transition
        (False, True, (0, 1, 0, 0)),  # ... (BackoffQ) transition
    ],
)
def test_pending_pods_metric_gating_transitions(step: bool, ungate: bool, want: tuple[int, int, int, int]) -> None:
    """TestPendingPodsMetric: the gated/ungated transitions of a pod updated in the pool."""
    m = _Metric()
    m.add_unschedulable(m.p[:1])
    if step:
        m.clock.step(3.0)
    m.plugin.allowlists = [""]  # updatePluginToGateAllPods
    m.update_queueable(m.p[:1])
    if ungate:
        m.plugin.allowlists = ["queueable"]  # updatePluginToUngateAllPods
        m.update_queueable(m.p[:1])
    assert m.lengths() == want


# ---- TestPerPodSchedulingMetrics ------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["once", "twice", "twice-with-update", "gated"])
def test_per_pod_scheduling_metrics(scenario: str) -> None:
    """TestPerPodSchedulingMetrics: Attempts counts pops; InitialAttemptTimestamp is the first time
    the pod entered activeQ (for a gated pod, when the gate lifted)."""
    ts = 1000.0
    clock = FakeClock(ts)
    gate = AllowlistPreEnqueue(["foo"])
    q = new_queue(clock, pre_enqueue=[gate] if scenario == "gated" else [])
    pod = make_pod("test-pod", "test-ns", "test-uid")
    q.add(pod)
    want_attempts, want_initial = 2, ts
    if scenario == "once":
        want_attempts = 1
    elif scenario == "gated":
        assert q.unschedulable_pods.get(pod) is not None
        clock.step(60.0)
        q.update(pod, modified(pod, labels={"foo": ""}))
        want_attempts, want_initial = 1, ts + 60.0
    else:
        p = q.pop()
        assert p is not None
        p.unschedulable_plugins = {"plugin"}
        q.add_unschedulable_if_not_present(p, 1)
        clock.set(ts + 300.0 + 1e-9)  # DefaultPodMaxInUnschedulablePodsDuration + 1ns
        q.flush_unschedulable_leftover()
        if scenario == "twice-with-update":
            q.update(pod, modified(pod, generation=1))
    got = q.pop()
    assert got is not None
    assert got.attempts == want_attempts
    assert got.initial_attempt_timestamp_ns == to_ns(want_initial)


# ---- TestBackOffFlow -------------------------------------------------------------------------------


def test_backoff_flow() -> None:
    """TestBackOffFlow (popFromBackoffQEnabled true): 1, 2, 4, 8 s then capped at 10 s.

    Go measures deadline − Timestamp truncated to the window, plus one window. Starting at x.5 s:
    deadline = truncate(x.5 + d) = x + d, so (d − 0.5) truncated + 1 = d.
    """
    clock = FakeClock(1000.5)
    q = new_queue(clock)
    pod = make_pod("test-pod", "test-ns", "test-uid")
    q.add(pod)
    for i, want in enumerate([1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]):
        timestamp = clock()
        p = q.pop()
        assert p is not None and p.attempts == i + 1
        p.unschedulable_plugins.add("unsched-plugin")
        q.add_unschedulable_if_not_present(p, i)
        q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
        assert q.backoff_q.has(p.key)
        deadline = p.backoff_expiration
        assert deadline is not None
        backoff = float(int(deadline - timestamp)) + 1.0
        assert backoff == want
        clock.step(1.0)
        q.flush_backoff_completed()
        assert q.backoff_q.has(p.key)  # still backing off after an early flush
        clock.step(backoff)
        q.flush_backoff_completed()
        assert not q.backoff_q.has(p.key)


def test_next_backoff_expiry() -> None:
    """The wake-up the event loop schedules: one window after the smallest aligned expiry, when
    popAllBackoffCompleted first returns the pod."""
    clock = FakeClock(1000.5)
    q = new_queue(clock)
    assert q.next_backoff_expiry() is None
    pod = make_pod("p", uid="p")
    q.add(pod)
    p = q.pop()
    assert p is not None
    p.unschedulable_plugins = {"plugin"}
    q.add_unschedulable_if_not_present(p, 1)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    # expiry truncate(1000.5 + 1) = 1001; backing off while truncate(now) <= 1001.
    assert q.next_backoff_expiry() == 1002.0
    clock.set(1001.999)
    q.flush_backoff_completed()
    assert q.backoff_q.has(p.key)
    clock.set(1002.0)
    q.flush_backoff_completed()
    assert q.active_q.has(p.key)
    assert q.next_backoff_expiry() is None


def test_max_backoff_zero_disables_backoff() -> None:
    """getBackoffTime (kubernetes#131965): with podMaxBackoff 0 the backoff time is zero, so a failed
    pod is never backing off."""
    q = new_queue(pod_initial_backoff=0.0, pod_max_backoff=0.0)
    pod = make_pod("p", uid="p")
    q.add(pod)
    p = q.pop()
    assert p is not None
    q.add_unschedulable_if_not_present(p, 1)  # an error: QueueAfterBackoff, not backing off
    assert q.active_q.has(pod.key)


# ---- MoveAllToActiveOrBackoffQueue with a PreEnqueueCheck ---------------------------------------


@pytest.mark.parametrize(
    ("event", "check", "want"),
    [
        (EVENT_UNSCHEDULABLE_TIMEOUT, None, {"p0", "p1", "p2", "p3", "p4"}),
        (EVENT_UNSCHEDULABLE_TIMEOUT, lambda p: p.spec.priority >= 2, {"p2", "p3", "p4"}),
        (EVENT_UNSCHEDULABLE_TIMEOUT, lambda p: p.spec.priority % 2 == 0 and p.spec.priority >= 2, {"p2", "p4"}),
        (EVENT_UNSCHEDULABLE_TIMEOUT, lambda p: p.spec.priority % 2 == 0 and p.spec.priority < 0, set()),
        (PV_ADD, "panic", set()),  # preCheck isn't called if the event is not interested by any plugins
    ],
)
def test_move_all_pre_enqueue_checks(event: ClusterEvent, check: Any, want: set[str]) -> None:
    """TestMoveAllToActiveOrBackoffQueue_PreEnqueueChecks."""
    clock = FakeClock(1000.0)
    q = new_queue(clock)
    for i in range(5):
        pod = make_pod(f"p{i}", priority=i)
        q.add(pod)
        p = q.pop()
        assert p is not None and p.pod is pod
        p.unschedulable_plugins = {"plugin"}
        q.add_unschedulable_if_not_present(p, q.scheduling_cycle())

    def panic(pod: Pod) -> bool:
        raise AssertionError("preCheck shouldn't be called")

    q.move_all_to_active_or_backoff(event, None, None, panic if check == "panic" else check)
    clock.step(20.0)
    assert {p.pod.metadata.name for p in q.backoff_q.pop_all_backoff_completed()} == want


# ---- Test_isPodWorthRequeuing ----------------------------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def queue(self, pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
        self.count += 1
        return QueueingHint.Queue

    def skip(self, pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
        self.count += 1
        return QueueingHint.QueueSkip

    def err(self, pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
        self.count += 1
        raise HintError("unexpected error")


_POD1 = make_pod("pod1", "ns1", "1")
_NODE = Node()


@pytest.mark.parametrize(
    ("unsched", "pending", "event", "new", "entries", "want", "want_count"),
    [
        # return Queue when no queueing hint function is registered for the event
        ({"fooPlugin1"}, set(), NODE_ADD, _NODE, [(EVENT_ASSIGNED_POD_ADD, [("fooPlugin1", "queue")])], Strategy.QueueSkip, 0),
        # Treat the event as Queue when QueueHintFn returns error
        ({"fooPlugin1"}, set(), NODE_ADD, _NODE, [(NODE_ADD, [("fooPlugin1", "err")])], Strategy.QueueAfterBackoff, 1),
        # return Queue when the event is wildcard
        ({"fooPlugin1"}, set(), EVENT_UNSCHEDULABLE_TIMEOUT, None, None, Strategy.QueueAfterBackoff, 0),
        # return Queue when the event is wildcard and the wildcard targets the pod to be requeued right now
        ({"fooPlugin1"}, set(), EVENT_FORCE_ACTIVATE, make_pod("pod1", "ns1", "1"), None, Strategy.QueueAfterBackoff, 0),
        # return Skip when the event is wildcard, but the wildcard targets a different pod
        ({"fooPlugin1"}, set(), EVENT_FORCE_ACTIVATE, make_pod("pod-different", "ns2", "2"), None, Strategy.QueueSkip, 0),
        # interprets Queue from the Pending plugin as queueImmediately
        ({"fooPlugin1", "fooPlugin3"}, {"fooPlugin2"}, NODE_ADD, _NODE,
         [(NODE_ADD, [("fooPlugin1", "queue"), ("fooPlugin2", "queue"), ("fooPlugin3", "queue"), ("fooPlugin4", "err")])],
         Strategy.QueueImmediately, 2),
        # interprets Queue from the Unschedulable plugin as queueAfterBackoff
        ({"fooPlugin1", "fooPlugin2"}, set(), NODE_ADD, _NODE,
         [(NODE_ADD, [("fooPlugin1", "skip"), ("fooPlugin2", "queue")])], Strategy.QueueAfterBackoff, 2),
        # Queueing hint function that isn't from the plugin in UnschedulablePlugins/PendingPlugins is ignored
        ({"fooPlugin1", "fooPlugin2"}, set(), NODE_ADD, _NODE,
         [(NODE_ADD, [("fooPlugin1", "skip"), ("fooPlugin2", "skip"), ("fooPlugin3", "queue")])], Strategy.QueueSkip, 2),
        # If event is specific Node update event, queueing hint function for NodeUpdate/UpdateNodeLabel is also executed
        ({"fooPlugin1", "fooPlugin2"}, set(), ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel), _NODE,
         [(ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel), [("fooPlugin1", "queue"), ("fooPlugin2", "queue")]),
          (ClusterEvent(EventResource.Node, ActionType.Update), [("fooPlugin1", "queue")]),
          (NODE_ADD, [("fooPlugin1", "queue")])],
         Strategy.QueueAfterBackoff, 1),
        # If event with '*' Resource, queueing hint function for specified Resource is also executed
        ({"fooPlugin1"}, set(), NODE_ADD, _NODE,
         [(ClusterEvent(EventResource.WildCard, ActionType.Add), [("fooPlugin1", "queue")])], Strategy.QueueAfterBackoff, 1),
        # If event is a wildcard one, queueing hint function for all kinds of events is executed
        ({"fooPlugin1"}, set(), ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint), _NODE,
         [(ClusterEvent(EventResource.WildCard, ActionType.All), [("fooPlugin1", "queue")])], Strategy.QueueAfterBackoff, 1),
    ],
)
def test_is_pod_worth_requeuing(unsched: set[str], pending: set[str], event: ClusterEvent, new: HintObject,
                                entries: list[tuple[ClusterEvent, list[tuple[str, str]]]] | None, want: Strategy,
                                want_count: int) -> None:
    """Test_isPodWorthRequeuing, with the number of hint functions run."""
    counter = _Counter()
    fns = {"queue": counter.queue, "skip": counter.skip, "err": counter.err}
    hint_maps = {} if entries is None else hints(*[(ev, [(n, fns[k]) for n, k in plugins]) for ev, plugins in entries])
    q = new_queue(hint_maps=hint_maps)
    pinfo = QueuedPodInfo(PodInfo(_POD1), unschedulable_plugins=set(unsched), pending_plugins=set(pending))
    assert q.is_pod_worth_requeuing(pinfo, event, None, new) == want
    assert counter.count == want_count


# ---- gates, GetPod ---------------------------------------------------------------------------------


def test_gated_set_upon_creation_and_unset_upon_update() -> None:
    """Test_queuedPodInfo_gatedSetUponCreationAndUnsetUponUpdate."""
    q = new_queue(pre_enqueue=[SchedulingGates()])
    gated = make_pod("", gates=["hello world"])
    q.add(gated)
    pinfo = q.unschedulable_pods.get(gated)
    assert pinfo is not None and pinfo.gated()
    q.update(gated, make_pod(""))
    popped = q.pop()
    assert popped is not None and not popped.gated()


def test_gated_pod_waits_for_its_gating_plugin_events() -> None:
    """movePodsToActiveOrBackoffQueue skips a gated pod for events its gating plugin did not
    register; lengths() counts it as gated, not unschedulable."""
    m = hints((EVENT_UNSCHEDULED_POD_UPDATE, [("SchedulingGates", hint_queue)]), (NODE_ADD, QUEUE_ALL))
    q = new_queue(hint_maps=m, pre_enqueue=[SchedulingGates()])
    gated = make_pod("g", uid="g", gates=["example.com/gate"])
    q.add(gated)
    pinfo = q.unschedulable_pods.get(gated)
    assert pinfo is not None
    assert pinfo.gating_plugin == "SchedulingGates"
    assert pinfo.gating_plugin_events == [EVENT_UNSCHEDULED_POD_UPDATE]
    assert (q.lengths().gated, q.lengths().unschedulable) == (1, 0)
    q.move_all_to_active_or_backoff(NODE_ADD)
    q.move_all_to_active_or_backoff(EVENT_UNSCHEDULABLE_TIMEOUT)
    assert q.unschedulable_pods.get(gated) is pinfo
    q.update(gated, make_pod("g", uid="g"))
    assert q.active_q.has(gated.key)


@pytest.mark.parametrize(
    ("name", "want"),
    [("pod1", "active"), ("pod2", "backoff"), ("pod3", "unschedulable"), ("pod4", None)],
)
def test_get_pod(name: str, want: str | None) -> None:
    """TestPriorityQueue_GetPod."""
    q = new_queue()
    pods = {n: make_pod(n, "default") for n in ("pod1", "pod2", "pod3")}
    q.active_q.add(lookup(pods["pod1"]))
    q.backoff_q.add(lookup(pods["pod2"]))
    q.unschedulable_pods.add_or_update(lookup(pods["pod3"]))
    got = q.get_pod(name, "default")
    if want is None:
        assert got is None
    else:
        assert got is not None and got.pod is pods[name]


# ---- backoff_queue_test.go -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("initial", "maximum", "count", "want"),
    [
        (1, 32, 0, 0),  # no backoff
        (1, 32, 16, 32),  # normal
        (1, 2**31 - 1, 32, 2**31 - 1),  # overflow_32bit
        (1, 2**63 - 1, 64, 2**63 - 1),  # overflow_64bit
    ],
)
def test_calculate_backoff_duration(initial: int, maximum: int, count: int, want: int) -> None:
    """TestBackoffQueue_calculateBackoffDuration (nanoseconds; v1.34 passes the failure count that
    earlier releases read from Attempts)."""
    bq = BackoffQueue(lambda: 0, initial, maximum)
    assert bq.calculate_backoff_duration(count) == want


def _bq_info(name: str, ts: float, plugin: bool, priority: int | None = None) -> QueuedPodInfo:
    """A pod that failed once: by a plugin (podBackoffQ) or with an error (podErrorBackoffQ)."""
    p = QueuedPodInfo.for_pod(make_pod(name, priority=priority), *(["plugin"] if plugin else []), timestamp=ts)
    if plugin:
        p.unschedulable_count = 1
    else:
        p.consecutive_errors_count = 1
    return p


@pytest.mark.parametrize(
    ("in_backoff", "want"),
    [
        ([], []),  # Both queues empty, no pods moved to activeQ
        (["pod0", "pod1"], ["pod0"]),  # Pods only in backoffQ, some pods moved to activeQ
        (["pod2", "pod3"], ["pod2"]),  # Pods only in errorBackoffQ, some pods moved to activeQ
        (["pod0", "pod1", "pod2", "pod3"], ["pod0", "pod2"]),  # Pods in both queues, some pods moved
        (["pod0", "pod2"], ["pod0", "pod2"]),  # Pods in both queues, all pods moved to activeQ
        (["pod1", "pod3"], []),  # Pods in both queues, no pods moved to activeQ
    ],
)
def test_backoff_queue_pop_each_backoff_completed(in_backoff: list[str], want: list[str]) -> None:
    """TestBackoffQueue_popEachBackoffCompleted: 1 s backoff; failed 2 s ago it completed, failed
    1 s in the future it did not."""
    now = 1000.25
    infos = {
        "pod0": _bq_info("pod0", now - 2.0, True), "pod1": _bq_info("pod1", now + 1.0, True),
        "pod2": _bq_info("pod2", now - 2.0, False), "pod3": _bq_info("pod3", now + 1.0, False),
    }
    bq = BackoffQueue(lambda: to_ns(now), to_ns(1.0), to_ns(10.0))
    for name in in_backoff:
        bq.add(infos[name])
    assert [p.pod.metadata.name for p in bq.pop_all_backoff_completed()] == want
    assert len(bq) == len(in_backoff) - len(want)


def test_backoff_queue_ordering() -> None:
    """TestBackoffQueueOrdering (PopFromBackoffQ enabled), clock at a whole second T: expiries
    pod0 T+1, pod1 T (still backing off: not before truncate(now)), pod2 T-1 (+1ms truncated),
    pod3 T-1, pod4 T-1, pod5 T-2. Within window T-1: priority 2 (pod4 earlier, pod2), then pod3."""
    t = 1000.0
    infos = [
        _bq_info("pod0", t, True, 1), _bq_info("pod1", t - 1.0, True, 1), _bq_info("pod2", t - 2.0 + 0.001, True, 2),
        _bq_info("pod3", t - 2.0, True, 1), _bq_info("pod4", t - 2.0, True, 2), _bq_info("pod5", t - 3.0, True, 1),
    ]
    bq = BackoffQueue(lambda: to_ns(t), to_ns(1.0), to_ns(10.0))
    for p in infos:
        bq.add(p)
    assert [p.pod.metadata.name for p in bq.pop_all_backoff_completed()] == ["pod5", "pod4", "pod2", "pod3"]


# ---- events and matching (framework/types.go, events.go) ------------------------------------------


@pytest.mark.parametrize(
    ("registered", "incoming", "want"),
    [
        (ClusterEvent(EventResource.Node, ActionType.Update), ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel), True),
        (ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel), ClusterEvent(EventResource.Node, ActionType.Update), False),
        (ClusterEvent(EventResource.Node, ActionType.Add), ClusterEvent(EventResource.Node, ActionType.Delete), False),
        (ClusterEvent(EventResource.Pod, ActionType.Add), EVENT_ASSIGNED_POD_ADD, True),
        (ClusterEvent(EventResource.Pod, ActionType.Update), EVENT_UNSCHEDULED_POD_UPDATE, True),
        (EVENT_UNSCHEDULED_POD_UPDATE, ClusterEvent(EventResource.UnschedulablePod, ActionType.UpdatePodLabel), True),
        (EVENT_UNSCHEDULED_POD_UPDATE, EVENT_UNSCHEDULABLE_TIMEOUT, False),
        (ClusterEvent(EventResource.WildCard, ActionType.All), PV_ADD, True),
        (ClusterEvent(EventResource.WildCard, ActionType.Add), NODE_ADD, True),
        (ClusterEvent(EventResource.Node, ActionType.Add | ActionType.UpdateNodeLabel), ClusterEvent(EventResource.Node, ActionType.UpdateNodeLabel), True),
    ],
)
def test_match_cluster_events(registered: ClusterEvent, incoming: ClusterEvent, want: bool) -> None:
    """MatchClusterEvents: the incoming event must be the same as or more specific than the registered."""
    assert match_cluster_events(registered, incoming) is want


def test_cluster_event_labels() -> None:
    """ClusterEvent.Label(): resource then action name; custom labels win."""
    assert NODE_ADD.label() == "NodeAdd"
    assert EVENT_ASSIGNED_POD_ADD.label() == "AssignedPodAdd"
    assert EVENT_UNSCHEDULED_POD_UPDATE.label() == "UnschedulablePodUpdate"
    assert ClusterEvent(EventResource.Node, ActionType.UpdateNodeTaint).label() == "NodeUpdateNodeTaint"
    assert EVENT_UNSCHEDULABLE_TIMEOUT.label() == "UnschedulableTimeout"


def test_pod_scheduling_properties_change() -> None:
    """PodSchedulingPropertiesChange: specific UpdatePodXYZ events, else the general Update."""
    old = make_pod("p", uid="p", labels={"a": "1"}, gates=["g"])
    assert pod_scheduling_properties_change(modified(old, annotations={"x": "y"}), old) == [EVENT_UNSCHEDULED_POD_UPDATE]
    new = make_pod("p", uid="p", labels={"a": "2"}, tolerations=[{"key": "k", "operator": "Exists"}])
    r = EventResource.UnschedulablePod
    assert pod_scheduling_properties_change(new, old) == [
        ClusterEvent(r, ActionType.UpdatePodLabel),
        ClusterEvent(r, ActionType.UpdatePodSchedulingGatesEliminated),
        ClusterEvent(r, ActionType.UpdatePodToleration),
    ]
    bound_old = make_pod("b", uid="b", node_name="n1")
    bound_new = make_pod("b", uid="b", node_name="n1", labels={"x": ""})
    assert pod_scheduling_properties_change(bound_new, bound_old) == [ClusterEvent(EventResource.AssignedPod, ActionType.UpdatePodLabel)]


def test_pod_scale_down_event() -> None:
    """extractPodScaleDown: a reduced request is UpdatePodScaleDown; an increase is not."""
    def sized(cpu: str) -> Pod:
        return Pod.model_validate({"metadata": {"name": "p", "uid": "p"}, "spec": {
            "nodeName": "n1", "containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]}})

    assert pod_scheduling_properties_change(sized("500m"), sized("1")) == [
        ClusterEvent(EventResource.AssignedPod, ActionType.UpdatePodScaleDown)]
    assert pod_scheduling_properties_change(sized("2"), sized("1")) == [EVENT_ASSIGNED_POD_UPDATE]


def test_node_scheduling_properties_change() -> None:
    """NodeSchedulingPropertiesChange, in Go's order; nothing for an irrelevant change."""
    def make_node(**kw: Any) -> Node:
        return Node.model_validate({
            "metadata": {"name": "n", "labels": kw.get("labels", {}), "annotations": kw.get("annotations", {})},
            "spec": {"unschedulable": kw.get("unschedulable", False), "taints": kw.get("taints", [])},
            "status": {"allocatable": kw.get("alloc", {"cpu": "1"})}})

    n = EventResource.Node
    old = make_node(unschedulable=True)
    new = make_node(labels={"a": "b"}, alloc={"cpu": "2"}, taints=[{"key": "k", "effect": "NoSchedule"}])
    assert node_scheduling_properties_change(new, old) == [
        ClusterEvent(n, ActionType.UpdateNodeTaint),  # spec.unschedulable became false
        ClusterEvent(n, ActionType.UpdateNodeAllocatable),
        ClusterEvent(n, ActionType.UpdateNodeLabel),
        ClusterEvent(n, ActionType.UpdateNodeTaint),
    ]
    # Becoming unschedulable is not an event; equal quantities are no change.
    assert node_scheduling_properties_change(make_node(unschedulable=True, alloc={"cpu": "1000m"}), make_node()) == []
    assert node_scheduling_properties_change(make_node(annotations={"x": "y"}), make_node()) == [
        ClusterEvent(n, ActionType.UpdateNodeAnnotation)]


def test_build_queueing_hint_map() -> None:
    """buildQueueingHintMap: a plugin without EnqueueExtensions gets every resource; one registering
    Node/Add without Node/UpdateNodeTaint also gets Node/UpdateNodeTaint (issue 109437)."""
    def own(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
        return QueueingHint.QueueSkip

    m = build_queueing_hint_map([
        ("NodeAddOnly", [ClusterEventWithHint(NODE_ADD, own)]),
        ("Legacy", None),
        ("Nothing", []),
    ])
    taint = ClusterEvent(EventResource.Node, ActionType.UpdateNodeTaint)
    assert [f.plugin_name for f in m[NODE_ADD]] == ["NodeAddOnly"]
    assert m[NODE_ADD][0].queueing_hint_fn is own
    assert [f.plugin_name for f in m[taint]] == ["NodeAddOnly"]
    assert m[taint][0].queueing_hint_fn(make_pod("p"), None, None) == QueueingHint.Queue
    for ev in unroll_wildcard_resource():
        assert [f.plugin_name for f in m[ev.event]] == ["Legacy"]
    assert all(f.plugin_name != "Nothing" for fns in m.values() for f in fns)
