"""SelectVictimsOnNode on the ClusterState itself (the generic search, any filter plugins).

Every lower-priority pod of the node is unbound; if the pod then fits, they are bound again one
by one, most important first, PDB-violating ones first, each staying only if the pod still fits.
Those that cannot stay are the victims. The cluster is restored exactly afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from kbench.api.policy import PDBView
from kbench.cluster.state import ClusterState, PodRecord
from kbench.scheduler.cycle import Framework
from kbench.scheduler.framework import SUCCESS, Code, PodInfo, Status
from kbench.scheduler.nominated import NominatedPods
from kbench.scheduler.nominated_filters import fits
from kbench.scheduler.preemption.dry_run import NO_VICTIMS
from kbench.scheduler.preemption.pdb import split_violating
from kbench.scheduler.preemption.priority import importance_key, pod_priority


def select_victims_on_node(fw: Framework, skip: Set[str], pi: PodInfo, cluster: ClusterState, row: int,
                           pdbs: Sequence[PDBView], nominated: NominatedPods | None
                           ) -> tuple[list[PodRecord], int, Status]:
    """(victims most important first, how many of them violate a PDB, status)."""
    me = pod_priority(pi.pod)
    on_node = cluster.pods_on_node[row]
    order = list(on_node)
    potential = [(uid, rec) for uid, rec in on_node.items() if pod_priority(rec.pod) < me]
    if not potential:
        return [], 0, Status.of(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, NO_VICTIMS)
    removed: dict[str, PodRecord] = {}
    try:
        for uid, rec in potential:
            cluster.remove_pod(uid)
            removed[uid] = rec
        status = fits(fw, skip, pi, cluster, row, nominated)
        if not status.ok:
            return [], 0, status
        potential.sort(key=lambda ur: importance_key(ur[1]))
        uid_of = {id(rec): uid for uid, rec in potential}
        violating, other = split_violating([rec for _, rec in potential], pdbs)
        victims: list[PodRecord] = []
        n_violating = 0
        for group, counted in ((violating, True), (other, False)):
            for rec in group:
                uid = uid_of[id(rec)]
                cluster.restore_pod(uid, removed.pop(uid))
                if not fits(fw, skip, pi, cluster, row, nominated).ok:
                    removed[uid] = cluster.remove_pod(uid)
                    victims.append(rec)
                    n_violating += counted
        if violating and other:
            victims.sort(key=importance_key)
        return victims, n_violating, SUCCESS
    finally:
        for uid in reversed(list(removed)):
            cluster.restore_pod(uid, removed[uid])
        held = dict(on_node)
        on_node.clear()
        on_node.update((uid, held[uid]) for uid in order)
