"""``kubectl rollout undo deployment/NAME [--to-revision=N]`` (kubectl's
polymorphichelpers/rollback.go, DeploymentRollbacker): copy the pod template of the ReplicaSet
of that revision (0: the one before the latest) into the Deployment, with that ReplicaSet's
annotations. The controller then finds that ReplicaSet as the new one and gives it the next
revision number.

In apps/v1 the Deployment has no spec.rollbackTo; the controller's own rollback (rollback.go,
driven by the deprecated ``deprecated.deployment.rollback.to`` annotation of extensions/v1beta1
clients) is not modelled.

Simplified: kubectl's GET, ReplicaSet LIST and PATCH are three requests; here they are one
function that runs when its write commits (send it with ``api.submit``).
"""

from __future__ import annotations

from kbench.api.selectors import label_selector
from kbench.api.workloads import Deployment, ReplicaSet
from kbench.controllers.base import controller_of
from kbench.controllers.deployment.util import (
    ANNOTATIONS_TO_SKIP,
    equal_ignore_hash,
    find_new_replica_set,
    find_old_replica_sets,
    revision_or_none,
    without_hash,
)
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer


def owned_replica_sets(api: APIServer, d: Deployment) -> list[ReplicaSet]:
    """deploymentutil.ListReplicaSets: the namespace's ReplicaSets the selector matches and ``d`` controls."""
    sel = label_selector(d.spec.selector)
    out = []
    for rs in api.list("ReplicaSet", d.namespace)[0]:
        ref = controller_of(rs)
        if isinstance(rs, ReplicaSet) and sel.matches(rs.metadata.labels) and ref is not None \
                and ref.uid == d.metadata.uid:
            out.append(rs)
    return out


def revision_replica_set(api: APIServer, d: Deployment, to_revision: int) -> ReplicaSet:
    """deploymentRevision: the ReplicaSet of ``to_revision``, or for 0 the second newest revision."""
    rss = owned_replica_sets(api, d)
    _, old = find_old_replica_sets(d, rss)
    new = find_new_replica_set(d, rss)
    latest: tuple[int, ReplicaSet | None] = (-1, None)
    previous: tuple[int, ReplicaSet | None] = (-1, None)
    for rs in [*old, *([new] if new is not None else [])]:
        v = revision_or_none(rs)
        if v is None:
            continue
        if to_revision == 0:
            if latest[0] < v:
                previous, latest = latest, (v, rs)
            elif previous[0] < v:
                previous = (v, rs)
        elif to_revision == v:
            return rs
    if to_revision > 0:
        raise APIError("NotFound", f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise APIError("NotFound", f'no rollout history found for deployment "{d.metadata.name}"')
    return previous[1]


def rollback(api: APIServer, namespace: str, name: str, revision: int = 0) -> Deployment:
    """Roll Deployment ``namespace/name`` back to ``revision`` (0: the previous one); returns the
    Deployment as written (unchanged when its template already is that revision's)."""
    if revision < 0:
        raise APIError("NotFound", f"unable to find specified revision {revision} in history")
    d = api.get("Deployment", namespace, name)
    assert isinstance(d, Deployment)
    rs = revision_replica_set(api, d, revision)
    if d.spec.paused:
        raise APIError("BadRequest", "you cannot rollback a paused deployment; resume it first with "
                                     "'kubectl rollout resume' and try again")
    if equal_ignore_hash(rs.spec.template, d.spec.template):
        return d
    annotations = {k: v for k, v in d.metadata.annotations.items() if k in ANNOTATIONS_TO_SKIP}
    annotations.update({k: v for k, v in rs.metadata.annotations.items() if k not in ANNOTATIONS_TO_SKIP})
    spec = d.spec.model_copy(update={"template": without_hash(rs.spec.template)})
    meta = d.metadata.model_copy(update={"annotations": annotations, "resource_version": None})
    return api.update(d.model_copy(update={"spec": spec, "metadata": meta}))  # type: ignore[return-value]
