"""``kubectl rollout undo``: the template of the chosen revision goes back into the Deployment and
the controller gives that revision's ReplicaSet the next revision number (kubectl's
DeploymentRollbacker and the controller's getNewReplicaSet)."""

from __future__ import annotations

import pytest

from kbench.controllers.deployment import rollback
from kbench.controllers.deployment.util import REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION
from kbench.errors import APIError
from tests.controllers.apps_world import deployment, live, replica_sets, set_image, start, update_spec, world


def _revisions(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """ReplicaSet revision -> the image of its template."""
    return {rs.metadata.annotations[REVISION_ANNOTATION]: rs.spec.template.spec.containers[0].image
            for rs in replica_sets(api)}


def _two_revisions():  # type: ignore[no-untyped-def]
    w = world()
    start(w)
    w.api.create(deployment(replicas=3, image="app:1"))
    w.eng.at(100, set_image, w.api, "web", "app:2")
    w.eng.run(until=200)
    assert _revisions(w.api) == {"1": "app:1", "2": "app:2"}
    return w


def test_undo_restores_the_previous_template_as_the_next_revision() -> None:
    w = _two_revisions()
    w.eng.at(200, lambda: w.api.submit(rollback, w.api, "default", "web"))
    w.eng.run(until=300)
    # no third ReplicaSet: revision 1's comes back as revision 3 and remembers it was 1
    assert _revisions(w.api) == {"2": "app:2", "3": "app:1"}
    back = next(rs for rs in replica_sets(w.api) if rs.metadata.annotations[REVISION_ANNOTATION] == "3")
    assert back.metadata.annotations[REVISION_HISTORY_ANNOTATION] == "1" and back.spec.replicas == 3
    d = w.api.get("Deployment", "default", "web")
    assert d.metadata.annotations[REVISION_ANNOTATION] == "3"  # type: ignore[attr-defined]
    assert "pod-template-hash" not in d.spec.template.metadata.labels  # type: ignore[attr-defined]
    assert len(live(w.api)) == 3 and all(p.spec.containers[0].image == "app:1" for p in live(w.api))
    assert [r["revision"] for r in w.dc.rollouts] == [1, 2, 3]  # type: ignore[union-attr]
    # undo again: the previous revision is now 2
    w.eng.at(300, lambda: w.api.submit(rollback, w.api, "default", "web"))
    w.eng.run(until=400)
    assert _revisions(w.api) == {"3": "app:1", "4": "app:2"}


def test_undo_to_a_given_revision_and_its_errors() -> None:
    w = _two_revisions()
    unchanged = w.api.get("Deployment", "default", "web")
    # already the template of revision 2: skipped, nothing written
    assert rollback(w.api, "default", "web", 2) is unchanged
    with pytest.raises(APIError, match="unable to find specified revision 7 in history"):
        rollback(w.api, "default", "web", 7)
    update_spec(w.api, "Deployment", "web", paused=True)
    with pytest.raises(APIError, match="you cannot rollback a paused deployment"):
        rollback(w.api, "default", "web", 1)
    update_spec(w.api, "Deployment", "web", paused=False)
    d = rollback(w.api, "default", "web", 1)
    assert d.spec.template.spec.containers[0].image == "app:1"


def test_undo_without_history() -> None:
    w = world()
    start(w)
    w.api.create(deployment(replicas=1))
    w.eng.run(until=5)
    with pytest.raises(APIError, match='no rollout history found for deployment "web"'):
        rollback(w.api, "default", "web")
