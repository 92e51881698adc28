"""What the DaemonSet controller decides per node and per pod (pkg/controller/daemon/util/
daemonset_util.go and NodeShouldRunDaemonPod/predicates of daemon_controller.go).

* the daemon tolerations every DaemonSet pod gets (AddOrUpdateDaemonPodTolerations);
* whether a node should run a daemon pod, and whether a running one may stay (NodeShouldRunDaemonPod:
  the template's nodeName, nodeSelector and required node affinity must match the node; an
  untolerated NoSchedule or NoExecute taint stops new pods, and only an untolerated NoExecute taint
  evicts a running one);
* the required node affinity ``matchFields: metadata.name In [node]`` that makes the default
  scheduler place a daemon pod on its node (ReplaceDaemonSetPodNodeNameNodeAffinity), and reading
  the node back from a pod (GetTargetNodeName);
* the update strategy's surge and unavailability budgets (SurgeCount, UnavailableCount);
* whether a pod is of the current template (IsPodUpdated: the ``controller-revision-hash`` label,
  or the deprecated ``pod-template-generation`` label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kbench.api.objects import (
    Affinity,
    Node,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Pod,
    PodSpec,
    Taint,
    Toleration,
)
from kbench.api.selectors import NodeTerm, node_terms, tolerated
from kbench.api.taints import (
    TAINT_NODE_DISK_PRESSURE,
    TAINT_NODE_MEMORY_PRESSURE,
    TAINT_NODE_NETWORK_UNAVAILABLE,
    TAINT_NODE_NOT_READY,
    TAINT_NODE_PID_PRESSURE,
    TAINT_NODE_UNREACHABLE,
    TAINT_NODE_UNSCHEDULABLE,
)
from kbench.api.workloads import DaemonSet
from kbench.controllers.deployment.util import scaled_value

CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash"
"""apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey)."""
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
"""extensions.DaemonSetTemplateGenerationKey."""
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
"""apps.DeprecatedTemplateGeneration: the DaemonSet's templateGeneration, which the API server keeps."""
NODE_NAME_FIELD = "metadata.name"


def _exists(key: str, effect: Literal["NoSchedule", "NoExecute"]) -> Toleration:
    return Toleration(key=key, operator="Exists", effect=effect)


DAEMON_TOLERATIONS = (
    _exists(TAINT_NODE_NOT_READY, "NoExecute"),
    _exists(TAINT_NODE_UNREACHABLE, "NoExecute"),
    _exists(TAINT_NODE_DISK_PRESSURE, "NoSchedule"),
    _exists(TAINT_NODE_MEMORY_PRESSURE, "NoSchedule"),
    _exists(TAINT_NODE_PID_PRESSURE, "NoSchedule"),
    _exists(TAINT_NODE_UNSCHEDULABLE, "NoSchedule"),
)
"""The tolerations AddOrUpdateDaemonPodTolerations gives every daemon pod, in its order (the two
NoExecute ones without tolerationSeconds: daemon pods survive node failures)."""
HOST_NETWORK_TOLERATION = _exists(TAINT_NODE_NETWORK_UNAVAILABLE, "NoSchedule")


def _match_toleration(a: Toleration, b: Toleration) -> bool:
    """Toleration.MatchToleration: same key, operator, value and effect."""
    return a.key == b.key and a.operator == b.operator and a.value == b.value and a.effect == b.effect


def add_or_update_toleration(tolerations: list[Toleration], tol: Toleration) -> list[Toleration]:
    """v1helper.AddOrUpdateTolerationInPodSpec: replace the matching toleration (unless equal), else append."""
    out: list[Toleration] = []
    updated = False
    for t in tolerations:
        if _match_toleration(tol, t):
            if t == tol:
                return tolerations
            out.append(tol)
            updated = True
        else:
            out.append(t)
    if not updated:
        out.append(tol)
    return out


def daemon_pod_tolerations(spec: PodSpec) -> list[Toleration]:
    """AddOrUpdateDaemonPodTolerations: the template's tolerations with the daemon ones."""
    tolerations = list(spec.tolerations)
    extra = DAEMON_TOLERATIONS + ((HOST_NETWORK_TOLERATION,) if spec.host_network else ())
    for tol in extra:
        tolerations = add_or_update_toleration(tolerations, tol)
    return tolerations


