"""Constraints of PodTopologySpread: the plugin's args, the pod's (or default) constraints with
their parsed selectors and node inclusion policies, the pod matcher kept by ClusterState's
counters, and the node-static per-constraint tables the kernels read.

Mirrors pkg/scheduler/framework/plugins/podtopologyspread/{plugin.go,common.go} and the
validation of PodTopologySpreadArgs in pkg/scheduler/apis/config/validation.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numba import njit
from pydantic import ValidationError

from kbench.api.label_validation import qualified_name_errors
from kbench.api.objects import Pod, TopologySpreadConstraint
from kbench.api.selectors import Selector, label_selector
from kbench.cluster.state import ClusterState, IndexKey, PodRecord, selector_index_label
from kbench.errors import FieldError
from kbench.scheduler.plugins.node_affinity import required_affinity
from kbench.scheduler.plugins.taint_toleration import first_untolerated, tolerated_table
from kbench.validation import describe

NAME = "PodTopologySpread"
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
"""ErrReasonConstraintsNotMatch."""
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
"""ErrReasonNodeLabelNotMatch."""

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
DO_NOT_SCHEDULE: Final = "DoNotSchedule"
SCHEDULE_ANYWAY: Final = "ScheduleAnyway"
HONOR = "Honor"
IGNORE = "Ignore"
SYSTEM_DEFAULTING = "System"
LIST_DEFAULTING = "List"

SYSTEM_DEFAULT_CONSTRAINTS: tuple[TopologySpreadConstraint, ...] = (
    TopologySpreadConstraint(max_skew=3, topology_key=LABEL_HOSTNAME, when_unsatisfiable=SCHEDULE_ANYWAY),
    TopologySpreadConstraint(max_skew=5, topology_key=LABEL_TOPOLOGY_ZONE, when_unsatisfiable=SCHEDULE_ANYWAY),
)
"""systemDefaultConstraints of plugin.go."""


# ---- args ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpreadArgs:
    """PodTopologySpreadArgs after v1 defaulting and validation, as New keeps them."""

    default_constraints: tuple[TopologySpreadConstraint, ...]
    system_defaulted: bool


def parse_args(args: Mapping[str, Any]) -> SpreadArgs:
    """SetDefaults_PodTopologySpreadArgs, ValidatePodTopologySpreadArgs and New's choice of defaults."""
    unknown = sorted(set(args) - {"defaultConstraints", "defaultingType"})
    if unknown:
        raise FieldError(unknown[0], "unknown field")
    defaulting = args.get("defaultingType") or SYSTEM_DEFAULTING
    raw = args.get("defaultConstraints") or []
    if defaulting not in (SYSTEM_DEFAULTING, LIST_DEFAULTING):
        raise FieldError("defaultingType", f'Unsupported value: "{defaulting}": supported values: "System", "List"')
    if not isinstance(raw, list):
        raise FieldError("defaultConstraints", "expected a list of topology spread constraints")
    if defaulting == SYSTEM_DEFAULTING and raw:
        raise FieldError("defaultingType", 'Invalid value: "System": when .defaultConstraints are not empty')
    parsed: list[TopologySpreadConstraint] = []
    for i, c in enumerate(raw):
        path = f"defaultConstraints[{i}]"
        if not isinstance(c, Mapping):
            raise FieldError(path, "expected a topology spread constraint (a mapping)")
        skew = c.get("maxSkew", 0)
        if not isinstance(skew, int) or skew <= 0:
            raise FieldError(f"{path}.maxSkew", f"Invalid value: {skew}: not in valid range (0, inf)")
        key = c.get("topologyKey") or ""
        if not key:
            raise FieldError(f"{path}.topologyKey", "Required value: can not be empty")
        bad = qualified_name_errors(key)
        if bad:
            raise FieldError(f"{path}.topologyKey", f'Invalid value: "{key}": {"; ".join(bad)}')
        action = c.get("whenUnsatisfiable") or ""
        if not action:
            raise FieldError(f"{path}.whenUnsatisfiable", "Required value: can not be empty")
        if action not in (DO_NOT_SCHEDULE, SCHEDULE_ANYWAY):
            raise FieldError(
                f"{path}.whenUnsatisfiable",
                f'Unsupported value: "{action}": supported values: "{DO_NOT_SCHEDULE}", "{SCHEDULE_ANYWAY}"',
            )
        if c.get("labelSelector") is not None:
            raise FieldError(
                f"{path}.labelSelector", "Forbidden: constraint must not define a selector, as they deduced for each pod"
            )
        if any(p.topology_key == key and p.when_unsatisfiable == action for p in parsed):
            raise FieldError(path, f'Duplicate value: "{{{key}, {action}}}"')
        try:
            parsed.append(TopologySpreadConstraint.model_validate(c))
        except ValidationError as e:
            sub, msg = describe(e)
            raise FieldError(f"{path}.{sub}" if sub else path, msg) from None
    if defaulting == SYSTEM_DEFAULTING:
        return SpreadArgs(SYSTEM_DEFAULT_CONSTRAINTS, True)
    return SpreadArgs(tuple(parsed), False)


