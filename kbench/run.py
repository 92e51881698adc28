"""`kbench run`: replay a policy's cluster and workload through the simulated control plane and
write the results folder (DESIGN.md §5)."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from kbench import __version__
from kbench.admission.chain import create_system_priority_classes, default_admission
from kbench.admission.priority import Priority
from kbench.api.objects import Pod
from kbench.config.policy import load_policy
from kbench.config.scheduler_config import default_profile, load_scheduler_config
from kbench.controllers.job.strategy import JobDefaults
from kbench.controllers.manager import ControllerManager
from kbench.errors import APIError
from kbench.etcd import Store
from kbench.metrics.pod_facts import PodFacts, pod_facts
from kbench.metrics.recorder import Recorder
from kbench.metrics.schema import TABLES
from kbench.metrics.writer import write_results
from kbench.sim.actions import schedule_actions
from kbench.sim.apiserver import APIServer, object_key
from kbench.sim.arrivals import feed
from kbench.sim.engine import Engine
from kbench.sim.invariants import InvariantChecker
from kbench.sim.kubelet import Kubelets
from kbench.sim.latency import CommitClock
from kbench.sim.node_failures import NodeFailures
from kbench.sim.scheduler import CycleCost, SchedulerProcess
from kbench.sim.workload import GPU
from kbench.sources import cluster_arrivals, resolve, workload_arrivals, workload_target
from kbench.traces.scheduler_perf import PREFIX as SCHEDULER_PERF


@dataclass(frozen=True)
class Progress:
    """Where a run stands, reported to ``run_policy``'s ``progress`` callback every sample interval."""

    now: float
    """Simulated seconds so far."""
    horizon: float
    """Simulated time the run is known to reach (``until``, else the last arrival)."""
    pods_scheduled: int
    events: int
    """Engine events run so far."""


@dataclass
class RunResult:
    out: Path
    run: dict[str, Any]


def run_policy(path: str | Path, seed: int | None = None, out: str | Path | None = None,
               until: float | None = None, progress: Any = None, check: bool = False,
               overrides: dict[str, Any] | None = None) -> RunResult:
    """Simulate the policy at ``path`` and write its results folder; returns where and run.json.
    With ``check``, the invariants are verified after every batch of events (same-time events);
    ``overrides`` sets dotted policy fields (``{"workload.pods": ...}``), as a sweep point does."""
    policy = load_policy(path, overrides)
    base = Path(path).parent
    seed = policy.seed if seed is None else seed
    until = until if until is not None else policy.simulation.until
    sched_cfg = policy.scheduler
    profile = (load_scheduler_config(resolve(sched_cfg.config, base), sched_cfg.profile)
               if sched_cfg.config else default_profile())
    if policy.workload.placement is not None:
        from kbench.gpu.experiment import run_placement

        target, run = run_placement(policy, path, profile, seed, out)
        return RunResult(target, run)
    cluster = cluster_arrivals(policy, base, seed)
    workload = workload_arrivals(policy, base, seed)
    # scheduler_perf's test API server runs without the Priority admission plugin (its pod
    # templates set spec.priority directly), as kbench does for its scenarios
    scenario = str(policy.workload.pods).startswith(SCHEDULER_PERF)
    frag_target = workload_target(policy, base, seed, cluster, workload.table)
    for plugin in profile.plugins.values():
        if hasattr(plugin, "use_run_workload"):
            plugin.use_run_workload(frag_target)

    compile_start = time.perf_counter()
    _warm_up(profile)
    compile_seconds = time.perf_counter() - compile_start

    with _fewer_gc_passes():
        wall_start = time.perf_counter()
        engine = Engine(np.random.default_rng(seed))
        sim = policy.simulation
        api = APIServer(Store(), engine, latency=CommitClock(sim.latency.write, np.random.default_rng([seed, 3])),
                        names_rng=np.random.default_rng([seed, 4]))
        api.keep_removed = pod_facts  # the API server keeps removed Pods only
        api.admission = [a for a in default_admission(api) if not (scenario and isinstance(a, Priority))]
        api.admission += [JobDefaults()]
        create_system_priority_classes(api)
        sched = SchedulerProcess(api, profile, cost=CycleCost(sched_cfg.cycle_cost.fixed, sched_cfg.cycle_cost.per_node),
                                 watch_delay=sim.latency.watch)
        kubelets = Kubelets(api, image_pull_seconds=sim.image_pull_seconds, watch_delay=sim.latency.watch,
                            heartbeats=policy.heartbeats, heartbeat_rng=np.random.default_rng([seed, 5]))
        failures = NodeFailures(api, kubelets) if policy.heartbeats else None
        controllers = ControllerManager(api, watch_delay=sim.latency.watch)

        def committed(obj: Any, result: Any) -> None:
            if isinstance(result, APIError):
                api.event("Warning", "FailedApply", obj.kind, object_key(obj), f"apply rejected: {result}")

        def arrive(obj: BaseModel) -> None:
            api.submit(api.apply, obj, on_done=lambda result: committed(obj, result))

        for t, obj in cluster:
            if t == 0.0:
                api.create(obj)
        api.start_compactor()
        recorder = Recorder(sched, sim.sample_interval, frag_target)
        sched.start()
        kubelets.start()
        controllers.start()
        recorder.start()
        for t, obj in cluster:
            if t > 0.0:
                engine.at(t, arrive, obj)
        feed(engine, workload, arrive)
        schedule_actions(api, list(policy.actions), failures.action_handlers() if failures is not None else {})
        last_arrival = max([t for t, _ in cluster] + ([workload.last_time] if len(workload) else []) + [a.at for a in policy.actions], default=0.0)
        checker = InvariantChecker(sched) if check else None
        _drive(engine, sched, kubelets, controllers, failures, last_arrival, until, sim.sample_interval, progress,
               checker)
        if checker is not None:
            checker.check()
        recorder.sample_now()
    wall = time.perf_counter() - wall_start

    tables, counts = _tables(api, sched, kubelets, recorder, controllers)
    run = {
        "policy": {"name": policy.name, "path": str(path)},
        "seed": seed,
        "kbench_version": __version__,
        "wall_seconds": round(wall, 3),
        "compile_seconds": round(compile_seconds, 3),
        "sim_seconds": engine.now,
        "events": engine.processed,
        **counts,
    }
    target = Path(out) if out is not None else Path("results") / f"{policy.name}-s{seed}"
    write_results(target, run, tables, overwrite=True)
    return RunResult(target, run)


