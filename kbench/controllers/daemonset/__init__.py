"""The DaemonSet controller (pkg/controller/daemon): one pod per eligible node, placed by the
default scheduler, rolled out node by node. One module per part of Kubernetes' controller:

* :mod:`.controller`: handlers and syncDaemonSet (daemon_controller.go);
* :mod:`.update`: the rolling update (update.go);
* :mod:`.pods`: building, creating and deleting daemon pods;
* :mod:`.util`: which nodes should run a pod, tolerations, node affinity (util/daemonset_util.go);
* :mod:`.backoff`: the failed-pod backoff (client-go flowcontrol.Backoff).
"""

from kbench.controllers.daemonset.controller import DaemonSetController

__all__ = ["DaemonSetController"]
