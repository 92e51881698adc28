"""The disruption controller (pkg/controller/disruption/disruption.go): keep each
PodDisruptionBudget's status current, and clear stale DisruptionTarget conditions of pods.

Handlers: a PDB's add, update or delete queues it; a pod's add, update or delete queues the first
PDB (by name) of its namespace whose selector matches it, recording a ``MultiplePodDisruptionBudgets``
warning on the pod when several do (kube picks one arbitrarily too). Controllers are read from the
shared informers, without handlers: a change of scale shows at the PDB's next sync, as in kube.

A sync (trySync) lists the pods the selector matches, works out expectedPods and desiredHealthy
(:mod:`.scale`), keeps the entries of ``disruptedPods`` that are still pending, counts the healthy
pods (:mod:`.status`) and writes the status with the ``DisruptionAllowed`` condition when anything
changed, with the resourceVersion read from the cache (a Conflict requeues with backoff). A
pending entry of ``disruptedPods`` requeues the PDB, with backoff, once it expires. A sync that
fails otherwise (an invalid selector, a controller no finder knows, a failed write) sets
``disruptionsAllowed`` to 0 with the condition False, reason SyncFailed (failSafe). Events:
``NoPods``, ``UnmanagedPods``, ``CalculateExpectedPodCountFailed`` on the PDB, ``NotDeleted`` on a
pod whose disruption expired.

A pod that is not being deleted and has a DisruptionTarget condition True (not set by the kubelet,
not terminal) for stalePodDisruptionTimeout (2 min) gets the condition set to False.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

from kbench.api.conditions import find, update_pod_condition
from kbench.api.label_validation import selector_error
from kbench.api.objects import LabelSelector, Pod
from kbench.api.policy import PodDisruptionBudget
from kbench.api.selectors import Selector, label_selector
from kbench.controllers.base import InformerFactory
from kbench.controllers.blocking import BlockingController, Steps, call
from kbench.controllers.disruption.scale import DisruptionError, ScaleFinder, expected_pod_count
from kbench.controllers.disruption.status import (
    STALE_POD_DISRUPTION_TIMEOUT,
    SYNC_FAILED,
    TERMINAL_PHASES,
    build_disrupted_pod_map,
    conditions_up_to_date,
    count_healthy_pods,
    disruption_allowed_condition,
    disruptions_allowed,
    selector_string,
    set_status_condition,
)
from kbench.controllers.manager import register
from kbench.controllers.workqueue import WorkQueue
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer

STALE = "stale-pod-disruption"
"""Queue keys ``(STALE, "ns/name")`` are pods to check for a stale DisruptionTarget condition (the
stalePodDisruptionQueue); plain ``"ns/name"`` keys are PDBs."""


def pdb_key(pdb: PodDisruptionBudget) -> str:
    """controller.KeyFunc: ``namespace/name``."""
    return f"{pdb.metadata.namespace or 'default'}/{pdb.metadata.name}"


@register
class DisruptionController(BlockingController):
    """kube-controller-manager's ``disruption`` controller."""

    name = "disruption"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.pdbs: Informer = informers.get("PodDisruptionBudget")
        self.pods: Informer = informers.get("Pod")
        self.finder = ScaleFinder(api, informers.get("ReplicationController"), informers.get("ReplicaSet"),
                                  informers.get("Deployment"), informers.get("StatefulSet"))
        self.recheck = WorkQueue(api.engine, self.queue.add_rate_limited)
        """recheckQueue: a PDB due when an entry of its disruptedPods expires; its worker queues
        the PDB with backoff."""
        self._selectors: dict[str, tuple[LabelSelector | None, Selector | None]] = {}
        """PDB key -> (its spec.selector, the compiled selector or None when it does not parse)."""
        self._members: dict[str, set[bytes]] = {}
        """PDB key -> cache keys of the pods its selector matches (what getPodsForPdb lists)."""
        self.pdbs.add_handlers(on_add=self._add_pdb, on_update=self._update_pdb, on_delete=self._delete_pdb)
        self.pods.add_handlers(on_add=self._add_pod, on_update=self._update_pod, on_delete=self._delete_pod)

    @property
    def idle(self) -> bool:
        return super().idle and self.recheck.idle

    # ---- selectors and the pods they match -----------------------------------------------------

    def _selector(self, pdb: PodDisruptionBudget) -> Selector | None:
        """The PDB's compiled selector; None when LabelSelectorAsSelector would fail."""
        key = pdb_key(pdb)
        cached = self._selectors.get(key)
        if cached is not None and cached[0] is pdb.spec.selector:
            return cached[1]
        sel = None if selector_error(pdb.spec.selector) is not None else label_selector(pdb.spec.selector)
        self._selectors[key] = (pdb.spec.selector, sel)
        return sel

    def _refile_pdb(self, pdb: PodDisruptionBudget) -> None:
        """List the namespace's pods the PDB's selector matches."""
        sel = self._selector(pdb)
        ns = pdb.metadata.namespace or "default"
        pods = self.pods.by_index("namespace", ns) if sel is not None else []
        self._members[pdb_key(pdb)] = {registry_key("Pod", ns, p.metadata.name)  # type: ignore[attr-defined]
                                       for p in pods if sel is not None and sel.matches(p.metadata.labels)}  # type: ignore[attr-defined]

    def _file_pod(self, pod: Pod, present: bool) -> list[PodDisruptionBudget]:
        """Add the pod to (or, when not ``present``, drop it from) the pod sets of its namespace's
        PDBs; the PDBs whose selector matches it, by name (GetPodPodDisruptionBudgets)."""
        pdbs = self.pdbs.by_index("namespace", pod.namespace)
        if not pdbs:
            return []
        key = registry_key("Pod", pod.namespace, pod.metadata.name)
        matched = []
        for pdb in pdbs:
            assert isinstance(pdb, PodDisruptionBudget)
            sel = self._selector(pdb)
            members = self._members.setdefault(pdb_key(pdb), set())
            if sel is not None and sel.matches(pod.metadata.labels):
                matched.append(pdb)
                if present:
                    members.add(key)
                    continue
            members.discard(key)
        return matched

    def _pods_for(self, pdb: PodDisruptionBudget) -> list[Pod]:
        """getPodsForPdb, in key order."""
        pods = (self.pods.get(k) for k in sorted(self._members.get(pdb_key(pdb), ())))
        return [p for p in pods if isinstance(p, Pod)]

    # ---- handlers -----------------------------------------------------------------------------

    def _add_pdb(self, pdb: PodDisruptionBudget) -> None:
        self._refile_pdb(pdb)
        self.queue.add(pdb_key(pdb))

    def _update_pdb(self, old: PodDisruptionBudget, cur: PodDisruptionBudget) -> None:
        if cur.spec.selector != old.spec.selector:
            self._refile_pdb(cur)
        self.queue.add(pdb_key(cur))

    def _delete_pdb(self, pdb: PodDisruptionBudget) -> None:
        key = pdb_key(pdb)
        self._members.pop(key, None)
        self._selectors.pop(key, None)
        self.queue.add(key)

    def _enqueue_for_pod(self, pod: Pod, matched: list[PodDisruptionBudget]) -> None:
        """getPdbForPod, then enqueue: the first matching PDB."""
        if not matched:
            return
        if len(matched) > 1:
            self.event(pod, "Warning", "MultiplePodDisruptionBudgets",
                       f'Pod "{pod.namespace}"/"{pod.metadata.name}" matches multiple PodDisruptionBudgets.  '
                       f'Chose "{matched[0].metadata.name}" arbitrarily.')
        self.queue.add(pdb_key(matched[0]))

    def _add_pod(self, pod: Pod) -> None:
        self._enqueue_for_pod(pod, self._file_pod(pod, True))
        self._check_stale(pod)

    def _update_pod(self, old: Pod, cur: Pod) -> None:
        self._enqueue_for_pod(cur, self._file_pod(cur, True))
        self._check_stale(cur)

    def _delete_pod(self, pod: Pod) -> None:
        self._enqueue_for_pod(pod, self._file_pod(pod, False))

    # ---- stale DisruptionTarget conditions ----------------------------------------------------

    def _stale_wait(self, pod: Pod) -> float | None:
        """nonTerminatingPodHasStaleDisruptionCondition: how long until the pod's DisruptionTarget
        condition is stale; None if it has none to clean up."""
        if pod.metadata.deletion_timestamp is not None:
            return None
        cond = find(pod.status.get("conditions"), "DisruptionTarget")
        if (cond is None or cond.get("status") != "True" or cond.get("reason") == "TerminationByKubelet"
                or pod.status.get("phase") in TERMINAL_PHASES):
            return None
        since = cond.get("lastTransitionTime")
        age = math.inf if since is None else self.now() - float(since)
        return max(STALE_POD_DISRUPTION_TIMEOUT - age, 0.0)

    def _check_stale(self, pod: Pod) -> None:
        wait = self._stale_wait(pod)
        if wait is not None:
            self.queue.add_after((STALE, pod.key), wait)

    def _sync_stale(self, key: str) -> Steps:
        """syncStalePodDisruption: set a stale DisruptionTarget condition to False."""
        namespace, name = key.split("/", 1)
        pod = self.pods.get(registry_key("Pod", namespace, name))
        if not isinstance(pod, Pod):
            return
        wait = self._stale_wait(pod)
        if wait is None:
            return
        if wait > 0:
            self.queue.add_after((STALE, key), wait)
            return
        conditions, changed = update_pod_condition(pod.status.get("conditions"),
                                                   {"type": "DisruptionTarget", "status": "False"}, self.now())
        if changed:
            yield call(self.api.update, pod.model_copy(update={"status": {**pod.status, "conditions": conditions}}))

    # ---- sync ---------------------------------------------------------------------------------

    def steps(self, key: Hashable) -> Steps:
        """sync (or syncStalePodDisruption for a pod key)."""
        if isinstance(key, tuple):
            yield from self._sync_stale(key[1])
            return
        namespace, name = str(key).split("/", 1)
        pdb = self.pdbs.get(registry_key("PodDisruptionBudget", namespace, name))
        if not isinstance(pdb, PodDisruptionBudget):
            return
        try:
            yield from self._try_sync(pdb)
        except APIError as e:
            if e.reason == "Conflict":
                raise
            yield from self._fail_safe(pdb, str(e))
        except DisruptionError as e:
            yield from self._fail_safe(pdb, str(e))

    def _try_sync(self, pdb: PodDisruptionBudget) -> Steps:
        """trySync."""
        bad_selector = selector_error(pdb.spec.selector)
        if bad_selector is not None:
            self.event(pdb, "Warning", "NoPods", f"Failed to get pods: {bad_selector}")
            raise DisruptionError(bad_selector)
        pods = self._pods_for(pdb)
        if not pods:
            self.event(pdb, "Normal", "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = expected_pod_count(pdb, pods, self.finder)
        except DisruptionError as e:
            self.event(pdb, "Warning", "CalculateExpectedPodCountFailed",
                       f"Failed to calculate the number of expected pods: {e}")
            raise
        if unmanaged:
            self.event(pdb, "Warning", "UnmanagedPods",
                       f"Pods selected by this PodDisruptionBudget (selector: {selector_string(pdb.spec.selector)}) "
                       "were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, "
                       "which may result in undefined behavior. To account for these pods please set "
                       '".spec.minAvailable" field of the PDB to an integer value.')
        now = self.now()
        disrupted, recheck, expired = build_disrupted_pod_map(pods, pdb.status.disrupted_pods, now)
        for pod in expired:
            self.event(pod, "Warning", "NotDeleted",
                       f"Pod was expected by PDB {pdb_key(pdb)} to be deleted but it wasn't")
        healthy = count_healthy_pods(pods, disrupted, now)
        yield from self._update_status(pdb, healthy, desired, expected, disrupted)
        if recheck is not None:
            self.recheck.add_after(pdb_key(pdb), recheck - now)

    def _update_status(self, pdb: PodDisruptionBudget, healthy: int, desired: int, expected: int,
                       disrupted: dict[str, float]) -> Steps:
        """updatePdbStatus: write the status unless it is already current."""
        allowed = disruptions_allowed(healthy, desired, expected)
        generation = pdb.metadata.generation or 0
        s = pdb.status
        if (s.current_healthy == healthy and s.desired_healthy == desired and s.expected_pods == expected
                and s.disruptions_allowed == allowed and s.disrupted_pods == disrupted
                and s.observed_generation == generation and conditions_up_to_date(pdb)):
            return
        condition = disruption_allowed_condition(allowed, generation)
        status = s.model_copy(update={
            "current_healthy": healthy, "desired_healthy": desired, "expected_pods": expected,
            "disruptions_allowed": allowed, "disrupted_pods": disrupted, "observed_generation": generation,
            "conditions": set_status_condition(s.conditions, condition, float(math.floor(self.now())))})
        yield call(self.api.update, pdb.model_copy(update={"status": status}))

    def _fail_safe(self, pdb: PodDisruptionBudget, message: str) -> Steps:
        """failSafe: at least set disruptionsAllowed to 0, with DisruptionAllowed False (SyncFailed)."""
        s = pdb.status
        condition = disruption_allowed_condition(0, s.observed_generation).model_copy(
            update={"reason": SYNC_FAILED, "message": message})
        status = s.model_copy(update={"disruptions_allowed": 0, "conditions": set_status_condition(
            s.conditions, condition, float(math.floor(self.now())))})
        if status == s:
            return  # kube-apiserver stores an unchanged object without a new revision or watch event
        yield call(self.api.update, pdb.model_copy(update={"status": status}))
