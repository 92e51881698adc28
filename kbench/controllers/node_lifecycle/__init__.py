"""The node lifecycle controller (kube-controller-manager's "nodelifecycle"): node health from heartbeats,
NoExecute tainting of not-ready nodes zone by zone, condition taints. See ``controller``."""

from kbench.controllers.node_lifecycle.controller import NodeLifecycleConfig, NodeLifecycleController

__all__ = ["NodeLifecycleConfig", "NodeLifecycleController"]