# ---- constraints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """topologySpreadConstraint: a v1 constraint with its selector parsed and its defaults applied."""

    max_skew: int
    topology_key: str
    selector: Selector
    min_domains: int
    node_affinity_policy: str
    node_taints_policy: str


def filter_constraints(
    constraints: Sequence[TopologySpreadConstraint], pod_labels: Mapping[str, str], action: str
) -> tuple[Constraint, ...]:
    """Mirrors filterTopologySpreadConstraints (every feature gate on, as in kube-scheduler's defaults)."""
    out: list[Constraint] = []
    for c in constraints:
        if c.when_unsatisfiable != action:
            continue
        selector = label_selector(c.label_selector)
        if c.match_label_keys:
            match = {k: pod_labels[k] for k in c.match_label_keys if k in pod_labels}
            if match:
                selector = merge_label_set_with_selector(match, selector)
        out.append(
            Constraint(
                max_skew=c.max_skew,
                topology_key=c.topology_key,
                selector=selector,
                min_domains=c.min_domains if c.min_domains is not None else 1,
                node_affinity_policy=c.node_affinity_policy or HONOR,
                node_taints_policy=c.node_taints_policy or IGNORE,
            )
        )
    return tuple(out)


def merge_label_set_with_selector(match: Mapping[str, str], selector: Selector) -> Selector:
    """Mirrors mergeLabelSetWithSelector: a nil (nothing) selector stays nothing."""
    return selector.with_labels(match)


def build_default_constraints(
    defaults: Sequence[TopologySpreadConstraint], pod: Pod, cluster: ClusterState, action: str
) -> tuple[Constraint, ...]:
    """Mirrors buildDefaultConstraints: the default constraints of ``action`` with helper.DefaultSelector."""
    constraints = filter_constraints(defaults, pod.metadata.labels, action)
    if not constraints:
        return ()
    selector = cluster.owners.default_selector(pod)
    if selector.empty:
        return ()
    return tuple(
        Constraint(c.max_skew, c.topology_key, selector, c.min_domains, c.node_affinity_policy, c.node_taints_policy)
        for c in constraints
    )


def pod_constraints(args: SpreadArgs, pod: Pod, cluster: ClusterState, action: str) -> tuple[Constraint, ...]:
    """The pod's own constraints of ``action``, or the defaults when the pod has none (getConstraints)."""
    if pod.spec.topology_spread_constraints:
        return filter_constraints(pod.spec.topology_spread_constraints, pod.metadata.labels, action)
    return build_default_constraints(args.default_constraints, pod, cluster, action)


@dataclass(frozen=True)
class PodMatcher:
    """countPodsMatchSelector as a hashable counter key: same namespace, not terminating, selector match."""

    namespace: str
    selector: Selector

    def matches(self, rec: PodRecord, state: ClusterState) -> bool:
        """Mirrors the per-pod test of countPodsMatchSelector (0 for an empty selector)."""
        if self.selector.empty or rec.terminating or rec.namespace != self.namespace:
            return False
        return self.selector.matches(rec.labels)

    def index_key(self) -> IndexKey:
        """The namespace and a matchLabels pair every counted pod has (ClusterState indexes on it)."""
        label = selector_index_label(self.selector.requirements)
        return (self.namespace, *label) if label is not None else (self.namespace, None, None)


def node_pod_counts(cluster: ClusterState, namespace: str, selector: Selector) -> np.ndarray:
    """countPodsMatchSelector for every node row, from the cluster's incrementally kept counters."""
    if selector.empty or selector.nothing:
        return np.zeros(cluster.capacity, np.int32)
    return cluster.pod_counts(PodMatcher(namespace, selector))


