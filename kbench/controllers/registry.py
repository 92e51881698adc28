"""Imports every controller module so that each registers itself with the manager."""
import kbench.controllers.daemonset  # noqa: F401
import kbench.controllers.deployment  # noqa: F401
import kbench.controllers.disruption  # noqa: F401
import kbench.controllers.garbage_collector  # noqa: F401
import kbench.controllers.job  # noqa: F401
import kbench.controllers.node_lifecycle  # noqa: F401
import kbench.controllers.podgc  # noqa: F401
import kbench.controllers.replicaset  # noqa: F401
import kbench.controllers.resource_quota  # noqa: F401
import kbench.controllers.statefulset  # noqa: F401
import kbench.controllers.taint_eviction  # noqa: F401
import kbench.controllers.ttl_after_finished  # noqa: F401
