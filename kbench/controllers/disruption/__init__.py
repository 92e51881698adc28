"""The disruption controller (pkg/controller/disruption): each PodDisruptionBudget's status --
expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed, disruptedPods, observedGeneration
and the DisruptionAllowed condition -- kept current from the pods its selector matches and the
scale of their controllers. One module per part:

* :mod:`.controller`: handlers, the sync, failSafe and the stale DisruptionTarget cleanup;
* :mod:`.scale`: expected pods and desired healthy pods (getExpectedPodCount, the finders);
* :mod:`.status`: health, the disruptedPods map, the counts and the condition;
* :mod:`.views`: :func:`pdb_views`, the PDBs as DefaultPreemption reads them.

Modelled as in kube: minAvailable as an int (expected = the selected pods) or a percentage, and
maxUnavailable as either (expected = the summed ``spec.replicas`` of the pods' controllers, each
counted once; percentages round up); pods without a controller are unmanaged (an UnmanagedPods
warning, they add nothing to the scale); a controller no finder knows fails the sync, which sets
disruptionsAllowed to 0 (failSafe); ``disruptionsAllowed = max(currentHealthy - desiredHealthy, 0)``,
0 when no pod is expected; a healthy pod is Ready and not being deleted, nor disrupted less than
DeletionTimeout (2 min) ago; entries of disruptedPods are dropped when their pod is being deleted,
gone or 2 minutes old, and the PDB is synced again when the oldest pending entry expires.

Not modelled: the scale subresource of custom resources (kbench stores no custom kinds: a pod
controlled by an unknown kind fails the sync, as a kind without a REST mapping does in kube); the
unhealthyPodEvictionPolicy, which only the eviction API reads; the controller's worker count and
the work queue's overall 10 qps limit (as for the other controllers). Times are simulated seconds,
not truncated to whole seconds as metav1.Time serializes them (the DisruptionAllowed condition's
lastTransitionTime is).
"""

from kbench.controllers.disruption.controller import DisruptionController
from kbench.controllers.disruption.views import pdb_views

__all__ = ["DisruptionController", "pdb_views"]
