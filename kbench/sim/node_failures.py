"""Failure injection: nodes whose kubelet stops (and comes back), whole zones going down, nodes added
to and removed from the cluster, at given simulated times.

- ``stop_node(name, at, until=None)``: from ``at`` the node's kubelet does nothing (no heartbeats,
  no pod starts, no status writes; its containers keep running, see :mod:`kbench.sim.kubelet`);
  at ``until`` it restarts. The control plane notices through the missing lease renewals: the
  node lifecycle controller marks it Unknown and taints it, the taint eviction controller deletes
  its pods (which stay Terminating while the kubelet is away).
- ``stop_zone(zone, at, until=None)``: ``stop_node`` for every node whose
  ``topology.kubernetes.io/zone`` (else ``failure-domain.beta.kubernetes.io/zone``) label is
  ``zone`` at ``at``.
- ``add_node(node, at)``: the Node is created at ``at``; its kubelet starts when it sees it.
- ``remove_node(name, at)``: the kubelet stops for good and the Node object is deleted at ``at``;
  the pod GC force-deletes the pods bound there after its 40 s quarantine.

Overlapping stops of a node nest: it restarts when the last one ends. Failure injection needs the
kubelets' heartbeats (``Kubelets(heartbeats=True)``): without them nothing would notice a stop.
``history`` lists what was done when (rows ``time``, ``action``, ``node``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kbench.api.conditions import node_ready_status
from kbench.api.coordination import NODE_LEASE_NAMESPACE
from kbench.api.objects import Node
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer
from kbench.sim.kubelet import Kubelets

ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")


def node_zone(node: Node) -> str:
    """The node's zone label (GA first, then beta), "" if it has none."""
    labels = node.metadata.labels
    return next((labels[k] for k in ZONE_LABELS if k in labels), "")


class NodeFailures:
    """Schedules node and zone failures on the engine and performs them on the kubelets and the API."""

    def __init__(self, api: APIServer, kubelets: Kubelets) -> None:
        if not kubelets.heartbeats:
            raise ValueError("failure injection needs Kubelets(heartbeats=True): without heartbeats the control "
                             "plane cannot notice a node going down")
        self.api = api
        self.engine = api.engine
        self.kubelets = kubelets
        self.history: list[dict[str, Any]] = []
        self._pending = 0
        """Injections scheduled and not yet performed."""
        self._stops: dict[str, int] = {}
        """node -> stops in force."""

    # ---- scheduling ----------------------------------------------------------------------------

    def stop_node(self, name: str, at: float, until: float | None = None) -> None:
        """Stop the node's kubelet at ``at``, restart it at ``until`` (never if None)."""
        self._check(at, until)
        self._later(at, self._stop, [name], until)

    def stop_zone(self, zone: str, at: float, until: float | None = None) -> None:
        """Stop the kubelets of the zone's nodes (as of ``at``) at ``at``, restart them at ``until``."""
        self._check(at, until)
        self._later(at, self._stop_zone, zone, until)

    def add_node(self, node: Node, at: float) -> None:
        """Create the Node at ``at``."""
        self._check(at, None)
        self._later(at, self._add, node)

    def remove_node(self, name: str, at: float) -> None:
        """Stop the node's kubelet for good and delete its Node at ``at``."""
        self._check(at, None)
        self._later(at, self._remove, name)

    def action_handlers(self) -> dict[str, Callable[[Any], None]]:
        """Handlers of the policy actions ``stop_node`` and ``stop_zone`` (:mod:`kbench.sim.actions`),
        which call them at the action's time."""
        return {"stop_node": lambda a: self.stop_node(a.node, self.engine.now, a.until),
                "stop_zone": lambda a: self.stop_zone(a.zone, self.engine.now, a.until)}

    @property
    def idle(self) -> bool:
        """Nothing left to inject, and every stopped node's stop noticed by the control plane (its Ready
        condition no longer True), so a run does not end before the consequences show."""
        return self._pending == 0 and all(self._noticed(n) for n, count in self._stops.items() if count > 0)

    def _check(self, at: float, until: float | None) -> None:
        if at < self.engine.now:
            raise ValueError(f"cannot inject a failure at {at}: the clock is at {self.engine.now}")
        if until is not None and until <= at:
            raise ValueError(f"until ({until}) must be after at ({at})")

    def _later(self, at: float, fn: Callable[..., None], *args: Any) -> None:
        self._pending += 1
        self.engine.at(at, self._perform, fn, args)

    def _perform(self, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        self._pending -= 1
        fn(*args)

    def _noticed(self, name: str) -> bool:
        try:
            node = self.api.get("Node", None, name)
            self.api.get("Lease", NODE_LEASE_NAMESPACE, name)
        except APIError:
            return True
        return isinstance(node, Node) and node_ready_status(node) != "True"

    def _log(self, action: str, node: str) -> None:
        self.history.append({"time": self.engine.now, "action": action, "node": node})

    # ---- performing ----------------------------------------------------------------------------

    def _stop(self, names: list[str], until: float | None) -> None:
        for name in names:
            self._stops[name] = self._stops.get(name, 0) + 1
            if self._stops[name] == 1:
                self.kubelets.stop(name)
                self._log("stop", name)
        if until is not None:
            self._later(until, self._restart, names)

    def _restart(self, names: list[str]) -> None:
        for name in names:
            if name not in self._stops:  # removed meanwhile
                continue
            self._stops[name] -= 1
            if self._stops[name] == 0:
                del self._stops[name]
                self.kubelets.restart(name)
                self._log("restart", name)

    def _stop_zone(self, zone: str, until: float | None) -> None:
        nodes = [n for n in self.api.list("Node")[0] if isinstance(n, Node) and node_zone(n) == zone]
        self._stop([n.name for n in nodes], until)

    def _add(self, node: Node) -> None:
        self._log("add", node.name)
        self.api.submit(self.api.create, node)

    def _remove(self, name: str) -> None:
        self._stops.pop(name, None)
        self.kubelets.stop(name)
        self._log("remove", name)
        self.api.submit(self.api.delete, "Node", None, name)
