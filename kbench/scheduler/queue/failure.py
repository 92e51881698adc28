"""Which plugins rejected a pod in a failed cycle: what handleSchedulingFailure hands the queue.

Mirrors framework.Diagnosis.AddPluginStatus as findNodesThatFitPod fills it, and the choice
handleSchedulingFailure (schedule_one.go) makes: a FitError sets the pod's UnschedulablePlugins
and PendingPlugins; any other failure (an Error status, or no node at all, ErrNoNodesAvailable)
leaves them empty, which sends the pod to backoff as an error.
"""

from __future__ import annotations

from kbench.scheduler.cycle import CycleResult
from kbench.scheduler.framework import Code

_REJECTED = (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)


def diagnosis_plugins(res: CycleResult) -> tuple[set[str], set[str]]:
    """(UnschedulablePlugins, PendingPlugins) of a cycle that found no feasible node.

    Every filter kernel rejection is Unschedulable or UnschedulableAndUnresolvable, so the
    rejecting filter plugins are read from ``failed_by``; statuses recorded outside the kernels
    (a PreFilter rejection) count when they name a plugin, as AddPluginStatus requires. A cycle
    that failed with an error, or that found a feasible node, has none.
    """
    if res.error is not None or res.n_feasible > 0:
        return set(), set()
    unschedulable = {res.filter_names[int(j)] for j in set(res.failed_by.tolist()) if j >= 0}
    pending: set[str] = set()
    for st in res.rejected.values():
        if not st.plugin:
            continue
        if st.code in _REJECTED:
            unschedulable.add(st.plugin)
        elif st.code == Code.PENDING:
            pending.add(st.plugin)
    return unschedulable, pending
