"""Put, Range and DeleteRange against etcd 3.4 (mvcc/kv_test.go, etcdserver/apply.go, v3rpc/key.go),
and a seeded random run against the naive model in naive_store.py."""

from __future__ import annotations

import random

import pytest

from kbench import errors
from kbench.errors import EmptyKeyError, FutureRevisionError, LeaseNotFoundError
from kbench.etcd import Compare, KeyValue, Op, Store
from tests.etcd.naive_store import NaiveError, NaiveStore


def put3(s: Store) -> list[KeyValue]:
    """put3TestKVs (kv_test.go), with leases 1, 2, 3 granted first (grants use no revision)."""
    for lid in (1, 2, 3):
        s.lease_grant(100, lease_id=lid)
    s.put(b"foo", b"bar", lease=1)
    s.put(b"foo1", b"bar1", lease=2)
    s.put(b"foo2", b"bar2", lease=3)
    return [
        KeyValue(b"foo", b"bar", 2, 2, 1, 1),
        KeyValue(b"foo1", b"bar1", 3, 3, 1, 2),
        KeyValue(b"foo2", b"bar2", 4, 4, 1, 3),
    ]


def test_fresh_store_revision_is_one() -> None:
    # etcd's first header revision is 1; the first write gets 2.
    s = Store()
    assert s.revision == 1
    assert s.range(b"foo").revision == 1
    assert s.put(b"foo", b"bar").revision == 2


@pytest.mark.parametrize(
    "key,end,want",
    [
        (b"doo", b"foo", []),  # get no keys
        (b"foo", b"foo", []),  # key == end
        (b"doo", None, []),  # single missing key
        (b"foo", b"foo3", [0, 1, 2]),  # all keys
        (b"foo", b"foo1", [0]),  # partial
        (b"foo", None, [0]),  # single key
        (b"\0", b"\0", [0, 1, 2]),  # entire keyspace (key \0, range_end \0)
        (b"", b"\0", [0, 1, 2]),  # empty key + "\0": clientv3 sends key \0
        (b"foo1", b"\0", [1, 2]),  # every key >= foo1
    ],
)
def test_range(key: bytes, end: bytes | None, want: list[int]) -> None:
    # testKVRange: wrev 4 for every case.
    s = Store()
    kvs = put3(s)
    r = s.range(key, end)
    assert r.revision == 4
    assert r.kvs == [kvs[i] for i in want]
    assert r.count == len(want) and r.more is False


@pytest.mark.parametrize("rev,want", [(-1, [0, 1, 2]), (0, [0, 1, 2]), (2, [0]), (3, [0, 1]), (4, [0, 1, 2])])
def test_range_rev(rev: int, want: list[int]) -> None:
    # testKVRangeRev: a past read still reports the current header revision 4.
    s = Store()
    kvs = put3(s)
    r = s.range(b"foo", b"foo3", revision=rev)
    assert r.revision == 4
    assert r.kvs == [kvs[i] for i in want]


def test_range_future_revision() -> None:
    # testKVRangeBadRev: rev 5 and 100 on a store at 4 -> ErrFutureRev.
    s = Store()
    put3(s)
    for rev in (5, 100):
        with pytest.raises(FutureRevisionError, match="mvcc: required revision is a future revision"):
            s.range(b"foo", b"foo3", revision=rev)


@pytest.mark.parametrize(
    "limit,want,more",
    [
        (-1, [0, 1, 2], False),
        (0, [0, 1, 2], False),
        (1, [0], True),
        (2, [0, 1], True),
        (3, [0, 1, 2], False),
        (100, [0, 1, 2], False),
    ],
)
def test_range_limit(limit: int, want: list[int], more: bool) -> None:
    # testKVRangeLimit; at the API count ignores limit and more is set when the limit cut
    # (applierV3backend.Range fetches limit+1).
    s = Store()
    kvs = put3(s)
    r = s.range(b"foo", b"foo3", limit=limit)
    assert r.kvs == [kvs[i] for i in want]
    assert r.count == 3
    assert r.more is more


