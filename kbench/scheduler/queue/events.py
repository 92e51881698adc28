"""The scheduler's predefined cluster events and the interpretation of pod and node updates.

Mirrors pkg/scheduler/framework/events.go of Kubernetes v1.34 (with the feature gates at their
v1.34 defaults: InPlacePodVerticalScaling and DynamicResourceAllocation on).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from kbench.api.objects import Node, Pod
from kbench.api.resources import pod_requests
from kbench.scheduler.queue.types import NONE_ACTION, ActionType, ClusterEvent, EventResource

SCHEDULE_ATTEMPT_FAILURE = "ScheduleAttemptFailure"
"""framework.ScheduleAttemptFailure: the event label of a pod returning after a failed attempt."""
BACKOFF_COMPLETE = "BackoffComplete"
"""framework.BackoffComplete: a pod leaving backoffQ for activeQ at a flush."""
POP_FROM_BACKOFF_Q = "PopFromBackoffQ"
"""framework.PopFromBackoffQ: a pod popped straight from backoffQ because activeQ was empty."""
FORCE_ACTIVATE = "ForceActivate"
"""framework.ForceActivate: Activate() moving a pod to activeQ."""
UNSCHEDULABLE_TIMEOUT = "UnschedulableTimeout"
"""framework.UnschedulableTimeout: the 5-minute flush of unschedulablePods."""

EVENT_ASSIGNED_POD_ADD = ClusterEvent(EventResource.AssignedPod, ActionType.Add)
"""framework.EventAssignedPodAdd."""
EVENT_ASSIGNED_POD_UPDATE = ClusterEvent(EventResource.AssignedPod, ActionType.Update)
"""framework.EventAssignedPodUpdate."""
EVENT_ASSIGNED_POD_DELETE = ClusterEvent(EventResource.AssignedPod, ActionType.Delete)
"""framework.EventAssignedPodDelete."""
EVENT_UNSCHEDULED_POD_ADD = ClusterEvent(EventResource.UnschedulablePod, ActionType.Add)
"""framework.EventUnscheduledPodAdd."""
EVENT_UNSCHEDULED_POD_UPDATE = ClusterEvent(EventResource.UnschedulablePod, ActionType.Update)
"""framework.EventUnscheduledPodUpdate."""
EVENT_UNSCHEDULED_POD_DELETE = ClusterEvent(EventResource.UnschedulablePod, ActionType.Delete)
"""framework.EventUnscheduledPodDelete."""
EVENT_UNSCHEDULABLE_TIMEOUT = ClusterEvent(EventResource.WildCard, ActionType.All, UNSCHEDULABLE_TIMEOUT)
"""framework.EventUnschedulableTimeout."""
EVENT_FORCE_ACTIVATE = ClusterEvent(EventResource.WildCard, ActionType.All, FORCE_ACTIVATE)
"""framework.EventForceActivate."""
EVENT_NODE_ADD = ClusterEvent(EventResource.Node, ActionType.Add)
"""The event addNodeToCache sends."""
EVENT_NODE_DELETE = ClusterEvent(EventResource.Node, ActionType.Delete)
"""The event deleteNodeFromCache sends."""


def _milli(amount: Any) -> int:
    """Quantity.MilliValue() of an exact amount (rounded up)."""
    return math.ceil(amount * 1000)


def _extract_pod_labels_change(new: Pod, old: Pod) -> ActionType:
    """Mirrors extractPodLabelsChange."""
    return ActionType.UpdatePodLabel if new.metadata.labels != old.metadata.labels else NONE_ACTION


def _extract_pod_scale_down(new: Pod, old: Pod) -> ActionType:
    """Mirrors extractPodScaleDown: a request removed, or any request's MilliValue reduced.

    Requests are read from the spec: kbench does not model the resized status resources that
    UseStatusResources would prefer.
    """
    new_req = pod_requests(new)
    for name, old_amount in pod_requests(old).items():
        if name not in new_req or _milli(old_amount) > _milli(new_req[name]):
            return ActionType.UpdatePodScaleDown
    return NONE_ACTION


def _extract_pod_scheduling_gate_eliminated_change(new: Pod, old: Pod) -> ActionType:
    """Mirrors extractPodSchedulingGateEliminatedChange."""
    if not (new.spec.scheduling_gates or []) and (old.spec.scheduling_gates or []):
        return ActionType.UpdatePodSchedulingGatesEliminated
    return NONE_ACTION


def _extract_pod_toleration_change(new: Pod, old: Pod) -> ActionType:
    """Mirrors extractPodTolerationChange: tolerations can only be added, so the count tells."""
    if len(new.spec.tolerations) != len(old.spec.tolerations):
        return ActionType.UpdatePodToleration
    return NONE_ACTION


def _extract_pod_generated_resource_claim_change(new: Pod, old: Pod) -> ActionType:
    """Mirrors extractPodGeneratedResourceClaimChange on the status fields as kbench keeps them."""
    for f in ("resourceClaimStatuses", "extendedResourceClaimStatus"):
        if new.status.get(f) != old.status.get(f):
            return ActionType.UpdatePodGeneratedResourceClaim
    return NONE_ACTION


_POD_EXTRACTORS: tuple[Callable[[Pod, Pod], ActionType], ...] = (
    _extract_pod_labels_change,
    _extract_pod_scale_down,
    _extract_pod_scheduling_gate_eliminated_change,
    _extract_pod_toleration_change,
    _extract_pod_generated_resource_claim_change,
)


def pod_scheduling_properties_change(new: Pod, old: Pod) -> list[ClusterEvent]:
    """Mirrors PodSchedulingPropertiesChange: the UpdatePodXYZ events of an update, on
    AssignedPod or UnschedulablePod; the general Update when no specific change is found."""
    r = EventResource.AssignedPod if new.spec.node_name else EventResource.UnschedulablePod
    events = [ClusterEvent(r, a) for a in (fn(new, old) for fn in _POD_EXTRACTORS) if a != NONE_ACTION]
    return events or [ClusterEvent(r, ActionType.Update)]


def _amounts(resources: Mapping[str, Any]) -> dict[str, Any]:
    return {k: q.amount for k, q in resources.items()}


def _conditions(node: Node) -> dict[Any, Any]:
    return {c.get("type"): c.get("status") for c in (node.status.conditions or []) if isinstance(c, Mapping)}


def _extract_node_spec_unschedulable_change(new: Node, old: Node) -> ActionType:
    """Mirrors extractNodeSpecUnschedulableChange: only a node becoming schedulable counts."""
    if new.spec.unschedulable != old.spec.unschedulable and not new.spec.unschedulable:
        return ActionType.UpdateNodeTaint
    return NONE_ACTION


def _extract_node_allocatable_change(new: Node, old: Node) -> ActionType:
    """Mirrors extractNodeAllocatableChange (Quantity equality is by value, as Semantic.DeepEqual's).

    It compares the allocatable the scheduler reads (capacity for a node reporting none)."""
    return ActionType.UpdateNodeAllocatable if _amounts(new.allocatable) != _amounts(old.allocatable) else NONE_ACTION


def _extract_node_labels_change(new: Node, old: Node) -> ActionType:
    """Mirrors extractNodeLabelsChange."""
    return ActionType.UpdateNodeLabel if new.metadata.labels != old.metadata.labels else NONE_ACTION


def _extract_node_taints_change(new: Node, old: Node) -> ActionType:
    """Mirrors extractNodeTaintsChange."""
    return ActionType.UpdateNodeTaint if new.spec.taints != old.spec.taints else NONE_ACTION


def _extract_node_conditions_change(new: Node, old: Node) -> ActionType:
    """Mirrors extractNodeConditionsChange: condition statuses by type."""
    return ActionType.UpdateNodeCondition if _conditions(new) != _conditions(old) else NONE_ACTION


def _extract_node_annotations_change(new: Node, old: Node) -> ActionType:
    """Mirrors extractNodeAnnotationsChange."""
    return ActionType.UpdateNodeAnnotation if new.metadata.annotations != old.metadata.annotations else NONE_ACTION


_NODE_EXTRACTORS: tuple[Callable[[Node, Node], ActionType], ...] = (
    _extract_node_spec_unschedulable_change,
    _extract_node_allocatable_change,
    _extract_node_labels_change,
    _extract_node_taints_change,
    _extract_node_conditions_change,
    _extract_node_annotations_change,
)


def node_scheduling_properties_change(new: Node, old: Node) -> list[ClusterEvent]:
    """Mirrors NodeSchedulingPropertiesChange: the UpdateNodeXYZ events of an update, in Go's
    order; empty when nothing the scheduler cares about changed (then no event is sent)."""
    return [ClusterEvent(EventResource.Node, a) for a in (fn(new, old) for fn in _NODE_EXTRACTORS) if a != NONE_ACTION]
