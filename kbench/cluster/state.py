"""Columnar cluster state: node arrays the kernels read, and the book-keeping of bound pods.

Nodes are rows of int64 matrices (allocatable and requested per resource column, milli-cpu and
bytes), an int32 label matrix (per-key value ids, -1 where a node lacks the key) and padded
taint/image id matrices. Adding or removing a pod updates its node's row and every registered
pod counter that may accept it, so a scheduling cycle reads per-node counts without scanning pods.
Counters are indexed by what their matcher requires of a pod (a namespace and one ``key=value``
label, see ``PodMatcher.index_key``), so a pod is tested only against the matchers that can
accept it, not against all of them (a cluster of ReplicaSets has one spreading matcher each).

GPUs are also kept per device (FGD.md §1, §4): a :class:`~kbench.gpu.devices.GpuLedger` whose rows
are the node rows (GPU count from allocatable ``nvidia.com/gpu``, model from the label
``kbench.io/gpu-model``), and per node the GpuClustering tags of its pods. A bound pod takes the
GPUs the scheduler chose, else the default rule (whole GPUs: the lowest-index free ones; a share:
best fit); a pod bound elsewhere whose GPUs are not free is kept without GPUs and counted in
``pods_missing_gpus``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel

from kbench.api.objects import Namespace, Node, Pod, Service
from kbench.api.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    NON_ZERO_DEFAULTS,
    PODS,
    node_allocatable,
    pod_int_requests,
)
from kbench.cluster.interning import Interner, LabelTable
from kbench.cluster.owners import Owners
from kbench.cluster.pod_table import PodTable
from kbench.gpu.devices import GpuLedger
from kbench.gpu.policies import N_TAGS, affinity_tag
from kbench.gpu.requests import CPU_ONLY, GpuRequest, gpu_request
from kbench.sim.workload import GPU, GPU_MODEL_LABEL

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = 0, 1, 2
FIXED_RESOURCES = (CPU, MEMORY, EPHEMERAL_STORAGE, PODS)
R_CPU, R_MEMORY, R_EPHEMERAL, R_PODS = 0, 1, 2, 3
TERMINATED_PHASES = ("Succeeded", "Failed")

HostPort = tuple[str, str, int]


def host_ports(pod: Pod) -> tuple[HostPort, ...]:
    """(ip, protocol, port) of every host port, sanitised as HostPortInfo does (ip '' -> 0.0.0.0).

    Mirrors schedutil.GetHostPorts: containers and sidecar (restartPolicy Always) init containers.
    """
    out: list[HostPort] = []
    containers = [c for c in pod.spec.init_containers if c.restart_policy == "Always"] + list(pod.spec.containers)
    for c in containers:
        for p in c.ports:
            if p.host_port > 0:
                out.append((p.host_ip or "0.0.0.0", p.protocol or "TCP", p.host_port))
    return tuple(out)


def node_gpus(node: Node) -> tuple[int, str | None]:
    """(GPU count, GPU model) of a node: allocatable ``nvidia.com/gpu`` and the label
    ``kbench.io/gpu-model`` (None when absent or when the node has no GPU)."""
    count = node_allocatable(node).get(GPU, 0)
    return count, (node.metadata.labels.get(GPU_MODEL_LABEL) or None) if count else None


def has_pod_affinity(pod: Pod) -> bool:
    """True if the pod has any pod affinity or anti-affinity term (PodsWithAffinity)."""
    a = pod.spec.affinity
    return a is not None and (a.pod_affinity is not None or a.pod_anti_affinity is not None)


def has_required_anti_affinity(pod: Pod) -> bool:
    a = pod.spec.affinity
    return bool(a and a.pod_anti_affinity and a.pod_anti_affinity.required_during_scheduling_ignored_during_execution)


@dataclass(eq=False)
class PodRecord:
    """A pod bound to a node, with what the book-keeping needs to undo it."""

    pod: Pod
    node: int
    req: dict[int, int]
    nz_cpu: int
    nz_mem: int
    ports: tuple[HostPort, ...]
    terminating: bool
    has_affinity: bool
    has_required_anti_affinity: bool
    start_time: float = 0.0
    gpu: GpuRequest = CPU_ONLY
    """The pod's GPU request (``kbench.gpu.requests.gpu_request``)."""
    gpus: tuple[int, ...] = ()
    """Indices of the GPUs it holds on its node (``gpu.d`` milli-GPU on each)."""
    missing_gpus: bool = False
    """Bound without the GPUs it asks for (none were free when it was added)."""
    seq: int = 0
    """Binding sequence number (order of ``add_pod`` calls), kept by ``restore_pod``."""
    slot: int = -1
    """Its slot in ``ClusterState.pod_table`` while bound."""

    @property
    def key(self) -> str:
        return self.pod.key

    @property
    def namespace(self) -> str:
        return self.pod.namespace

    @property
    def labels(self) -> Mapping[str, str]:
        return self.pod.metadata.labels