def test_count_only_and_keys_only() -> None:
    # applierV3backend.Range: count_only returns no kvs and more false (even with a limit);
    # keys_only blanks the values (nil on the wire, b"" to a client).
    s = Store()
    put3(s)
    r = s.range(b"foo", b"foo3", count_only=True, limit=1)
    assert (r.kvs, r.count, r.more, r.revision) == ([], 3, False, 4)
    r = s.range(b"foo", b"foo3", keys_only=True)
    assert [kv.value for kv in r.kvs] == [b"", b"", b""]
    assert [kv.mod_revision for kv in r.kvs] == [2, 3, 4]
    r = s.range(b"zzz", count_only=True)
    assert (r.count, r.more) == (0, False)


def test_put_multiple_times() -> None:
    # testKVPutMultipleTimes: rev base+1, version base, create 2, lease base.
    s = Store()
    for i in range(10):
        base = i + 1
        s.lease_grant(100, lease_id=base)
        assert s.put(b"foo", b"bar", lease=base).revision == base + 1
        assert s.range(b"foo").kvs == [KeyValue(b"foo", b"bar", 2, base + 1, base, base)]


@pytest.mark.parametrize(
    "key,end,wrev,wn",
    [
        (b"foo", None, 5, 1),
        (b"foo", b"foo1", 5, 1),
        (b"foo", b"foo2", 5, 2),
        (b"foo", b"foo3", 5, 3),
        (b"foo3", b"foo8", 4, 0),
        (b"foo3", None, 4, 0),
    ],
)
def test_delete_range(key: bytes, end: bytes | None, wrev: int, wn: int) -> None:
    # testKVDeleteRange: a delete matching nothing keeps revision 4.
    s = Store()
    s.put(b"foo", b"bar")
    s.put(b"foo1", b"bar1")
    s.put(b"foo2", b"bar2")
    r = s.delete_range(key, end)
    assert (r.deleted, r.revision) == (wn, wrev)
    assert s.revision == wrev


def test_delete_multiple_times() -> None:
    # testKVDeleteMultipleTimes: (1, 3) then (0, 3) forever.
    s = Store()
    s.put(b"foo", b"bar")
    r = s.delete_range(b"foo")
    assert (r.deleted, r.revision) == (1, 3)
    for _ in range(10):
        r = s.delete_range(b"foo")
        assert (r.deleted, r.revision) == (0, 3)


def test_operation_in_sequence() -> None:
    # TestKVOperationInSequence: put/get/delete repeatedly; re-created key restarts at version 1
    # with create_revision = the new revision.
    s = Store()
    for i in range(10):
        base = i * 2 + 1
        assert s.put(b"foo", b"bar").revision == base + 1
        r = s.range(b"foo", revision=base + 1)
        assert r.kvs == [KeyValue(b"foo", b"bar", base + 1, base + 1, 1, 0)]
        assert r.revision == base + 1
        d = s.delete_range(b"foo")
        assert (d.deleted, d.revision) == (1, base + 2)
        r = s.range(b"foo", revision=base + 2)
        assert r.kvs == [] and r.revision == base + 2


def test_same_value_put_is_a_new_revision() -> None:
    # SEMANTICS.md: re-putting the same value makes a new revision and bumps version.
    s = Store()
    s.put(b"k", b"v")
    r = s.put(b"k", b"v")
    assert r.revision == 3
    assert s.range(b"k").kvs == [KeyValue(b"k", b"v", 2, 3, 2, 0)]


def test_prev_kv() -> None:
    # PutResponse.prev_kv / DeleteRangeResponse.prev_kvs: the state before the write.
    s = Store()
    assert s.put(b"a", b"1", prev_kv=True).prev_kv is None
    r = s.put(b"a", b"2", prev_kv=True)
    assert r.prev_kv == KeyValue(b"a", b"1", 2, 2, 1, 0)
    assert s.put(b"a", b"3").prev_kv is None  # not asked for
    s.put(b"b", b"x")
    d = s.delete_range(b"a", b"c", prev_kv=True)
    assert d.deleted == 2 and d.revision == 6
    assert d.prev_kvs == [KeyValue(b"a", b"3", 2, 4, 3, 0), KeyValue(b"b", b"x", 5, 5, 1, 0)]
    assert s.delete_range(b"a", prev_kv=True).prev_kvs == []


