"""Naive twins of the core plugins: plain Python over API objects, sharing no code with the kernels.

Each function follows the Go source line by line (the Go function is named), so a disagreement
with a kernel on a random cluster points at one of the two.
"""

from __future__ import annotations

import math
from fractions import Fraction

from kbench.api.objects import Node, Pod, Taint, Toleration

DEFAULTS = {"cpu": Fraction(1, 10), "memory": Fraction(200 * 1024 * 1024)}


def _requests(pod: Pod, defaults: bool) -> dict[str, Fraction]:
    """resource.PodRequests, written out: containers summed, init containers maxed, overhead added."""
    def creq(c, use_defaults):
        r = {k: q.amount for k, q in c.resources.requests.items()}
        for k, q in c.resources.limits.items():
            r.setdefault(k, q.amount)
        if use_defaults:
            for k, v in DEFAULTS.items():
                if k not in r:
                    r[k] = v
        return r

    total: dict[str, Fraction] = {}
    for c in pod.spec.containers:
        for k, v in creq(c, defaults).items():
            total[k] = total.get(k, 0) + v
    side: dict[str, Fraction] = {}
    init: dict[str, Fraction] = {}
    for c in pod.spec.init_containers:
        r = creq(c, defaults)
        if c.restart_policy == "Always":
            for k, v in r.items():
                total[k] = total.get(k, 0) + v
                side[k] = side.get(k, 0) + v
            cur = dict(side)
        else:
            cur = dict(r)
            for k, v in side.items():
                cur[k] = cur.get(k, 0) + v
        for k, v in cur.items():
            init[k] = max(init.get(k, v), v)
    for k, v in init.items():
        total[k] = max(total.get(k, v), v)
    for k, q in pod.spec.overhead.items():
        total[k] = total.get(k, 0) + q.amount
    return total


def _int(name: str, v: Fraction) -> int:
    return math.ceil(v * 1000) if name == "cpu" else math.ceil(v)


def _alloc(node: Node, name: str) -> int:
    src = node.status.allocatable or node.status.capacity
    return _int(name, src[name].amount) if name in src else 0


def _used(pods: list[Pod], name: str, defaults: bool) -> int:
    return sum(_int(name, _requests(p, defaults).get(name, Fraction(0))) for p in pods)


def fit_filter(pod: Pod, node: Node, pods: list[Pod]) -> list[str]:
    """fitsRequest (noderesources/fit.go)."""
    reasons = []
    if len(pods) + 1 > _alloc(node, "pods"):
        reasons.append("Too many pods")
    req = {k: _int(k, v) for k, v in _requests(pod, False).items()}
    for name in ["cpu", "memory", "ephemeral-storage"] + sorted(k for k in req if "/" in k):
        want = req.get(name, 0)
        if want > 0 and want > _alloc(node, name) - _used(pods, name, False):
            reasons.append(f"Insufficient {name}")
    return reasons


def resource_score(pod: Pod, node: Node, pods: list[Pod], strategy: str, resources: list[tuple[str, int]]) -> int:
    """leastResourceScorer / mostResourceScorer / balancedResourceScorer over resourceAllocationScorer."""
    use_defaults = strategy != "balanced"
    req = {k: _int(k, v) for k, v in _requests(pod, use_defaults).items()}
    pairs = []
    for name, weight in resources:
        pr = req.get(name, 0)
        if pr == 0 and "/" in name:
            continue
        cap = _alloc(node, name)
        if cap == 0:
            continue
        defaults_for_node = use_defaults and name in ("cpu", "memory")
        pairs.append((_used(pods, name, defaults_for_node) + pr, cap, weight))
    if strategy == "balanced":
        fr = [min(r / c, 1.0) for r, c, _ in pairs]
        if len(fr) == 2:
            std = abs((fr[0] - fr[1]) / 2)
        elif len(fr) > 2:
            mean = sum(fr) / len(fr)
            std = math.sqrt(sum((f - mean) ** 2 for f in fr) / len(fr))
        else:
            std = 0.0
        return int((1 - std) * 100)
    score = wsum = 0
    for r, c, w in pairs:
        if strategy == "least":
            s = 0 if r > c else (c - r) * 100 // c
        else:
            s = min(r, c) * 100 // c
        score += s * w
        wsum += w
    return score // wsum if wsum else 0