def node_name_affinity(affinity: Affinity | None, node: str) -> Affinity:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the one term
    ``matchFields: metadata.name In [node]`` (the template's required terms are dropped; the
    controller checked them against the node); preferred terms and pod (anti-)affinity stay."""
    term = NodeSelectorTerm(match_fields=[NodeSelectorRequirement(key=NODE_NAME_FIELD, operator="In", values=[node])])
    required = NodeSelector(node_selector_terms=[term])
    if affinity is None:
        return Affinity(node_affinity=NodeAffinity(required_during_scheduling_ignored_during_execution=required))
    na = affinity.node_affinity or NodeAffinity()
    na = na.model_copy(update={"required_during_scheduling_ignored_during_execution": required})
    return affinity.model_copy(update={"node_affinity": na})


def target_node_name(pod: Pod) -> str | None:
    """util.GetTargetNodeName: spec.nodeName, else the node of a ``metadata.name In [one]``
    requirement of the required node affinity; None where Go returns an error."""
    if pod.spec.node_name:
        return pod.spec.node_name
    na = pod.spec.affinity.node_affinity if pod.spec.affinity else None
    required = na.required_during_scheduling_ignored_during_execution if na else None
    if required is None:
        return None
    for term in required.node_selector_terms:
        for r in term.match_fields:
            if r.key == NODE_NAME_FIELD and r.operator == "In":
                return r.values[0] if len(r.values) == 1 else None
    return None


@dataclass(frozen=True)
class DaemonPodFit:
    """A DaemonSet's template compiled once per sync for NodeShouldRunDaemonPod over many nodes."""

    node_name: str
    node_selector: tuple[tuple[str, str], ...]
    required: tuple[NodeTerm, ...] | None
    tolerations: tuple[Toleration, ...]

    @classmethod
    def of(cls, ds: DaemonSet) -> DaemonPodFit:
        spec = ds.spec.template.spec
        na = spec.affinity.node_affinity if spec.affinity else None
        req = na.required_during_scheduling_ignored_during_execution if na else None
        return cls(spec.node_name, tuple(spec.node_selector.items()),
                   node_terms(req.node_selector_terms) if req is not None else None,
                   tuple(daemon_pod_tolerations(spec)))

    def _affinity_matches(self, node: Node) -> bool:
        """nodeaffinity.GetRequiredNodeAffinity(pod).Match, parse errors ignored (a term that does
        not parse never matches; no term left matches nothing)."""
        labels = node.metadata.labels
        if any(labels.get(k) != v for k, v in self.node_selector):
            return False
        return self.required is None or any(t.matches(labels, node.name) for t in self.required)

    def _untolerated(self, taints: Sequence[Taint], effects: tuple[str, ...]) -> bool:
        return any(t.effect in effects and not tolerated(self.tolerations, t) for t in taints)

    def should_run(self, node: Node) -> tuple[bool, bool]:
        """NodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning)."""
        if self.node_name and self.node_name != node.name:
            return False, False
        if not self._affinity_matches(node):
            return False, False
        taints = node.spec.taints
        if self._untolerated(taints, ("NoSchedule", "NoExecute")):
            return False, not self._untolerated(taints, ("NoExecute",))
        return True, True


def template_generation(ds: DaemonSet) -> int | None:
    """util.GetTemplateGeneration: the deprecated annotation as an int; None when absent or invalid."""
    raw = ds.metadata.annotations.get(TEMPLATE_GENERATION_ANNOTATION)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def is_pod_updated(pod: Pod, hash_: str, generation: int | None) -> bool:
    """util.IsPodUpdated: the pod carries the current hash, or the current template generation."""
    labels = pod.metadata.labels
    template_matches = generation is not None and labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)
    return (bool(hash_) and labels.get(CONTROLLER_REVISION_HASH_LABEL) == hash_) or template_matches


def surge_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """util.SurgeCount: maxSurge of ``number_to_schedule``, rounded up; 0 unless RollingUpdate."""
    strategy = ds.spec.update_strategy
    if strategy.type != "RollingUpdate" or strategy.rolling_update is None:
        return 0
    return scaled_value(strategy.rolling_update.max_surge, number_to_schedule, True)


def unavailable_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """util.UnavailableCount: maxUnavailable of ``number_to_schedule``, rounded up; 0 unless RollingUpdate."""
    strategy = ds.spec.update_strategy
    if strategy.type != "RollingUpdate" or strategy.rolling_update is None:
        return 0
    return scaled_value(strategy.rolling_update.max_unavailable, number_to_schedule, True)


def allows_surge(ds: DaemonSet) -> bool:
    """util.AllowsSurge: more than one pod per node is allowed during an update."""
    return surge_count(ds, 1) > 0
