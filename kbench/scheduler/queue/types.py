"""Cluster events, queueing hints and the queued pod: the vocabulary of the scheduling queue.

Mirrors staging/src/k8s.io/kube-scheduler/framework/types.go (ActionType, EventResource,
ClusterEvent, QueueingHint) and pkg/scheduler/framework/types.go (QueuedPodInfo,
MatchClusterEvents, ClusterEventIsWildCard, UnrollWildCardResource) of Kubernetes v1.34.

Times are kept as integer nanoseconds, as Go's time.Time is, so that the 1 s ordering windows of
the backoff queue truncate exactly; the public properties give simulated seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

from kbench.api.objects import Node, Pod
from kbench.scheduler.framework import PodInfo

NS_PER_SECOND = 1_000_000_000


class ActionType(IntFlag):
    """fwk.ActionType: one bit per kind of change, Go's names and bit order (v1.34)."""

    Add = 1 << 0
    Delete = 1 << 1
    UpdateNodeAllocatable = 1 << 2
    UpdateNodeLabel = 1 << 3
    UpdateNodeTaint = 1 << 4
    """An update of the node's taints, or of spec.unschedulable."""
    UpdateNodeCondition = 1 << 5
    UpdateNodeAnnotation = 1 << 6
    UpdatePodLabel = 1 << 7
    UpdatePodScaleDown = 1 << 8
    """Any resource request of the pod got reduced."""
    UpdatePodToleration = 1 << 9
    UpdatePodSchedulingGatesEliminated = 1 << 10
    UpdatePodGeneratedResourceClaim = 1 << 11
    All = (1 << 12) - 1
    Update = All & ~(Add | Delete)
    """The general update, for a change that fits no specific UpdateXYZ."""


NONE_ACTION = ActionType(0)
"""fwk.None: the internal 'no change' action type."""

_ACTION_NAMES = {int(a): name for name, a in ActionType.__members__.items()}


def action_type_string(a: ActionType) -> str:
    """Mirrors ActionType.String(): the name of a single action, All or Update; '' otherwise."""
    return _ACTION_NAMES.get(int(a), "")


class EventResource:
    """fwk.EventResource values, plus the internal AssignedPod/UnschedulablePod of framework/types.go."""

    Pod = "Pod"
    Node = "Node"
    PersistentVolume = "PersistentVolume"
    PersistentVolumeClaim = "PersistentVolumeClaim"
    CSINode = "storage.k8s.io/CSINode"
    CSIDriver = "storage.k8s.io/CSIDriver"
    VolumeAttachment = "storage.k8s.io/VolumeAttachment"
    CSIStorageCapacity = "storage.k8s.io/CSIStorageCapacity"
    StorageClass = "storage.k8s.io/StorageClass"
    ResourceClaim = "resource.k8s.io/ResourceClaim"
    ResourceSlice = "resource.k8s.io/ResourceSlice"
    DeviceClass = "resource.k8s.io/DeviceClass"
    WildCard = "*"
    AssignedPod = "AssignedPod"
    """An event of a bound pod; only incoming events use it, plugins register Pod."""
    UnschedulablePod = "UnschedulablePod"
    """An event of a pod without spec.nodeName; only incoming events use it."""


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """fwk.ClusterEvent: a resource and the action on it; ``custom_label`` overrides Label()."""

    resource: str
    action_type: ActionType
    custom_label: str = ""

    def label(self) -> str:
        """Mirrors ClusterEvent.Label(), used in logs, metrics and as the queue's event string."""
        return self.custom_label or f"{self.resource}{action_type_string(self.action_type)}"


def cluster_event_is_wildcard(ce: ClusterEvent) -> bool:
    """Mirrors ClusterEventIsWildCard."""
    return ce.resource == EventResource.WildCard and ce.action_type == ActionType.All


