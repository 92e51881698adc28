"""The simulated etcd v3 store: MVCC key-value history, txns, compaction, watches and leases.

``Store`` is what a client of a one-member etcd 3.4 cluster sees. Its layers mirror etcd's:
request checks of etcdserver/api/v3rpc/key.go (empty keys, txn size, duplicate keys), the applier
of etcdserver/apply.go (Put, Range, DeleteRange, Txn with compares, Compaction, leases), and the
MVCC store of mvcc/kvstore.go and mvcc/kvstore_txn.go (one write txn per request: its changes get
revision ``current + 1`` with sub-revisions 0, 1, 2, ... and the revision is consumed only if it
changed something). The backend is a dict from Revision to KeyValue plus the revision-ordered log
of those revisions, from which watches replay history.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kbench.errors import (
    CompactedError,
    DuplicateKeyError,
    EmptyKeyError,
    FutureRevisionError,
    InvariantError,
    LeaseNotFoundError,
    RevisionNotFoundError,
    TooManyOpsError,
)
from kbench.etcd.key_index import TreeIndex
from kbench.etcd.lease import NO_LEASE, Lessor
from kbench.etcd.revision import KeyValue, Revision
from kbench.etcd.watchable_store import Watch, WatchableStore

MAX_TXN_OPS = 128
"""--max-txn-ops default: the most compares, or ops in one branch, a txn may carry."""

TARGETS = {"value": 1, "create": 2, "mod": 3, "version": 4, "lease": 5}
"""Compare targets and the KeyValue field each reads (pb.Compare_CompareTarget)."""

OPS = ("=", "!=", "<", ">")
"""Compare results (pb.Compare_CompareResult EQUAL, NOT_EQUAL, LESS, GREATER)."""

RANGE, PUT, DELETE_RANGE = "range", "put", "delete_range"

_ZERO_KV = KeyValue(b"", b"", 0, 0, 0, 0)


def _key(k: Any) -> bytes:
    """A key argument as bytes; a str is UTF-8 encoded."""
    if type(k) is bytes:
        return k
    if isinstance(k, str):
        return k.encode()
    if isinstance(k, (bytearray, memoryview)):
        return bytes(k)
    raise TypeError(f"etcd keys are bytes or str, not {type(k).__name__}")


def _client_range(key: Any, range_end: Any) -> tuple[bytes, bytes | None]:
    """Key and range_end as a client sends them: an empty range_end is none (proto3 cannot tell),
    and an empty key with range_end ``b"\\0"`` becomes ``b"\\0"`` (clientv3 WithFromKey/WithPrefix)."""
    k = _key(key)
    end = None if range_end is None else _key(range_end)
    if end is not None and not end:
        end = None
    if not k and end == b"\0":
        k = b"\0"
    return k, end


def _gte(end: bytes | None) -> bytes | None:
    """Mirrors mkGteRange (apply.go): range_end ``b"\\0"`` means every key >= key (``b""`` below)."""
    return b"" if end == b"\0" else end


@dataclass(slots=True)
class PutResult:
    """PutResponse: header revision, and the previous KeyValue when asked for (else None)."""

    revision: int
    prev_kv: KeyValue | None = None


@dataclass(slots=True)
class RangeResult:
    """RangeResponse: kvs sorted by key, count of all matches, more (cut by limit), header revision."""

    kvs: list[KeyValue]
    count: int
    more: bool
    revision: int


@dataclass(slots=True)
class DeleteRangeResult:
    """DeleteRangeResponse: keys deleted, their previous KeyValues when asked for, header revision."""

    deleted: int
    prev_kvs: list[KeyValue]
    revision: int


@dataclass(slots=True)
class TxnResult:
    """TxnResponse: whether the compares held, one result per op run, header revision."""

    succeeded: bool
    responses: list[PutResult | RangeResult | DeleteRangeResult]
    revision: int


@dataclass(frozen=True, slots=True)
class Compare:
    """A txn compare: ``target`` of the key (or of every key in [key, range_end)) ``op`` ``value``.

    target is one of "version", "create", "mod", "value", "lease"; op one of "=", "!=", "<", ">".

    Examples
    --------
    >>> Compare(b"k", "mod", "=", 0)
    Compare(key=b'k', target='mod', op='=', value=0, range_end=None)
    """

    key: bytes
    target: str
    op: str
    value: Any
    range_end: bytes | None = None

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"compare target must be one of {sorted(TARGETS)}, not {self.target!r}")
        if self.op not in OPS:
            raise ValueError(f"compare op must be one of {OPS}, not {self.op!r}")
        if self.range_end is None and type(self.key) is bytes:
            return  # one key, already bytes: _client_range would return both unchanged
        key, end = _client_range(self.key, self.range_end)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "range_end", end)


@dataclass(frozen=True, slots=True)
class Op:
    """A txn op (pb.RequestOp): build with ``Op.put``, ``Op.get`` or ``Op.delete``."""

    kind: str
    key: bytes
    range_end: bytes | None = None
    value: Any = None
    lease: int = NO_LEASE

    @classmethod
    def put(cls, key: Any, value: Any, lease: int = NO_LEASE) -> Op:
        """A RequestPut."""
        return cls(PUT, _key(key), None, value, lease)

    @classmethod
    def get(cls, key: Any, range_end: Any = None) -> Op:
        """A RequestRange."""
        k, end = _client_range(key, range_end)
        return cls(RANGE, k, end)

    @classmethod
    def delete(cls, key: Any, range_end: Any = None) -> Op:
        """A RequestDeleteRange."""
        k, end = _client_range(key, range_end)
        return cls(DELETE_RANGE, k, end)


def _check_intervals(ops: list[Op]) -> None:
    """Mirrors checkIntervals (v3rpc/key.go) for one branch without nested txns.

    A put may not repeat a put's key nor fall in a delete's interval, [key, range_end) compared
    byte-wise with the range_end as sent (so a delete with range_end ``b"\\0"`` overlaps nothing).
    """
    dels = [(op.key, op.range_end) for op in ops if op.kind == DELETE_RANGE]
    puts: set[bytes] = set()
    for op in ops:
        if op.kind != PUT:
            continue
        k = op.key
        if k in puts:
            raise DuplicateKeyError()
        for begin, end in dels:
            if (k == begin) if end is None else (begin <= k < end):
                raise DuplicateKeyError()
        puts.add(k)


def _compare_kv(c: Compare, kv: KeyValue) -> bool:
    """Mirrors compareKV (apply.go): ints compare as int64, values byte-wise."""
    a = kv[TARGETS[c.target]]
    b = c.value
    if c.target == "value" and b is None:
        b = b""
    op = c.op
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == ">":
        return bool(a > b)
    return bool(a < b)


class _TxnWrite:
    """One write transaction of the MVCC store (storeTxnWrite, mvcc/kvstore_txn.go)."""

    __slots__ = ("s", "begin_rev", "changes")

    def __init__(self, s: Store) -> None:
        self.s = s
        self.begin_rev = s._current_rev
        self.changes: list[KeyValue] = []

    def range(
        self, key: bytes, end: bytes | None, ro_rev: int = 0, limit: int = 0, count_only: bool = False
    ) -> tuple[list[KeyValue], int, int]:
        """Mirrors storeTxnWrite.Range: reads see this txn's own changes."""
        cur = self.begin_rev + 1 if self.changes else self.begin_rev
        return self.s._range_keys(key, end, cur, ro_rev, limit, count_only)

    def put(self, key: bytes, value: Any, lease: int) -> int:
        """Mirrors storeTxnWrite.put; returns the header revision (begin + 1)."""
        s = self.s
        rev = self.begin_rev + 1
        created = rev
        ver = 0
        old_lease = NO_LEASE
        got = s._index.get(key, rev)
        if got is not None:
            created = got[1].main
            ver = got[2]
            old_lease = s._lessor.get_lease(key)
        else:
            s._live_keys += 1
        idx_rev = Revision(rev, len(self.changes))
        kv = KeyValue(key, value, created, rev, ver + 1, lease)
        s._backend[idx_rev] = kv
        s._log.append(idx_rev)
        s._index.put(key, idx_rev)
        self.changes.append(kv)
        if old_lease != NO_LEASE:
            s._lessor.detach(old_lease, key)
        if lease != NO_LEASE:
            s._lessor.attach(lease, key)
        return rev

    def delete_range(self, key: bytes, end: bytes | None) -> tuple[int, int]:
        """Mirrors storeTxnWrite.DeleteRange: (deleted, header revision)."""
        rrev = self.begin_rev + 1 if self.changes else self.begin_rev
        keys, _ = self.s._index.range(key, end, rrev)
        for k in keys:
            self._delete(k)
        if keys or self.changes:
            return len(keys), self.begin_rev + 1
        return 0, self.begin_rev

    def _delete(self, key: bytes) -> None:
        """Mirrors storeTxnWrite.delete: store a tombstone, detach the key from its lease."""
        s = self.s
        idx_rev = Revision(self.begin_rev + 1, len(self.changes))
        kv = KeyValue(key, b"", 0, idx_rev.main, 0, NO_LEASE)
        try:
            s._index.tombstone(key, idx_rev)
        except RevisionNotFoundError as err:
            raise InvariantError(f"failed to tombstone an existing key: {key!r}") from err
        s._backend[idx_rev] = kv
        s._log.append(idx_rev)
        s._live_keys -= 1
        self.changes.append(kv)
        lease = s._lessor.get_lease(key)
        if lease != NO_LEASE:
            s._lessor.detach(lease, key)


