"""InterPodAffinity: required pod (anti-)affinity filters nodes, preferred terms and bound pods'
terms score them.

Mirrors pkg/scheduler/framework/plugins/interpodaffinity/plugin.go (New, args) and wires in
filtering.go and scoring.go, which live in ``filtering`` and ``scoring``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import StrictBool, StrictInt, field_validator

from kbench.cluster.state import ClusterState
from kbench.config.plugin_args import PluginArgs
from kbench.scheduler.framework import CycleState, Plugin, PodInfo, PreFilterResult, Status
from kbench.scheduler.plugins.inter_pod_affinity import filtering, scoring
from kbench.scheduler.plugins.inter_pod_affinity.terms import NAME

MIN_HARD_POD_AFFINITY_WEIGHT, MAX_HARD_POD_AFFINITY_WEIGHT = 0, 100


class InterPodAffinityArgs(PluginArgs):
    """kubescheduler.config.k8s.io/v1 InterPodAffinityArgs with SetDefaults_InterPodAffinityArgs applied."""

    hardPodAffinityWeight: StrictInt = 1
    ignorePreferredTermsOfExistingPods: StrictBool = False

    @field_validator("hardPodAffinityWeight", mode="before")
    @classmethod
    def _default_weight(cls, v: Any) -> Any:
        return 1 if v is None else v

    @field_validator("ignorePreferredTermsOfExistingPods", mode="before")
    @classmethod
    def _default_ignore(cls, v: Any) -> Any:
        return False if v is None else v

    @field_validator("hardPodAffinityWeight")
    @classmethod
    def _range(cls, v: int) -> int:
        """Mirrors validateHardPodAffinityWeight."""
        if not MIN_HARD_POD_AFFINITY_WEIGHT <= v <= MAX_HARD_POD_AFFINITY_WEIGHT:
            raise ValueError(
                f"Invalid value: {v}: not in valid range [{MIN_HARD_POD_AFFINITY_WEIGHT}, {MAX_HARD_POD_AFFINITY_WEIGHT}]"
            )
        return v


class InterPodAffinity(Plugin):
    """Mirrors interpodaffinity.InterPodAffinity (PreFilter, Filter, PreScore, Score, NormalizeScore)."""

    NAME = NAME

    def __init__(self, args: dict[str, Any] | None = None) -> None:
        super().__init__(args)
        parsed = InterPodAffinityArgs.parse(args)
        self.hard_pod_affinity_weight = parsed.hardPodAffinityWeight
        self.ignore_preferred_terms_of_existing_pods = parsed.ignorePreferredTermsOfExistingPods

    def pre_filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState) -> tuple[Status, PreFilterResult | None]:
        """Mirrors PreFilter."""
        return filtering.pre_filter(state, pi, cluster), None

    def filter(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray,
               failed_by: np.ndarray, codes: np.ndarray, me: int) -> None:
        """Mirrors Filter."""
        filtering.filter_nodes(state, pi, cluster, idx, failed_by, codes, me)

    def filter_status(self, state: CycleState, pi: PodInfo, cluster: ClusterState, code: int) -> Status:
        """The Status Filter returns for a verdict code."""
        return filtering.filter_status(pi, cluster, code)

    def pre_score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> Status:
        """Mirrors PreScore."""
        return scoring.pre_score(state, pi, cluster, idx, self.hard_pod_affinity_weight,
                                 self.ignore_preferred_terms_of_existing_pods)

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        """Mirrors Score."""
        return scoring.score(state, cluster, idx)

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        """Mirrors NormalizeScore."""
        scoring.normalize(state, scores)
