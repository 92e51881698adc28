"""The StatefulSet controller (pkg/controller/statefulset): pods with stable names ``<set>-<i>``,
created, deleted and updated in ordinal order. One module per part of Kubernetes' controller:

* :mod:`.controller`: handlers, the sync and the status write (stateful_set.go);
* :mod:`.control`: scaling and rolling updates (stateful_set_control.go);
* :mod:`.pods`: pod identity, state and control (stateful_set_utils.go, stateful_pod_control.go);
* :mod:`.revisions`: revisions and their history (pkg/controller/history).
"""

from kbench.controllers.statefulset.controller import StatefulSetController

__all__ = ["StatefulSetController"]
