"""Naive twin of PodTopologySpread: plain Python over API objects and strings, sharing no code with
the plugin's kernels or its constraint building.

Each function follows the Go source of pkg/scheduler/framework/plugins/podtopologyspread line by
line (the Go function is named): maps keyed by topology value strings, loops over nodes and pods.
Only helper.DefaultSelector is taken from kbench (ClusterState.owners), as it is not the plugin's.
Weights use Python's math.log, where the plugin ports Go's; they can differ in the last bit, which
could only change a score whose unrounded value lies within 1e-15 of a half.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kbench.api.objects import LabelSelector, Node, Pod, TopologySpreadConstraint
from kbench.cluster.owners import Owners

HOSTNAME = "kubernetes.io/hostname"
MAX_INT32 = (1 << 31) - 1
SYSTEM_DEFAULTS = [
    {"maxSkew": 3, "topologyKey": HOSTNAME, "whenUnsatisfiable": "ScheduleAnyway"},
    {"maxSkew": 5, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
]


@dataclass
class Sel:
    """labels.Selector: ``nothing`` for labels.Nothing(); requirements (key, op, values) ANDed."""

    nothing: bool
    reqs: list[tuple[str, str, list[str]]]

    def empty(self) -> bool:
        return not self.nothing and not self.reqs

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.nothing:
            return False
        for key, op, values in self.reqs:
            if op == "In" and not (key in labels and labels[key] in values):
                return False
            if op == "NotIn" and key in labels and labels[key] in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True


def as_selector(ls: LabelSelector | None) -> Sel:
    """metav1.LabelSelectorAsSelector."""
    if ls is None:
        return Sel(True, [])
    reqs = [(k, "In", [v]) for k, v in ls.match_labels.items()]
    reqs += [(e.key, e.operator, list(e.values)) for e in ls.match_expressions]
    return Sel(False, reqs)


@dataclass
class C:
    """topologySpreadConstraint."""

    max_skew: int
    key: str
    sel: Sel
    min_domains: int
    affinity_policy: str
    taints_policy: str


def filter_topology_spread_constraints(cs: list[TopologySpreadConstraint], pod_labels: Mapping[str, str],
                                       action: str) -> list[C]:
    out = []
    for c in cs:
        if c.when_unsatisfiable != action:
            continue
        sel = as_selector(c.label_selector)
        if c.match_label_keys:
            match = {k: pod_labels[k] for k in c.match_label_keys if k in pod_labels}
            if match and not sel.nothing:
                sel = Sel(False, [(k, "In", [v]) for k, v in match.items()] + sel.reqs)
        out.append(C(c.max_skew, c.topology_key, sel,
                     c.min_domains if c.min_domains is not None else 1,
                     c.node_affinity_policy or "Honor", c.node_taints_policy or "Ignore"))
    return out


def defaults(args: dict[str, Any]) -> tuple[list[TopologySpreadConstraint], bool]:
    """New's defaultConstraints and systemDefaulted."""
    if args.get("defaultingType", "System") == "System":
        return [TopologySpreadConstraint.model_validate(c) for c in SYSTEM_DEFAULTS], True
    return [TopologySpreadConstraint.model_validate(c) for c in args.get("defaultConstraints", [])], False


def get_constraints(pod: Pod, args: dict[str, Any], owners: Owners, action: str) -> list[C]:
    """The pod's constraints, else buildDefaultConstraints."""
    if pod.spec.topology_spread_constraints:
        return filter_topology_spread_constraints(pod.spec.topology_spread_constraints, pod.metadata.labels, action)
    cs = filter_topology_spread_constraints(defaults(args)[0], pod.metadata.labels, action)
    if not cs:
        return []
    ds = owners.default_selector(pod)
    sel = Sel(False, [(r.key, r.op, sorted(r.values)) for r in ds.requirements])
    if sel.empty():
        return []
    for c in cs:
        c.sel = sel
    return cs


def _expr(labels: Mapping[str, str], key: str, op: str, values: list[str]) -> bool:
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if key not in labels:
        return False
    try:
        have, want = int(labels[key]), int(values[0])
    except ValueError:
        return False
    return have > want if op == "Gt" else have < want


def required_affinity_match(pod: Pod, node: Node) -> bool:
    """nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)."""
    labels = node.metadata.labels
    if any(labels.get(k) != v for k, v in pod.spec.node_selector.items()):
        return False
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    req = na.required_during_scheduling_ignored_during_execution if na else None
    if req is None:
        return True
    for term in req.node_selector_terms:
        if not term.match_expressions and not term.match_fields:
            continue
        if all(_expr(labels, e.key, e.operator, e.values) for e in term.match_expressions) and all(
            _expr({"metadata.name": node.name}, f.key, f.operator, f.values) for f in term.match_fields
        ):
            return True
    return False


def untolerated(pod: Pod, node: Node) -> bool:
    """v1helper.FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc."""
    for taint in node.spec.taints:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        ok = False
        for t in pod.spec.tolerations:
            if t.effect and t.effect != taint.effect:
                continue
            if t.key and t.key != taint.key:
                continue
            if (t.operator in ("", "Equal") and t.value == taint.value) or t.operator == "Exists":
                ok = True
                break
        if not ok:
            return True
    return False