# ---- compiled constraints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A pod's constraints of one action with what the kernels read of them (rebuilt per epoch).

    ``cols[c]`` is the label column of constraint c's topology key (-1 if no node has it),
    ``hostname[c]`` marks kubernetes.io/hostname, ``n_values[c]`` is the number of values of the
    key and ``empty_value[c]`` the id of value "" (-1 if none). ``values[c, row]`` is the node's
    value id of the key (-1 without it), ``has_all[row]`` nodeLabelsMatchSpreadConstraints,
    ``included[c, row]`` matchNodeInclusionPolicies and ``eligible[c, row]`` both.
    ``self_match[c]`` is 1 if the pod matches the constraint's selector.

    Per-domain arrays of constraint c span ``filter_ptr[c]:filter_ptr[c+1]`` (one slot per value)
    in filtering, and ``score_ptr[c]:score_ptr[c+1]`` in scoring, which adds slot ``empty_slot[c]``
    for nodes without the key: Go reads their value as "", so it is the slot of value "" when some
    node has that value.
    """

    constraints: tuple[Constraint, ...]
    cols: np.ndarray
    hostname: np.ndarray
    n_values: np.ndarray
    empty_value: np.ndarray
    has_all: np.ndarray
    included: np.ndarray
    eligible: np.ndarray
    values: np.ndarray
    max_skew: np.ndarray
    min_domains: np.ndarray
    self_match: np.ndarray
    filter_ptr: np.ndarray
    score_ptr: np.ndarray
    empty_slot: np.ndarray


@njit(cache=True)
def _untolerated(n, taint_ids, taint_effect, ok, out):  # pragma: no cover
    """out[row] = the node has a NoSchedule/NoExecute taint the pod does not tolerate."""
    for row in range(n):
        out[row] = first_untolerated(row, taint_ids, taint_effect, ok) >= 0


def _has_required_affinity(pod: Pod) -> bool:
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    return bool(pod.spec.node_selector) or (
        na is not None and na.required_during_scheduling_ignored_during_execution is not None
    )


def compile_key(pod: Pod, constraints: tuple[Constraint, ...]) -> Hashable:
    """What compile_constraints reads of the pod besides the constraints: pods with equal keys share
    compiled tables (self matches, and the node affinity or tolerations only where a policy honors them)."""
    self_match = tuple(c.selector.matches(pod.metadata.labels) for c in constraints)
    affinity: Hashable = None
    if any(c.node_affinity_policy == HONOR for c in constraints) and _has_required_affinity(pod):
        na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
        req = na.required_during_scheduling_ignored_during_execution if na else None
        affinity = (tuple(sorted(pod.spec.node_selector.items())), req.model_dump_json() if req is not None else None)
    tolerations: Hashable = None
    if any(c.node_taints_policy == HONOR for c in constraints):
        tolerations = tuple((t.key, t.operator, t.value, t.effect) for t in pod.spec.tolerations)
    return constraints, self_match, affinity, tolerations


def compile_constraints(pod: Pod, constraints: tuple[Constraint, ...], cluster: ClusterState) -> Compiled:
    """Compile ``constraints`` of ``pod`` against the cluster's current nodes and label interning."""
    n = cluster.n_nodes
    cols = np.array([cluster.labels.keys.get(c.topology_key) for c in constraints], np.int64)
    n_values = np.array([cluster.labels.n_values(int(col)) if col >= 0 else 0 for col in cols], np.int64)
    empty_value = np.array([cluster.labels.values[int(col)].get("") if col >= 0 else -1 for col in cols], np.int64)
    values = np.full((len(constraints), n), -1, np.int32)
    for i, col in enumerate(cols):
        if col >= 0:
            values[i] = cluster.label_val[:n, col]
    has_all = np.asarray((values >= 0).all(axis=0), np.bool_)
    included = np.ones((len(constraints), n), np.bool_)
    affinity_ok: np.ndarray | None = None
    taints_ok: np.ndarray | None = None
    for i, c in enumerate(constraints):
        if c.node_affinity_policy == HONOR and _has_required_affinity(pod):
            if affinity_ok is None:
                affinity_ok = required_affinity(pod, cluster).match_rows(cluster, cluster.node_indices())
            included[i] &= affinity_ok
        if c.node_taints_policy == HONOR:
            if taints_ok is None:
                bad = np.empty(n, np.bool_)
                _untolerated(n, cluster.taint_ids, cluster.taint_effect, tolerated_table(pod.spec.tolerations, cluster), bad)
                taints_ok = ~bad
            included[i] &= taints_ok
    return Compiled(
        constraints=constraints,
        cols=cols,
        hostname=np.array([c.topology_key == LABEL_HOSTNAME for c in constraints], np.bool_),
        n_values=n_values,
        empty_value=empty_value,
        has_all=has_all,
        included=included,
        eligible=included & has_all,
        values=values,
        max_skew=np.array([c.max_skew for c in constraints], np.int64),
        min_domains=np.array([c.min_domains for c in constraints], np.int64),
        self_match=np.array([1 if c.selector.matches(pod.metadata.labels) else 0 for c in constraints], np.int64),
        filter_ptr=np.concatenate(([0], np.cumsum(n_values))).astype(np.int64),
        score_ptr=np.concatenate(([0], np.cumsum(n_values + 1))).astype(np.int64),
        empty_slot=np.where(empty_value >= 0, empty_value, n_values).astype(np.int64),
    )
