"""DefaultPreemption: the PostFilter that preempts lower-priority pods when a pod fits nowhere.

The plugin holds its args; the preemption itself is :func:`kbench.scheduler.preemption.preempt`
(kube-scheduler's DefaultPreemption plugin and preemption.Evaluator).
"""

from __future__ import annotations

from kbench.config.plugin_args import DefaultPreemptionArgs
from kbench.scheduler.framework import Plugin

NAME = "DefaultPreemption"


class DefaultPreemption(Plugin):
    NAME = NAME
    OTHER_POINTS = ("postFilter",)

    def __init__(self, args: dict | None = None) -> None:
        super().__init__(args)
        parsed = DefaultPreemptionArgs.parse(args)
        self.min_candidate_nodes_percentage = parsed.minCandidateNodesPercentage
        self.min_candidate_nodes_absolute = parsed.minCandidateNodesAbsolute

    def calculate_num_candidates(self, num_nodes: int) -> int:
        """calculateNumCandidates: max(num_nodes x percentage / 100, absolute), at most num_nodes."""
        n = num_nodes * self.min_candidate_nodes_percentage // 100
        n = max(n, self.min_candidate_nodes_absolute)
        return min(n, num_nodes)