def test_empty_key_is_refused() -> None:
    # checkPutRequest / checkRangeRequest / checkDeleteRequest: ErrGRPCEmptyKey, no revision used.
    s = Store()
    for call in (lambda: s.put(b"", b"v"), lambda: s.range(b""), lambda: s.delete_range(b"", b"z")):
        with pytest.raises(EmptyKeyError, match="etcdserver: key is not provided"):
            call()
    assert s.revision == 1


def test_str_keys_are_utf8() -> None:
    s = Store()
    s.put("/registry/pods/default/é", b"v")
    assert s.range(b"/registry/pods/default/\xc3\xa9").count == 1


def test_values_are_held_by_reference() -> None:
    # The simulation stores Python objects; the store keeps the object itself.
    s = Store()
    obj = {"kind": "Pod"}
    s.put(b"p", obj)
    assert s.range(b"p").kvs[0].value is obj


def test_put_unknown_lease() -> None:
    # applierV3backend.Put: lessor.Lookup fails -> lease.ErrLeaseNotFound; nothing written.
    s = Store()
    with pytest.raises(LeaseNotFoundError, match="etcdserver: requested lease not found"):
        s.put(b"foo", b"bar", lease=42)
    assert s.revision == 1 and s.range(b"foo").count == 0


def test_key_count() -> None:
    s = Store()
    s.put(b"a", b"1")
    s.put(b"a", b"2")
    s.put(b"b", b"1")
    s.delete_range(b"a")
    assert s.key_count == 1


# -- seeded random run against the naive model ----------------------------------------------

KEYS = [b"a", b"b", b"c", b"d", b"e", b"f"]
ENDS = [None, None, b"\0", b"c", b"e", b"g", b"b"]


def _outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except errors.KbenchError as err:
        return ("error", type(err).__name__)
    except NaiveError as err:
        return ("error", err.name)


def _rng_txn(rng: random.Random, leases: list[int]):
    targets = ["version", "create", "mod", "value", "lease"]
    cmps = []
    for _ in range(rng.randint(0, 2)):
        target = rng.choice(targets)
        value = rng.choice([b"", b"v1", b"v2", b"v3"]) if target == "value" else rng.randint(0, 6)
        cmps.append((rng.choice(KEYS), target, rng.choice(["=", "!=", "<", ">"]), value))

    def branch():
        ops = []
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(["put", "put", "get", "delete"])
            if kind == "put":
                ops.append(
                    ("put", rng.choice(KEYS), rng.choice([b"v1", b"v2", b"v3"]), rng.choice([0, 0] + leases))
                )
            else:
                ops.append((kind, rng.choice(KEYS), rng.choice(ENDS)))
        return ops

    return cmps, branch(), branch()


def _to_ops(ops):
    out = []
    for o in ops:
        if o[0] == "put":
            out.append(Op.put(o[1], o[2], lease=o[3]))
        elif o[0] == "get":
            out.append(Op.get(o[1], o[2]))
        else:
            out.append(Op.delete(o[1], o[2]))
    return out


def _txn_view(r):
    if isinstance(r, tuple) and r and r[0] == "error":
        return r
    resps = []
    for x in r.responses:
        name = type(x).__name__
        if name == "PutResult":
            resps.append(("put", x.revision))
        elif name == "RangeResult":
            resps.append(("get", [tuple(kv) for kv in x.kvs], x.count, x.revision))
        else:
            resps.append(("delete", x.deleted, x.revision))
    return r.succeeded, resps, r.revision


def _ev_view(evs):
    return [(e.type, tuple(e.kv), None if e.prev_kv is None else tuple(e.prev_kv)) for e in evs]


