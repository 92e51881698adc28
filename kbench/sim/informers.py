"""Informers: list-then-watch caches of one kind, fed by etcd watch events after a delivery delay.

As client-go's shared informers: ``start`` lists at a revision, fills the cache and calls the add
handlers, then watches from the next revision; each delivered event updates the cache before the
handlers run. Events reach an informer ``delay`` simulated seconds after the write that caused
them (the watch-delivery part of the latency model), in revision order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from pydantic import BaseModel

from kbench.etcd import Event, Watch, prefix_range_end
from kbench.sim.apiserver import APIServer, registry_key, registry_prefix
from kbench.sim.engine import URGENT

Handler = Callable[..., None]
IndexFunc = Callable[[BaseModel], list[str]]


def namespace_index(obj: BaseModel) -> list[str]:
    """cache.MetaNamespaceIndexFunc: an object's namespace."""
    return [obj.metadata.namespace or ""]  # type: ignore[attr-defined]


def controller_index(obj: BaseModel) -> list[str]:
    """The uid of the object's controller (the ownerReference with ``controller: true``)."""
    return [o.uid for o in obj.metadata.owner_references if o.controller]  # type: ignore[attr-defined]


@dataclass
class Handlers:
    """ResourceEventHandlerFuncs: on_add(obj), on_update(old, new), on_delete(obj)."""

    on_add: Handler | None = None
    on_update: Handler | None = None
    on_delete: Handler | None = None


class _DeliveryHub:
    """One engine event per delivery instant for all of an API server's informers (instead of one
    per informer): informers due at the same time deliver in the order they asked."""

    def __init__(self, api: APIServer) -> None:
        self.engine = api.engine
        self._due: dict[float, list[Informer]] = {}

    def deliver_at(self, time: float, informer: Informer) -> None:
        batch = self._due.get(time)
        if batch is None:
            batch = self._due[time] = []
            self.engine.at(time, self._fire, time, priority=URGENT)
        batch.append(informer)

    def _fire(self, time: float) -> None:
        for informer in self._due.pop(time):
            informer._deliver()


_HUBS: WeakKeyDictionary[APIServer, _DeliveryHub] = WeakKeyDictionary()


def _hub(api: APIServer) -> _DeliveryHub:
    hub = _HUBS.get(api)
    if hub is None:
        hub = _HUBS[api] = _DeliveryHub(api)
    return hub


@dataclass
class Informer:
    """A cache of one kind (optionally one namespace) kept current from a watch."""

    api: APIServer
    kind: str
    namespace: str | None = None
    delay: float = 0.0
    cache: dict[bytes, BaseModel] = field(default_factory=dict)
    handlers: list[Handlers] = field(default_factory=list)
    indexers: dict[str, IndexFunc] = field(default_factory=dict)
    """Index name -> function giving an object's index values (cache.Indexers)."""
    _indices: dict[str, dict[str, set[bytes]]] = field(default_factory=dict)
    _values: dict[str, dict[bytes, list[str]]] = field(default_factory=dict)
    """Index name -> cached key -> its index values (what the object was filed under)."""
    _watch: Watch | None = None
    _pending: deque[tuple[float, Event]] = field(default_factory=deque)
    """Watch events not yet delivered, each with the time it is due (its write's time + delay)."""
    _scheduled: bool = False

    def add_handlers(self, on_add: Handler | None = None, on_update: Handler | None = None,
                     on_delete: Handler | None = None) -> None:
        self.handlers.append(Handlers(on_add, on_update, on_delete))

    def add_indexer(self, name: str, fn: IndexFunc) -> None:
        """Keep an index of the cache by ``fn`` (before ``start``)."""
        self.indexers[name] = fn
        self._indices[name] = {}
        self._values[name] = {}

    def by_index(self, name: str, value: str) -> list[BaseModel]:
        """Cached objects whose index ``name`` has ``value``, in key order (cache.ByIndex)."""
        return [self.cache[k] for k in sorted(self._indices[name].get(value, ()))]

    def by_indices(self, *queries: tuple[str, str]) -> list[BaseModel]:
        """Cached objects in any of the (index name, value) ``queries``, once each, in key order."""
        keys: set[bytes] = set()
        for name, value in queries:
            keys.update(self._indices[name].get(value, ()))
        return [self.cache[k] for k in sorted(keys)]

    def _index(self, key: bytes, new: BaseModel | None) -> None:
        """Refile ``key`` under the index values of ``new`` (None: the key was deleted), dropping
        the values it was filed under (nothing to do when they are the same)."""
        for name, fn in self.indexers.items():
            filed = self._values[name]
            before = filed.get(key, [])
            after = fn(new) if new is not None else []
            if after == before:
                continue
            idx = self._indices[name]
            for v in before:
                keys = idx.get(v)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del idx[v]
            for v in after:
                idx.setdefault(v, set()).add(key)
            if after:
                filed[key] = after
            else:
                filed.pop(key, None)

    def start(self) -> int:
        """List, fill the cache (calling add handlers), then watch from the next revision."""
        prefix = registry_prefix(self.kind, self.namespace)
        r = self.api.store.range(prefix, prefix_range_end(prefix))
        for kv in r.kvs:
            self.cache[kv.key] = kv.value
            if self.indexers:
                self._index(kv.key, kv.value)
            self._call("on_add", kv.value)
        self._watch = self.api.store.watch(prefix, prefix_range_end(prefix), start_revision=r.revision + 1, prev_kv=True)
        self.api.on_write(self._on_write, self.kind)
        return r.revision

    def list(self) -> list[BaseModel]:
        """The cached objects, in key order."""
        return [self.cache[k] for k in sorted(self.cache)]

    def get(self, key: bytes) -> BaseModel | None:
        return self.cache.get(key)

    def get_named(self, namespace: str | None, name: str, uid: str) -> BaseModel | None:
        """The cached object ``namespace/name`` if it is the one with ``uid`` (not a namesake)."""
        obj = self.cache.get(registry_key(self.kind, namespace, name))
        return obj if obj is not None and obj.metadata.uid == uid else None  # type: ignore[attr-defined]

    def _on_write(self, revision: int) -> None:
        assert self._watch is not None
        times, delay = self.api.write_times, self.delay
        self._pending.extend((times[ev.kv.mod_revision] + delay, ev) for ev in self._watch.events())
        if self._pending and not self._scheduled:
            self._schedule_next()

    def _schedule_next(self) -> None:
        self._scheduled = True
        _hub(self.api).deliver_at(max(self._pending[0][0], self.api.engine.now), self)

    def _deliver(self) -> None:
        """Deliver every pending event whose write is at least ``delay`` old; reschedule for the rest."""
        self._scheduled = False
        now = self.api.engine.now
        pending = self._pending
        while pending and pending[0][0] <= now:
            self._apply(pending.popleft()[1])
        if pending:
            self._schedule_next()

    def _apply(self, ev: Event) -> None:
        key = ev.kv.key
        if ev.type == "PUT":
            old = self.cache.get(key)
            self.cache[key] = ev.kv.value
            if self.indexers:
                self._index(key, ev.kv.value)
            if old is None:
                self._call("on_add", ev.kv.value)
            else:
                self._call("on_update", old, ev.kv.value)
        else:
            old = self.cache.pop(key, None)
            if old is not None:
                if self.indexers:
                    self._index(key, None)
                self._call("on_delete", old)

    def _call(self, which: str, *args: Any) -> None:
        for h in self.handlers:
            fn = getattr(h, which)
            if fn is not None:
                fn(*args)