IndexKey = tuple[str | None, str | None, str | None]
"""(namespace, label key, label value) every pod a matcher accepts has; None where it requires none."""


class PodMatcher(Protocol):
    """Anything hashable that says whether a bound pod counts (a selector with namespaces, say).

    A matcher may also have ``index_key() -> IndexKey | None``: a namespace and/or one
    ``key=value`` label that every pod it accepts has (None: no such requirement, test every pod).
    It must be a necessary condition of ``matches``, and depend on nothing that changes.
    """

    def __hash__(self) -> int: ...

    def matches(self, rec: PodRecord, state: ClusterState) -> bool: ...


def selector_index_label(requirements: Iterable[Any]) -> tuple[str, str] | None:
    """The first ``key In (value)`` requirement (a matchLabels entry) as (key, value): every label
    set the selector matches has that label; None when there is none."""
    for r in requirements:
        if r.op == "In" and len(r.values) == 1:
            return r.key, next(iter(r.values))
    return None


_NO_SELECTOR = object()


def _owner_selector(obj: BaseModel) -> object:
    """An owner's spec.selector, the only field helper.DefaultSelector reads of it."""
    return getattr(getattr(obj, "spec", None), "selector", _NO_SELECTOR)


def _discard(index: dict[Any, dict[str, PodRecord]], key: Any, uid: str) -> None:
    """Remove ``uid`` from ``index[key]``, dropping the entry once empty."""
    members = index.get(key)
    if members is not None:
        members.pop(uid, None)
        if not members:
            del index[key]


