"""DefaultPreemption as kube-scheduler runs it: :func:`preempt` and what it returns."""

from kbench.scheduler.nominated import NominatedPodMap, NominatedPods
from kbench.scheduler.preemption.evaluator import Preemption, preempt

__all__ = ["NominatedPodMap", "NominatedPods", "Preemption", "preempt"]
