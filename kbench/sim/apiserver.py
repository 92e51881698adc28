"""The API server of the simulation: Kubernetes objects kept in the etcd model, written and read
the way kube-apiserver's storage layer does it.

Objects are stored by reference (frozen pydantic models) under kube-apiserver's registry keys
(``/registry/pods/<ns>/<name>``, ``/registry/minions/<name>`` for nodes, ...). Creates are a txn
on ``create_revision == 0``; updates carrying a resourceVersion are a txn on ``mod_revision``
(optimistic concurrency, Conflict on mismatch); ``metadata.resourceVersion`` is the object's
etcd mod revision. Admission plugins run on create, in order, and may mutate or reject.

Clients send writes with ``submit``: a write commits after the latency model's delay
(:mod:`kbench.sim.latency`; immediately by default) and the client hears the outcome then, as a
Go client's call returns when etcd has committed. ``create``/``update``/``delete``/``bind`` are
the synchronous operations a commit runs.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from kbench.errors import APIError
from kbench.etcd import Compare, Op, RangeResult, Store, prefix_range_end
from kbench.metrics.column_log import ColumnLog
from kbench.metrics.schema import TABLES
from kbench.sim.engine import Engine
from kbench.sim.latency import CommitClock

T = TypeVar("T")

RESOURCES: dict[str, tuple[str, bool]] = {
    "Pod": ("pods", True),
    "Node": ("minions", False),
    "Namespace": ("namespaces", False),
    "Service": ("services/specs", True),
    "ReplicaSet": ("replicasets", True),
    "StatefulSet": ("statefulsets", True),
    "ReplicationController": ("controllers", True),
    "Deployment": ("deployments", True),
    "DaemonSet": ("daemonsets", True),
    "Job": ("jobs", True),
    "PriorityClass": ("priorityclasses", False),
    "ResourceQuota": ("resourcequotas", True),
    "LimitRange": ("limitranges", True),
    "Lease": ("leases", True),
    "PodDisruptionBudget": ("poddisruptionbudgets", True),
}
"""Kind -> (registry resource path, namespaced), as kube-apiserver's storage uses them."""

Admission = Callable[[BaseModel], BaseModel]
COMPACT_REV_KEY = b"compact_rev_key"
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""utilrand.String's alphabet (no vowels, no confusable digits): generateName's random suffix."""
DEFAULT_TERMINATION_GRACE_SECONDS = 30
"""v1.DefaultTerminationGracePeriodSeconds: a pod's grace period when its spec sets none."""


def registry_prefix(kind: str, namespace: str | None = None) -> bytes:
    """The etcd key prefix of a kind (and namespace), ending in '/'."""
    resource, namespaced = _resource(kind)
    if namespaced and namespace:
        return f"/registry/{resource}/{namespace}/".encode()
    return f"/registry/{resource}/".encode()


def registry_key(kind: str, namespace: str | None, name: str) -> bytes:
    """``/registry/<resource>/<namespace>/<name>`` (cluster-scoped kinds: no namespace)."""
    resource, namespaced = _resource(kind)
    if namespaced:
        return f"/registry/{resource}/{namespace or 'default'}/{name}".encode()
    return f"/registry/{resource}/{name}".encode()


def object_key(obj: BaseModel) -> str:
    """``namespace/name`` of a namespaced object, ``name`` of a cluster-scoped one (as events name them)."""
    ns = _ns(obj)
    name: str = obj.metadata.name  # type: ignore[attr-defined]
    return f"{ns}/{name}" if ns is not None else name


def _only_images_differ(old: Any, new: Any) -> bool:
    """True when two pod specs are equal but for their containers' images."""
    def strip(spec: Any) -> Any:
        return spec.model_copy(update={
            "containers": [c.model_copy(update={"image": ""}) for c in spec.containers],
            "init_containers": [c.model_copy(update={"image": ""}) for c in spec.init_containers]})
    return bool(strip(old) == strip(new))


def _pod_grace(pod: Any, requested: int | None) -> int:
    """The grace period a pod delete gets (pod strategy CheckGracefulDelete)."""
    if not pod.spec.node_name or pod.status.get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(requested, 0)
    tgp = pod.spec.termination_grace_period_seconds
    return DEFAULT_TERMINATION_GRACE_SECONDS if tgp is None else max(tgp, 0)


def _resource(kind: str) -> tuple[str, bool]:
    try:
        return RESOURCES[kind]
    except KeyError:
        raise APIError("NotFound", f"the server doesn't have a resource type {kind!r}") from None


