"""Invariants of a simulated cluster, checked after event batches with ``kbench run --check``
(and always in the test suite): a broken one raises InvariantError naming what broke."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kbench.api.objects import Pod
from kbench.cluster.state import TERMINATED_PHASES
from kbench.errors import InvariantError
from kbench.sim.scheduler import SchedulerProcess


@dataclass
class InvariantChecker:
    """Remembers what it saw last (etcd's revision) and checks the current state."""

    sched: SchedulerProcess
    last_revision: int = 0

    def check(self) -> None:
        api, c = self.sched.api, self.sched.cluster
        now = api.engine.now
        rev = api.store.revision
        if rev < self.last_revision:
            raise InvariantError(f"t={now}: etcd revision went back from {self.last_revision} to {rev}")
        self.last_revision = rev
        n, r = c.n_nodes, c.n_resources
        over = np.argwhere(c.requested[:n, :r] > c.alloc[:n, :r])
        if len(over):
            row, col = over[0]
            raise InvariantError(f"t={now}: node {c.node_names[row]} has {c.resources.values[col]} requested "
                                 f"{c.requested[row, col]} > allocatable {c.alloc[row, col]}")
        pods = [p for p in api.list("Pod")[0] if isinstance(p, Pod)]
        pending = running = ended = 0
        for p in pods:
            phase = p.status.get("phase")
            if phase in TERMINATED_PHASES:
                ended += 1
            elif p.spec.node_name:
                # a pod may outlive its deleted node until pod GC force-deletes it (its quarantine)
                if p.spec.node_name not in c.node_index and p.spec.node_name not in api.nodes_removed_at:
                    raise InvariantError(f"t={now}: pod {p.key} is bound to {p.spec.node_name}, which does not exist")
                running += 1
            else:
                pending += 1
        created, removed = len(api.pods_created), len(api.pods_removed)
        if created != pending + running + ended + removed:
            raise InvariantError(f"t={now}: {created} pods created but {pending} pending + {running} "
                                 f"running + {ended} ended + {removed} deleted")
        in_queue = {q.key for q in self.sched.queue.pods_in_active_q() + self.sched.queue.pods_in_backoff_q()} | {
            q.key for q in self.sched.queue.unschedulable()}
        bound = {p.key for p in pods if p.spec.node_name}
        both = in_queue & bound
        if both:
            raise InvariantError(f"t={now}: pod {sorted(both)[0]} is bound and still queued")
