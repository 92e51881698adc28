"""etcd's watches: watchers grouped by range, history replay, and delivery of each write's events.

Mirrors the watch half of mvcc/watchable_store.go, mvcc/watcher_group.go and the create/prev_kv
handling of etcdserver/api/v3rpc/watch.go (etcd 3.4). The simulation delivers synchronously and
queues are unbounded, so a watcher is never a slow "victim": a watch starting at or below the
current revision is synced at once from the store's revision-ordered history (syncWatchers), and
from then on every write's events are appended to its queue (notify).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from kbench.errors import CompactedError, EmptyWatcherRangeError
from kbench.etcd.key_index import prefix_range_end
from kbench.etcd.revision import Event, KeyValue

PUT = "PUT"
DELETE = "DELETE"


class WatchBackend(Protocol):
    """What the watchable store reads from the KV store underneath it."""

    def history(self, min_rev: int) -> Iterator[KeyValue]:
        """The stored changes with main revision >= ``min_rev``, in (main, sub) order."""
        ...

    def prev_kv(self, kv: KeyValue) -> KeyValue | None:
        """The key as of ``kv.mod_revision - 1``, or None (missing, or compacted away)."""
        ...


class Watch:
    """One watcher: its range, start, and the queue of events delivered so far.

    ``end`` is None for a single key, ``b""`` for every key >= ``key``, else the range [key, end).
    """

    __slots__ = ("id", "key", "end", "prev_kv", "min_rev", "_queue", "_store", "canceled")

    def __init__(
        self, store: WatchableStore, wid: int, key: bytes, end: bytes | None, min_rev: int, prev_kv: bool
    ) -> None:
        self.id = wid
        self.key = key
        self.end = end
        self.prev_kv = prev_kv
        self.min_rev = min_rev
        self.canceled = False
        self._queue: list[Event] = []
        self._store = store

    def __repr__(self) -> str:
        return f"Watch(id={self.id}, key={self.key!r}, end={self.end!r}, pending={len(self._queue)})"

    def contains(self, key: bytes) -> bool:
        """Whether ``key`` is in this watcher's range (watcherGroup.contains for one watcher)."""
        end = self.end
        if end is None:
            return key == self.key
        return self.key <= key and (not end or key < end)

    def events(self) -> list[Event]:
        """Drain the events delivered so far, oldest first."""
        out = self._queue
        self._queue = []
        return out

    def cancel(self) -> None:
        """Stop delivery (cancelWatcher); events already queued stay readable."""
        if not self.canceled:
            self.canceled = True
            self._store.cancel(self)


class WatcherGroup:
    """Watchers indexed by what they watch: one key, a prefix, or another range.

    Mirrors watcherGroup (mvcc/watcher_group.go), whose interval tree is replaced by buckets: a
    key finds its single-key watchers with one dict lookup and its prefix watchers with one lookup
    per distinct prefix length; only ranges that are not prefixes (e.g. "all keys >= k") are scanned.
    """

    __slots__ = ("_keys", "_prefixes", "_prefix_lens", "_ranges")

    def __init__(self) -> None:
        self._keys: dict[bytes, dict[Watch, None]] = {}
        self._prefixes: dict[bytes, dict[Watch, None]] = {}
        self._prefix_lens: dict[int, int] = {}
        self._ranges: dict[Watch, None] = {}

    def __len__(self) -> int:
        return sum(map(len, self._keys.values())) + sum(map(len, self._prefixes.values())) + len(self._ranges)

    @staticmethod
    def _is_prefix(w: Watch) -> bool:
        return bool(w.end) and bool(w.key) and w.end == prefix_range_end(w.key)

    def add(self, w: Watch) -> None:
        """Mirrors watcherGroup.add."""
        if w.end is None:
            self._keys.setdefault(w.key, {})[w] = None
        elif self._is_prefix(w):
            self._prefixes.setdefault(w.key, {})[w] = None
            n = len(w.key)
            self._prefix_lens[n] = self._prefix_lens.get(n, 0) + 1
        else:
            self._ranges[w] = None

    def delete(self, w: Watch) -> None:
        """Mirrors watcherGroup.delete."""
        if w.end is None:
            bucket = self._keys.get(w.key)
            if bucket is not None and w in bucket:
                del bucket[w]
                if not bucket:
                    del self._keys[w.key]
        elif self._is_prefix(w):
            bucket = self._prefixes.get(w.key)
            if bucket is not None and w in bucket:
                del bucket[w]
                if not bucket:
                    del self._prefixes[w.key]
                n = len(w.key)
                self._prefix_lens[n] -= 1
                if not self._prefix_lens[n]:
                    del self._prefix_lens[n]
        else:
            self._ranges.pop(w, None)

    def watchers_for(self, key: bytes) -> list[Watch]:
        """Every watcher whose range contains ``key`` (watcherGroup.watcherSetByKey)."""
        out: list[Watch] = []
        bucket = self._keys.get(key)
        if bucket:
            out.extend(bucket)
        if self._prefix_lens:
            prefixes = self._prefixes
            n = len(key)
            for size in self._prefix_lens:
                if size <= n:
                    bucket = prefixes.get(key[:size])
                    if bucket:
                        out.extend(bucket)
        for w in self._ranges:
            if w.contains(key):
                out.append(w)
        return out


