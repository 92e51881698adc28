"""The Deployment controller (pkg/controller/deployment): rolls a Deployment's pod template out
through ReplicaSets, one module per part of Kubernetes' controller.

* :mod:`.controller`: handlers, syncDeployment, and the ``rollouts`` records for metrics;
* :mod:`.sync`: the new ReplicaSet and revisions, proportional scaling, history cleanup, status;
* :mod:`.rolling` and :mod:`.recreate`: the two strategies;
* :mod:`.progress`: the Progressing condition and the progress deadline;
* :mod:`.rollback`: ``kubectl rollout undo``;
* :mod:`.util`, :mod:`.conditions`, :mod:`.hashing`: deployment_util.go and ComputeHash.
"""

from kbench.controllers.deployment.controller import DeploymentController
from kbench.controllers.deployment.rollback import rollback

__all__ = ["DeploymentController", "rollback"]
