"""DefaultPreemption as kube-scheduler runs it: :func:`preempt` and what it returns."""

from kbench.scheduler.preemption.evaluator import Preemption, preempt
from kbench.scheduler.preemption.nominated import NominatedPodMap, NominatedPods

__all__ = ["NominatedPodMap", "NominatedPods", "Preemption", "preempt"]
