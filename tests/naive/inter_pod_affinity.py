"""Naive twin of InterPodAffinity: plain Python over API objects, sharing no code with the plugin.

Follows pkg/scheduler/framework/plugins/interpodaffinity/{filtering,scoring}.go line by line, with
Go's maps keyed by (topology key, value); selectors, namespaces and AffinityTerm.Matches are written
out again from apimachinery and framework/types.go. Parse errors are not modelled (the random
clusters only hold valid selectors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kbench.api.objects import LabelSelector, Namespace, Node, Pod, PodAffinityTerm

SKIP = "Skip"
AFFINITY = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"


def _ns(pod: Pod) -> str:
    return pod.metadata.namespace or "default"


def selector_matches(sel: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelectorAsSelector(sel).Matches(labels): nil matches nothing, {} everything."""
    if sel is None:
        return False
    for k, v in sel.match_labels.items():
        if labels.get(k) != v:
            return False
    for e in sel.match_expressions:
        if e.operator == "In" and not (e.key in labels and labels[e.key] in e.values):
            return False
        if e.operator == "NotIn" and e.key in labels and labels[e.key] in e.values:
            return False
        if e.operator == "Exists" and e.key not in labels:
            return False
        if e.operator == "DoesNotExist" and e.key in labels:
            return False
    return True


@dataclass
class Term:
    """framework.AffinityTerm; ns_selector None is labels.Nothing()."""

    namespaces: set[str]
    ns_selector: LabelSelector | None
    selector: LabelSelector | None
    topology_key: str
    weight: int = 0

    def matches(self, pod: Pod, ns_labels: Mapping[str, str] | None) -> bool:
        """AffinityTerm.Matches."""
        if _ns(pod) in self.namespaces or selector_matches(self.ns_selector, ns_labels or {}):
            return selector_matches(self.selector, pod.metadata.labels)
        return False


def new_term(pod: Pod, t: PodAffinityTerm, weight: int = 0) -> Term:
    """newAffinityTerm with getNamespacesFromPodAffinityTerm."""
    if not t.namespaces and t.namespace_selector is None:
        names = {_ns(pod)}
    else:
        names = set(t.namespaces)
    return Term(names, t.namespace_selector, t.label_selector, t.topology_key, weight)


def pod_info(pod: Pod) -> dict[str, list[Term]]:
    """NewPodInfo: the four groups of parsed terms."""
    out: dict[str, list[Term]] = {"req": [], "req_anti": [], "pref": [], "pref_anti": []}
    a = pod.spec.affinity
    if a is None:
        return out
    if a.pod_affinity is not None:
        out["req"] = [new_term(pod, t) for t in a.pod_affinity.required_during_scheduling_ignored_during_execution]
        out["pref"] = [new_term(pod, w.pod_affinity_term, w.weight)
                       for w in a.pod_affinity.preferred_during_scheduling_ignored_during_execution]
    if a.pod_anti_affinity is not None:
        out["req_anti"] = [new_term(pod, t) for t in a.pod_anti_affinity.required_during_scheduling_ignored_during_execution]
        out["pref_anti"] = [new_term(pod, w.pod_affinity_term, w.weight)
                            for w in a.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution]
    return out


def merge(t: Term, namespaces: list[Namespace]) -> Term:
    """mergeAffinityTermNamespacesIfNotEmpty."""
    sel = t.ns_selector
    if sel is not None and not sel.match_labels and not sel.match_expressions:
        return t
    names = set(t.namespaces)
    for n in namespaces:
        if selector_matches(sel, n.metadata.labels):
            names.add(n.metadata.name)
    return Term(names, None, t.selector, t.topology_key, t.weight)


def ns_labels_of(pod: Pod, namespaces: list[Namespace]) -> dict[str, str]:
    """GetNamespaceLabelsSnapshot (empty when the Namespace object is missing)."""
    for n in namespaces:
        if n.metadata.name == _ns(pod):
            return dict(n.metadata.labels)
    return {}


def _bound(nodes: list[Node], pods: list[Pod]) -> list[tuple[Node, list[Pod]]]:
    """NodeInfos: each node with the pods bound to it."""
    return [(n, [p for p in pods if p.spec.node_name == n.metadata.name]) for n in nodes]


def _has_affinity(p: Pod) -> bool:
    a = p.spec.affinity
    return a is not None and (a.pod_affinity is not None or a.pod_anti_affinity is not None)


