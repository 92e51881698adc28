"""The DaemonSet controller process (pkg/controller/daemon/daemon_controller.go): informer handlers
that queue DaemonSets, and syncDaemonSet.

A sync claims the DaemonSet's pods (adopting matching orphans, releasing owned pods that no
longer match) and groups them by target node (spec.nodeName, or the node of their required
``metadata.name`` node affinity). If its expectations are satisfied it then, for each node
(podsShouldBeOnNode):

* creates a pod where the node should run one and has none;
* deletes failed daemon pods (at most once per backoff period of the node: 1 s doubling to
  15 min, event ``FailedDaemonPod``) and succeeded ones (event ``SucceededDaemonPod``), and all but
  the oldest running pod (without surge);
* deletes the pods of a node that should no longer run one (an untolerated NoExecute taint,
  a label, affinity or nodeName that no longer matches);

plus unscheduled pods whose target node does not exist. Creates go out in slow-start batches of
1, 2, 4, ... (at most BurstReplicas, 250, per sync; a failed batch stops the rest), then the
deletes all at once, with ControllerExpectations set before. Then the rolling update runs
(:mod:`.update`), and the status is written (desiredNumberScheduled, currentNumberScheduled,
numberMisscheduled, numberReady, updatedNumberScheduled, numberAvailable, numberUnavailable and,
when the expectations were satisfied, observedGeneration), retried once after a fresh read.
With minReadySeconds, a pod turning ready requeues its DaemonSet minReadySeconds + 1 s later,
and a sync with ready but not available pods requeues after minReadySeconds.

Nodes: a node added that should run a pod, or a node whose labels or taints change what it
should run, queues the DaemonSet. A deleted node queues nothing: its pods are removed by the pod
garbage collector (orphaned pods, after its 40 s quarantine), as in Kubernetes, and each removal
then queues the DaemonSet.

Simplified:
* ControllerRevision objects are not stored. The current revision's hash is ComputeHash of the
  template and status.collisionCount (:mod:`kbench.controllers.deployment.hashing`, a canonical
  JSON hash, not Go's), which is what the revision kube would find or create is labelled with;
  history cleanup (revisionHistoryLimit) has nothing to clean.
* The ``pod-template-generation`` label comes from the DaemonSet's
  ``deprecated.daemonset.template.generation`` annotation, which kube-apiserver's DaemonSet
  strategy maintains and kbench's API server does not: the label appears only when a manifest
  sets the annotation.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from kbench.api.objects import Node, OwnerReference, Pod
from kbench.api.selectors import label_selector
from kbench.api.workloads import DaemonSet
from kbench.controllers.base import (
    ORPHAN_INDEX,
    InformerFactory,
    controller_of,
    is_pod_available,
    is_pod_ready,
)
from kbench.controllers.blocking import BlockingController, Call, Steps, call
from kbench.controllers.daemonset.backoff import Backoff
from kbench.controllers.daemonset.pods import (
    create_daemon_pod,
    create_pod_template,
    daemon_pod,
    delete_daemon_pod,
)
from kbench.controllers.daemonset.update import rolling_update
from kbench.controllers.daemonset.util import (
    CONTROLLER_REVISION_HASH_LABEL,
    DaemonPodFit,
    allows_surge,
    is_pod_updated,
    target_node_name,
    template_generation,
)
from kbench.controllers.deployment.hashing import compute_hash
from kbench.controllers.expectations import Expectations
from kbench.controllers.manager import register
from kbench.controllers.ref_manager import claim
from kbench.errors import APIError
from kbench.sim.apiserver import APIServer, registry_key
from kbench.sim.informers import Informer

BURST_REPLICAS = 250
SLOW_START_INITIAL_BATCH_SIZE = 1
STATUS_UPDATE_RETRIES = 1
TERMINAL_PHASES = ("Succeeded", "Failed")

Gen = Generator[Call | list[Call], Any, Any]


def by_creation_and_phase(pod: Pod) -> tuple[bool, float, str]:
    """podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name."""
    return not pod.spec.node_name, float(pod.metadata.creation_timestamp or 0.0), pod.metadata.name


def unscheduled_pods_without_node(nodes: list[Node], node_pods: dict[str, list[Pod]]) -> list[str]:
    """getUnscheduledPodsWithoutNode: unbound pods whose target node does not exist (the pod GC
    never sees them)."""
    names = {n.name for n in nodes}
    return [p.metadata.name for node in sorted(node_pods) if node not in names
            for p in node_pods[node] if not p.spec.node_name]


@register
class DaemonSetController(BlockingController):
    """kube-controller-manager's ``daemonset`` controller."""

    name = "daemonset"

    def __init__(self, api: APIServer, informers: InformerFactory) -> None:
        super().__init__(api, informers)
        self.daemon_sets: Informer = informers.get("DaemonSet")
        self.pods: Informer = informers.get("Pod")
        self.nodes: Informer = informers.get("Node")
        self.expectations = Expectations(self.now)
        self.failed_pods_backoff = Backoff(self.now)
        self.daemon_sets.add_handlers(on_add=self._add_ds, on_update=self._update_ds, on_delete=self._delete_ds)
        self.pods.add_handlers(on_add=self._add_pod, on_update=self._update_pod, on_delete=self._delete_pod)
        self.nodes.add_handlers(on_add=self._add_node, on_update=self._update_node)

    # ---- lookups ------------------------------------------------------------------------------

    def _get(self, namespace: str, name: str) -> DaemonSet | None:
        ds = self.daemon_sets.get(registry_key("DaemonSet", namespace, name))
        return ds if isinstance(ds, DaemonSet) else None

    def node(self, name: str) -> Node | None:
        """The cached node (nodeLister.Get)."""
        n = self.nodes.get(registry_key("Node", None, name))
        return n if isinstance(n, Node) else None

    def pod(self, namespace: str, name: str) -> Pod | None:
        """The cached pod (podLister.Get)."""
        p = self.pods.get(registry_key("Pod", namespace, name))
        return p if isinstance(p, Pod) else None

    def _all(self) -> list[DaemonSet]:
        return [ds for ds in self.daemon_sets.list() if isinstance(ds, DaemonSet)]

    def _resolve(self, namespace: str, ref: OwnerReference) -> DaemonSet | None:
        """resolveControllerRef: the cached DaemonSet the reference names, if its uid matches."""
        if ref.kind != "DaemonSet":
            return None
        ds = self._get(namespace, ref.name)
        return ds if ds is not None and ds.metadata.uid == ref.uid else None

    def _pod_daemon_sets(self, pod: Pod) -> list[DaemonSet]:
        """GetPodDaemonSets: DaemonSets of the pod's namespace whose non-empty selector matches it."""
        if not pod.metadata.labels:
            return []
        out = []
        for ds in self.daemon_sets.by_index("namespace", pod.namespace):
            if not isinstance(ds, DaemonSet):
                continue
            sel = label_selector(ds.spec.selector)
            if not sel.empty and sel.matches(pod.metadata.labels):
                out.append(ds)
        return out

    # ---- handlers -----------------------------------------------------------------------------

    def _add_ds(self, ds: DaemonSet) -> None:
        self.queue.add(ds.key)

    def _update_ds(self, old: DaemonSet, cur: DaemonSet) -> None:
        if cur.metadata.uid != old.metadata.uid:
            self._delete_ds(old)
        self.queue.add(cur.key)

    def _delete_ds(self, ds: DaemonSet) -> None:
        self.expectations.delete(ds.key)
        self.queue.add(ds.key)

    def _add_pod(self, pod: Pod) -> None:
        if pod.metadata.deletion_timestamp is not None:
            self._delete_pod(pod)
            return
        ref = controller_of(pod)
        if ref is not None:
            ds = self._resolve(pod.namespace, ref)
            if ds is not None:
                self.expectations.creation_observed(ds.key)
                self.queue.add(ds.key)
            return
        for ds in self._pod_daemon_sets(pod):
            self.queue.add(ds.key)

    def _update_pod(self, old: Pod, cur: Pod) -> None:
        if cur.metadata.resource_version == old.metadata.resource_version:
            return
        if cur.metadata.deletion_timestamp is not None:
            self._delete_pod(cur)
            return
        cur_ref, old_ref = controller_of(cur), controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            prev = self._resolve(old.namespace, old_ref)
            if prev is not None:
                self.queue.add(prev.key)
        if cur_ref is not None:
            ds = self._resolve(cur.namespace, cur_ref)
            if ds is None:
                return
            self.queue.add(ds.key)
            if not is_pod_ready(old) and is_pod_ready(cur) and ds.spec.min_ready_seconds > 0:
                # "Add a second to avoid milliseconds skew in AddAfter."
                self.queue.add_after(ds.key, ds.spec.min_ready_seconds + 1.0)
            return
        dss = self._pod_daemon_sets(cur)
        if dss and (cur.metadata.labels != old.metadata.labels or ref_changed):
            for ds in dss:
                self.queue.add(ds.key)

    def _delete_pod(self, pod: Pod) -> None:
        ref = controller_of(pod)
        if ref is None:
            return
        ds = self._resolve(pod.namespace, ref)
        if ds is None:
            return
        self.expectations.deletion_observed(ds.key)
        self.queue.add(ds.key)

    def _add_node(self, node: Node) -> None:
        for ds in self._all():
            if DaemonPodFit.of(ds).should_run(node)[0]:
                self.queue.add(ds.key)

    def _update_node(self, old: Node, cur: Node) -> None:
        """updateNode: only a change of labels or taints can change what a node should run."""
        if old.metadata.labels == cur.metadata.labels and old.spec.taints == cur.spec.taints:
            return
        for ds in self._all():
            fit = DaemonPodFit.of(ds)
            if fit.should_run(old) != fit.should_run(cur):
                self.queue.add(ds.key)

    # ---- sync ---------------------------------------------------------------------------------

    def steps(self, key: Any) -> Steps:
        """syncDaemonSet."""
        namespace, name = str(key).split("/", 1)
        ds = self._get(namespace, name)
        if ds is None:
            self.expectations.delete(key)
            return
        nodes = [n for n in self.nodes.list() if isinstance(n, Node)]
        sel = ds.spec.selector
        if not sel.match_labels and not sel.match_expressions:
            self.event(ds, "Warning", "SelectingAll",
                       "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        if ds.metadata.deletion_timestamp is not None:
            return
        hash_ = compute_hash(ds.spec.template, ds.status.collision_count)
        fit = DaemonPodFit.of(ds)
        if not self.expectations.satisfied(key):
            yield from self._update_status(ds, fit, nodes, hash_, update_observed_generation=False)
            return
        error: APIError | None = None
        try:
            yield from self._manage(ds, fit, nodes, hash_)
            if self.expectations.satisfied(key) and ds.spec.update_strategy.type == "RollingUpdate":
                yield from rolling_update(self, ds, fit, nodes, hash_)
        except APIError as e:
            error = e
        status_error: APIError | None = None
        try:
            yield from self._update_status(ds, fit, nodes, hash_, update_observed_generation=True)
        except APIError as e:
            status_error = e
        if error is not None:
            raise error
        if status_error is not None:
            raise status_error

    def nodes_to_daemon_pods(self, ds: DaemonSet, include_deleted_terminal: bool = False) -> Gen:
        """getNodesToDaemonPods: the claimed pods by target node (terminal pods being deleted
        left out unless asked for)."""
        candidates = self.pods.by_index("controller", ds.metadata.uid or "") + self.pods.by_index(ORPHAN_INDEX,
                                                                                                ds.namespace)
        claimed = yield from claim(self.api, ds, label_selector(ds.spec.selector),
                                   [p for p in candidates if isinstance(p, Pod)])
        out: dict[str, list[Pod]] = {}
        for pod in claimed:
            if not isinstance(pod, Pod):
                continue
            if (not include_deleted_terminal and pod.status.get("phase") in TERMINAL_PHASES
                    and pod.metadata.deletion_timestamp is not None):
                continue
            node = target_node_name(pod)
            if node is not None:
                out.setdefault(node, []).append(pod)
        return out

    def _manage(self, ds: DaemonSet, fit: DaemonPodFit, nodes: list[Node], hash_: str) -> Gen:
        """manage: create and delete daemon pods node by node."""
        node_pods = yield from self.nodes_to_daemon_pods(ds)
        to_create: list[str] = []
        to_delete: list[str] = []
        for node in nodes:
            create, delete = self._pods_should_be_on_node(ds, fit, node, node_pods, hash_)
            to_create += create
            to_delete += delete
        to_delete += unscheduled_pods_without_node(nodes, node_pods)
        yield from self.sync_nodes(ds, to_delete, to_create, hash_)

    def _pods_should_be_on_node(self, ds: DaemonSet, fit: DaemonPodFit, node: Node, node_pods: dict[str, list[Pod]],
                                hash_: str) -> tuple[list[str], list[str]]:
        """podsShouldBeOnNode: (nodes needing a daemon pod, pods to delete) for one node."""
        should_run, should_continue = fit.should_run(node)
        pods = node_pods.get(node.name)
        create: list[str] = []
        delete: list[str] = []
        if should_run and pods is None:
            create.append(node.name)
        elif should_continue:
            running = self._prune_ended(ds, node, pods or [], delete)
            running.sort(key=by_creation_and_phase)
            if not allows_surge(ds):
                delete += [p.metadata.name for p in running[1:]]
            elif not running:
                if should_run:
                    create.append(node.name)
            elif len(running) > 1:
                delete += self._surge_excess(ds, running, hash_)
        elif pods is not None:
            delete += [p.metadata.name for p in pods if p.metadata.deletion_timestamp is None]
        return create, delete

    def _prune_ended(self, ds: DaemonSet, node: Node, pods: list[Pod], delete: list[str]) -> list[Pod]:
        """The failed (within the node's backoff) and succeeded daemon pods go to ``delete``; the
        others not being deleted are returned."""
        running = []
        for pod in pods:
            if pod.metadata.deletion_timestamp is not None:
                continue
            phase = pod.status.get("phase")
            where = f"{pod.namespace}/{pod.metadata.name} on node {node.name}"
            if phase == "Failed":
                # "This is a critical place where DS is often fighting with kubelet that rejects pods."
                key = f"{ds.metadata.uid}/{ds.status.observed_generation}/{node.name}"
                now = self.now()
                if self.failed_pods_backoff.in_backoff_since_update(key, now):
                    self.queue.add_after(ds.key, self.failed_pods_backoff.get(key))
                    continue
                self.failed_pods_backoff.next(key, now)
                self.event(ds, "Warning", "FailedDaemonPod", f"Found failed daemon pod {where}, will try to kill it")
                delete.append(pod.metadata.name)
            elif phase == "Succeeded":
                self.event(ds, "Normal", "SucceededDaemonPod",
                           f"Found succeeded daemon pod {where}, will try to delete it")
                delete.append(pod.metadata.name)
            else:
                running.append(pod)
        return running

    def _surge_excess(self, ds: DaemonSet, running: list[Pod], hash_: str) -> list[str]:
        """With surge: keep the oldest new and oldest old pod; delete the old one once it is not
        ready or the new one is available."""
        oldest_new: Pod | None = None
        oldest_old: Pod | None = None
        delete = []
        for pod in running:
            if pod.metadata.labels.get(CONTROLLER_REVISION_HASH_LABEL) == hash_:
                if oldest_new is None:
                    oldest_new = pod
                    continue
            elif oldest_old is None:
                oldest_old = pod
                continue
            delete.append(pod.metadata.name)
        if oldest_new is not None and oldest_old is not None and (
                not is_pod_ready(oldest_old) or is_pod_available(oldest_new, ds.spec.min_ready_seconds, self.now())):
            delete.append(oldest_old.metadata.name)
        return delete

    def sync_nodes(self, ds: DaemonSet, to_delete: list[str], to_create: list[str], hash_: str) -> Gen:
        """syncNodes: set expectations, create in slow-start batches, then delete all at once;
        raises the first error."""
        key = ds.key
        create_diff = min(len(to_create), BURST_REPLICAS)
        delete_diff = min(len(to_delete), BURST_REPLICAS)
        self.expectations.expect(key, add=create_diff, delete=delete_diff)
        errors: list[APIError] = []
        template = create_pod_template(ds.spec.template, template_generation(ds), hash_)
        pos, batch = 0, min(create_diff, SLOW_START_INITIAL_BATCH_SIZE)
        while create_diff > pos:
            results = yield [call(create_daemon_pod, self.api, ds, daemon_pod(template, ds, to_create[i]))
                             for i in range(pos, pos + batch)]
            failed = [r for r in results if isinstance(r, APIError)]
            for _ in failed:
                self.expectations.creation_observed(key)
            errors += failed
            skipped = create_diff - (batch + pos)
            if failed and skipped > 0:
                for _ in range(skipped):
                    self.expectations.creation_observed(key)
                break
            pos, batch = pos + batch, min(2 * batch, create_diff - (pos + batch))
        if delete_diff:
            results = yield [call(delete_daemon_pod, self.api, ds, name) for name in to_delete[:delete_diff]]
            for r in results:
                if isinstance(r, APIError):
                    self.expectations.deletion_observed(key)
                    if r.reason != "NotFound":
                        errors.append(r)
        if errors:
            raise errors[0]

    # ---- status -------------------------------------------------------------------------------

    def _update_status(self, ds: DaemonSet, fit: DaemonPodFit, nodes: list[Node], hash_: str,
                       update_observed_generation: bool) -> Gen:
        """updateDaemonSetStatus: count over the nodes and each one's oldest daemon pod."""
        node_pods = yield from self.nodes_to_daemon_pods(ds)
        desired = current = misscheduled = ready = updated = available = 0
        now = self.now()
        generation = template_generation(ds)
        for node in nodes:
            should_run = fit.should_run(node)[0]
            pods = node_pods.get(node.name, [])
            if not should_run:
                misscheduled += bool(pods)
                continue
            desired += 1
            if not pods:
                continue
            current += 1
            pod = min(pods, key=by_creation_and_phase)
            if is_pod_ready(pod):
                ready += 1
                available += is_pod_available(pod, ds.spec.min_ready_seconds, now)
            updated += is_pod_updated(pod, hash_, generation)
        counts = {"desired_number_scheduled": desired, "current_number_scheduled": current,
                  "number_misscheduled": misscheduled, "number_ready": ready, "updated_number_scheduled": updated,
                  "number_available": available, "number_unavailable": desired - available}
        yield from self._store_status(ds, counts, update_observed_generation)
        if ds.spec.min_ready_seconds > 0 and ready != available:
            self.queue.add_after(ds.key, float(ds.spec.min_ready_seconds))

    def _store_status(self, ds: DaemonSet, counts: dict[str, int], update_observed_generation: bool) -> Gen:
        """storeDaemonSetStatus: write unless nothing changed; retry once after a fresh read."""
        generation = ds.metadata.generation or 0
        s = ds.status
        if all(getattr(s, k) == v for k, v in counts.items()) and s.observed_generation >= generation:
            return
        if update_observed_generation:
            counts = {**counts, "observed_generation": generation}
        current: DaemonSet = ds
        attempt = 0
        while True:
            try:
                yield call(self.api.update, current.model_copy(update={"status": current.status.model_copy(
                    update=counts)}))
                return
            except APIError:
                if attempt >= STATUS_UPDATE_RETRIES:
                    raise
            attempt += 1
            current = yield call(self.api.get, "DaemonSet", ds.namespace, ds.metadata.name)