def _meta_update(obj: BaseModel, **fields: Any) -> BaseModel:
    meta = obj.metadata.model_copy(update=fields)  # type: ignore[attr-defined]
    return obj.model_copy(update={"metadata": meta})


def _ns(obj: BaseModel) -> str | None:
    kind = obj.kind  # type: ignore[attr-defined]
    return (obj.metadata.namespace or "default") if _resource(kind)[1] else None  # type: ignore[attr-defined]


class APIServer:
    """Create, read, update, delete and watch objects in an etcd Store, on the engine's clock."""

    def __init__(self, store: Store, engine: Engine, admission: list[Admission] | None = None,
                 latency: CommitClock | None = None, names_rng: np.random.Generator | None = None) -> None:
        self.store = store
        self.engine = engine
        self.names_rng = names_rng if names_rng is not None else np.random.default_rng(0)
        """Draws generateName suffixes (its own stream, so names do not perturb other draws)."""
        self.admission = list(admission or [])
        self.latency = latency if latency is not None and not latency.delay.is_zero else None
        self.in_flight = 0
        """Writes sent and not yet committed."""
        self._sent_at: float | None = None
        self.pods_created: dict[str, float] = {}
        """uid -> creationTimestamp of every pod ever created (for conservation and the pods table)."""
        self.pods_removed: dict[str, Any] = {}
        """uid -> last stored state of every pod removed from etcd (``keep_removed`` of it, if set)."""
        self.keep_removed: Callable[[Any], Any] | None = None
        """What to keep of a removed pod instead of the whole object (a run keeps its results' facts)."""
        self.pods_removed_at: dict[str, float] = {}
        self.nodes_removed_at: dict[str, float] = {}
        """Node name -> when its Node object was deleted."""
        self.events = ColumnLog(TABLES["events"].names)
        """Kubernetes Events recorded by the control plane's components (rows of events.parquet)."""
        self._uids = count(1)
        self.write_times: dict[int, float] = {}
        """Simulated time of each etcd revision this server wrote since the last compaction (watch
        delay is measured from it)."""
        self._on_write: list[Callable[[int], None]] = []
        self._on_write_kind: dict[str, list[Callable[[int], None]]] = {}

    def start_compactor(self, interval: float = 300.0) -> None:
        """Compact etcd every ``interval`` simulated seconds as kube-apiserver's compactor does
        (storage/etcd3/compact.go): each tick CASes ``compact_rev_key`` on its version (a write,
        so one revision), then compacts to the revision the previous tick observed; the first tick
        only records it ("we don't compact on bootstrap")."""
        state = {"time": 0, "rev": 0}

        def tick() -> None:
            r = self.store.txn(
                [Compare(COMPACT_REV_KEY, "version", "=", state["time"])],
                [Op.put(COMPACT_REV_KEY, str(state["rev"]).encode())],
                [Op.get(COMPACT_REV_KEY)],
            )
            if r.succeeded:
                if state["rev"] != 0:
                    self.store.compact(state["rev"])
                    self._forget_write_times(state["rev"])
                state["time"] += 1
            else:
                got = r.responses[0]
                assert isinstance(got, RangeResult)
                state["time"] = got.kvs[0].version
            state["rev"] = r.revision
            self.engine.schedule(interval, tick)

        self.engine.schedule(interval, tick)

    def _forget_write_times(self, below: int) -> None:
        """Drop the write times of revisions below ``below`` (compacted ones): informers read a
        write's time when their watch hands its events over, at the write itself, so nothing asks
        for them again; this keeps ``write_times`` to the revisions of the last few minutes."""
        if self.write_times and next(iter(self.write_times)) < below:
            self.write_times = {r: t for r, t in self.write_times.items() if r >= below}

    def on_write(self, callback: Callable[[int], None], kind: str | None = None) -> None:
        """Call ``callback(revision)`` after every write (of ``kind`` only, when given): informers
        use it to schedule delivery."""
        if kind is None:
            self._on_write.append(callback)
        else:
            self._on_write_kind.setdefault(kind, []).append(callback)

    def _written(self, revision: int, kind: str) -> None:
        self.write_times[revision] = self.engine.now
        for cb in self._on_write:
            cb(revision)
        for cb in self._on_write_kind.get(kind, ()):
            cb(revision)

    def event(self, kind: str, reason: str, object_kind: str, object_key: str, message: str) -> None:
        """Record an Event (``kind`` Normal or Warning) about an object, at the current time."""
        self.events.append({"time": self.engine.now, "type": kind, "reason": reason, "object_kind": object_kind,
                            "object": object_key, "message": message})

    def submit(self, write: Callable[..., T], *args: Any,
               on_done: Callable[[T | APIError], None] | None = None) -> None:
        """Send a write (``write(*args)``, e.g. ``api.create, pod``); it runs when it commits, and
        ``on_done`` then receives its result or the APIError it raised. Without write latency that
        is now, before ``submit`` returns."""
        if self.latency is None:
            self._commit(self.engine.now, write, args, on_done)
            return
        self.in_flight += 1
        self.engine.at(self.latency.commit_time(self.engine.now), self._commit_sent, self.engine.now, write, args,
                       on_done)

    def _commit_sent(self, sent: float, write: Callable[..., T], args: tuple[Any, ...],
                     on_done: Callable[[T | APIError], None] | None) -> None:
        self.in_flight -= 1
        self._commit(sent, write, args, on_done)

    def _commit(self, sent: float, write: Callable[..., T], args: tuple[Any, ...],
                on_done: Callable[[T | APIError], None] | None) -> None:
        self._sent_at = sent
        try:
            result: T | APIError = write(*args)
        except APIError as e:
            result = e
        finally:
            self._sent_at = None
        if on_done is not None:
            on_done(result)

    def create(self, obj: BaseModel) -> BaseModel:
        """Admit and store a new object; AlreadyExists if the key is taken. An object with only
        ``metadata.generateName`` is named ``generateName`` + 5 random characters (retried on a
        clash, as the API server does); ``metadata.generation`` starts at 1."""
        for plugin in self.admission:
            obj = plugin(obj)
        kind = obj.kind  # type: ignore[attr-defined]
        ns = _ns(obj)
        meta = obj.metadata  # type: ignore[attr-defined]
        uid = meta.uid or f"{next(self._uids):012x}"
        # the API server stamps the object when the request arrives, before the etcd write
        stamp = self._sent_at if self._sent_at is not None else self.engine.now
        fields: dict[str, Any] = {"uid": uid, "creation_timestamp": stamp, "generation": 1}
        if ns is not None:
            fields["namespace"] = ns
        generated = not meta.name and bool(meta.generate_name)
        if not meta.name and not generated:
            raise APIError("Invalid", f"{kind}: metadata.name or metadata.generateName is required")
        for _ in range(8 if generated else 1):
            name = meta.generate_name + self._suffix() if generated else meta.name
            key = registry_key(kind, ns, name)
            stored = _meta_update(obj, **fields, name=name, resource_version=str(self.store.revision + 1))
            r = self.store.txn([Compare(key, "create", "=", 0)], [Op.put(key, stored)], [])
            if r.succeeded:
                if kind == "Pod":
                    self.pods_created[uid] = stamp
                self._written(r.revision, kind)
                return stored
        raise APIError("AlreadyExists", f'{kind.lower()}s "{name}" already exists')

    def _suffix(self) -> str:
        idx = self.names_rng.integers(len(NAME_ALPHABET), size=5)
        return "".join(NAME_ALPHABET[i] for i in idx)

    def apply(self, obj: BaseModel) -> BaseModel:
        """``kubectl apply``: create the object, or, if it exists, replace its labels, annotations
        and spec with the manifest's (status, uid and ownership are kept). A pod's spec is
        immutable but for container images, as the API server's pod update validation says."""
        kind = obj.kind  # type: ignore[attr-defined]
        ns = _ns(obj)
        try:
            current = self.get(kind, ns, obj.metadata.name)  # type: ignore[attr-defined]
        except APIError:
            return self.create(obj)
        spec = getattr(obj, "spec", None)
        if kind == "Pod" and not _only_images_differ(current.spec, spec):  # type: ignore[attr-defined]
            raise APIError("Invalid", f'Pod "{obj.metadata.name}" is invalid: spec: Forbidden: pod updates may '  # type: ignore[attr-defined]
                                      "not change fields other than `spec.containers[*].image`")
        meta = current.metadata.model_copy(update={"labels": obj.metadata.labels,  # type: ignore[attr-defined]
                                                   "annotations": obj.metadata.annotations})  # type: ignore[attr-defined]
        changes: dict[str, Any] = {"metadata": meta}
        if spec is not None:
            changes["spec"] = spec
        return self.update(current.model_copy(update=changes))

    def get(self, kind: str, namespace: str | None, name: str) -> BaseModel:
        """The stored object; NotFound if there is none."""
        kvs = self.store.range(registry_key(kind, namespace, name)).kvs
        if not kvs:
            raise APIError("NotFound", f'{kind.lower()}s "{name}" not found')
        return kvs[0].value  # type: ignore[no-any-return]

    def get_if(self, kind: str, namespace: str | None, name: str, uid: str) -> BaseModel | None:
        """The stored object if it is still the one with ``uid``; None if it is gone or replaced
        (a delete or patch with a uid precondition checks this first)."""
        try:
            obj = self.get(kind, namespace, name)
        except APIError:
            return None
        return obj if (obj.metadata.uid or "") == uid else None  # type: ignore[attr-defined]

    def list(self, kind: str, namespace: str | None = None) -> tuple[list[BaseModel], int]:
        """All objects of a kind (in a namespace), sorted by key, and the revision of the list."""
        prefix = registry_prefix(kind, namespace)
        r = self.store.range(prefix, prefix_range_end(prefix))
        return [kv.value for kv in r.kvs], r.revision

    def update(self, obj: BaseModel) -> BaseModel:
        """Replace a stored object. If it carries a resourceVersion, the write succeeds only if the
        stored object still has it (Conflict otherwise), as a Kubernetes update does. A change of
        ``spec`` increments ``metadata.generation``."""
        kind = obj.kind  # type: ignore[attr-defined]
        ns = _ns(obj)
        name = obj.metadata.name  # type: ignore[attr-defined]
        key = registry_key(kind, ns, name)
        current = self.store.range(key).kvs
        if not current:
            raise APIError("NotFound", f'{kind.lower()}s "{name}" not found')
        rv = obj.metadata.resource_version  # type: ignore[attr-defined]
        expected = int(rv) if rv else current[0].mod_revision
        old = current[0].value
        fields: dict[str, Any] = {"resource_version": str(self.store.revision + 1)}
        if getattr(old, "spec", None) is not getattr(obj, "spec", None) and old.spec != obj.spec:  # type: ignore[attr-defined]
            fields["generation"] = (old.metadata.generation or 1) + 1
        stored = _meta_update(obj, **fields)
        r = self.store.txn([Compare(key, "mod", "=", expected)], [Op.put(key, stored)], [])
        if not r.succeeded:
            raise APIError(
                "Conflict",
                f'Operation cannot be fulfilled on {kind.lower()}s "{name}": the object has been modified; '
                "please apply your changes to the latest version and try again",
            )
        self._written(r.revision, kind)
        return stored

    def delete(self, kind: str, namespace: str | None, name: str, grace_seconds: int | None = None) -> BaseModel:
        """Delete an object and return its last stored state; NotFound if there is none.

        Pods are deleted gracefully, as the pod strategy's CheckGracefulDelete says: a pod bound to
        a node and not yet Succeeded or Failed gets ``deletionTimestamp`` (now + grace) and
        ``deletionGracePeriodSeconds`` instead of being removed, and its kubelet removes it (with
        grace 0) once its containers have stopped. The grace is ``grace_seconds``, else the pod's
        ``terminationGracePeriodSeconds``, else 30; a second delete may only shorten it."""
        if kind == "Pod":
            pod = self.get(kind, namespace, name)
            grace = _pod_grace(pod, grace_seconds)
            if grace > 0:
                meta = pod.metadata  # type: ignore[attr-defined]
                if meta.deletion_grace_period_seconds is not None and meta.deletion_grace_period_seconds <= grace:
                    return pod
                return self.update(_meta_update(pod, deletion_timestamp=self.engine.now + grace,
                                                deletion_grace_period_seconds=grace))
        r = self.store.delete_range(registry_key(kind, namespace, name), prev_kv=True)
        if not r.deleted:
            raise APIError("NotFound", f'{kind.lower()}s "{name}" not found')
        last = r.prev_kvs[0].value
        if kind == "Pod":
            uid = last.metadata.uid or last.key
            self.pods_removed[uid] = last if self.keep_removed is None else self.keep_removed(last)
            self.pods_removed_at[uid] = self.engine.now
        elif kind == "Node":
            self.nodes_removed_at[name] = self.engine.now
        self._written(r.revision, kind)
        return last  # type: ignore[no-any-return]

    def bind(self, namespace: str, name: str, node: str) -> BaseModel:
        """The pods/binding subresource: set spec.nodeName of an unbound pod (Conflict if bound)."""
        pod = self.get("Pod", namespace, name)
        if pod.spec.node_name:  # type: ignore[attr-defined]
            raise APIError("Conflict", f'pod {name} is already assigned to node "{pod.spec.node_name}"')  # type: ignore[attr-defined]
        spec = pod.spec.model_copy(update={"node_name": node})  # type: ignore[attr-defined]
        return self.update(pod.model_copy(update={"spec": spec}))
