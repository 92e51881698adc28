"""A naive reference model of etcd 3.4's KV semantics, sharing no code with kbench.etcd.

It keeps the full key -> kv state of every revision (a dict per revision) and the events of each
revision, and answers from them directly: no key index, no generations, no log. KeyValues are
plain tuples (key, value, create_revision, mod_revision, version, lease). Errors are returned as
the names of kbench.errors classes so the comparison stays independent of the implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_TTL = 2


class NaiveError(Exception):
    """An error the naive model predicts; ``name`` is the kbench.errors class name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _in_range(k: bytes, key: bytes, end: bytes | None) -> bool:
    if end is None:
        return k == key
    if end == b"\0":
        return k >= key
    return key <= k < end


@dataclass
class NaiveWatch:
    key: bytes
    end: bytes | None
    start: int
    prev_kv: bool
    created_at: int
    replay: list[tuple] = field(default_factory=list)


class NaiveStore:
    def __init__(self) -> None:
        self.rev = 1
        self.states: dict[int, dict[bytes, tuple]] = {1: {}}
        self.events: dict[int, list[tuple[str, tuple]]] = {}
        self.compacted = -1
        self.now = 0.0
        self.leases: dict[int, list] = {}  # id -> [ttl, expiry, set of keys]
        self.next_lease = 0

    # -- reads ----------------------------------------------------------------------------
    def state(self) -> dict[bytes, tuple]:
        return self.states[self.rev]

    def _select(self, st: dict[bytes, tuple], key: bytes, end: bytes | None) -> list[tuple]:
        return [st[k] for k in sorted(st) if _in_range(k, key, end)]

    def range(self, key, end=None, rev=0, limit=0, count_only=False, keys_only=False):
        if rev > self.rev:
            raise NaiveError("FutureRevisionError")
        at = self.rev if rev <= 0 else rev
        if at < self.compacted:
            raise NaiveError("CompactedError")
        kvs = self._select(self.states[at], key, end)
        count = len(kvs)
        if count_only:
            return [], count, False, self.rev
        more = 0 < limit < count
        if more:
            kvs = kvs[:limit]
        if keys_only:
            kvs = [(k[0], b"", *k[2:]) for k in kvs]
        return kvs, count, more, self.rev

    # -- writes ---------------------------------------------------------------------------
    def _commit(self, work: dict, changes: list) -> None:
        if changes:
            self.rev += 1
            self.states[self.rev] = work
            self.events[self.rev] = changes

    def _put(self, work, changes, key, value, lease):
        r = self.rev + 1
        old = work.get(key)
        kv = (key, value, old[2] if old else r, r, old[4] + 1 if old else 1, lease)
        work[key] = kv
        changes.append(("PUT", kv))
        for lz in self.leases.values():
            lz[2].discard(key)
        if lease:
            self.leases[lease][2].add(key)

    def _delete(self, work, changes, key, end):
        r = self.rev + 1
        ks = [k for k in sorted(work) if _in_range(k, key, end)]
        for k in ks:
            del work[k]
            changes.append(("DELETE", (k, b"", 0, r, 0, 0)))
            for lz in self.leases.values():
                lz[2].discard(k)
        return len(ks)

    def put(self, key, value, lease=0, prev_kv=False):
        if lease and lease not in self.leases:
            raise NaiveError("LeaseNotFoundError")
        prev = self.state().get(key) if prev_kv else None
        work = dict(self.state())
        changes: list = []
        self._put(work, changes, key, value, lease)
        self._commit(work, changes)
        return self.rev, prev

    def delete_range(self, key, end=None, prev_kv=False):
        prev = self._select(self.state(), key, end) if prev_kv else []
        work = dict(self.state())
        changes: list = []
        n = self._delete(work, changes, key, end)
        self._commit(work, changes)
        return n, prev, self.rev

    def txn(self, cmps, success, failure):
        """cmps: (key, target, op, value); ops: ("put", key, value, lease) | ("get", key, end) |
        ("delete", key, end)."""
        for branch in (success, failure):
            puts = set()
            dels = [(o[1], o[2]) for o in branch if o[0] == "delete"]
            for o in branch:
                if o[0] != "put":
                    continue
                if o[1] in puts:
                    raise NaiveError("DuplicateKeyError")
                for b, e in dels:
                    if (o[1] == b) if e is None else (b <= o[1] < e):
                        raise NaiveError("DuplicateKeyError")
                puts.add(o[1])
        ok = True
        for key, target, op, value in cmps:
            kv = self.state().get(key)
            if kv is None:
                if target == "value":
                    ok = False
                    break
                kv = (key, b"", 0, 0, 0, 0)
            a = kv[{"value": 1, "create": 2, "mod": 3, "version": 4, "lease": 5}[target]]
            holds = {"=": a == value, "!=": a != value, "<": a < value, ">": a > value}[op]
            if not holds:
                ok = False
                break
        ops = success if ok else failure
        for o in ops:
            if o[0] == "put" and o[3] and o[3] not in self.leases:
                raise NaiveError("LeaseNotFoundError")
        work = dict(self.state())
        changes: list = []
        responses = []
        begin = self.rev
        for o in ops:
            if o[0] == "put":
                self._put(work, changes, o[1], o[2], o[3])
                responses.append(("put", begin + 1))
            elif o[0] == "get":
                kvs = self._select(work, o[1], o[2])
                responses.append(("get", kvs, len(kvs), begin + 1 if changes else begin))
            else:
                n = self._delete(work, changes, o[1], o[2])
                responses.append(("delete", n, begin + 1 if (n or changes) else begin))
        self._commit(work, changes)
        return ok, responses, self.rev

    def compact(self, rev):
        if rev <= self.compacted:
            raise NaiveError("CompactedError")
        if rev > self.rev:
            raise NaiveError("FutureRevisionError")
        self.compacted = rev

    # -- leases ---------------------------------------------------------------------------
    def lease_grant(self, ttl):
        self.next_lease += 1
        while self.next_lease in self.leases:
            self.next_lease += 1
        ttl = max(ttl, MIN_TTL)
        self.leases[self.next_lease] = [ttl, self.now + ttl, set()]
        return self.next_lease

    def lease_revoke(self, lid):
        if lid not in self.leases:
            raise NaiveError("LeaseNotFoundError")
        work = dict(self.state())
        changes: list = []
        for k in sorted(self.leases[lid][2]):
            self._delete(work, changes, k, None)
        del self.leases[lid]
        self._commit(work, changes)
        return self.rev

    def lease_keepalive(self, lid):
        if lid not in self.leases:
            raise NaiveError("LeaseNotFoundError")
        self.leases[lid][1] = self.now + self.leases[lid][0]
        return self.leases[lid][0]

    def advance(self, seconds):
        self.now += seconds
        due = sorted((lz[1], lid) for lid, lz in self.leases.items() if lz[1] <= self.now)
        for _, lid in due:
            self.lease_revoke(lid)

    # -- watches --------------------------------------------------------------------------
    def _prev(self, kv, rev):
        if kv[2] == kv[3] and kv[2] != 0:
            return None
        if rev - 1 < self.compacted:
            return None
        return self.states[rev - 1].get(kv[0])

    def watch(self, key, end, start, prev_kv):
        if end is not None and end != b"\0" and key >= end:
            raise NaiveError("EmptyWatcherRangeError")
        if start != 0 and start <= self.rev and start < self.compacted:
            raise NaiveError("CompactedError")
        w = NaiveWatch(key, end, start, prev_kv, self.rev)
        if start != 0 and start <= self.rev:
            for r in range(max(start, 2), self.rev + 1):
                for typ, kv in self.events.get(r, []):
                    if not _in_range(kv[0], key, end):
                        continue
                    if r == self.compacted and (typ == "DELETE" or kv[0] not in self.states[r]):
                        continue  # compaction keeps only the live put of each key at its revision
                    w.replay.append((typ, kv, self._prev(kv, r) if prev_kv else None))
        return w

    def watch_events(self, w: NaiveWatch, upto: int | None = None) -> list[tuple]:
        """Everything ``w`` has received by revision ``upto`` (default: now)."""
        out = list(w.replay)
        first = max(w.created_at + 1, w.start)
        for r in range(first, (upto or self.rev) + 1):
            for typ, kv in self.events.get(r, []):
                if _in_range(kv[0], w.key, w.end):
                    out.append(
                        (
                            typ,
                            kv,
                            self.states[r - 1].get(kv[0])
                            if w.prev_kv and not (typ == "PUT" and kv[2] == kv[3])
                            else None,
                        )
                    )
        return out
