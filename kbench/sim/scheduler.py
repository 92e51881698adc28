"""kube-scheduler as a process of the simulation: informers feed its cache and its queue, one
scheduling cycle runs at a time, and a successful cycle assumes the pod and binds it through the
API server (schedule_one.go: scheduleOne, assume, bind; eventhandlers.go: the informer handlers).

A cycle can take simulated time (``CycleCost``: fixed seconds plus seconds per node evaluated,
zero by default), so bursts show the queueing delay a real scheduler's throughput causes. What
the process observes is recorded in ``attempts`` rows and the API server's events for the results tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kbench.api.objects import Node, Pod
from kbench.cluster.state import TERMINATED_PHASES, ClusterState
from kbench.config.scheduler_config import ProfileConfig
from kbench.controllers.disruption import pdb_views
from kbench.errors import APIError
from kbench.metrics.column_log import ColumnLog
from kbench.metrics.schema import TABLES
from kbench.scheduler.cycle import CycleResult, Framework
from kbench.scheduler.plugins.gpu_policies import gpu_selector
from kbench.scheduler.preemption import preempt
from kbench.scheduler.queue import (
    EVENT_ASSIGNED_POD_ADD,
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_NODE_ADD,
    EVENT_NODE_DELETE,
    FLUSH_BACKOFF_PERIOD,
    FLUSH_UNSCHEDULABLE_PERIOD,
    SchedulingQueue,
    node_scheduling_properties_change,
)
from kbench.scheduler.queue.failure import diagnosis_plugins
from kbench.scheduler.queueing_hints import queueing_hint_map
from kbench.sim.apiserver import APIServer
from kbench.sim.informers import Informer
from kbench.sim.nominator import Nominator
from kbench.sim.preemptor import PreemptionLog, carry_out

OWNER_KINDS = ("Service", "ReplicationController", "ReplicaSet", "StatefulSet")


def _grid_at_or_after(t: float, period: float) -> float:
    """The first point of the grid 0, period, 2*period, ... at or after t."""
    return math.ceil(t / period - 1e-9) * period


def _grid_after(t: float, period: float) -> float:
    """The first grid point strictly after t."""
    return (math.floor(t / period + 1e-9) + 1) * period


@dataclass(frozen=True)
class CycleCost:
    """Simulated seconds one scheduling cycle takes: ``fixed`` + ``per_node`` x nodes evaluated."""

    fixed: float = 0.0
    per_node: float = 0.0

    def seconds(self, nodes_evaluated: int) -> float:
        return self.fixed + self.per_node * nodes_evaluated


def fit_error_message(fw: Framework, res: CycleResult, cluster: ClusterState, state: Any, pi: Any) -> str:
    """FitError.Error(): "0/N nodes are available: <count reason>, ...." with the histogram of
    rejection reasons sorted as strings (sortReasonsHistogram)."""
    counts: dict[str, int] = {}
    for st in res.rejected.values():
        for r in st.reasons:
            counts[r] = counts.get(r, 0) + 1
    for k in range(len(res.evaluated)):
        if int(res.evaluated[k]) in res.rejected or res.failed_by[k] < 0:
            continue
        for r in fw.status_of(state, pi, cluster, res, k).reasons:
            counts[r] = counts.get(r, 0) + 1
    reasons = sorted(f"{v} {k}" for k, v in counts.items())
    return f"0/{cluster.n_nodes} nodes are available: " + ", ".join(reasons) + "."


@dataclass
class SchedulerProcess:
    """The default scheduler of the simulated cluster (one profile)."""

    api: APIServer
    profile: ProfileConfig
    cluster: ClusterState = field(default_factory=ClusterState)
    cost: CycleCost = field(default_factory=CycleCost)
    watch_delay: float = 0.0
    attempts: ColumnLog = field(default_factory=lambda: ColumnLog(TABLES["attempts"].names))

    def __post_init__(self) -> None:
        engine = self.api.engine
        self.engine = engine
        self.framework = Framework(self.profile, seed=int(engine.rng.integers(2**63)))
        self.gpu_selector = gpu_selector(self.profile)
        """The GPU policy plugin that picks a sharing pod's GPU at bind (None: best fit)."""
        self.queue = SchedulingQueue(
            lambda: engine.now,
            pod_initial_backoff=self.profile.pod_initial_backoff_seconds,
            pod_max_backoff=self.profile.pod_max_backoff_seconds,
            hint_maps={self.profile.name: queueing_hint_map(self.profile, self.cluster)},
        )
        self.bound_at: dict[str, float] = {}
        """uid -> when the pod's binding committed."""
        self.bound_gpus: dict[str, tuple[int, ...]] = {}
        """GPU indices each bound pod took on its node (pods with GPUs only)."""
        self.nominator = Nominator()
        self.preemption_log = PreemptionLog()
        self.preemption_rng = np.random.default_rng(self.framework.rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
        """Random start of DefaultPreemption's candidate search (GetOffsetAndNumCandidates)."""
        self.assumed: dict[str, str] = {}
        """uid -> node of pods assumed in the cache whose binding the informer has not shown yet."""
        self._busy = False
        self._backoff_timer: Any = None
        self._leftover_timer: Any = None
        self.nodes = Informer(self.api, "Node", delay=self.watch_delay)
        self.pods = Informer(self.api, "Pod", delay=self.watch_delay)
        self.nodes.add_handlers(on_add=self._node_added, on_update=self._node_updated, on_delete=self._node_deleted)
        # Services and controllers whose selectors PodTopologySpread's system defaults read
        # (helper.DefaultSelector through the scheduler's listers)
        self.owner_informers = [Informer(self.api, kind, delay=self.watch_delay) for kind in OWNER_KINDS]
        for inf in self.owner_informers:
            inf.add_handlers(on_add=self.cluster.add_owner, on_update=lambda old, new: self.cluster.add_owner(new),
                             on_delete=self.cluster.remove_owner)
        self.pods.add_handlers(on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted)
        self.pdbs = Informer(self.api, "PodDisruptionBudget", delay=self.watch_delay)
        """PodDisruptionBudgets, for DefaultPreemption (the scheduler's PDB lister)."""

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the informers (nodes first) and the queue's flushes."""
        self.nodes.start()
        for inf in self.owner_informers:
            inf.start()
        self.pdbs.start()
        self.pods.start()
        self._kick()

    # The queue's flushes run on fixed grids from the start (every FLUSH_BACKOFF_PERIOD and every
    # FLUSH_UNSCHEDULABLE_PERIOD seconds, as PriorityQueue.Run's goroutines do). A flush that has
    # nothing to move changes nothing, so only the grid points where one will move a pod are
    # scheduled: the same outcome without an event every second of a months-long trace.

    def _arm(self) -> None:
        now = self.engine.now
        expiry = self.queue.next_backoff_expiry()
        if expiry is not None:
            tick = max(_grid_at_or_after(expiry, FLUSH_BACKOFF_PERIOD), _grid_at_or_after(now, FLUSH_BACKOFF_PERIOD))
            self._backoff_timer = self._rearm(self._backoff_timer, tick, self._flush_backoff)
        pool = self.queue.unschedulable_pods
        if len(pool) and self._leftover_timer is None:
            oldest = min(p.timestamp for p in pool)
            limit = self.queue.pod_max_in_unschedulable_pods_ns / 1e9
            tick = max(_grid_after(oldest + limit, FLUSH_UNSCHEDULABLE_PERIOD), _grid_at_or_after(now, FLUSH_UNSCHEDULABLE_PERIOD))
            self._leftover_timer = self.engine.at(tick, self._flush_unschedulable)

    def _rearm(self, timer: Any, tick: float, callback: Any) -> Any:
        if timer is not None and not timer.cancelled and timer.time <= tick:
            return timer
        if timer is not None:
            timer.cancel()
        return self.engine.at(tick, callback)

    def _flush_backoff(self) -> None:
        self._backoff_timer = None
        self.queue.flush_backoff_completed()
        self._kick()

    def _flush_unschedulable(self) -> None:
        self._leftover_timer = None
        self.queue.flush_unschedulable_leftover()
        self._kick()

    def _kick(self) -> None:
        self._arm()
        if not self._busy:
            self._busy = True
            self.engine.schedule(0.0, self._schedule_one)

    # ---- informer handlers (eventhandlers.go) ------------------------------------------------

    def _responsible(self, pod: Pod) -> bool:
        return pod.spec.scheduler_name == self.profile.name

    def _node_added(self, node: Node) -> None:
        self.cluster.add_node(node)
        self.queue.move_all_to_active_or_backoff(EVENT_NODE_ADD, None, node)
        self._kick()

    def _node_updated(self, old: Node, new: Node) -> None:
        """updateNodeInCache: replace the node, then one queue move per scheduling-relevant change."""
        self.cluster.update_node(new)
        for event in node_scheduling_properties_change(new, old):
            self.queue.move_all_to_active_or_backoff(event, old, new)
        self._kick()

    def _node_deleted(self, node: Node) -> None:
        """deleteNodeFromCache: the queue move, then the node (and the pods the cache has on it) goes."""
        self.queue.move_all_to_active_or_backoff(EVENT_NODE_DELETE, node, None)
        if node.name in self.cluster.node_index:
            self.cluster.remove_node(node.name)
        self._kick()

    def _pod_added(self, pod: Pod) -> None:
        if pod.spec.node_name:
            self._assigned_pod_added(pod)
        elif self._responsible(pod):
            self.queue.add(pod)
            self._kick()

    def _assigned_pod_added(self, pod: Pod) -> None:
        if pod.status.get("phase") in TERMINATED_PHASES:
            return
        uid = pod.metadata.uid or pod.key
        self.nominator.remove(uid)
        if self.assumed.pop(uid, None) is None:
            self.cluster.add_pod(pod, pod.spec.node_name, start_time=self.engine.now)
        self.queue.move_all_to_active_or_backoff(EVENT_ASSIGNED_POD_ADD, None, pod)
        self._kick()

    def _pod_updated(self, old: Pod, new: Pod) -> None:
        if not old.spec.node_name and new.spec.node_name:
            if self._responsible(old):
                self.queue.delete(old)
            self._assigned_pod_added(new)
        elif new.spec.node_name:
            if new.status.get("phase") in TERMINATED_PHASES and old.status.get("phase") not in TERMINATED_PHASES:
                self._assigned_pod_deleted(old)
            elif new.metadata.deletion_timestamp is not None and old.metadata.deletion_timestamp is None:
                self.cluster.mark_terminating(new.metadata.uid or new.key, new)
        elif self._responsible(new):
            self.queue.update(old, new)
            self._kick()

    def _pod_deleted(self, pod: Pod) -> None:
        self.nominator.remove(pod.metadata.uid or pod.key)
        if pod.spec.node_name:
            if pod.status.get("phase") not in TERMINATED_PHASES:
                self._assigned_pod_deleted(pod)
        elif self._responsible(pod):
            self.queue.delete(pod)

    def _assigned_pod_deleted(self, pod: Pod) -> None:
        uid = pod.metadata.uid or pod.key
        if uid in self.cluster.pods:
            self.cluster.remove_pod(uid)
        self.queue.move_all_to_active_or_backoff(EVENT_ASSIGNED_POD_DELETE, pod, None)
        self._kick()

    # ---- scheduling --------------------------------------------------------------------------

    def _schedule_one(self) -> None:
        qpi = self.queue.pop()
        if qpi is None:
            self._busy = False
            return
        state, res = self._cycle(qpi)
        self.engine.schedule(self.cost.seconds(len(res.evaluated)), self._finish, qpi, state, res)

    def _cycle(self, qpi: Any) -> tuple[Any, CycleResult]:
        """One cycle; nodes with nominated pods of equal or higher priority are filtered with and
        without them (RunFilterPluginsWithNominatedPods); a pod nominated to a node tries that node
        first (evaluateNominatedNode)."""
        nominated = self.nominator.node_of(qpi.uid)
        if nominated is not None and nominated in self.cluster.node_index:
            only = np.array([self.cluster.node_index[nominated]], np.int64)
            state, res = self.framework.schedule(self.cluster, qpi.pod_info, only=only, nominated=self.nominator)
            if res.selected >= 0:
                return state, res
        return self.framework.schedule(self.cluster, qpi.pod_info, nominated=self.nominator)  # type: ignore[no-any-return]

    def _finish(self, qpi: Any, state: Any, res: CycleResult) -> None:
        pod = qpi.pod
        now = self.engine.now
        top = int(res.totals.max()) if res.selected >= 0 and len(res.totals) else None
        node = self.cluster.node_names[res.selected] if res.selected >= 0 else None
        nominated = self._preempt(qpi, state, res) if node is None else None
        self.attempts.append({
            "time": now, "pod_uid": pod.metadata.uid or pod.key,
            "result": "scheduled" if node else ("nominated" if nominated else "unschedulable"),
            "nodes_evaluated": len(res.evaluated), "feasible_nodes": res.n_feasible,
            "node": node or nominated, "top_score": top,
        })
        if node is not None:
            self._bind(qpi, node, self._gpus(state, qpi, res.selected))
        else:
            message = fit_error_message(self.framework, res, self.cluster, state, qpi.pod_info)
            self._event("Warning", "FailedScheduling", pod, message)
            unschedulable, pending = diagnosis_plugins(res)
            qpi.unschedulable_plugins = unschedulable
            qpi.pending_plugins = pending
            self.queue.add_unschedulable_if_not_present(qpi, self.queue.scheduling_cycle())
        self._arm()
        self.engine.schedule(0.0, self._schedule_one)

    def _preempt(self, qpi: Any, state: Any, res: CycleResult) -> str | None:
        """PostFilter: DefaultPreemption; on success evict the victims and nominate the node
        (kbench.sim.preemptor). Returns the nominated node, or None."""
        if res.error is not None:
            return None
        pdbs = pdb_views(self.pdbs)
        result = preempt(self.framework, state, qpi.pod_info, self.cluster, res, pdbs, self.preemption_rng,
                         self.nominator)
        if result is None or result.node is None:
            return None
        carry_out(self, qpi.pod, result.node, result.victims, result.lower_priority_nominated)
        return result.node

    def _gpus(self, state: Any, qpi: Any, row: int) -> tuple[int, ...] | None:
        """The GPU the profile's GPU policy picks for a sharing pod on node ``row`` (Reserve of
        open_gpu_share.go); None leaves the choice to the cache's default rule."""
        if self.gpu_selector is None:
            return None
        gpu = self.gpu_selector.select_gpu(state, qpi.pod_info, self.cluster, row)
        return None if gpu is None else (gpu,)

    def _bind(self, qpi: Any, node: str, gpus: tuple[int, ...] | None = None) -> None:
        """Assume the pod on ``node`` (taking ``gpus`` there, if given) in the cache, then send the
        binding to the API server; the scheduling loop goes on while it commits (the binding cycle
        runs in its own goroutine)."""
        pod = qpi.pod
        self.cluster.add_pod(pod, node, start_time=self.engine.now, gpus=gpus)
        self.assumed[pod.metadata.uid or pod.key] = node
        self.nominator.remove(pod.metadata.uid or pod.key)
        self.api.submit(self.api.bind, pod.namespace, pod.metadata.name, node,
                        on_done=lambda result: self._bound(qpi, node, result))

    def _bound(self, qpi: Any, node: str, result: Any) -> None:
        """The binding committed: record Scheduled; or it was rejected: forget the assumed pod
        and send the pod back to the queue (not if it was deleted meanwhile)."""
        pod = qpi.pod
        if not isinstance(result, APIError):
            self._event("Normal", "Scheduled", pod, f"Successfully assigned {pod.key} to {node}")
            self.queue.done(qpi.uid)
            uid = pod.metadata.uid or pod.key
            self.bound_at[uid] = self.engine.now
            rec = self.cluster.pods.get(uid)
            if rec is not None and rec.gpus:
                self.bound_gpus[uid] = rec.gpus
            return
        uid = pod.metadata.uid or pod.key
        if self.assumed.pop(uid, None) is not None:
            self.cluster.remove_pod(uid)
        self._event("Warning", "FailedScheduling", pod, f"binding rejected: {result}")
        if result.reason != "NotFound":
            qpi.unschedulable_plugins, qpi.pending_plugins = set(), set()
            self.queue.add_unschedulable_if_not_present(qpi, self.queue.scheduling_cycle())
        else:
            self.queue.done(qpi.uid)
        self._kick()

    def _event(self, kind: str, reason: str, pod: Pod, message: str) -> None:
        self.api.event(kind, reason, "Pod", pod.key, message)