class _History:
    """The store's backend as the watchable store reads it (a WatchBackend)."""

    __slots__ = ("s",)

    def __init__(self, s: Store) -> None:
        self.s = s

    def history(self, min_rev: int) -> Iterator[KeyValue]:
        """The stored changes from main revision ``min_rev`` on (syncWatchers' UnsafeRange)."""
        log = self.s._log
        backend = self.s._backend
        for r in log[bisect_left(log, Revision(min_rev, 0)) :]:
            yield backend[r]

    def prev_kv(self, kv: KeyValue) -> KeyValue | None:
        """The key at ``mod_revision - 1``, None if absent or compacted (v3rpc/watch.go sendLoop)."""
        s = self.s
        rev = kv.mod_revision - 1
        if rev < s._compact_main_rev:
            return None
        got = s._index.get(kv.key, rev)
        return None if got is None else s._backend[got[0]]


class Store:
    """An etcd 3.4 key-value store on a simulated clock, as one client sees a one-member cluster.

    Examples
    --------
    >>> s = Store()
    >>> s.revision
    1
    >>> s.put(b"foo", b"bar").revision
    2
    >>> s.range(b"foo").kvs
    [KeyValue(key=b'foo', value=b'bar', create_revision=2, mod_revision=2, version=1, lease=0)]
    >>> w = s.watch(b"foo")
    >>> s.delete_range(b"foo").deleted
    1
    >>> w.events()
    [Event(type='DELETE', kv=KeyValue(key=b'foo', value=b'', create_revision=0, mod_revision=3, version=0, lease=0), prev_kv=None)]
    """

    def __init__(self) -> None:
        self._index = TreeIndex()
        self._backend: dict[Revision, KeyValue] = {}
        self._log: list[Revision] = []
        self._current_rev = 1
        self._compact_main_rev = -1
        self._live_keys = 0
        self._lessor = Lessor()
        self._watchable = WatchableStore(_History(self))
        self._now = 0.0

    @property
    def revision(self) -> int:
        """The current header revision (1 for a fresh store)."""
        return self._current_rev

    @property
    def compact_revision(self) -> int:
        """The last compaction revision (-1 before any, as etcd's compactMainRev)."""
        return self._compact_main_rev

    @property
    def key_count(self) -> int:
        """Keys alive now (etcd's keys gauge)."""
        return self._live_keys

    @property
    def now(self) -> float:
        """The simulated clock of the lessor, in seconds."""
        return self._now

    def _end(self, txn: _TxnWrite) -> None:
        """Mirrors watchableStoreTxnWrite.End + storeTxnWrite.End: consume the revision, notify."""
        if txn.changes:
            self._current_rev += 1
            self._watchable.notify(txn.changes)

    def _range_keys(
        self, key: bytes, end: bytes | None, cur_rev: int, ro_rev: int, limit: int, count_only: bool
    ) -> tuple[list[KeyValue], int, int]:
        """Mirrors storeTxnRead.rangeKeys: (kvs, count, header revision)."""
        rev = ro_rev
        if rev > cur_rev:
            raise FutureRevisionError()
        if rev <= 0:
            rev = cur_rev
        if rev < self._compact_main_rev:
            raise CompactedError(self._compact_main_rev)
        revpairs = self._index.revisions(key, end, rev)
        if not revpairs:
            return [], 0, cur_rev
        if count_only:
            return [], len(revpairs), cur_rev
        n = len(revpairs)
        if 0 < limit < n:
            revpairs = revpairs[:limit]
        backend = self._backend
        return [backend[r] for r in revpairs], n, cur_rev

    @staticmethod
    def _range_result(kvs: list[KeyValue], count: int, rev: int, limit: int, keys_only: bool) -> RangeResult:
        """The tail of applierV3backend.Range: cut to limit (setting more), blank values if keys_only."""
        more = False
        if limit > 0 and len(kvs) > limit:
            kvs = kvs[:limit]
            more = True
        if keys_only:
            kvs = [kv._replace(value=b"") for kv in kvs]
        return RangeResult(kvs, count, more, rev)

    def put(self, key: Any, value: Any, lease: int = NO_LEASE, prev_kv: bool = False) -> PutResult:
        """Write ``key``; a new revision even when the value is unchanged.

        Mirrors applierV3backend.Put: an unknown lease fails before anything is written.
        """
        k = _key(key)
        if not k:
            raise EmptyKeyError()
        if lease != NO_LEASE and self._lessor.lookup(lease) is None:
            raise LeaseNotFoundError()
        txn = _TxnWrite(self)
        prev = None
        if prev_kv:
            kvs = txn.range(k, None)[0]
            prev = kvs[0] if kvs else None
        rev = txn.put(k, value, lease)
        self._end(txn)
        return PutResult(rev, prev)

    def range(
        self,
        key: Any,
        range_end: Any = None,
        revision: int = 0,
        limit: int = 0,
        count_only: bool = False,
        keys_only: bool = False,
    ) -> RangeResult:
        """Read ``key`` (range_end None), every key >= key (``b"\\0"``) or [key, range_end).

        ``revision`` > 0 reads as of that revision; the header revision is the current one.
        Mirrors applierV3backend.Range: ``count`` ignores ``limit``; ``more`` says the limit cut.
        """
        k, end = _client_range(key, range_end)
        if not k:
            raise EmptyKeyError()
        fetch = limit + 1 if limit > 0 else 0
        kvs, count, rev = self._range_keys(k, _gte(end), self._current_rev, revision, fetch, count_only)
        return self._range_result(kvs, count, rev, limit, keys_only)

    def delete_range(self, key: Any, range_end: Any = None, prev_kv: bool = False) -> DeleteRangeResult:
        """Delete ``key`` or a range; deleting nothing consumes no revision (applierV3backend.DeleteRange)."""
        k, end = _client_range(key, range_end)
        if not k:
            raise EmptyKeyError()
        end = _gte(end)
        txn = _TxnWrite(self)
        prev_kvs = txn.range(k, end)[0] if prev_kv else []
        n, rev = txn.delete_range(k, end)
        self._end(txn)
        return DeleteRangeResult(n, prev_kvs, rev)

    def txn(
        self, compare: Iterable[Compare] = (), success: Iterable[Op] = (), failure: Iterable[Op] = ()
    ) -> TxnResult:
        """Run ``success`` if every compare holds, else ``failure``, as one write transaction.

        Mirrors kvServer.Txn's checks (checkTxnRequest, checkIntervals on each branch) and
        applierV3backend.Txn: compares read the current revision; puts of the chosen branch must
        name live leases; all writes share one revision, consumed only if something changed.
        """
        cmps = list(compare)
        then = list(success)
        other = list(failure)
        if len(cmps) > MAX_TXN_OPS or len(then) > MAX_TXN_OPS or len(other) > MAX_TXN_OPS:
            raise TooManyOpsError()
        is_write = False
        for c in cmps:
            if not c.key:
                raise EmptyKeyError()
        for op in then:
            if not op.key:
                raise EmptyKeyError()
            if op.kind != RANGE:
                is_write = True
        for op in other:
            if not op.key:
                raise EmptyKeyError()
            if op.kind != RANGE:
                is_write = True
        # one op cannot repeat a key: only longer branches need the interval check
        if len(then) > 1:
            _check_intervals(then)
        if len(other) > 1:
            _check_intervals(other)
        ok = True
        for c in cmps:
            if not self._apply_compare(c):
                ok = False
                break
        ops = then if ok else other
        if is_write:
            for op in ops:
                if op.kind == PUT and op.lease != NO_LEASE and self._lessor.lookup(op.lease) is None:
                    raise LeaseNotFoundError()
        txn = _TxnWrite(self)
        responses = [self._apply_op(txn, op) for op in ops]
        rev = txn.begin_rev + 1 if txn.changes else txn.begin_rev
        self._end(txn)
        return TxnResult(ok, responses, rev)

    def _apply_compare(self, c: Compare) -> bool:
        """Mirrors applyCompare (apply.go): a missing key compares as a zero KeyValue, except that
        a value compare on it is false; over a range, every key must satisfy the compare."""
        if c.range_end is None:
            # one key: _range_keys at the current revision, without building its lists
            if self._current_rev < self._compact_main_rev:
                raise CompactedError(self._compact_main_rev)
            got = self._index.get(c.key, self._current_rev)
            if got is None:
                return False if c.target == "value" else _compare_kv(c, _ZERO_KV)
            return _compare_kv(c, self._backend[got[0]])
        kvs = self._range_keys(c.key, _gte(c.range_end), self._current_rev, 0, 0, False)[0]
        if not kvs:
            if c.target == "value":
                return False
            return _compare_kv(c, _ZERO_KV)
        return all(_compare_kv(c, kv) for kv in kvs)

    def _apply_op(self, txn: _TxnWrite, op: Op) -> PutResult | RangeResult | DeleteRangeResult:
        """Mirrors applierV3backend.applyTxn for one op; each op reports its own header revision."""
        if op.kind == PUT:
            return PutResult(txn.put(op.key, op.value, op.lease))
        end = _gte(op.range_end)
        if op.kind == RANGE:
            kvs, count, rev = txn.range(op.key, end)
            return RangeResult(kvs, count, False, rev)
        n, rev = txn.delete_range(op.key, end)
        return DeleteRangeResult(n, [], rev)

    def compact(self, revision: int) -> int:
        """Drop history below ``revision``; returns the header revision.

        Mirrors store.updateCompactRev + treeIndex.Compact + scheduleCompaction: compacting at or
        below the last compaction raises CompactedError, above the current revision
        FutureRevisionError. Per key the largest revision <= ``revision`` of each generation stays
        (unless that generation was deleted by then), so ``revision`` itself stays readable.
        """
        if revision <= self._compact_main_rev:
            raise CompactedError(self._compact_main_rev)
        if revision > self._current_rev:
            raise FutureRevisionError()
        self._compact_main_rev = revision
        _, dropped = self._index.compact(revision)
        if dropped:
            backend = self._backend
            for r in dropped:
                del backend[r]
            log = self._log
            if len(dropped) * 64 < len(log):
                # few revisions dropped (the usual periodic compaction): remove each in place
                for r in sorted(dropped, reverse=True):
                    i = bisect_left(log, r)
                    if i < len(log) and log[i] == r:
                        del log[i]
            else:
                gone = set(dropped)
                cut = bisect_left(log, Revision(revision + 1, 0))
                self._log = [r for r in log[:cut] if r not in gone] + log[cut:]
        return self._current_rev

    def watch(self, key: Any, range_end: Any = None, start_revision: int = 0, prev_kv: bool = False) -> Watch:
        """Watch a key or range from ``start_revision`` (0: from the next write).

        Mirrors the watch server's create request (v3rpc/watch.go): an empty key is ``b"\\0"``,
        range_end ``b"\\0"`` means every key >= key. A start below the compaction revision raises
        CompactedError carrying that revision.
        """
        k = _key(key) or b"\0"
        end = None if range_end is None else _key(range_end)
        if end is not None and not end:
            end = None
        end = _gte(end)
        return self._watchable.watch(
            k, end, start_revision, prev_kv, self._current_rev, self._compact_main_rev
        )

    def lease_grant(self, ttl: int, lease_id: int = NO_LEASE) -> int:
        """Grant a lease of ``ttl`` simulated seconds (at least MIN_LEASE_TTL); returns its id.

        Consumes no revision. ``lease_id`` 0 lets the store choose (see Lessor.next_id).
        """
        if lease_id == NO_LEASE:
            lease_id = self._lessor.next_id()
        return self._lessor.grant(lease_id, ttl, self._now).id

    def lease_keepalive(self, lease_id: int) -> int:
        """Reset the lease's remaining time to its granted TTL; returns that TTL (lessor.Renew)."""
        return self._lessor.renew(lease_id, self._now)

    def lease_revoke(self, lease_id: int) -> int:
        """Revoke a lease, deleting its keys in key order in one revision; returns the header revision.

        Mirrors lessor.Revoke: a lease with no keys consumes no revision.
        """
        lease = self._lessor.lookup(lease_id)
        if lease is None:
            raise LeaseNotFoundError()
        txn = _TxnWrite(self)
        for key in sorted(lease.keys):
            txn.delete_range(key, None)
        self._lessor.remove(lease_id)
        self._end(txn)
        return self._current_rev

    def lease_time_to_live(self, lease_id: int, keys: bool = False) -> tuple[int, int, list[bytes]]:
        """(remaining seconds, granted TTL, attached keys sorted if ``keys``); (-1, 0, []) if unknown.

        Mirrors LeaseTimeToLive (v3rpc/lease.go answers TTL -1 for a lease it cannot find).
        """
        lease = self._lessor.lookup(lease_id)
        if lease is None:
            return -1, 0, []
        return lease.remaining_seconds(self._now), lease.ttl, sorted(lease.keys) if keys else []

    def advance(self, seconds: float) -> None:
        """Move the simulated clock; leases expired by then are revoked, earliest expiry first."""
        if seconds < 0:
            raise ValueError(f"cannot move the clock back by {seconds} s")
        self._now += seconds
        for lease_id in self._lessor.expired(self._now):
            self.lease_revoke(lease_id)