def match_node_inclusion_policies(c: C, pod: Pod, node: Node) -> bool:
    if c.affinity_policy == "Honor" and not required_affinity_match(pod, node):
        return False
    if c.taints_policy == "Honor" and untolerated(pod, node):
        return False
    return True


def node_labels_match_spread_constraints(labels: Mapping[str, str], cs: list[C]) -> bool:
    return all(c.key in labels for c in cs)


def count_pods_match_selector(pods: list[Pod], sel: Sel, ns: str) -> int:
    if sel.empty():
        return 0
    return sum(1 for p in pods if p.metadata.deletion_timestamp is None and p.namespace == ns
               and sel.matches(p.metadata.labels))


def filter_nodes(nodes: list[Node], pods: list[Pod], pod: Pod, args: dict[str, Any], owners: Owners) -> \
        dict[str, str | None] | str:
    """PreFilter (calPreFilterState) then Filter per node: "Skip", or per node None /
    "Unschedulable" / "UnschedulableAndUnresolvable"."""
    cs = get_constraints(pod, args, owners, "DoNotSchedule")
    if not cs:
        return "Skip"
    on = {n.name: [p for p in pods if p.spec.node_name == n.name] for n in nodes}
    tp: list[dict[str, int]] = [{} for _ in cs]
    for n in nodes:
        labels = n.metadata.labels
        if not node_labels_match_spread_constraints(labels, cs):
            continue
        for i, c in enumerate(cs):
            if not match_node_inclusion_policies(c, pod, n):
                continue
            v = labels[c.key]
            tp[i][v] = tp[i].get(v, 0) + count_pods_match_selector(on[n.name], c.sel, pod.namespace)
    out: dict[str, str | None] = {}
    for n in nodes:
        labels = n.metadata.labels
        verdict = None
        for i, c in enumerate(cs):
            if c.key not in labels:
                verdict = "UnschedulableAndUnresolvable"
                break
            min_match = min(tp[i].values()) if tp[i] else MAX_INT32
            if len(tp[i]) < c.min_domains:
                min_match = 0
            self_match = 1 if c.sel.matches(pod.metadata.labels) else 0
            if tp[i].get(labels[c.key], 0) + self_match - min_match > c.max_skew:
                verdict = "Unschedulable"
                break
        out[n.name] = verdict
    return out


def score_nodes(nodes: list[Node], pods: list[Pod], pod: Pod, args: dict[str, Any], owners: Owners,
                feasible: list[str]) -> dict[str, int] | None:
    """PreScore, Score and NormalizeScore over the ``feasible`` nodes; None when PreScore skips."""
    if not nodes:
        return None
    cs = get_constraints(pod, args, owners, "ScheduleAnyway")
    if not cs:
        return None
    require_all = bool(pod.spec.topology_spread_constraints) or not defaults(args)[1]
    by_name = {n.name: n for n in nodes}
    on = {n.name: [p for p in pods if p.spec.node_name == n.name] for n in nodes}
    ignored: set[str] = set()
    counts: list[dict[str, int]] = [{} for _ in cs]
    for name in feasible:
        labels = by_name[name].metadata.labels
        if require_all and not node_labels_match_spread_constraints(labels, cs):
            ignored.add(name)
            continue
        for i, c in enumerate(cs):
            if c.key != HOSTNAME:
                counts[i].setdefault(labels.get(c.key, ""), 0)
    weights = []
    for i, c in enumerate(cs):
        size = len(feasible) - len(ignored) if c.key == HOSTNAME else len(counts[i])
        weights.append(math.log(float(size + 2)))
    for n in nodes:
        labels = n.metadata.labels
        if require_all and not node_labels_match_spread_constraints(labels, cs):
            continue
        for i, c in enumerate(cs):
            if not match_node_inclusion_policies(c, pod, n):
                continue
            v = labels.get(c.key, "")
            if v in counts[i]:
                counts[i][v] += count_pods_match_selector(on[n.name], c.sel, pod.namespace)
    raw: dict[str, int] = {}
    for name in feasible:
        if name in ignored:
            raw[name] = 0
            continue
        labels = by_name[name].metadata.labels
        score = 0.0
        for i, c in enumerate(cs):
            if c.key in labels:
                cnt = count_pods_match_selector(on[name], c.sel, pod.namespace) if c.key == HOSTNAME \
                    else counts[i][labels[c.key]]
                score += float(cnt) * weights[i] + float(c.max_skew - 1)
        raw[name] = math.floor(score + 0.5)
    valid = [s for n, s in raw.items() if n not in ignored]
    min_score = min(valid) if valid else 0
    max_score = max([0, *valid])
    out = {}
    for name, s in raw.items():
        if name in ignored:
            out[name] = 0
        elif max_score == 0:
            out[name] = 100
        else:
            out[name] = 100 * (max_score + min_score - s) // max_score
    return out