def workload_rows(controllers: ControllerManager) -> list[dict[str, Any]]:
    """Rows of workloads.parquet: each Deployment rollout and each Job, from their controllers."""
    rows: list[dict[str, Any]] = []
    deployments = controllers.controllers.get("deployment")
    for r in getattr(deployments, "rollouts", []):
        end = r.get("completed_at")
        rows.append({"kind": "Deployment", "namespace": r["namespace"], "name": r["name"],
                     "revision": r.get("revision"), "replicas": r.get("replicas"), "started_at": r["started_at"],
                     "completed_at": end, "failed_at": None,
                     "duration": end - r["started_at"] if end is not None else None,
                     "succeeded": None, "failed": None})
    jobs = controllers.controllers.get("job")
    for j in getattr(jobs, "completions", []):
        end = j.get("completed_at") if j.get("completed_at") is not None else j.get("failed_at")
        rows.append({"kind": "Job", "namespace": j["namespace"], "name": j["name"], "revision": None,
                     "replicas": j.get("completions_wanted"), "started_at": j["created_at"],
                     "completed_at": j.get("completed_at"), "failed_at": j.get("failed_at"),
                     "duration": end - j["created_at"] if end is not None else None,
                     "succeeded": j.get("succeeded"), "failed": j.get("failed")})
    return rows


def preemption_counts(sched: SchedulerProcess, kubelets: Kubelets) -> dict[str, Any]:
    """run.json's preemption figures: victims evicted, and the work they lose: the seconds each
    had run (since its kubelet started it) when it was preempted, in all and per victim priority."""
    lost: dict[int, float] = {}
    victims: dict[int, int] = {}
    for r in sched.preemption_log.rows:
        started = kubelets.started.get(r["victim"])
        prio = int(r["victim_priority"])
        victims[prio] = victims.get(prio, 0) + 1
        lost[prio] = lost.get(prio, 0.0) + (r["time"] - started if started is not None else 0.0)
    return {
        "preemptions": len(sched.preemption_log.rows),
        "preemption_victims_by_priority": {str(p): victims[p] for p in sorted(victims)},
        "preempted_seconds_lost": round(sum(lost.values()), 3),
        "preempted_seconds_lost_by_priority": {str(p): round(lost[p], 3) for p in sorted(lost)},
    }


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Run with rarer cyclic garbage collections: a run holds ~10^6 long-lived objects (cached pods
    and etcd revisions) that every full collection walks again, and it makes little cyclic garbage.
    Measured on scheduler-perf-basic: ~10% less wall time. The thresholds are restored after."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _warm_up(profile: Any) -> None:
    """Load (or compile) every kernel of the profile on a two-node cluster, so the run's wall time
    excludes JIT compilation (reported apart as compile_seconds)."""
    from kbench.api.objects import Node, Pod
    from kbench.cluster.state import ClusterState
    from kbench.scheduler.cycle import Framework
    from kbench.scheduler.framework import PodInfo

    c = ClusterState()
    for name in ("a", "b"):
        c.add_node(Node.model_validate({"metadata": {"name": name}, "status": {"allocatable": {"cpu": "1", "pods": "2"}}}))
    pod = Pod.model_validate({"metadata": {"name": "w"}, "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1m"}}}]}})
    Framework(profile).schedule(c, PodInfo(pod), all_nodes=True, score_single=True)