def _match_event_resources(r: str, resource: str) -> bool:
    """Mirrors matchEventResources: '*' matches all, Pod matches AssignedPod and UnschedulablePod."""
    return (
        r == EventResource.WildCard
        or r == resource
        or (r == EventResource.Pod and resource in (EventResource.AssignedPod, EventResource.UnschedulablePod))
    )


def match_cluster_events(ce: ClusterEvent, incoming: ClusterEvent) -> bool:
    """Mirrors MatchClusterEvents: ``incoming`` is the same as or more specific than ``ce``.

    The last clause compares the action types as integers, exactly as Go does, so that a
    registered Update matches an incoming UpdateNodeLabel but not the other way round.
    """
    return cluster_event_is_wildcard(ce) or (
        _match_event_resources(ce.resource, incoming.resource)
        and (ce.action_type & incoming.action_type) != 0
        and int(incoming.action_type) <= int(ce.action_type)
    )


def match_any_cluster_event(ce: ClusterEvent, incoming_events: Iterable[ClusterEvent]) -> bool:
    """Mirrors MatchAnyClusterEvent: does ``ce`` match any of the registered ``incoming_events``."""
    return any(match_cluster_events(e, ce) for e in incoming_events)


class QueueingHint(IntEnum):
    """fwk.QueueingHint."""

    QueueSkip = 0
    Queue = 1


HintObject = Pod | Node | None
QueueingHintFn = Callable[[Pod, HintObject, HintObject], QueueingHint]
"""fwk.QueueingHintFn without the logger: (pod rejected earlier, old object, new object) -> hint."""


class HintError(Exception):
    """A queueing hint failed, as a QueueingHintFn returning a non-nil error: the queue takes it as Queue."""


@dataclass(frozen=True)
class ClusterEventWithHint:
    """fwk.ClusterEventWithHint: a registered event and its hint (None: always Queue)."""

    event: ClusterEvent
    queueing_hint_fn: QueueingHintFn | None = None


@dataclass(frozen=True)
class QueueingHintFunction:
    """queue.QueueingHintFunction: a hint with the name of the plugin that registered it."""

    plugin_name: str
    queueing_hint_fn: QueueingHintFn


QueueingHintMap = dict[ClusterEvent, list[QueueingHintFunction]]
"""queue.QueueingHintMap of one profile."""