@pytest.mark.parametrize("seed", range(8))
def test_random_against_naive_model(seed: int) -> None:
    rng = random.Random(seed)
    s, n = Store(), NaiveStore()
    watches = []
    leases: list[int] = []
    for step in range(600):
        kind = rng.choices(
            ["put", "delete", "txn", "range", "compact", "watch", "grant", "revoke", "keepalive", "advance"],
            weights=[30, 10, 25, 20, 3, 3, 3, 2, 2, 2],
        )[0]
        if kind == "put":
            key, val, lease, pk = (
                rng.choice(KEYS),
                rng.choice([b"v1", b"v2", b"v3"]),
                rng.choice([0, 0, 0, 99] + leases),
                rng.random() < 0.3,
            )
            got = _outcome(s.put, key, val, lease=lease, prev_kv=pk)
            want = _outcome(n.put, key, val, lease, pk)
            if isinstance(want, tuple) and want[0] == "error":
                assert got == want, step
            else:
                assert (got.revision, None if got.prev_kv is None else tuple(got.prev_kv)) == want, step
        elif kind == "delete":
            key, end, pk = rng.choice(KEYS), rng.choice(ENDS), rng.random() < 0.5
            got = s.delete_range(key, end, prev_kv=pk)
            want = n.delete_range(key, end, pk)
            assert (got.deleted, [tuple(kv) for kv in got.prev_kvs], got.revision) == want, step
        elif kind == "txn":
            cmps, then, other = _rng_txn(rng, leases)
            got = _outcome(s.txn, [Compare(*c) for c in cmps], _to_ops(then), _to_ops(other))
            want = _outcome(n.txn, cmps, then, other)
            assert _txn_view(got) == want, (step, cmps, then, other)
        elif kind == "range":
            key, end = rng.choice(KEYS), rng.choice(ENDS)
            rev = rng.choice([0, rng.randint(-1, n.rev + 1)])
            limit = rng.choice([0, 0, 1, 2])
            co, ko = rng.random() < 0.2, rng.random() < 0.2
            got = _outcome(s.range, key, end, revision=rev, limit=limit, count_only=co, keys_only=ko)
            want = _outcome(n.range, key, end, rev, limit, co, ko)
            if not (isinstance(want, tuple) and want[0] == "error"):
                got = ([tuple(kv) for kv in got.kvs], got.count, got.more, got.revision)
            assert got == want, step
        elif kind == "compact":
            rev = rng.randint(n.compacted - 1, n.rev + 1)
            got = _outcome(s.compact, rev)
            want = _outcome(n.compact, rev)
            if isinstance(want, tuple):
                assert got == want, step
            else:
                assert got == n.rev, step
        elif kind == "watch":
            key, end = rng.choice(KEYS), rng.choice(ENDS)
            start = rng.choice([0, rng.randint(1, n.rev + 2)])
            pk = rng.random() < 0.5
            got = _outcome(s.watch, key, end, start_revision=start, prev_kv=pk)
            want = _outcome(n.watch, key, end, start, pk)
            if isinstance(want, tuple):
                assert got == want, step
            else:
                watches.append((got, want, []))
        elif kind == "grant":
            ttl = rng.randint(1, 8)
            lid = s.lease_grant(ttl)
            assert lid == n.lease_grant(ttl), step
            leases.append(lid)
        elif kind == "revoke" and leases:
            lid = rng.choice(leases + [1234])
            got = _outcome(s.lease_revoke, lid)
            want = _outcome(n.lease_revoke, lid)
            assert got == want, step
        elif kind == "keepalive" and leases:
            lid = rng.choice(leases)
            assert _outcome(s.lease_keepalive, lid) == _outcome(n.lease_keepalive, lid), step
        elif kind == "advance":
            secs = rng.choice([0.5, 1, 2, 3])
            s.advance(secs)
            n.advance(secs)
        assert s.revision == n.rev, step
        if step % 50 == 0:
            for w, nw, seen in watches:
                seen.extend(_ev_view(w.events()))
                assert seen == n.watch_events(nw), step
    for w, nw, seen in watches:
        seen.extend(_ev_view(w.events()))
        assert seen == n.watch_events(nw)