def filter_nodes(pod: Pod, nodes: list[Node], pods: list[Pod], namespaces: list[Namespace]) -> str | dict[str, str | None]:
    """PreFilter then Filter on every node: Skip, or per node name the failure reason (None: fits)."""
    info = pod_info(pod)
    req = [merge(t, namespaces) for t in info["req"]]
    req_anti = [merge(t, namespaces) for t in info["req_anti"]]
    ns_labels = ns_labels_of(pod, namespaces)
    node_infos = _bound(nodes, pods)

    existing: dict[tuple[str, str], int] = {}
    for node, on_node in node_infos:
        for ep in on_node:
            for t in pod_info(ep)["req_anti"]:
                if t.matches(pod, ns_labels) and t.topology_key in node.metadata.labels:
                    pair = (t.topology_key, node.metadata.labels[t.topology_key])
                    existing[pair] = existing.get(pair, 0) + 1
    if not existing and not req and not req_anti:
        return SKIP

    affinity: dict[tuple[str, str], int] = {}
    anti: dict[tuple[str, str], int] = {}
    for node, on_node in node_infos:
        for ep in on_node:
            if req and all(t.matches(ep, None) for t in req):
                for t in req:
                    if t.topology_key in node.metadata.labels:
                        pair = (t.topology_key, node.metadata.labels[t.topology_key])
                        affinity[pair] = affinity.get(pair, 0) + 1
            for t in req_anti:
                if t.matches(ep, None) and t.topology_key in node.metadata.labels:
                    pair = (t.topology_key, node.metadata.labels[t.topology_key])
                    anti[pair] = anti.get(pair, 0) + 1

    out: dict[str, str | None] = {}
    for node, _ in node_infos:
        labels = node.metadata.labels
        # satisfyPodAffinity
        ok = True
        pods_exist = True
        for t in req:
            if t.topology_key in labels:
                if affinity.get((t.topology_key, labels[t.topology_key]), 0) <= 0:
                    pods_exist = False
            else:
                ok = False
                break
        if ok and not pods_exist:
            ok = not affinity and bool(req) and all(t.matches(pod, None) for t in req)
        if not ok:
            out[node.metadata.name] = AFFINITY
            continue
        # satisfyPodAntiAffinity
        if anti and any(t.topology_key in labels and anti.get((t.topology_key, labels[t.topology_key]), 0) > 0
                        for t in req_anti):
            out[node.metadata.name] = ANTI_AFFINITY
            continue
        # satisfyExistingPodsAntiAffinity
        if existing and any(existing.get((k, v), 0) > 0 for k, v in labels.items()):
            out[node.metadata.name] = EXISTING_ANTI_AFFINITY
            continue
        out[node.metadata.name] = None
    return out


def score_nodes(pod: Pod, nodes: list[Node], pods: list[Pod], namespaces: list[Namespace], feasible: list[str],
                hard_weight: int = 1, ignore_preferred: bool = False) -> str | dict[str, int]:
    """PreScore, Score on the ``feasible`` node names and NormalizeScore: Skip, or normalized scores."""
    if not feasible:
        return SKIP
    a = pod.spec.affinity
    has_constraints = a is not None and (
        (a.pod_affinity is not None and len(a.pod_affinity.preferred_during_scheduling_ignored_during_execution) > 0)
        or (a.pod_anti_affinity is not None
            and len(a.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution) > 0))
    if ignore_preferred and not has_constraints:
        return SKIP
    info = pod_info(pod)
    pref = [merge(t, namespaces) for t in info["pref"]]
    pref_anti = [merge(t, namespaces) for t in info["pref_anti"]]
    ns_labels = ns_labels_of(pod, namespaces)

    topology: dict[str, dict[str, int]] = {}

    def process_term(t: Term, weight: int, target: Pod, target_ns_labels: Mapping[str, str] | None, node: Node) -> None:
        if t.matches(target, target_ns_labels) and t.topology_key in node.metadata.labels:
            value = node.metadata.labels[t.topology_key]
            topology.setdefault(t.topology_key, {})
            topology[t.topology_key][value] = topology[t.topology_key].get(value, 0) + weight

    for node, on_node in _bound(nodes, pods):
        to_process = on_node if has_constraints else [p for p in on_node if _has_affinity(p)]
        for ep in to_process:
            if not node.metadata.labels:
                continue
            for t in pref:
                process_term(t, t.weight, ep, None, node)
            for t in pref_anti:
                process_term(t, -t.weight, ep, None, node)
            ei = pod_info(ep)
            if hard_weight > 0:
                for t in ei["req"]:
                    process_term(t, hard_weight, pod, ns_labels, node)
            for t in ei["pref"]:
                process_term(t, t.weight, pod, ns_labels, node)
            for t in ei["pref_anti"]:
                process_term(t, -t.weight, pod, ns_labels, node)
    if not topology:
        return SKIP

    by_name = {n.metadata.name: n for n in nodes}
    raw: dict[str, int] = {}
    for name in feasible:
        labels = by_name[name].metadata.labels
        raw[name] = sum(values.get(labels[k], 0) for k, values in topology.items() if k in labels)
    lo, hi = min(raw.values()), max(raw.values())
    out = {}
    for name, s in raw.items():
        f = 0.0
        if hi - lo > 0:
            f = float(100) * (float(s - lo) / float(hi - lo))
        out[name] = int(f)
    return out
