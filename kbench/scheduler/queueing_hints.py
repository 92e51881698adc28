"""EventsToRegister and the queueing hints of the in-tree plugins kbench has, keyed by plugin NAME.

Each hint mirrors the plugin's isSchedulableAfter* function of Kubernetes v1.34 with queueing
hints enabled (and InPlacePodVerticalScaling on), working on kbench's Pod and Node objects. A
hint gets (pod rejected earlier, old object, new object): old is None for an add, new is None
for a delete. Where Go returns (Queue, err) the hint raises HintError, which the queue takes as
Queue, as it takes Go's error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TypeVar

from kbench.api.label_validation import selector_error
from kbench.api.objects import Node, NodeSelectorTerm, Pod, Taint
from kbench.api.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    PODS,
    int_requests,
    is_scalar_resource,
    node_allocatable,
    pod_requests,
)
from kbench.api.selectors import node_term, node_terms, tolerated
from kbench.cluster.state import ClusterState, HostPort, host_ports
from kbench.config.scheduler_config import ProfileConfig
from kbench.scheduler.framework import Plugin
from kbench.scheduler.plugins.inter_pod_affinity.terms import AffinityTerm, pod_terms
from kbench.scheduler.plugins.pod_topology_spread import PodTopologySpread
from kbench.scheduler.plugins.pod_topology_spread.common import (
    DO_NOT_SCHEDULE,
    HONOR,
    Constraint,
    SpreadArgs,
    parse_args,
    pod_constraints,
)
from kbench.scheduler.queue.types import (
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    HintError,
    HintObject,
    QueueingHint,
    QueueingHintMap,
    build_queueing_hint_map,
    pod_uid,
)

Q, SKIP = QueueingHint.Queue, QueueingHint.QueueSkip
T = TypeVar("T")
UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")
"""v1.TaintNodeUnschedulable with NoSchedule, as NodeUnschedulable checks tolerations."""


def _as(kind: type[T], old: object, new: object) -> tuple[T | None, T | None]:
    """Mirrors schedutil.As[T](oldObj, newObj): HintError for an object of another type."""
    for obj in (old, new):
        if obj is not None and not isinstance(obj, kind):
            raise HintError(f"unexpected object type {type(obj).__name__}, want {kind.__name__}")
    return old, new  # type: ignore[return-value]


def _pods(old: object, new: object) -> tuple[Pod | None, Pod | None]:
    return _as(Pod, old, new)


def _nodes(old: object, new: object) -> tuple[Node | None, Node | None]:
    return _as(Node, old, new)


def _nominated_node_name(pod: Pod) -> str:
    return str(pod.status.get("nominatedNodeName") or "")


# ---- NodeResourcesFit (noderesources/fit.go) ---------------------------------------------------


def _request(pod: Pod) -> dict[str, int]:
    """computePodResourceRequest: integer requests (milli-cpu, bytes, counts) by resource."""
    return int_requests(pod_requests(pod))


def _fits(req: Mapping[str, int], alloc: Mapping[str, int]) -> bool:
    """Mirrors isFit: Fits against a NodeInfo holding only the node (no pods, nothing ignored)."""
    if alloc.get(PODS, 0) < 1:
        return False
    for name, value in req.items():
        if name == PODS or value == 0:
            continue
        if (name in (CPU, MEMORY, EPHEMERAL_STORAGE) or is_scalar_resource(name)) and value > alloc.get(name, 0):
            return False
    return True


def _have_any_requested_resources_increased(req: Mapping[str, int], original: Node, modified: Node) -> bool:
    """Mirrors haveAnyRequestedResourcesIncreased."""
    a, b = node_allocatable(original), node_allocatable(modified)
    if b.get(PODS, 0) > a.get(PODS, 0):
        return True
    for name, value in req.items():
        if name == PODS or value == 0:
            continue
        if (name in (CPU, MEMORY, EPHEMERAL_STORAGE) or is_scalar_resource(name)) and b.get(name, 0) > a.get(name, 0):
            return True
    return False


def _is_schedulable_after_pod_scale_down(target: Pod, original: Pod, modified: Pod) -> bool:
    """Mirrors Fit.isSchedulableAfterPodScaleDown (requests from the spec: kbench keeps no
    resized status resources)."""
    if pod_uid(modified) == pod_uid(target):
        return True
    if not modified.spec.node_name:
        return False
    before, after = _request(original), _request(modified)
    for name, amount in pod_requests(target).items():
        if amount == 0:
            continue
        if (name in (CPU, MEMORY, EPHEMERAL_STORAGE) or is_scalar_resource(name)) and before.get(name, 0) > after.get(name, 0):
            return True
    return False


def fit_is_schedulable_after_pod_event(pod: Pod, old: HintObject, new: HintObject,
                                       in_place_pod_vertical_scaling: bool = True) -> QueueingHint:
    """Mirrors Fit.isSchedulableAfterPodEvent: a deleted pod that was bound or nominated, or a
    scale-down of a request the pod makes (or of the pod itself)."""
    original, modified = _pods(old, new)
    if original is None:
        raise HintError("the pod event carries no old pod")
    if modified is None:
        return SKIP if not original.spec.node_name and not _nominated_node_name(original) else Q
    if not in_place_pod_vertical_scaling:
        return SKIP
    return Q if _is_schedulable_after_pod_scale_down(pod, original, modified) else SKIP


def fit_is_schedulable_after_node_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors Fit.isSchedulableAfterNodeChange: the node must fit the pod, and an update must
    have increased a resource the pod requests (or the pod count)."""
    original, modified = _nodes(old, new)
    if modified is None:
        raise HintError("the node event carries no new node")
    req = _request(pod)
    if not _fits(req, node_allocatable(modified)):
        return SKIP
    if original is None:
        return Q
    return Q if _have_any_requested_resources_increased(req, original, modified) else SKIP