def default_queueing_hint_fn(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors defaultQueueingHintFn of scheduler.go: always Queue."""
    return QueueingHint.Queue


UNROLLED_WILDCARD_RESOURCES: tuple[str, ...] = (
    EventResource.Pod,
    EventResource.Node,
    EventResource.PersistentVolume,
    EventResource.PersistentVolumeClaim,
    EventResource.CSINode,
    EventResource.CSIDriver,
    EventResource.CSIStorageCapacity,
    EventResource.StorageClass,
    EventResource.ResourceClaim,
    EventResource.DeviceClass,
)


def unroll_wildcard_resource() -> list[ClusterEventWithHint]:
    """Mirrors UnrollWildCardResource: what a plugin without EventsToRegister is registered for."""
    return [ClusterEventWithHint(ClusterEvent(r, ActionType.All)) for r in UNROLLED_WILDCARD_RESOURCES]


def build_queueing_hint_map(extensions: Iterable[tuple[str, Sequence[ClusterEventWithHint] | None]]) -> QueueingHintMap:
    """Mirrors buildQueueingHintMap of scheduler.go (with frameworkImpl.fillEnqueueExtensions).

    ``extensions`` gives, per plugin of the profile, its EventsToRegister, or None for a plugin
    that does not implement EnqueueExtensions (registered for the unrolled wildcard). A plugin
    registering Node/Add without Node/UpdateNodeTaint also gets Node/UpdateNodeTaint with the
    default hint (the workaround for issue 109437, applied whether or not hints are enabled).
    """
    out: QueueingHintMap = {}
    for name, events in extensions:
        registered = unroll_wildcard_resource() if events is None else list(events)
        if not registered:
            continue
        node_added = node_taint_updated = False
        for ev in registered:
            fn = ev.queueing_hint_fn or default_queueing_hint_fn
            if ev.event.resource == EventResource.Node:
                node_added |= bool(ev.event.action_type & ActionType.Add)
                node_taint_updated |= bool(ev.event.action_type & ActionType.UpdateNodeTaint)
            out.setdefault(ev.event, []).append(QueueingHintFunction(name, fn))
        if node_added and not node_taint_updated:
            taint = ClusterEvent(EventResource.Node, ActionType.UpdateNodeTaint)
            out.setdefault(taint, []).append(QueueingHintFunction(name, default_queueing_hint_fn))
    return out


def pod_uid(pod: Pod) -> str:
    """The pod's UID; namespace/name for a manifest without one (as ClusterState keys pods)."""
    return pod.metadata.uid or pod.key


def pod_priority(pod: Pod) -> int:
    """Mirrors corev1helpers.PodPriority: spec.priority, 0 when unset."""
    return pod.spec.priority if pod.spec.priority is not None else 0


@dataclass(eq=False)
class QueuedPodInfo:
    """framework.QueuedPodInfo: a pod and its history in the scheduling queue.

    ``backoff_expiration_ns`` caches getBackoffTime (None is Go's zero time); the counters decide
    the backoff: ``unschedulable_count`` for rejections by plugins, ``consecutive_errors_count``
    for failures with no rejecting plugin (Error status), which it takes precedence for.
    """

    pod_info: PodInfo
    timestamp_ns: int = 0
    attempts: int = 0
    backoff_expiration_ns: int | None = None
    unschedulable_count: int = 0
    consecutive_errors_count: int = 0
    initial_attempt_timestamp_ns: int | None = None
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    gating_plugin: str = ""
    gating_plugin_events: list[ClusterEvent] = field(default_factory=list)

    @classmethod
    def for_pod(cls, pod: Pod, *plugins: str, timestamp: float = 0.0) -> QueuedPodInfo:
        """A QueuedPodInfo for ``pod`` rejected by ``plugins`` (Go's newQueuedPodInfoForLookup)."""
        return cls(PodInfo(pod), timestamp_ns=to_ns(timestamp), unschedulable_plugins=set(plugins))

    @property
    def pod(self) -> Pod:
        return self.pod_info.pod

    @property
    def key(self) -> str:
        """namespace/name: the key of the pod in every sub-queue (podInfoKeyFunc)."""
        return self.pod_info.pod.key

    @property
    def uid(self) -> str:
        return pod_uid(self.pod_info.pod)

    @property
    def timestamp(self) -> float:
        """When the pod was (re)added to the queue, in simulated seconds."""
        return self.timestamp_ns / NS_PER_SECOND

    @property
    def backoff_expiration(self) -> float | None:
        """The cached backoff expiry in simulated seconds (None: not computed, or no backoff)."""
        return None if self.backoff_expiration_ns is None else self.backoff_expiration_ns / NS_PER_SECOND

    @property
    def initial_attempt_timestamp(self) -> float | None:
        ts = self.initial_attempt_timestamp_ns
        return None if ts is None else ts / NS_PER_SECOND

    def gated(self) -> bool:
        """Mirrors QueuedPodInfo.Gated: a PreEnqueue plugin keeps the pod out of activeQ."""
        return self.gating_plugin != ""

    def rejector_plugins(self) -> set[str]:
        """UnschedulablePlugins ∪ PendingPlugins."""
        return self.unschedulable_plugins | self.pending_plugins


def to_ns(seconds: float) -> int:
    """Simulated seconds as integer nanoseconds (rounded, absorbing float noise like 2.9999999999)."""
    return round(seconds * NS_PER_SECOND)


def less(a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
    """Mirrors PrioritySort.Less (queuesort/priority_sort.go): higher priority, then earlier Timestamp."""
    pa, pb = pod_priority(a.pod), pod_priority(b.pod)
    return pa > pb or (pa == pb and a.timestamp_ns < b.timestamp_ns)
