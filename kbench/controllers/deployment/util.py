"""Helpers of the Deployment controller (pkg/controller/deployment/util/deployment_util.go and the
ReplicaSet sorts of pkg/controller/controller_utils.go): fenceposts, revisions, the replica
annotations, finding the new and old ReplicaSets, proportions for scaling, and counting.

Timestamps compare at whole seconds, as the API serializes metav1.Time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from kbench.api.objects import LabelSelector
from kbench.api.workloads import Deployment, DeploymentStatus, IntOrString, PodTemplateSpec, ReplicaSet

UNIQUE_LABEL_KEY = "pod-template-hash"
"""apps.DefaultDeploymentUniqueLabelKey."""
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
ANNOTATIONS_TO_SKIP = frozenset({LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
                                 DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION})
"""Deployment annotations not copied to its ReplicaSets (nor back by a rollback)."""
MAX_REV_HISTORY_CHARS = 2000
"""maxRevHistoryLengthInChars of sync.go."""
MAX_INT32 = 2 ** 31 - 1


def api_time(t: Any) -> float | None:
    """A metav1.Time as the API stores it: whole seconds; None for the zero time."""
    return None if t is None else float(math.floor(float(t)))


@dataclass
class DeploymentCopy:
    """The Deployment a sync works on: Go's deep copy, changed in place (status, annotations)
    and written with the resourceVersion it was read with."""

    d: Deployment

    def set_status(self, status: DeploymentStatus) -> None:
        self.d = self.d.model_copy(update={"status": status})

    def set_annotation(self, key: str, value: str) -> None:
        meta = self.d.metadata
        self.d = self.d.model_copy(update={"metadata": meta.model_copy(
            update={"annotations": {**meta.annotations, key: value}})})


# ---- fenceposts ---------------------------------------------------------------------------------


def scaled_value(value: IntOrString, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of ``total`` rounded up or down."""
    if isinstance(value, int):
        return value
    pct = int(value.rstrip("%"))
    return -(-pct * total // 100) if round_up else pct * total // 100


def resolve_fenceposts(max_surge: IntOrString, max_unavailable: IntOrString, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: surge rounds up, unavailable rounds down; both 0 makes unavailable 1."""
    surge = scaled_value(max_surge, desired, True)
    unavailable = scaled_value(max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling_update(d: Deployment) -> bool:
    return d.spec.strategy.type == "RollingUpdate"


def max_surge(d: Deployment) -> int:
    """MaxSurge: 0 unless a rolling update."""
    ru = d.spec.strategy.rolling_update
    if not is_rolling_update(d) or ru is None:
        return 0
    return resolve_fenceposts(ru.max_surge, ru.max_unavailable, d.spec.replicas)[0]


def max_unavailable(d: Deployment) -> int:
    """MaxUnavailable: 0 unless a rolling update of a non-empty Deployment; at most spec.replicas."""
    ru = d.spec.strategy.rolling_update
    if not is_rolling_update(d) or ru is None or d.spec.replicas == 0:
        return 0
    return min(resolve_fenceposts(ru.max_surge, ru.max_unavailable, d.spec.replicas)[1], d.spec.replicas)


# ---- ReplicaSet lists ---------------------------------------------------------------------------


def active(rss: Sequence[ReplicaSet | None]) -> list[ReplicaSet]:
    """FilterActiveReplicaSets: those with spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and rs.spec.replicas > 0]


def replica_count(rss: Sequence[ReplicaSet | None]) -> int:
    """GetReplicaCountForReplicaSets: the sum of spec.replicas."""
    return sum(rs.spec.replicas for rs in rss if rs is not None)


def actual_count(rss: Sequence[ReplicaSet | None]) -> int:
    """GetActualReplicaCountForReplicaSets: the sum of status.replicas."""
    return sum(rs.status.replicas for rs in rss if rs is not None)


def ready_count(rss: Sequence[ReplicaSet | None]) -> int:
    return sum(rs.status.ready_replicas for rs in rss if rs is not None)


def available_count(rss: Sequence[ReplicaSet | None]) -> int:
    return sum(rs.status.available_replicas for rs in rss if rs is not None)


def _created(rs: ReplicaSet) -> float:
    t = api_time(rs.metadata.creation_timestamp)
    return -math.inf if t is None else t


def _by_creation_less(a: ReplicaSet, b: ReplicaSet) -> bool:
    """ReplicaSetsByCreationTimestamp.Less: older first, then by name."""
    if _created(a) == _created(b):
        return a.metadata.name < b.metadata.name
    return _created(a) < _created(b)


def _sorted(rss: Sequence[ReplicaSet], less: Callable[[ReplicaSet, ReplicaSet], bool]) -> list[ReplicaSet]:
    def cmp(a: ReplicaSet, b: ReplicaSet) -> int:
        return -1 if less(a, b) else 1 if less(b, a) else 0
    return sorted(rss, key=cmp_to_key(cmp))


def by_creation(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsByCreationTimestamp (as a key: the same order as its Less, ties kept in place)."""
    return sorted(rss, key=lambda rs: (_created(rs), rs.metadata.name))


def by_size_newer(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsBySizeNewer: larger first; newer first among equals."""
    def less(a: ReplicaSet, b: ReplicaSet) -> bool:
        if a.spec.replicas == b.spec.replicas:
            return _by_creation_less(b, a)
        return a.spec.replicas > b.spec.replicas
    return _sorted(rss, less)


def by_size_older(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsBySizeOlder: larger first; older first among equals."""
    def less(a: ReplicaSet, b: ReplicaSet) -> bool:
        if a.spec.replicas == b.spec.replicas:
            return _by_creation_less(a, b)
        return a.spec.replicas > b.spec.replicas
    return _sorted(rss, less)


def by_revision(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsByRevision: lower revision first; by creation when equal or unparsable."""
    def less(a: ReplicaSet, b: ReplicaSet) -> bool:
        ra, rb = revision_or_none(a), revision_or_none(b)
        if ra is None or rb is None or ra == rb:
            return _by_creation_less(a, b)
        return ra < rb
    return _sorted(rss, less)


# ---- revisions and annotations ------------------------------------------------------------------


def revision_or_none(rs: Any) -> int | None:
    """Revision: the revision annotation (0 when absent); None when it is not an integer."""
    raw = rs.metadata.annotations.get(REVISION_ANNOTATION)
    if raw is None:
        return 0
    try:
        return int(raw, 10)
    except ValueError:
        return None


def max_revision(rss: Sequence[ReplicaSet]) -> int:
    """MaxRevision: the highest revision among the ReplicaSets (unparsable ones skipped)."""
    return max((r for r in (revision_or_none(rs) for rs in rss) if r is not None), default=0)


def _with_annotations(rs: ReplicaSet, annotations: dict[str, str]) -> ReplicaSet:
    return rs.model_copy(update={"metadata": rs.metadata.model_copy(update={"annotations": annotations})})


def set_replicas_annotations(rs: ReplicaSet, desired: int, maximum: int) -> tuple[ReplicaSet, bool]:
    """SetReplicasAnnotations: desired-replicas and max-replicas; whether anything changed."""
    ann = dict(rs.metadata.annotations)
    changed = ann.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or ann.get(MAX_REPLICAS_ANNOTATION) != str(maximum)
    if not changed:
        return rs, False
    ann[DESIRED_REPLICAS_ANNOTATION] = str(desired)
    ann[MAX_REPLICAS_ANNOTATION] = str(maximum)
    return _with_annotations(rs, ann), True


def replicas_annotations_need_update(rs: ReplicaSet, desired: int, maximum: int) -> bool:
    ann = rs.metadata.annotations
    return ann.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or ann.get(MAX_REPLICAS_ANNOTATION) != str(maximum)


def int_annotation(rs: ReplicaSet, key: str) -> int | None:
    """getIntFromAnnotation: the annotation as an int, None when absent or invalid."""
    raw = rs.metadata.annotations.get(key)
    try:
        return None if raw is None else int(raw, 10)
    except ValueError:
        return None


def set_new_replica_set_annotations(d: Deployment, rs: ReplicaSet, new_revision: str, exists: bool,
                                    limit: int = MAX_REV_HISTORY_CHARS) -> tuple[ReplicaSet, bool]:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision (keeping
    the old one in revision-history), and for a ReplicaSet about to be created set the replica
    annotations. Returns the ReplicaSet and whether its annotations changed."""
    ann = dict(rs.metadata.annotations)
    changed = False
    for k, v in d.metadata.annotations.items():
        if k in ANNOTATIONS_TO_SKIP or ann.get(k) == v:
            continue
        ann[k] = v
        changed = True
    old = ann.get(REVISION_ANNOTATION)
    try:
        old_int = int(old, 10) if old is not None else 0
    except ValueError:
        if old != "":
            return rs, False
        old_int = 0
    new_int = int(new_revision)
    if old_int < new_int:
        ann[REVISION_ANNOTATION] = new_revision
        changed = True
        if old is not None:
            history = ann.get(REVISION_HISTORY_ANNOTATION, "")
            if not history:
                ann[REVISION_HISTORY_ANNOTATION] = old
            else:
                parts = history.split(",")
                total, start = len(history) + len(old) + 1, 0
                while total > limit and start < len(parts):
                    total -= len(parts[start]) + 1
                    start += 1
                if total <= limit:
                    ann[REVISION_HISTORY_ANNOTATION] = ",".join(parts[start:] + [old])
    if ann != rs.metadata.annotations:
        rs = _with_annotations(rs, ann)
    if not exists:
        rs, set_ = set_replicas_annotations(rs, d.spec.replicas, d.spec.replicas + max_surge(d))
        changed = changed or set_
    return rs, changed


def set_deployment_revision(w: DeploymentCopy, revision: str) -> bool:
    """SetDeploymentRevision: whether the Deployment's revision annotation changed."""
    if w.d.metadata.annotations.get(REVISION_ANNOTATION) == revision:
        return False
    w.set_annotation(REVISION_ANNOTATION, revision)
    return True


# ---- new and old ReplicaSets --------------------------------------------------------------------


_WITHOUT_HASH: dict[int, tuple[PodTemplateSpec, PodTemplateSpec]] = {}
"""id(template) -> (template, template without the hash label): templates are immutable and
shared by every version of their ReplicaSet, so each is stripped once (the template is kept, so
its id cannot be reused while cached)."""
_WITHOUT_HASH_SIZE = 4096


def without_hash(template: PodTemplateSpec) -> PodTemplateSpec:
    """The template without its pod-template-hash label (the template itself when it has none)."""
    if UNIQUE_LABEL_KEY not in template.metadata.labels:
        return template
    hit = _WITHOUT_HASH.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    labels = {k: v for k, v in template.metadata.labels.items() if k != UNIQUE_LABEL_KEY}
    stripped = template.model_copy(update={"metadata": template.metadata.model_copy(update={"labels": labels})})
    if len(_WITHOUT_HASH) >= _WITHOUT_HASH_SIZE:
        _WITHOUT_HASH.clear()
    _WITHOUT_HASH[id(template)] = (template, stripped)
    return stripped


_EQUAL_IGNORE_HASH: dict[tuple[int, int], tuple[PodTemplateSpec, PodTemplateSpec, bool]] = {}
"""(id(t1), id(t2)) -> (t1, t2, EqualIgnoreHash): a sync compares the same immutable templates
several times (FindNewReplicaSet for every step), and so does every sync until one changes."""


def equal_ignore_hash(t1: PodTemplateSpec, t2: PodTemplateSpec) -> bool:
    """EqualIgnoreHash: templates equal but for the pod-template-hash label."""
    if t1 is t2:
        return True
    hit = _EQUAL_IGNORE_HASH.get((id(t1), id(t2)))
    if hit is not None and hit[0] is t1 and hit[1] is t2:
        return hit[2]
    equal = without_hash(t1) == without_hash(t2)
    if len(_EQUAL_IGNORE_HASH) >= _WITHOUT_HASH_SIZE:
        _EQUAL_IGNORE_HASH.clear()
    _EQUAL_IGNORE_HASH[(id(t1), id(t2))] = (t1, t2, equal)
    return equal


def find_new_replica_set(d: Deployment, rss: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's."""
    return next((rs for rs in by_creation(rss) if equal_ignore_hash(rs.spec.template, d.spec.template)), None)


def find_old_replica_sets(d: Deployment, rss: Sequence[ReplicaSet]) -> tuple[list[ReplicaSet], list[ReplicaSet]]:
    """FindOldReplicaSets: (the old ones with replicas, all old ones)."""
    new = find_new_replica_set(d, rss)
    old = [rs for rs in rss if new is None or rs.metadata.uid != new.metadata.uid]
    return [rs for rs in old if rs.spec.replicas != 0], old


def find_active_or_latest(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """FindActiveOrLatest: the only active ReplicaSet, or the latest when none is active; None
    when several are active."""
    if new_rs is None and not old_rss:
        return None
    newest_first = list(reversed(by_creation(old_rss)))
    live = active([*newest_first, new_rs])
    if not live:
        return new_rs if new_rs is not None else newest_first[0]
    return live[0] if len(live) == 1 else None


def clone_selector_and_add_label(sel: LabelSelector, key: str, value: str) -> LabelSelector:
    """CloneSelectorAndAddLabel."""
    return sel.model_copy(update={"match_labels": {**sel.match_labels, key: value}})


# ---- scaling ------------------------------------------------------------------------------------


def new_rs_new_replicas(d: Deployment, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet) -> int:
    """NewRSNewReplicas: how far the new ReplicaSet may grow now (rolling: within replicas + maxSurge)."""
    if not is_rolling_update(d):
        return d.spec.replicas
    ru = d.spec.strategy.rolling_update
    assert ru is not None
    surge = scaled_value(ru.max_surge, d.spec.replicas, True)
    current = replica_count(all_rss)
    max_total = d.spec.replicas + surge
    if current >= max_total:
        return new_rs.spec.replicas
    scale_up = min(max_total - current, d.spec.replicas - new_rs.spec.replicas)
    return new_rs.spec.replicas + scale_up


def is_saturated(d: Deployment, rs: ReplicaSet | None) -> bool:
    """IsSaturated: the ReplicaSet has (and is annotated for) all replicas, all available."""
    if rs is None:
        return False
    desired = int_annotation(rs, DESIRED_REPLICAS_ANNOTATION)
    if desired is None:
        return False
    return (rs.spec.replicas == d.spec.replicas and desired == d.spec.replicas
            and rs.status.available_replicas == d.spec.replicas)


def _round(x: float) -> int:
    """integer.RoundToInt32."""
    return int(x - 0.5) if x < 0 else int(x + 0.5)


def replica_set_fraction(rs: ReplicaSet, d: Deployment) -> int:
    """getReplicaSetFraction: the replicas ``rs`` gains (or loses) when the Deployment's
    replicas + maxSurge changes from the max-replicas annotation to its current value."""
    if d.spec.replicas == 0:
        return -rs.spec.replicas
    deployment_max = d.spec.replicas + max_surge(d)
    before = int_annotation(rs, MAX_REPLICAS_ANNOTATION)
    if not before:
        before = d.status.replicas
        if before == 0:
            return 0
    return _round(rs.spec.replicas * deployment_max / before) - rs.spec.replicas


def proportion(rs: ReplicaSet | None, d: Deployment, to_add: int, added: int) -> int:
    """GetProportion: ``rs``'s share of ``to_add``, bounded by what is left of it."""
    if rs is None or rs.spec.replicas == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# ---- progress -----------------------------------------------------------------------------------


def deployment_complete(d: Deployment, status: DeploymentStatus) -> bool:
    """DeploymentComplete: every replica updated and available, nothing old left, generation seen."""
    r = d.spec.replicas
    return (status.updated_replicas == r and status.replicas == r and status.available_replicas == r
            and status.observed_generation >= (d.metadata.generation or 0))


def deployment_progressing(d: Deployment, status: DeploymentStatus) -> bool:
    """DeploymentProgressing: more updated, ready or available replicas, or fewer old ones."""
    old = d.status
    return (status.updated_replicas > old.updated_replicas
            or status.replicas - status.updated_replicas < old.replicas - old.updated_replicas
            or status.ready_replicas > old.ready_replicas
            or status.available_replicas > old.available_replicas)


def has_progress_deadline(d: Deployment) -> bool:
    """HasProgressDeadline: progressDeadlineSeconds is not MaxInt32 (which means no deadline)."""
    return d.spec.progress_deadline_seconds != MAX_INT32


def has_revision_history_limit(d: Deployment) -> bool:
    """HasRevisionHistoryLimit: revisionHistoryLimit is not MaxInt32 (which means keep all)."""
    return d.spec.revision_history_limit != MAX_INT32


def empty_selector(sel: LabelSelector) -> bool:
    """The selector ``{}``, which selects every pod."""
    return not sel.match_labels and not sel.match_expressions