# ---- TaintToleration (tainttoleration/taint_toleration.go) --------------------------------------


def _untolerated(node: Node, pod: Pod) -> bool:
    """FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc found a taint."""
    return any(t.effect in ("NoSchedule", "NoExecute") and not tolerated(pod.spec.tolerations, t) for t in node.spec.taints)


def taint_toleration_is_schedulable_after_node_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors TaintToleration.isSchedulableAfterNodeChange: untolerated before, tolerated now."""
    original, modified = _nodes(old, new)
    if modified is None:
        raise HintError("the node event carries no new node")
    was_untolerated = True if original is None else _untolerated(original, pod)
    return Q if was_untolerated and not _untolerated(modified, pod) else SKIP


def taint_toleration_is_schedulable_after_pod_toleration_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors TaintToleration.isSchedulableAfterPodTolerationChange: the pod itself got one."""
    _, modified = _pods(old, new)
    if modified is None:
        raise HintError("the pod event carries no new pod")
    return Q if pod_uid(pod) == pod_uid(modified) else SKIP


# ---- NodeAffinity (nodeaffinity/node_affinity.go) ------------------------------------------------


def _term_is_empty(term: NodeSelectorTerm) -> bool:
    return not term.match_expressions and not term.match_fields


def _required_node_affinity_matches(pod: Pod, node: Node) -> bool:
    """Mirrors RequiredNodeAffinity.Match of GetRequiredNodeAffinity(pod); HintError for Go's
    error: no term matched and some term failed to parse (LazyErrorNodeSelector)."""
    labels = node.metadata.labels
    if any(labels.get(k) != v for k, v in pod.spec.node_selector.items()):
        return False
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    required = na.required_during_scheduling_ignored_during_execution if na else None
    if required is None:
        return True
    if any(t.matches(labels, node.name) for t in node_terms(required.node_selector_terms)):
        return True
    if any(not _term_is_empty(t) and node_term(t) is None for t in required.node_selector_terms):
        raise HintError("a required node selector term does not parse")
    return False


