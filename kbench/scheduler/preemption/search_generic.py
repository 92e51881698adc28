"""DryRunPreemption with SelectVictimsOnNode on the ClusterState: any filter plugins."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from kbench.api.policy import PDBView
from kbench.cluster.state import ClusterState, PodRecord
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import Code, CycleState, PodInfo, Status
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.preemption.dry_run import CandidateLists, DryRun, dry_run_of
from kbench.scheduler.preemption.victims import select_victims_on_node


def zero_victims_error(node: str) -> str:
    """The error DryRunPreemption records for a node where the pod fits without preempting."""
    return f'expected at least one victim pod on node "{node}"'


def dry_run_generic(fw: Framework, state: CycleState, pi: PodInfo, cluster: ClusterState, walk: np.ndarray,
                    pdbs: Sequence[PDBView], num_candidates: int, nominated: NominatedPods | None) -> DryRun:
    """Check the nodes of ``walk`` in order until the stopping rule holds."""
    skip = frozenset(state.skip_filter)
    lists = CandidateLists(num_candidates)
    found: list[tuple[int, list[PodRecord], int]] = []
    reasons: Counter[str] = Counter()
    errors: list[str] = []
    n_statuses = 0
    for row in walk.tolist():
        victims, n_violating, status = select_victims_on_node(fw, skip, pi, cluster, row, pdbs, nominated)
        if status.ok and victims:
            lists.add(len(found), n_violating > 0)
            found.append((row, victims, n_violating))
            if lists.done:
                break
            continue
        if status.ok:
            status = Status.of(Code.ERROR, zero_victims_error(cluster.node_names[row]))
        if status.code == Code.ERROR:
            errors.extend(status.reasons)
        n_statuses += 1
        reasons.update(status.reasons)
    picked = [found[i] for i in lists.ordered()]
    return dry_run_of([f[0] for f in picked], [f[1] for f in picked], [f[2] for f in picked],
                      reasons, n_statuses, errors)
