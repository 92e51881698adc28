"""InterPodAffinity: pkg/scheduler/framework/plugins/interpodaffinity, split as in Go into the plugin,
its filtering (PreFilter/Filter) and its scoring (PreScore/Score/NormalizeScore), over shared terms."""

from kbench.scheduler.plugins.inter_pod_affinity.plugin import InterPodAffinity, InterPodAffinityArgs
from kbench.scheduler.plugins.inter_pod_affinity.terms import NAME

__all__ = ["NAME", "InterPodAffinity", "InterPodAffinityArgs"]