def node_affinity_is_schedulable_after_node_change(pod: Pod, old: HintObject, new: HintObject,
                                                   added: Sequence[NodeSelectorTerm] | None = None) -> QueueingHint:
    """Mirrors NodeAffinity.isSchedulableAfterNodeChange: the node must match the scheduler-enforced
    affinity (``added``: addedAffinity's required terms) and the pod's required affinity, and an
    update must turn a non-matching node into a matching one."""
    original, modified = _nodes(old, new)
    if modified is None:
        raise HintError("the node event carries no new node")
    if added is not None and not any(t.matches(modified.metadata.labels, modified.name) for t in node_terms(added)):
        return SKIP
    if not _required_node_affinity_matches(pod, modified):
        return SKIP
    if original is None:
        return Q
    return SKIP if _required_node_affinity_matches(pod, original) else Q


# ---- NodeUnschedulable (nodeunschedulable/node_unschedulable.go) --------------------------------


def node_unschedulable_is_schedulable_after_node_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors NodeUnschedulable.isSchedulableAfterNodeChange: a node turned schedulable, or a
    schedulable node added."""
    original, modified = _nodes(old, new)
    if modified is None:
        raise HintError("the node event carries no new node")
    if original is not None and original.spec.unschedulable and not modified.spec.unschedulable:
        return Q
    if original is None and not modified.spec.unschedulable:
        return Q
    return SKIP


def node_unschedulable_is_schedulable_after_pod_toleration_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors NodeUnschedulable.isSchedulableAfterPodTolerationChange: the pod itself now
    tolerates node.kubernetes.io/unschedulable:NoSchedule."""
    _, modified = _pods(old, new)
    if modified is None:
        raise HintError("the pod event carries no new pod")
    if pod_uid(pod) == pod_uid(modified) and tolerated(modified.spec.tolerations, UNSCHEDULABLE_TAINT):
        return Q
    return SKIP


# ---- NodePorts (nodeports/node_ports.go) ----------------------------------------------------------


def _check_conflict(in_use: Sequence[HostPort], ip: str, protocol: str, port: int) -> bool:
    """Mirrors HostPortInfo.CheckConflict on the (sanitised) ports of one pod."""
    if ip == "0.0.0.0":
        return any(p == protocol and n == port for _, p, n in in_use)
    return any(p == protocol and n == port and i in (ip, "0.0.0.0") for i, p, n in in_use)