class ClusterState:
    """Nodes as arrays, bound pods as records, and per-node counters kept current incrementally."""

    MAX_COUNTERS = 512

    def __init__(self, capacity: int = 64) -> None:
        self.resources: Interner[str] = Interner()
        for r in FIXED_RESOURCES:
            self.resources.intern(r)
        self.labels = LabelTable()
        self.taints: Interner[tuple[str, str, str]] = Interner()
        self.images: Interner[str] = Interner()
        self.image_size: list[int] = []
        self.image_num_nodes: list[int] = []
        self.namespaces: dict[str, dict[str, str]] = {}
        self.owners = Owners()

        self.n_nodes = 0
        self.node_names: list[str] = []
        self.node_index: dict[str, int] = {}
        self.nodes: list[Node] = []
        self.node_label_dicts: list[dict[str, str]] = []
        self.pods_on_node: list[dict[str, PodRecord]] = []
        self.pods: dict[str, PodRecord] = {}
        self.ports: dict[tuple[str, int], dict[int, Counter[str]]] = {}
        self.affinity_pods: dict[str, PodRecord] = {}
        self.anti_affinity_pods: dict[str, PodRecord] = {}
        self._counters: dict[object, np.ndarray] = {}
        self._buckets: dict[tuple[str | None, ...], dict[object, None]] = {}
        """Counters' matchers (ordered sets) by what they require of a pod: (namespace or None,
        key, value), (namespace,), or () for matchers with nothing indexable (tested on every pod)."""
        self._bucket_of: dict[object, tuple[str | None, ...]] = {}
        self._pods_by_label: dict[tuple[str, str], dict[str, PodRecord]] = {}
        """Bound pods by each (key, value) of their labels: a new counter scans only the pods that
        can match it."""
        self._pods_by_namespace: dict[str, dict[str, PodRecord]] = {}
        self.pod_table = PodTable(capacity)
        """Bound pods as columnar slots (node, priority, start time, requests) for pod-scanning kernels."""
        self._pod_seq = 0

        cap = max(capacity, 8)
        # [row, column] indexing, column-major storage: a kernel scanning nodes for one resource
        # or label key reads contiguous memory.
        self.alloc = np.zeros((cap, 8), np.int64, order="F")
        self.requested = np.zeros((cap, 8), np.int64, order="F")
        self.nz_requested = np.zeros((cap, 2), np.int64, order="F")
        self.unschedulable = np.zeros(cap, np.bool_)
        self.label_val = np.full((cap, 8), -1, np.int32, order="F")
        self.taint_ids = np.full((cap, 4), -1, np.int32)
        self.image_ids = np.full((cap, 8), -1, np.int32)
        self.taint_effect = np.zeros(0, np.int8)
        self._image_size_arr = np.zeros(0, np.int64)
        self._image_nodes_arr = np.zeros(0, np.int64)
        self._image_nodes_version = -1
        self._rows = np.zeros(0, np.int64)
        self._max_alloc = 0
        self.gpus = GpuLedger()
        """Per-GPU free milli-GPU and model of every node, rows as the node rows."""
        self.gpu_count = np.zeros(cap, np.int64)
        self.gpu_model: list[str | None] = []
        self.gpu_tags = np.zeros((cap, N_TAGS), np.int64)
        """Per node, bound pods by GpuClustering affinity tag (``kbench.gpu.policies.affinity_tag``)."""
        self.pods_missing_gpus = 0
        """Bound pods holding none of the GPUs they ask for (bound by others onto full GPUs)."""
        self.n_unschedulable = 0
        """Nodes with spec.unschedulable (NodeUnschedulable skips its kernel when there are none)."""
        self.nodes_with_effect = [0, 0, 0]
        """Per taint effect (TAINT_EFFECTS order), nodes carrying at least one such taint."""
        self.version = 0
        """Bumped on every change; caches of derived per-cycle data key on it."""
        self.epoch = 0
        """Bumped when nodes, namespaces or interned strings change; compiled pod tables key on it."""

    # ---- growth ------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return self.alloc.shape[0]

    def _grow_rows(self, need: int) -> None:
        if need <= self.capacity:
            return
        cap = max(need, 2 * self.capacity)
        for name in ("alloc", "requested", "nz_requested", "unschedulable", "label_val", "taint_ids", "image_ids",
                     "gpu_count", "gpu_tags"):
            old = getattr(self, name)
            fill = -1 if name in ("label_val", "taint_ids", "image_ids") else 0
            new = np.full((cap,) + old.shape[1:], fill, old.dtype, order="F" if old.ndim == 2 and old.flags.f_contiguous else "C")
            new[: old.shape[0]] = old
            setattr(self, name, new)
        for key, arr in list(self._counters.items()):
            new = np.zeros(cap, np.int32)
            new[: arr.shape[0]] = arr
            self._counters[key] = new

    @staticmethod
    def _grow_cols(arr: np.ndarray, need: int, fill: int) -> np.ndarray:
        if need <= arr.shape[1]:
            return arr
        new = np.full((arr.shape[0], max(need, 2 * arr.shape[1])), fill, arr.dtype,
                      order="F" if arr.flags.f_contiguous else "C")
        new[:, : arr.shape[1]] = arr
        return new

    def resource_column(self, name: str) -> int:
        """Column of resource ``name`` in alloc/requested, adding one if new."""
        col = self.resources.intern(name)
        self.alloc = self._grow_cols(self.alloc, col + 1, 0)
        self.requested = self._grow_cols(self.requested, col + 1, 0)
        return col

    @property
    def n_resources(self) -> int:
        return len(self.resources)

    # ---- namespaces and nodes ----------------------------------------------------------------

    def add_namespace(self, ns: Namespace) -> None:
        self.namespaces[ns.metadata.name] = dict(ns.metadata.labels)
        self.epoch += 1
        self.version += 1

    def add_owner(self, obj: BaseModel) -> None:
        """Record (or replace) a Service or controller whose selector PodTopologySpread's defaults read.

        Replacing one with an object of the same type and selector (a ReplicaSet's status or scale
        update, say) changes no default selector, so compiled pod tables stay valid."""
        prev = self._owner(obj)
        self.owners.add(obj)
        selector = _owner_selector(obj)
        if prev is not None and type(prev) is type(obj) and selector is not _NO_SELECTOR and _owner_selector(prev) == selector:
            return
        self.epoch += 1
        self.version += 1

    def _owner(self, obj: BaseModel) -> BaseModel | None:
        """The recorded Service or controller ``obj`` replaces, if any."""
        meta = obj.metadata  # type: ignore[attr-defined]
        ns = meta.namespace or "default"
        if isinstance(obj, Service):
            return self.owners.services.get(ns, {}).get(meta.name)
        return self.owners.controllers.get((obj.kind, ns, meta.name))  # type: ignore[attr-defined]

    def remove_owner(self, obj: BaseModel) -> None:
        """Forget a deleted Service or controller."""
        self.owners.remove(obj)
        self.epoch += 1
        self.version += 1

    def add_node(self, node: Node) -> int:
        """Append a node; returns its row index."""
        if node.name in self.node_index:
            raise ValueError(f"node {node.name!r} added twice")
        i = self.n_nodes
        self._grow_rows(i + 1)
        self.n_nodes += 1
        self.node_names.append(node.name)
        self.node_index[node.name] = i
        self.nodes.append(node)
        self.node_label_dicts.append(dict(node.metadata.labels))
        self.pods_on_node.append({})
        for name, v in node_allocatable(node).items():
            self.alloc[i, self.resource_column(name)] = v
            self._max_alloc = max(self._max_alloc, v)
        self.unschedulable[i] = node.spec.unschedulable
        self.n_unschedulable += int(node.spec.unschedulable)
        for e in {TAINT_EFFECTS.index(t.effect) for t in node.spec.taints}:
            self.nodes_with_effect[e] += 1
        self._set_labels(i, node.metadata.labels)
        self._set_taints(i, [(t.key, t.value, t.effect) for t in node.spec.taints])
        self._set_images(i, node)
        count, model = node_gpus(node)
        self.gpu_count[i] = count
        self.gpu_model.append(model)
        self.gpus.add_node(i, count, model)
        self.epoch += 1
        self.version += 1
        return i

    def update_node(self, node: Node) -> int:
        """Replace a node's object (labels, taints, unschedulable, allocatable, images) in place."""
        i = self.node_index[node.name]
        self._forget_node_facts(i)
        self.nodes[i] = node
        self.node_label_dicts[i] = dict(node.metadata.labels)
        self.alloc[i, :] = 0
        for name, v in node_allocatable(node).items():
            self.alloc[i, self.resource_column(name)] = v
            self._max_alloc = max(self._max_alloc, v)
        self.unschedulable[i] = node.spec.unschedulable
        self.n_unschedulable += int(node.spec.unschedulable)
        for e in {TAINT_EFFECTS.index(t.effect) for t in node.spec.taints}:
            self.nodes_with_effect[e] += 1
        self._set_labels(i, node.metadata.labels)
        self._set_taints(i, [(t.key, t.value, t.effect) for t in node.spec.taints])
        self._set_images(i, node)
        count, model = node_gpus(node)
        if (count, model) != (self.gpu_count[i], self.gpu_model[i]):
            self._regpu_node(i, count, model)
        self.epoch += 1
        self.version += 1
        return i

    def remove_node(self, name: str) -> None:
        """Remove a node and the pods bound to it; later rows move up one, keeping node order."""
        i = self.node_index[name]
        for uid in list(self.pods_on_node[i]):
            self.remove_pod(uid)
        self._forget_node_facts(i)
        n = self.n_nodes
        for arr in (self.alloc, self.requested, self.nz_requested, self.unschedulable, self.label_val,
                    self.taint_ids, self.image_ids, self.gpu_count, self.gpu_tags, *self._counters.values()):
            arr[i:n - 1] = arr[i + 1:n]
            arr[n - 1] = -1 if arr.dtype == np.int32 and arr.ndim == 2 else 0
        for lst in (self.node_names, self.nodes, self.node_label_dicts, self.pods_on_node, self.gpu_model):
            del lst[i]
        self.n_nodes -= 1
        self._rebuild_gpus([r + (r >= i) for r in range(self.n_nodes)])
        self.node_index = {nm: k for k, nm in enumerate(self.node_names)}
        for rec in self.pods.values():
            if rec.node > i:
                rec.node -= 1
        self.pod_table.shift_nodes_after(i)
        for key, by_node in self.ports.items():
            self.ports[key] = {(k - 1 if k > i else k): v for k, v in by_node.items()}
        self.epoch += 1
        self.version += 1

    def _rebuild_gpus(self, old_rows: list[int | None]) -> None:
        """A new ledger from ``gpu_count``/``gpu_model``: new row r copies the free milli-GPU of old
        row ``old_rows[r]`` (None: all free). The ledger only appends rows, so a removed or resized
        node means building it again (rare: node deletions and GPU changes)."""
        old = self.gpus
        new = GpuLedger()
        for r in range(self.n_nodes):
            new.add_node(r, int(self.gpu_count[r]), self.gpu_model[r])
        for r, o in enumerate(old_rows):
            if o is not None:
                c = int(self.gpu_count[r])
                new.free[r, :c] = old.free[o, :c]
        self.gpus = new

    def _regpu_node(self, i: int, count: int, model: str | None) -> None:
        """Node ``i`` now has ``count`` GPUs of ``model``: its pods take GPUs again, keeping theirs if they still fit."""
        self.gpu_count[i] = count
        self.gpu_model[i] = model
        self._rebuild_gpus([None if r == i else r for r in range(self.n_nodes)])
        for rec in self.pods_on_node[i].values():
            if rec.gpu.k:
                self.pods_missing_gpus -= int(rec.missing_gpus)
                self._take_gpus(rec, rec.gpus or None)

    def _take_gpus(self, rec: PodRecord, wanted: tuple[int, ...] | None) -> None:
        """Give ``rec`` its GPUs on its node: ``wanted`` if they all have room, else the default rule
        (GpuLedger.allocate); with neither, none (``missing_gpus``, counted)."""
        req = rec.gpu
        free = self.gpus.free[rec.node]
        rec.gpus, rec.missing_gpus = (), False
        if wanted is not None and len(set(wanted)) == len(wanted) == req.k and all(
                0 <= g < free.shape[0] and free[g] >= req.d for g in wanted):
            for g in wanted:
                free[g] -= req.d
            rec.gpus = tuple(int(g) for g in wanted)
            return
        try:
            rec.gpus = self.gpus.allocate(rec.node, req.d, req.k)
        except ValueError:
            rec.missing_gpus = True
            self.pods_missing_gpus += 1

    def cpu_left(self) -> np.ndarray:
        """int64[nodes]: allocatable milli-CPU minus the non-zero CPU requests of bound pods (the
        ``C_n`` of the GPU policies, FGD.md §1)."""
        n = self.n_nodes
        return self.alloc[:n, R_CPU] - self.nz_requested[:n, 0]

    def _forget_node_facts(self, i: int) -> None:
        """Undo row ``i``'s contributions to the cluster-wide tallies (before replacing or removing it)."""
        old = self.nodes[i]
        self.n_unschedulable -= int(old.spec.unschedulable)
        for e in {TAINT_EFFECTS.index(t.effect) for t in old.spec.taints}:
            self.nodes_with_effect[e] -= 1
        for img in set(int(x) for x in self.image_ids[i] if x >= 0):
            self.image_num_nodes[img] -= 1

    def _set_labels(self, i: int, labels: Mapping[str, str]) -> None:
        cols = [(self.labels.key(k), v) for k, v in labels.items()]
        self.label_val = self._grow_cols(self.label_val, len(self.labels.keys), -1)
        self.label_val[i, :] = -1
        for k, v in cols:
            self.label_val[i, k] = self.labels.value(k, v)

    def _set_taints(self, i: int, taints: list[tuple[str, str, str]]) -> None:
        ids = [self.taints.intern(t) for t in taints]
        if len(self.taint_effect) < len(self.taints):
            self.taint_effect = np.array([TAINT_EFFECTS.index(t[2]) for t in self.taints.values], np.int8)
        self.taint_ids = self._grow_cols(self.taint_ids, len(ids), -1)
        self.taint_ids[i, :] = -1
        self.taint_ids[i, : len(ids)] = ids

    def _set_images(self, i: int, node: Node) -> None:
        seen: list[int] = []
        for image in node.status.images:
            for name in image.names:
                img = self.images.intern(name)
                if img == len(self.image_size):
                    self.image_size.append(image.size_bytes)
                    self.image_num_nodes.append(0)
                if img not in seen:
                    seen.append(img)
                    self.image_num_nodes[img] += 1
        self.image_ids = self._grow_cols(self.image_ids, len(seen), -1)
        self.image_ids[i, :] = -1
        self.image_ids[i, : len(seen)] = seen

    def max_allocatable(self) -> int:
        """The largest allocatable amount of any resource on any node (kernels choose exact
        float arithmetic below 2**53)."""
        return self._max_alloc

    def image_size_array(self) -> np.ndarray:
        """Size in bytes per interned image (as first reported), for kernels."""
        if len(self._image_size_arr) != len(self.image_size):
            self._image_size_arr = np.array(self.image_size, np.int64)
        return self._image_size_arr

    def image_nodes_array(self) -> np.ndarray:
        """Number of nodes holding each interned image, for kernels."""
        if self._image_nodes_version != self.epoch:
            self._image_nodes_arr = np.array(self.image_num_nodes, np.int64)
            self._image_nodes_version = self.epoch
        return self._image_nodes_arr

    def node_indices(self) -> np.ndarray:
        """Row indices of all nodes, in the order they were added (read-only, cached)."""
        if len(self._rows) != self.n_nodes:
            self._rows = np.arange(self.n_nodes, dtype=np.int64)
            self._rows.setflags(write=False)
        return self._rows

    # ---- pods --------------------------------------------------------------------------------

    def add_pod(self, pod: Pod, node: str | int, start_time: float = 0.0,
                gpus: tuple[int, ...] | None = None) -> PodRecord:
        """Bind ``pod`` to ``node`` and update every per-node aggregate.

        A GPU pod takes ``gpus`` (indices on the node, as a scheduler chose them) if given and
        free enough, else GPUs by the default rule; if none are free it is kept without GPUs."""
        i = node if isinstance(node, int) else self.node_index[node]
        uid = pod.metadata.uid or pod.key
        if uid in self.pods:
            raise ValueError(f"pod {pod.key} added twice")
        req = {self.resource_column(k): v for k, v in pod_int_requests(pod).items()}
        nz = pod_int_requests(pod, NON_ZERO_DEFAULTS)
        rec = PodRecord(
            pod=pod,
            node=i,
            req=req,
            nz_cpu=nz.get(CPU, 0),
            nz_mem=nz.get(MEMORY, 0),
            ports=host_ports(pod),
            terminating=pod.metadata.deletion_timestamp is not None,
            has_affinity=has_pod_affinity(pod),
            has_required_anti_affinity=has_required_anti_affinity(pod),
            start_time=start_time,
            gpu=gpu_request(pod),
            seq=self._pod_seq,
        )
        self._pod_seq += 1
        if rec.gpu.k:
            self._take_gpus(rec, gpus)
        self.pods[uid] = rec
        self._account(uid, rec, +1)
        return rec

    def restore_pod(self, uid: str, rec: PodRecord) -> None:
        """Bind again a record ``remove_pod`` returned, exactly as it was (same GPUs, same binding
        sequence), so a dry run can undo its removals. Its GPUs must still be free (nothing bound
        since then took them)."""
        if uid in self.pods:
            raise ValueError(f"pod {rec.key} added twice")
        if rec.gpus:
            self._take_gpus(rec, rec.gpus)
        elif rec.missing_gpus:
            self.pods_missing_gpus += 1
        self.pods[uid] = rec
        self._account(uid, rec, +1)

    def mark_terminating(self, uid: str, pod: Pod) -> None:
        """A bound pod got its deletionTimestamp (graceful deletion): the cache's UpdatePod. The
        pod keeps its node, resources, GPUs and binding order, but counts as terminating from now
        on (spreading skips it, preemption's eligibility reads it and its conditions)."""
        rec = self.pods.get(uid)
        if rec is not None and not rec.terminating:
            self.remove_pod(uid)
            rec.pod = pod
            rec.terminating = True
            self.restore_pod(uid, rec)

    def remove_pod(self, uid: str) -> PodRecord:
        """Unbind the pod with ``uid`` (or namespace/name) and undo its aggregates."""
        rec = self.pods.pop(uid)
        if rec.gpus:
            self.gpus.release(rec.node, rec.gpus, rec.gpu.d)
        self.pods_missing_gpus -= int(rec.missing_gpus)
        self._account(uid, rec, -1)
        return rec

    def _account(self, uid: str, rec: PodRecord, sign: int) -> None:
        i = rec.node
        for col, v in rec.req.items():
            self.requested[i, col] += sign * v
        self.requested[i, 3] += sign
        self.nz_requested[i, 0] += sign * rec.nz_cpu
        self.nz_requested[i, 1] += sign * rec.nz_mem
        self.gpu_tags[i, affinity_tag(rec.gpu.d, rec.gpu.k)] += sign
        for ip, proto, port in rec.ports:
            by_node = self.ports.setdefault((proto, port), {})
            ips = by_node.setdefault(i, Counter())
            ips[ip] += sign
            if ips[ip] <= 0:
                del ips[ip]
                if not ips:
                    del by_node[i]
        ns = rec.namespace
        labels = rec.labels
        if sign > 0:
            rec.slot = self.pod_table.add(rec, i, rec.pod.spec.priority or 0, rec.start_time, rec.seq, rec.req, R_PODS)
            self.pods_on_node[i][uid] = rec
            if rec.has_affinity:
                self.affinity_pods[uid] = rec
            if rec.has_required_anti_affinity:
                self.anti_affinity_pods[uid] = rec
            self._pods_by_namespace.setdefault(ns, {})[uid] = rec
            for kv in labels.items():
                self._pods_by_label.setdefault(kv, {})[uid] = rec
        else:
            self.pod_table.remove(rec.slot)
            rec.slot = -1
            self.pods_on_node[i].pop(uid, None)
            self.affinity_pods.pop(uid, None)
            self.anti_affinity_pods.pop(uid, None)
            _discard(self._pods_by_namespace, ns, uid)
            for kv in labels.items():
                _discard(self._pods_by_label, kv, uid)
        if self._counters:
            counters = self._counters
            for matcher in self._candidates(rec):
                if matcher.matches(rec, self):  # type: ignore[attr-defined]
                    counters[matcher][i] += sign
        self.version += 1

    def _candidates(self, rec: PodRecord) -> list[object]:
        """The counters' matchers that may accept ``rec``: those required nothing, its namespace, or
        one of its labels (each matcher sits in one bucket, so it is listed at most once)."""
        buckets = self._buckets
        ns = rec.namespace
        out = list(buckets.get((), ()))
        hit = buckets.get((ns,))
        if hit:
            out += hit
        for k, v in rec.labels.items():
            hit = buckets.get((ns, k, v))
            if hit:
                out += hit
            hit = buckets.get((None, k, v))
            if hit:
                out += hit
        return out

    def add_objects(self, nodes: Iterable[Node], pods: Iterable[Pod], namespaces: Iterable[Namespace]) -> None:
        """Load a static cluster: namespaces, nodes, then pods bound by spec.nodeName.

        Unbound pods are skipped, and so are terminated ones (status.phase Succeeded or Failed):
        kube-scheduler's pod informer lists pods with the field selector
        ``status.phase!=Succeeded,status.phase!=Failed`` (scheduler.go, newPodInformer)."""
        for ns in namespaces:
            self.add_namespace(ns)
        for n in nodes:
            self.add_node(n)
        for p in pods:
            if p.status.get("phase") in TERMINATED_PHASES:
                continue
            if p.spec.node_name and p.spec.node_name in self.node_index:
                self.add_pod(p, p.spec.node_name)

    # ---- counters ----------------------------------------------------------------------------

    def pod_counts(self, matcher: PodMatcher) -> np.ndarray:
        """Per-node number of bound pods ``matcher`` accepts (int32, node capacity long).

        The first call scans the pods that can match (those with its index label, or in its
        namespace, or all); after that the array is kept current by add/remove.
        """
        counts = self._counters.get(matcher)
        if counts is None:
            if len(self._counters) >= self.MAX_COUNTERS:
                self._forget_counter(next(iter(self._counters)))
            counts = np.zeros(self.capacity, np.int32)
            bucket = self._index_counter(matcher)
            for rec in self._pods_in(bucket):
                if matcher.matches(rec, self):
                    counts[rec.node] += 1
            self._counters[matcher] = counts
        return counts

    def _pods_in(self, bucket: tuple[str | None, ...]) -> Iterable[PodRecord]:
        """The bound pods a matcher of ``bucket`` may accept (a superset: matchers filter them)."""
        if len(bucket) == 3:
            _, key, value = bucket
            if key is not None and value is not None:
                return self._pods_by_label.get((key, value), {}).values()
        elif len(bucket) == 1 and bucket[0] is not None:
            return self._pods_by_namespace.get(bucket[0], {}).values()
        return self.pods.values()

    def _index_counter(self, matcher: object) -> tuple[str | None, ...]:
        """File a new counter's matcher under its index key; returns the bucket."""
        index_key = getattr(matcher, "index_key", None)
        key: IndexKey | None = index_key() if index_key is not None else None
        bucket: tuple[str | None, ...] = ()
        if key is not None and key[1] is not None and key[2] is not None:
            bucket = key
        elif key is not None and key[0] is not None:
            bucket = (key[0],)
        self._bucket_of[matcher] = bucket
        self._buckets.setdefault(bucket, {})[matcher] = None
        return bucket

    def _forget_counter(self, matcher: object) -> None:
        del self._counters[matcher]
        bucket = self._bucket_of.pop(matcher)
        members = self._buckets[bucket]
        del members[matcher]
        if not members:
            del self._buckets[bucket]

    def namespace_labels(self, ns: str) -> Mapping[str, str]:
        """Labels of namespace ``ns``; empty for a namespace with no Namespace object."""
        return self.namespaces.get(ns, {})
