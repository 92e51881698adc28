"""The nominator as preemption reads it: pods with ``status.nominatedNodeName`` not yet bound.

kube-scheduler's PodNominator answers NominatedPodsForNode; its caller here (the scheduler
process) keeps the view current. Preemption only reads it: filters run with the nominated pods of
equal or higher priority added (RunFilterPluginsWithNominatedPods), and the lower-priority pods
nominated to the chosen node are reported so the caller can clear their nomination.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kbench.api.objects import Pod


class NominatedPods(Protocol):
    """A read-only view of nominated pods by node name."""

    def pods_for_node(self, node: str) -> Sequence[Pod]:
        """The pods nominated to ``node``, in nomination order."""
        ...

    def node_names(self) -> Iterable[str]:
        """The nodes that have nominated pods."""
        ...


@dataclass
class NominatedPodMap:
    """A plain :class:`NominatedPods`: node name -> the pods nominated to it."""

    by_node: dict[str, list[Pod]] = field(default_factory=dict)

    @classmethod
    def of(cls, pods: Iterable[Pod]) -> NominatedPodMap:
        """The unbound pods of ``pods`` that carry ``status.nominatedNodeName``, by that node."""
        out = cls()
        for p in pods:
            node = p.status.get("nominatedNodeName")
            if node and not p.spec.node_name:
                out.by_node.setdefault(str(node), []).append(p)
        return out

    def pods_for_node(self, node: str) -> Sequence[Pod]:
        return self.by_node.get(node, ())

    def node_names(self) -> Iterable[str]:
        return [n for n, pods in self.by_node.items() if pods]