def node_ports_is_schedulable_after_pod_deleted(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors NodePorts.isSchedulableAfterPodDeleted: a bound (or nominated) pod freed a host
    port the pod wants."""
    deleted, _ = _pods(old, None)
    if deleted is None:
        raise HintError("the pod event carries no deleted pod")
    if not deleted.spec.node_name and not _nominated_node_name(deleted):
        return SKIP
    in_use = host_ports(deleted)
    if not in_use:
        return SKIP
    if not any(_check_conflict(in_use, ip, proto, port) for ip, proto, port in host_ports(pod)):
        return SKIP
    return Q


# ---- PodTopologySpread (podtopologyspread/plugin.go) -----------------------------------------------


def _spread_constraints(pod: Pod, args: SpreadArgs, cluster: ClusterState) -> tuple[Constraint, ...]:
    """Mirrors getConstraints (DoNotSchedule); HintError for Go's error (a selector that fails to parse)."""
    for c in pod.spec.topology_spread_constraints:
        if c.when_unsatisfiable == DO_NOT_SCHEDULE and (err := selector_error(c.label_selector)):
            raise HintError(f"obtaining pod's hard topology spread constraints: {err}")
    return pod_constraints(args, pod, cluster, DO_NOT_SCHEDULE)


def _involved_in_topology_spreading(incoming: Pod, pod: Pod) -> bool:
    """Mirrors involvedInTopologySpreading."""
    return pod_uid(incoming) == pod_uid(pod) or (bool(incoming.spec.node_name) and incoming.namespace == pod.namespace)


def _node_labels_match_spread_constraints(labels: Mapping[str, str], constraints: Sequence[Constraint]) -> bool:
    """Mirrors nodeLabelsMatchSpreadConstraints: every topology key is present."""
    return all(c.topology_key in labels for c in constraints)


def _pod_labels_match_spread_constraints(constraints: Sequence[Constraint], labels: Mapping[str, str]) -> bool:
    """Mirrors podLabelsMatchSpreadConstraints: some constraint's selector matches."""
    return any(c.selector.matches(labels) for c in constraints)


def pod_topology_spread_is_schedulable_after_pod_change(pod: Pod, old: HintObject, new: HintObject,
                                                        args: SpreadArgs, cluster: ClusterState) -> QueueingHint:
    """Mirrors PodTopologySpread.isSchedulableAfterPodChange."""
    original, modified = _pods(old, new)
    if original is None and modified is None:
        raise HintError("the pod event carries no pod")
    if (modified is not None and not _involved_in_topology_spreading(modified, pod)) or (
        original is not None and not _involved_in_topology_spreading(original, pod)
    ):
        return SKIP
    constraints = _spread_constraints(pod, args, cluster)
    if modified is not None and original is not None:
        if (pod_uid(pod) == pod_uid(modified) and modified.spec.tolerations != original.spec.tolerations
                and any(c.node_taints_policy == HONOR for c in constraints)):
            return Q
        if modified.metadata.labels == original.metadata.labels:
            return SKIP
        for c in constraints:
            if c.selector.matches(original.metadata.labels) != c.selector.matches(modified.metadata.labels):
                return Q
        return SKIP
    if modified is not None:
        return Q if _pod_labels_match_spread_constraints(constraints, modified.metadata.labels) else SKIP
    assert original is not None
    return Q if _pod_labels_match_spread_constraints(constraints, original.metadata.labels) else SKIP


def pod_topology_spread_is_schedulable_after_node_change(pod: Pod, old: HintObject, new: HintObject,
                                                         args: SpreadArgs, cluster: ClusterState) -> QueueingHint:
    """Mirrors PodTopologySpread.isSchedulableAfterNodeChange."""
    original, modified = _nodes(old, new)
    if original is None and modified is None:
        raise HintError("the node event carries no node")
    constraints = _spread_constraints(pod, args, cluster)
    original_matching = original is not None and _node_labels_match_spread_constraints(original.metadata.labels, constraints)
    modified_matching = modified is not None and _node_labels_match_spread_constraints(modified.metadata.labels, constraints)
    if original is not None and modified is not None:
        if original_matching != modified_matching:
            return Q
        keys_changed = any(original.metadata.labels.get(c.topology_key, "") != modified.metadata.labels.get(c.topology_key, "")
                           for c in constraints)
        if modified_matching and (keys_changed or original.spec.taints != modified.spec.taints):
            return Q
        return SKIP
    if modified is not None:
        return Q if modified_matching else SKIP
    return Q if original_matching else SKIP


# ---- InterPodAffinity (interpodaffinity/plugin.go) -------------------------------------------------


def _required_terms(pod: Pod, anti: bool) -> tuple[AffinityTerm, ...]:
    """GetAffinityTerms of the pod's required (anti-)affinity; HintError for Go's parse error."""
    a = pod.spec.affinity
    group = (a.pod_anti_affinity if anti else a.pod_affinity) if a else None
    raw = group.required_during_scheduling_ignored_during_execution if group else []
    for t in raw:
        if err := selector_error(t.label_selector) or selector_error(t.namespace_selector):
            raise HintError(err)
    parsed = pod_terms(pod)
    return parsed.required_anti_affinity if anti else parsed.required_affinity


def _pod_matches_all_affinity_terms(terms: Sequence[AffinityTerm], pod: Pod) -> bool:
    """Mirrors podMatchesAllAffinityTerms: false for no terms; namespace labels are not read."""
    return bool(terms) and all(t.matches(pod.namespace, pod.metadata.labels, {}) for t in terms)


def inter_pod_affinity_is_schedulable_after_pod_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors InterPodAffinity.isSchedulableAfterPodChange: a bound pod that now matches all the
    affinity terms (added or relabelled), or that stopped matching (relabelled or deleted) all
    the anti-affinity terms."""
    original, modified = _pods(old, new)
    if original is None and modified is None:
        raise HintError("the pod event carries no pod")
    if (modified is not None and not modified.spec.node_name) or (original is not None and not original.spec.node_name):
        return SKIP
    terms = _required_terms(pod, anti=False)
    anti_terms = _required_terms(pod, anti=True)
    if modified is not None and original is not None:
        if not _pod_matches_all_affinity_terms(terms, original) and _pod_matches_all_affinity_terms(terms, modified):
            return Q
        if _pod_matches_all_affinity_terms(anti_terms, original) and not _pod_matches_all_affinity_terms(anti_terms, modified):
            return Q
        return SKIP
    if modified is not None:
        return Q if _pod_matches_all_affinity_terms(terms, modified) else SKIP
    assert original is not None
    return Q if _pod_matches_all_affinity_terms(anti_terms, original) else SKIP


def inter_pod_affinity_is_schedulable_after_node_change(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors InterPodAffinity.isSchedulableAfterNodeChange (v1.32+, kubernetes#127470): a node
    added with, or updated to gain or change, an affinity topology key; any node added, or one
    updated to lose or change an anti-affinity topology key."""
    original, modified = _nodes(old, new)
    if modified is None:
        raise HintError("the node event carries no new node")
    terms = _required_terms(pod, anti=False)
    new_labels = modified.metadata.labels
    old_labels = original.metadata.labels if original is not None else None
    for t in terms:
        if old_labels is None:
            if t.topology_key in new_labels:
                return Q
            continue
        if t.topology_key in new_labels and (t.topology_key not in old_labels or old_labels[t.topology_key] != new_labels[t.topology_key]):
            return Q
    anti_terms = _required_terms(pod, anti=True)
    for t in anti_terms:
        if old_labels is None:
            return Q
        if t.topology_key in old_labels and (t.topology_key not in new_labels or old_labels[t.topology_key] != new_labels[t.topology_key]):
            return Q
    return SKIP


# ---- SchedulingGates (schedulinggates/scheduling_gates.go) -----------------------------------------


def scheduling_gates_is_schedulable_after_update_pod_scheduling_gates_eliminated(pod: Pod, old: HintObject, new: HintObject) -> QueueingHint:
    """Mirrors SchedulingGates.isSchedulableAfterUpdatePodSchedulingGatesEliminated."""
    _, modified = _pods(old, new)
    if modified is None:
        raise HintError("the pod event carries no new pod")
    return Q if pod_uid(modified) == pod_uid(pod) else SKIP


# ---- EventsToRegister --------------------------------------------------------------------------------


def _ev(resource: str, action: ActionType, fn: Callable[[Pod, HintObject, HintObject], QueueingHint] | None = None) -> ClusterEventWithHint:
    return ClusterEventWithHint(ClusterEvent(resource, action), fn)


_POD, _NODE = EventResource.Pod, EventResource.Node
A = ActionType

EventsBuilder = Callable[[Plugin | None, ClusterState], list[ClusterEventWithHint]]


def _node_affinity_events(plugin: Plugin | None, cluster: ClusterState) -> list[ClusterEventWithHint]:
    added = getattr(plugin, "added", None)
    req = added.required_during_scheduling_ignored_during_execution if added is not None else None
    terms = req.node_selector_terms if req is not None else None
    return [_ev(_NODE, A.Add | A.UpdateNodeLabel, partial(node_affinity_is_schedulable_after_node_change, added=terms))]


def _pod_topology_spread_events(plugin: Plugin | None, cluster: ClusterState) -> list[ClusterEventWithHint]:
    """The plugin's args decide the default constraints; without an instance, the default args."""
    args = plugin.spread if isinstance(plugin, PodTopologySpread) else parse_args({})
    return [
        _ev(_POD, A.Add | A.UpdatePodLabel | A.UpdatePodToleration | A.Delete,
            partial(pod_topology_spread_is_schedulable_after_pod_change, args=args, cluster=cluster)),
        _ev(_NODE, A.Add | A.Delete | A.UpdateNodeLabel | A.UpdateNodeTaint,
            partial(pod_topology_spread_is_schedulable_after_node_change, args=args, cluster=cluster)),
    ]


EVENTS_TO_REGISTER: dict[str, EventsBuilder] = {
    "NodeResourcesFit": lambda pl, c: [
        _ev(_POD, A.Delete | A.UpdatePodScaleDown, fit_is_schedulable_after_pod_event),
        _ev(_NODE, A.Add | A.UpdateNodeAllocatable, fit_is_schedulable_after_node_change),
    ],
    "TaintToleration": lambda pl, c: [
        _ev(_NODE, A.Add | A.UpdateNodeTaint, taint_toleration_is_schedulable_after_node_change),
        _ev(_POD, A.UpdatePodToleration, taint_toleration_is_schedulable_after_pod_toleration_change),
    ],
    "NodeAffinity": _node_affinity_events,
    "NodeUnschedulable": lambda pl, c: [
        _ev(_NODE, A.Add | A.UpdateNodeTaint, node_unschedulable_is_schedulable_after_node_change),
        _ev(_POD, A.UpdatePodToleration, node_unschedulable_is_schedulable_after_pod_toleration_change),
    ],
    "NodeName": lambda pl, c: [_ev(_NODE, A.Add)],
    "NodePorts": lambda pl, c: [
        _ev(_POD, A.Delete, node_ports_is_schedulable_after_pod_deleted),
        _ev(_NODE, A.Add),
    ],
    "PodTopologySpread": _pod_topology_spread_events,
    "InterPodAffinity": lambda pl, c: [
        _ev(_POD, A.Add | A.UpdatePodLabel | A.Delete, inter_pod_affinity_is_schedulable_after_pod_change),
        _ev(_NODE, A.Add | A.UpdateNodeLabel | A.UpdateNodeTaint, inter_pod_affinity_is_schedulable_after_node_change),
    ],
    "SchedulingGates": lambda pl, c: [
        _ev(_POD, A.UpdatePodSchedulingGatesEliminated, scheduling_gates_is_schedulable_after_update_pod_scheduling_gates_eliminated),
    ],
}
"""EventsToRegister (queueing hints on) of each plugin kbench runs that can reject a pod, by NAME."""

NO_EVENTS = frozenset({"VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "DynamicResources"})
"""Plugins whose events concern objects kbench does not model (volumes, claims): they reject no
pod here, and registering their events would only make isEventOfInterest true more often."""


def events_to_register(name: str, plugin: Plugin | None, cluster: ClusterState) -> list[ClusterEventWithHint] | None:
    """The plugin's EventsToRegister; None for a plugin that does not implement EnqueueExtensions
    (NodeResourcesBalancedAllocation, ImageLocality, PrioritySort, DefaultBinder,
    DefaultPreemption), which the framework registers for every resource."""
    if name in NO_EVENTS:
        return []
    build = EVENTS_TO_REGISTER.get(name)
    return None if build is None else build(plugin, cluster)


def queueing_hint_map(profile: ProfileConfig, cluster: ClusterState, pre_enqueue: Sequence[str] = ("SchedulingGates",)) -> QueueingHintMap:
    """The profile's QueueingHintMap (buildQueueingHintMap over its plugins and its PreEnqueue
    plugins, SchedulingGates by default as in the default profile)."""
    names = list(profile.plugins) + [n for n in pre_enqueue if n not in profile.plugins]
    return build_queueing_hint_map((n, events_to_register(n, profile.plugins.get(n), cluster)) for n in names)
