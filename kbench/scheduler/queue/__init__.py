"""kube-scheduler's scheduling queue (PriorityQueue) for the simulated clock.

Modelled on Kubernetes **v1.34** (pkg/scheduler/backend/queue) with v1.34's default feature
gates: SchedulerQueueingHints on (locked to true in v1.34), SchedulerPopFromBackoffQ on (beta,
default on since v1.33), InPlacePodVerticalScaling on, DynamicResourceAllocation on.

- ``types``: ActionType, EventResource, ClusterEvent, QueueingHint, QueuedPodInfo, event matching
  and buildQueueingHintMap.
- ``events``: the predefined events and PodSchedulingPropertiesChange / NodeSchedulingPropertiesChange.
- ``active_queue``, ``backoff_queue``, ``unschedulable_pods``, ``scheduling_queue``: Go's files.
- ``failure``: the rejector plugins handleSchedulingFailure puts on a pod.

How the event loop drives it (eventhandlers.go with queueing hints on): an unscheduled pod's
add/update/delete calls add/update/delete; a bound pod's add calls
move_all_to_active_or_backoff(EVENT_ASSIGNED_POD_ADD, None, pod), its update once per
pod_scheduling_properties_change(new, old) event with (old, new), its delete
move_all_to_active_or_backoff(EVENT_ASSIGNED_POD_DELETE, pod, None); a node's add
EVENT_NODE_ADD with (None, node), its update once per node_scheduling_properties_change(new, old)
event with (old, node), its delete EVENT_NODE_DELETE with (node, None). The loop pops a pod, runs
the cycle, and on failure sets the pod's plugins (failure.diagnosis_plugins) and calls
add_unschedulable_if_not_present; on success it calls done() when the binding cycle passes
Permit. flush_backoff_completed runs at whole seconds, flush_unschedulable_leftover every 30 s.

Not modelled: the nominator (nominated pods for preemption, not built yet), metrics other than
the pending-pod counts, pod groups and workloads (later releases), and the code paths of
disabled feature gates.
"""

from kbench.scheduler.queue.events import (
    EVENT_ASSIGNED_POD_ADD,
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_ASSIGNED_POD_UPDATE,
    EVENT_FORCE_ACTIVATE,
    EVENT_NODE_ADD,
    EVENT_NODE_DELETE,
    EVENT_UNSCHEDULABLE_TIMEOUT,
    EVENT_UNSCHEDULED_POD_ADD,
    EVENT_UNSCHEDULED_POD_DELETE,
    EVENT_UNSCHEDULED_POD_UPDATE,
    node_scheduling_properties_change,
    pod_scheduling_properties_change,
)
from kbench.scheduler.queue.scheduling_queue import (
    DEFAULT_POD_INITIAL_BACKOFF,
    DEFAULT_POD_MAX_BACKOFF,
    DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS,
    FLUSH_BACKOFF_PERIOD,
    FLUSH_UNSCHEDULABLE_PERIOD,
    PreEnqueuePlugin,
    QueueLengths,
    SchedulingGates,
    SchedulingQueue,
    Strategy,
)
from kbench.scheduler.queue.types import (
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    HintError,
    QueuedPodInfo,
    QueueingHint,
    QueueingHintFn,
    QueueingHintFunction,
    QueueingHintMap,
    build_queueing_hint_map,
    pod_uid,
)

__all__ = [
    "DEFAULT_POD_INITIAL_BACKOFF",
    "DEFAULT_POD_MAX_BACKOFF",
    "DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS",
    "EVENT_ASSIGNED_POD_ADD",
    "EVENT_ASSIGNED_POD_DELETE",
    "EVENT_ASSIGNED_POD_UPDATE",
    "EVENT_FORCE_ACTIVATE",
    "EVENT_NODE_ADD",
    "EVENT_NODE_DELETE",
    "EVENT_UNSCHEDULABLE_TIMEOUT",
    "EVENT_UNSCHEDULED_POD_ADD",
    "EVENT_UNSCHEDULED_POD_DELETE",
    "EVENT_UNSCHEDULED_POD_UPDATE",
    "FLUSH_BACKOFF_PERIOD",
    "FLUSH_UNSCHEDULABLE_PERIOD",
    "ActionType",
    "ClusterEvent",
    "ClusterEventWithHint",
    "EventResource",
    "HintError",
    "PreEnqueuePlugin",
    "QueueLengths",
    "QueuedPodInfo",
    "QueueingHint",
    "QueueingHintFn",
    "QueueingHintFunction",
    "QueueingHintMap",
    "SchedulingGates",
    "SchedulingQueue",
    "Strategy",
    "build_queueing_hint_map",
    "node_scheduling_properties_change",
    "pod_scheduling_properties_change",
    "pod_uid",
]