def tolerates(t: Toleration, taint: Taint) -> bool:
    if t.effect and t.effect != taint.effect:
        return False
    if t.key and t.key != taint.key:
        return False
    return t.value == taint.value if t.operator in ("", "Equal") else t.operator == "Exists"


def taint_filter(pod: Pod, node: Node) -> list[str]:
    """TaintToleration.Filter: the first NoSchedule/NoExecute taint no toleration tolerates."""
    for taint in node.spec.taints:
        if taint.effect in ("NoSchedule", "NoExecute") and not any(tolerates(t, taint) for t in pod.spec.tolerations):
            return [f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"]
    return []


def taint_count(pod: Pod, node: Node) -> int:
    """countIntolerableTaintsPreferNoSchedule."""
    tols = [t for t in pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
    return sum(1 for taint in node.spec.taints
               if taint.effect == "PreferNoSchedule" and not any(tolerates(t, taint) for t in tols))


def _req_ok(r, labels: dict[str, str]) -> bool:
    has = r.key in labels
    if r.operator == "In":
        return has and labels[r.key] in r.values
    if r.operator == "NotIn":
        return not has or labels[r.key] not in r.values
    if r.operator == "Exists":
        return has
    if r.operator == "DoesNotExist":
        return not has
    if not has:
        return False
    try:
        a, b = int(labels[r.key]), int(r.values[0])
    except ValueError:
        return False
    return a > b if r.operator == "Gt" else a < b


def _term_ok(term, node: Node) -> bool:
    if not term.match_expressions and not term.match_fields:
        return False
    fields = {"metadata.name": node.name}
    return all(_req_ok(r, node.metadata.labels) for r in term.match_expressions) and all(
        _req_ok(r, fields) for r in term.match_fields)


def node_affinity_filter(pod: Pod, node: Node) -> list[str]:
    """RequiredNodeAffinity.Match: nodeSelector AND any required term."""
    labels = node.metadata.labels
    ok = all(labels.get(k) == v for k, v in pod.spec.node_selector.items())
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    req = na.required_during_scheduling_ignored_during_execution if na else None
    if ok and req is not None:
        ok = any(_term_ok(t, node) for t in req.node_selector_terms)
    return [] if ok else ["node(s) didn't match Pod's node affinity/selector"]


def node_affinity_raw(pod: Pod, node: Node) -> int:
    """PreferredSchedulingTerms.Score: sum of weights of matching preferred terms."""
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    terms = na.preferred_during_scheduling_ignored_during_execution if na else []
    return sum(t.weight for t in terms if t.weight and _term_ok(t.preference, node))


def image_locality(pod: Pod, node: Node, nodes: list[Node]) -> int:
    """ImageLocality.Score with sumImageScores and calculatePriority."""
    def norm(name: str) -> str:
        return name if name.rfind(":") > name.rfind("/") else name + ":latest"

    def names(n: Node) -> dict[str, int]:
        return {nm: img.size_bytes for img in n.status.images for nm in img.names}

    first_size: dict[str, int] = {}
    counts: dict[str, int] = {}
    for n in nodes:
        for nm, size in names(n).items():
            first_size.setdefault(nm, size)
            counts[nm] = counts.get(nm, 0) + 1
    mine = names(node)
    total = 0
    for c in list(pod.spec.init_containers) + list(pod.spec.containers):
        nm = norm(c.image)
        if nm in mine:
            total += int(first_size[nm] * (counts[nm] / len(nodes)))
    mb = 1024 * 1024
    hi = 1000 * mb * (len(pod.spec.containers) + len(pod.spec.init_containers))
    total = min(max(total, 23 * mb), hi)
    return 100 * (total - 23 * mb) // (hi - 23 * mb)


def normalize(raw: list[int], reverse: bool) -> list[int]:
    """DefaultNormalizeScore(100, reverse)."""
    m = max(raw, default=0)
    if m == 0:
        return [100 if reverse else 0 for _ in raw]
    out = [100 * s // m for s in raw]
    return [100 - s for s in out] if reverse else out


