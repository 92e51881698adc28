"""The numbers and conditions of a PodDisruptionBudget's status (disruption.go countHealthyPods,
buildDisruptedPodMap, updatePdbStatus; component-helpers' poddisruptionbudget condition helpers;
apimachinery's meta.SetStatusCondition).

Health is podutil.IsPodReady: the pod's Ready condition is True. kbench's kubelet writes Ready True
with phase Running and leaves the condition as it is when a pod ends, where kube's kubelet sets it
False (reason PodCompleted); so a pod in phase Succeeded or Failed counts as not ready here, as it
would in a cluster. A pod being deleted (deletionTimestamp set) is never healthy.
"""

from __future__ import annotations

from collections.abc import Mapping

from kbench.api.objects import LabelSelector, Pod
from kbench.api.policy import PodDisruptionBudget
from kbench.api.workloads import Condition
from kbench.controllers.base import is_pod_ready

DELETION_TIMEOUT = 120.0
"""DeletionTimeout: how long an entry of ``disruptedPods`` waits for its pod to be seen deleted."""
STALE_POD_DISRUPTION_TIMEOUT = 120.0
"""stalePodDisruptionTimeout: how long a pod not being deleted may keep a DisruptionTarget condition."""

DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"
TERMINAL_PHASES = ("Succeeded", "Failed")


def pod_ready(pod: Pod) -> bool:
    """podutil.IsPodReady, with a pod that has ended counted not ready (see the module docstring)."""
    return is_pod_ready(pod) and pod.status.get("phase") not in TERMINAL_PHASES


def build_disrupted_pod_map(pods: list[Pod], disrupted: Mapping[str, float],
                            now: float) -> tuple[dict[str, float], float | None, list[Pod]]:
    """buildDisruptedPodMap: the entries of ``disruptedPods`` whose pod is selected, not being
    deleted and within DeletionTimeout; the earliest time one of them expires (when to check again);
    and the pods whose entry expired (they were expected deleted and were not)."""
    kept: dict[str, float] = {}
    recheck: float | None = None
    expired: list[Pod] = []
    if not disrupted:
        return kept, recheck, expired
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        at = disrupted.get(pod.metadata.name)
        if at is None:
            continue
        expected_deletion = at + DELETION_TIMEOUT
        if expected_deletion < now:
            expired.append(pod)
            continue
        if recheck is None or expected_deletion < recheck:
            recheck = expected_deletion
        kept[pod.metadata.name] = at
    return kept, recheck, expired


def count_healthy_pods(pods: list[Pod], disrupted: Mapping[str, float], now: float) -> int:
    """countHealthyPods: ready pods, not being deleted and not disrupted less than DeletionTimeout ago."""
    healthy = 0
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        at = disrupted.get(pod.metadata.name)
        if at is not None and at + DELETION_TIMEOUT > now:
            continue
        if pod_ready(pod):
            healthy += 1
    return healthy


def disruptions_allowed(current_healthy: int, desired_healthy: int, expected_pods: int) -> int:
    """currentHealthy - desiredHealthy, but 0 when negative or when no pod is expected (a PDB
    matching no pods is safe when its first pods appear before its status is updated)."""
    allowed = current_healthy - desired_healthy
    return 0 if expected_pods <= 0 or allowed <= 0 else allowed


def set_status_condition(conditions: list[Condition], new: Condition, now: float) -> list[Condition]:
    """meta.SetStatusCondition: add ``new`` or update the condition of its type; the transition
    time moves (to ``now`` unless ``new`` carries one) only when the status changes."""
    out = list(conditions)
    for i, old in enumerate(out):
        if old.type != new.type:
            continue
        update: dict[str, object] = {"reason": new.reason, "message": new.message,
                                     "observed_generation": new.observed_generation}
        if old.status != new.status:
            update["status"] = new.status
            update["last_transition_time"] = now if new.last_transition_time is None else new.last_transition_time
        out[i] = old.model_copy(update=update)
        return out
    out.append(new if new.last_transition_time is not None else new.model_copy(update={"last_transition_time": now}))
    return out


def disruption_allowed_condition(allowed: int, observed_generation: int) -> Condition:
    """UpdateDisruptionAllowedCondition's condition: True (SufficientPods) when disruptions are
    allowed, else False (InsufficientPods)."""
    if allowed > 0:
        return Condition(type=DISRUPTION_ALLOWED, status="True", reason=SUFFICIENT_PODS,
                         observed_generation=observed_generation)
    return Condition(type=DISRUPTION_ALLOWED, status="False", reason=INSUFFICIENT_PODS,
                     observed_generation=observed_generation)


def conditions_up_to_date(pdb: PodDisruptionBudget) -> bool:
    """ConditionsAreUpToDate: the DisruptionAllowed condition agrees with ``disruptionsAllowed``
    and the status has observed the PDB's generation."""
    cond = next((c for c in pdb.status.conditions if c.type == DISRUPTION_ALLOWED), None)
    if cond is None or pdb.status.observed_generation != (pdb.metadata.generation or 0):
        return False
    if pdb.status.disruptions_allowed > 0:
        return cond.status == "True" and cond.reason == SUFFICIENT_PODS
    return cond.status == "False" and cond.reason == INSUFFICIENT_PODS


def selector_string(sel: LabelSelector | None) -> str:
    """A *metav1.LabelSelector as Go's %v prints it (its generated String()), for event messages."""
    if sel is None:
        return "nil"
    labels = "".join(f"{k}: {v}," for k, v in sorted(sel.match_labels.items()))
    exprs = "".join(f"LabelSelectorRequirement{{Key:{e.key},Operator:{e.operator},Values:[{' '.join(e.values)}],}},"
                    for e in sel.match_expressions)
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}")
