"""What the scheduler process does once DefaultPreemption picked a node: the API side of
preemption (preemption.go prepareCandidate, schedule_one.go handleSchedulingFailure).

- each victim gets the ``DisruptionTarget`` condition (reason ``PreemptionByScheduler``), a
  ``Preempted`` event naming the preemptor, and is deleted with its termination grace period;
- lower-priority pods nominated to the same node lose their nomination;
- the preemptor gets ``status.nominatedNodeName`` and waits in the queue: once the victims are
  gone, its next cycle tries the nominated node first.

Every write goes through the API server (``submit``: it commits after the write latency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kbench.api.conditions import update_pod_condition
from kbench.api.objects import Pod
from kbench.errors import APIError

if TYPE_CHECKING:
    from kbench.sim.scheduler import SchedulerProcess

DISRUPTION_TARGET = "DisruptionTarget"
PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"


@dataclass
class PreemptionLog:
    """What preemption did over a run: per victim uid, the preemptions and when/by whom."""

    count: dict[str, int] = field(default_factory=dict)
    """Victim uid -> times it was preempted."""
    rows: list[dict[str, Any]] = field(default_factory=list)
    """One row per victim: time, victim uid, victim priority, preemptor uid, preemptor priority, node."""


def _uid(pod: Pod) -> str:
    return pod.metadata.uid or pod.key


def carry_out(sched: SchedulerProcess, preemptor: Pod, node: str, victims: list[Pod],
              lower_nominated: list[Pod]) -> None:
    """Evict ``victims`` for ``preemptor`` on ``node`` and nominate it there (see the module docstring)."""
    api = sched.api
    now = sched.engine.now
    message = f"{sched.profile.name}: preempting to accommodate a higher priority pod"
    for victim in victims:
        uid = _uid(victim)
        sched.preemption_log.count[uid] = sched.preemption_log.count.get(uid, 0) + 1
        sched.preemption_log.rows.append({
            "time": now, "victim": uid, "victim_priority": victim.spec.priority or 0,
            "preemptor": _uid(preemptor), "preemptor_priority": preemptor.spec.priority or 0, "node": node})
        api.event("Normal", "Preempted", "Pod", victim.key, f"Preempted by pod {_uid(preemptor)} on node {node}")
        api.submit(_mark_disruption_target, api, victim.namespace, victim.metadata.name, message)
        api.submit(_delete, sched, victim.namespace, victim.metadata.name)
    for other in lower_nominated:
        sched.nominator.remove(_uid(other))
        api.submit(_set_nominated_node, sched, other.namespace, other.metadata.name, "")
    sched.nominator.add(preemptor, node)
    api.submit(_set_nominated_node, sched, preemptor.namespace, preemptor.metadata.name, node)


def _mark_disruption_target(api: Any, namespace: str, name: str, message: str) -> Pod | None:
    try:
        pod = api.get("Pod", namespace, name)
    except APIError:
        return None
    conditions, changed = update_pod_condition(pod.status.get("conditions"), {
        "type": DISRUPTION_TARGET, "status": "True", "reason": PREEMPTION_BY_SCHEDULER, "message": message},
        api.engine.now)
    if not changed:
        return pod  # type: ignore[no-any-return]
    return api.update(pod.model_copy(update={"status": {**pod.status, "conditions": conditions}}))  # type: ignore[no-any-return]


def _delete(sched: SchedulerProcess, namespace: str, name: str) -> Pod | None:
    try:
        return sched.api.delete("Pod", namespace, name)  # type: ignore[return-value]
    except APIError:
        return None  # already gone


def _set_nominated_node(sched: SchedulerProcess, namespace: str, name: str, node: str) -> Pod | None:
    """Patch ``status.nominatedNodeName`` (empty clears it); nothing if the pod is gone or bound."""
    api = sched.api
    try:
        pod = api.get("Pod", namespace, name)
    except APIError:
        return None
    if pod.spec.node_name or (pod.status.get("nominatedNodeName") or "") == node:  # type: ignore[attr-defined]
        return pod  # type: ignore[return-value]
    status = {k: v for k, v in pod.status.items() if k != "nominatedNodeName"}  # type: ignore[attr-defined]
    if node:
        status["nominatedNodeName"] = node
    return api.update(pod.model_copy(update={"status": status}))  # type: ignore[return-value]
