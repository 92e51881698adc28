"""preempt(): DefaultPreemption's PostFilter (preemption.Evaluator.Preempt) for one failed cycle.

Steps as kube-scheduler takes them: is the pod eligible; which nodes might help (rejected as
Unschedulable); a random offset and the number of candidates to look for; the dry run from the
offset (the fast kernel when only resources matter, else the generic search); the best candidate.
Evicting the victims and clearing the nominations of the lower-priority pods nominated to the
node is the caller's business: the result only names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kbench.api.objects import Pod
from kbench.api.policy import PDBView
from kbench.cluster.state import ClusterState
from kbench.scheduler.cycle import CycleResult, Framework
from kbench.scheduler.framework import Code, CycleState, PodInfo, Status
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.plugins.default_preemption import NAME, DefaultPreemption
from kbench.scheduler.preemption.candidates import potential_rows, row_codes, status_of_row, walk_order
from kbench.scheduler.preemption.eligibility import eligible_to_preempt_others
from kbench.scheduler.preemption.fast import applies, dry_run_fast
from kbench.scheduler.preemption.priority import pod_priority
from kbench.scheduler.preemption.search_generic import dry_run_generic
from kbench.scheduler.preemption.select import aggregate, fit_error, pick_one

ABSENT = Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE)
"""NodeToStatus' status of a node the cycle did not evaluate."""


@dataclass
class Preemption:
    """What DefaultPreemption decided for one pod."""

    node: str | None
    """The node to nominate; None when no node is a candidate."""
    victims: list[Pod]
    """The pods to evict there, sorted by namespace/name."""
    status: Status
    """Success, or the PostFilter status ("preemption: 0/N nodes are available: ...")."""
    lower_priority_nominated: list[Pod] = field(default_factory=list)
    """Pods of lower priority nominated to ``node``, whose nomination kube clears."""


def default_preemption(fw: Framework) -> DefaultPreemption | None:
    """The profile's DefaultPreemption plugin if it is enabled at postFilter."""
    if NAME not in fw.profile.points.get("postFilter", ()):
        return None
    plugin = fw.profile.plugins.get(NAME)
    return plugin if isinstance(plugin, DefaultPreemption) else None


def _unschedulable(message: str) -> Status:
    return Status(Code.UNSCHEDULABLE, ("preemption: " + message,), NAME)


def preempt(fw: Framework, state: CycleState, pi: PodInfo, cluster: ClusterState, res: CycleResult,
            pdbs: Sequence[PDBView], rng: np.random.Generator, nominated: NominatedPods | None = None
            ) -> Preemption | None:
    """Run DefaultPreemption after the cycle ``fw.schedule`` returned as (``state``, ``res``) found
    no feasible node. None when preemption does not run: the profile has no DefaultPreemption at
    postFilter, the cycle found a node, or the pod may not preempt (PodEligibleToPreemptOthers)."""
    plugin = default_preemption(fw)
    if plugin is None or res.n_feasible > 0:
        return None
    nominated_name = pi.pod.status.get("nominatedNodeName")
    nominated_status: Status | None = None
    if nominated_name:
        row = cluster.node_index.get(str(nominated_name))
        nominated_status = ABSENT if row is None else status_of_row(fw, state, pi, cluster, res, row) or ABSENT
    if not eligible_to_preempt_others(pi.pod, cluster, nominated_status):
        return None
    n_nodes = cluster.n_nodes
    if n_nodes == 0:
        return Preemption(None, [], Status(Code.ERROR, ("preemption: no nodes available",), NAME))
    codes = row_codes(fw, state, pi, cluster, res)
    rows = potential_rows(codes)
    if len(rows) == 0:
        return Preemption(None, [], _unschedulable(fit_error(n_nodes, None)))
    offset = int(rng.integers(len(rows)))
    num_candidates = plugin.calculate_num_candidates(len(rows))
    walk = walk_order(rows, offset)
    from_pre_filter = res.pre_filter is not None and res.pre_filter.code == Code.UNSCHEDULABLE
    search = dry_run_fast if applies(fw, state) and not from_pre_filter else dry_run_generic
    dr = search(fw, state, pi, cluster, walk, pdbs, num_candidates, nominated)
    if dr.n_candidates == 0:
        if dr.errors:
            return Preemption(None, [], Status(Code.ERROR, ("preemption: " + aggregate(dr.errors),), NAME))
        return Preemption(None, [], _unschedulable(fit_error(n_nodes, dr)))
    best = pick_one(dr)
    node = cluster.node_names[int(dr.rows[best])]
    victims = sorted((r.pod for r in dr.victims_of(best)), key=lambda p: (p.namespace, p.metadata.name))
    me = pod_priority(pi.pod)
    lower = [p for p in nominated.pods_for_node(node) if pod_priority(p) < me] if nominated is not None else []
    return Preemption(node, victims, Status(), lower)