def _drive(engine: Engine, sched: SchedulerProcess, kubelets: Kubelets, controllers: ControllerManager,
           failures: NodeFailures | None, last_arrival: float, until: float | None, step: float, progress: Any,
           checker: InvariantChecker | None) -> None:
    """Run until ``until``; without it, until every object has arrived, every write has committed,
    no controller has work pending and no pod is running towards an end (pods still pending then
    would wait forever: nothing more will free resources)."""
    horizon = until if until is not None else last_arrival
    t = engine.now
    while True:
        t = min(t + step, until) if until is not None else t + step
        if checker is None:
            engine.run(until=t)
        else:
            while engine.peek() <= t:
                engine.run(until=engine.peek())
                checker.check()
            engine.run(until=t)
        if progress is not None:
            progress(Progress(engine.now, horizon, len(sched.bound_at), engine.processed))
        if until is not None and t >= until:
            return
        if (until is None and engine.now >= last_arrival and kubelets.running_with_end == 0
                and sched.api.in_flight == 0 and controllers.idle and (failures is None or failures.idle)):
            return


def _tables(api: APIServer, sched: SchedulerProcess, kubelets: Kubelets, rec: Recorder,
            controllers: ControllerManager) -> tuple[dict[str, pa.Table], dict[str, int]]:
    facts = [pod_facts(p) for p in api.list("Pod")[0] if isinstance(p, Pod)]
    facts += api.pods_removed.values()
    facts.sort(key=lambda f: api.pods_created.get(f.uid, 0.0))
    attempts: dict[str, int] = {}
    for uid in sched.attempts.column("pod_uid"):
        attempts[uid] = attempts.get(uid, 0) + 1
    uids = [f.uid for f in facts]
    columns: dict[str, list[Any]] = {name: [getattr(f, name) for f in facts] for name in PodFacts._fields}
    columns |= {
        "created_at": [api.pods_created.get(u, 0.0) for u in uids],
        "scheduled_at": [sched.bound_at.get(u) for u in uids],
        "started_at": [kubelets.started.get(u) for u in uids],
        "finished_at": [kubelets.finished.get(u) for u in uids],
        "deleted_at": [api.pods_removed_at.get(u) for u in uids],
        "gpu_index": [",".join(map(str, sched.bound_gpus[u])) if u in sched.bound_gpus else None for u in uids],
        "attempts": [attempts.get(u, 0) for u in uids],
        "preemptions": [sched.preemption_log.count.get(u, 0) for u in uids],
    }
    c = sched.cluster
    n = c.n_nodes
    gpu_col = c.resources.get(GPU)
    none = np.zeros(2, np.int64)
    peaks = rec.peaks()
    node_rows = [{
        "name": c.node_names[i], "cpu_milli": int(c.alloc[i, 0]), "memory_bytes": int(c.alloc[i, 1]),
        "gpu": int(c.alloc[i, gpu_col]) if gpu_col >= 0 else 0,
        "gpu_model": c.node_label_dicts[i].get("kbench.io/gpu-model"),
        "peak_cpu_milli": int(peaks.get(c.node_names[i], none)[0]),
        "peak_memory_bytes": int(peaks.get(c.node_names[i], none)[1]),
        "final_cpu_milli": int(c.requested[i, 0]), "final_memory_bytes": int(c.requested[i, 1]),
    } for i in range(n)]
    tables = {
        "pods": pa.Table.from_pydict({f.name: columns[f.name] for f in TABLES["pods"]}, TABLES["pods"]),
        "attempts": sched.attempts.to_arrow(TABLES["attempts"]),
        "timeseries": pa.Table.from_pylist(rec.rows, TABLES["timeseries"]),
        "events": api.events.to_arrow(TABLES["events"]),
        "nodes": pa.Table.from_pylist(node_rows, TABLES["nodes"]),
        "workloads": pa.Table.from_pylist(workload_rows(controllers), TABLES["workloads"]),
    }
    phases = columns["phase"]
    nodes = columns["node"]
    counts: dict[str, Any] = {
        "pods_total": len(facts),
        "pods_scheduled": sum(1 for n in nodes if n),
        "pods_failed": phases.count("Failed"),
        "pods_pending_at_end": sum(1 for n in nodes if not n),
        **preemption_counts(sched, kubelets),
    }
    return tables, counts