class WatchableStore:
    """The synced watcher group of a store and the delivery of its writes.

    Mirrors watchableStore's watch, syncWatchers, kvsToEvents and notify (mvcc/watchable_store.go)
    and the prev_kv lookup of the watch server's sendLoop (v3rpc/watch.go), which reads the key at
    ``mod_revision - 1`` for every event but a create.
    """

    __slots__ = ("_backend", "_synced", "_next_id")

    def __init__(self, backend: WatchBackend) -> None:
        self._backend = backend
        self._synced = WatcherGroup()
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._synced)

    def watch(
        self, key: bytes, end: bytes | None, start_rev: int, prev_kv: bool, current_rev: int, compact_rev: int
    ) -> Watch:
        """Create a watcher; replay history from ``start_rev`` if it is not in the future.

        Mirrors watchStream.Watch (an empty range is refused), watchableStore.watch (start 0 or in
        the future: synced from max(current + 1, start)) and, for a past start, syncWatchers: a
        start below the compacted revision cancels the watch with that revision, else the stored
        changes from ``start_rev`` on are delivered and the watcher is synced.
        """
        if end and key >= end:
            raise EmptyWatcherRangeError()
        synced = start_rev > current_rev or start_rev == 0
        if not synced and start_rev < compact_rev:
            raise CompactedError(compact_rev)
        wid = self._next_id
        self._next_id += 1
        if synced:
            w = Watch(self, wid, key, end, max(current_rev + 1, start_rev), prev_kv)
        else:
            w = Watch(self, wid, key, end, start_rev, prev_kv)
            self._deliver(w, (kv for kv in self._backend.history(start_rev) if w.contains(kv.key)))
            w.min_rev = current_rev + 1
        self._synced.add(w)
        return w

    def cancel(self, w: Watch) -> None:
        """Mirrors watchableStore.cancelWatcher."""
        self._synced.delete(w)

    def _event(self, kv: KeyValue, prev_kv: bool) -> Event:
        """kvsToEvents for one kv, plus the sendLoop's prev_kv (skipped for a create event)."""
        if kv.create_revision == 0:
            ev_type = DELETE
        else:
            ev_type = PUT
            if kv.create_revision == kv.mod_revision:
                prev_kv = False
        if prev_kv:
            return Event(ev_type, kv, self._backend.prev_kv(kv))
        return Event(ev_type, kv)

    def _deliver(self, w: Watch, kvs: Iterable[KeyValue]) -> None:
        w._queue.extend(self._event(kv, w.prev_kv) for kv in kvs)

    def notify(self, changes: list[KeyValue]) -> None:
        """Deliver one write txn's changes, in op order, to every synced watcher they match."""
        group = self._synced
        for kv in changes:
            watchers = group.watchers_for(kv.key)
            if not watchers:
                continue
            plain: Event | None = None
            with_prev: Event | None = None
            rev = kv.mod_revision
            for w in watchers:
                if rev < w.min_rev:
                    continue
                if w.prev_kv:
                    if with_prev is None:
                        with_prev = self._event(kv, True)
                    w._queue.append(with_prev)
                else:
                    if plain is None:
                        plain = self._event(kv, False)
                    w._queue.append(plain)
