"""Watches against etcd 3.4: mvcc/kv_test.go TestWatchableKVWatch, mvcc/watchable_store_test.go
(TestWatchFutureRev, TestWatchCompacted), watchable_store_txn.go, v3rpc/watch.go (prev_kv, keys)."""

from __future__ import annotations

import pytest

from kbench.errors import CompactedError, EmptyWatcherRangeError
from kbench.etcd import Event, KeyValue, Op, Store, prefix_range_end


def test_watchable_kv_watch() -> None:
    # TestWatchableKVWatch: watch [foo, fop) from 0; then a second watcher [foo1, foo2) from rev 3.
    s = Store()
    for lid in (1, 2, 3):
        s.lease_grant(100, lease_id=lid)
    w = s.watch(b"foo", b"fop")
    s.put(b"foo", b"bar", lease=1)
    assert w.events() == [Event("PUT", KeyValue(b"foo", b"bar", 2, 2, 1, 1))]
    s.put(b"foo1", b"bar1", lease=2)
    assert w.events() == [Event("PUT", KeyValue(b"foo1", b"bar1", 3, 3, 1, 2))]
    w2 = s.watch(b"foo1", b"foo2", start_revision=3)
    assert w2.events() == [Event("PUT", KeyValue(b"foo1", b"bar1", 3, 3, 1, 2))]
    s.put(b"foo1", b"bar11", lease=3)
    assert w2.events() == [Event("PUT", KeyValue(b"foo1", b"bar11", 3, 4, 2, 3))]


def test_start_zero_is_the_next_write() -> None:
    s = Store()
    s.put(b"k", b"1")
    w = s.watch(b"k")
    assert w.events() == []
    s.put(b"k", b"2")
    assert [e.kv.mod_revision for e in w.events()] == [3]


def test_future_start_revision() -> None:
    # TestWatchFutureRev: a watch from rev 10 receives exactly the event at 10 first.
    s = Store()
    w = s.watch(b"foo", start_revision=10)
    for _ in range(8):  # revisions 2..9
        s.put(b"foo", b"bar")
    assert w.events() == []
    s.put(b"foo", b"bar")
    assert s.revision == 10
    assert [e.kv.mod_revision for e in w.events()] == [10]


def test_replay_from_a_past_revision() -> None:
    # syncWatchers: the stored changes from minRev to current, in (main, sub) order.
    s = Store()
    s.put(b"a", b"1")  # 2
    s.txn(success=[Op.put(b"b", b"1"), Op.put(b"a", b"2")])  # 3: b sub 0, a sub 1
    s.delete_range(b"a")  # 4
    s.put(b"zz", b"1")  # 5, outside the range
    w = s.watch(b"a", b"c", start_revision=2)
    assert [(e.type, e.kv.key, e.kv.mod_revision) for e in w.events()] == [
        ("PUT", b"a", 2),
        ("PUT", b"b", 3),
        ("PUT", b"a", 3),
        ("DELETE", b"a", 4),
    ]
    s.put(b"b", b"2")
    assert [(e.kv.key, e.kv.mod_revision, e.kv.version) for e in w.events()] == [(b"b", 6, 2)]


def test_delete_event_fields() -> None:
    # kvstore_txn.go delete stores KeyValue{Key: key}; watchable_store_txn.go End patches
    # ModRevision: only key and mod_revision are set.
    s = Store()
    s.lease_grant(60, lease_id=9)
    s.put(b"k", b"v", lease=9)
    w = s.watch(b"k")
    s.delete_range(b"k")
    assert w.events() == [Event("DELETE", KeyValue(b"k", b"", 0, 3, 0, 0))]
    # and the same tombstone when replayed from history (kvsToEvents patches ModRevision too)
    assert s.watch(b"k", start_revision=3).events() == [Event("DELETE", KeyValue(b"k", b"", 0, 3, 0, 0))]


def test_prev_kv() -> None:
    # v3rpc sendLoop: prev_kv = Range(key, rev=ModRevision-1), skipped for a create event.
    s = Store()
    w = s.watch(b"k", prev_kv=True)
    plain = s.watch(b"k")
    s.put(b"k", b"1")  # 2, create: no prev_kv
    s.put(b"k", b"2")  # 3
    s.delete_range(b"k")  # 4
    first = KeyValue(b"k", b"1", 2, 2, 1, 0)
    second = KeyValue(b"k", b"2", 2, 3, 2, 0)
    assert w.events() == [
        Event("PUT", first, None),
        Event("PUT", second, first),
        Event("DELETE", KeyValue(b"k", b"", 0, 4, 0, 0), second),
    ]
    assert [e.prev_kv for e in plain.events()] == [None, None, None]
    replay = s.watch(b"k", start_revision=2, prev_kv=True).events()
    assert [e.prev_kv for e in replay] == [None, first, second]


def test_prev_kv_inside_a_txn_is_the_state_before_it() -> None:
    # The prev_kv read is at ModRevision - 1, i.e. before the whole txn: a key put and then
    # deleted in one txn (allowed when the delete's range_end is "\0") shows the old value twice.
    s = Store()
    s.put(b"b", b"old")  # 2
    w = s.watch(b"b", prev_kv=True)
    s.txn(success=[Op.put(b"b", b"new"), Op.delete(b"a", b"\0")])  # 3
    old = KeyValue(b"b", b"old", 2, 2, 1, 0)
    assert [(e.type, e.kv.value, e.prev_kv) for e in w.events()] == [
        ("PUT", b"new", old),
        ("DELETE", b"", old),
    ]


def test_compacted_watch() -> None:
    # TestWatchCompacted: 10 puts, compact(5), watch from 4 -> cancelled with CompactRevision 5.
    s = Store()
    for _ in range(10):
        s.put(b"foo", b"bar")
    s.compact(5)
    with pytest.raises(CompactedError, match="mvcc: required revision has been compacted") as info:
        s.watch(b"foo", start_revision=4)
    assert info.value.compact_revision == 5
    # minRev == compactRev is not compacted (chooseAll: w.minRev < compactRev)
    assert [e.kv.mod_revision for e in s.watch(b"foo", start_revision=5).events()] == [5, 6, 7, 8, 9, 10, 11]


def test_replay_at_the_compact_revision_keeps_only_live_puts() -> None:
    # compact(R) keeps per key its latest revision <= R unless that generation ended in a tombstone
    # <= R (keyIndex.compact), and scheduleCompaction deletes the rest: a watch from R sees the put
    # at R but not the delete at R. The prev_kv read at R-1 is below the compaction: none.
    s = Store()
    s.put(b"a", b"1")  # 2
    s.put(b"b", b"1")  # 3
    s.txn(success=[Op.put(b"a", b"2"), Op.delete(b"b")])  # 4
    s.compact(4)
    evs = s.watch(b"a", b"z", start_revision=4, prev_kv=True).events()
    assert evs == [Event("PUT", KeyValue(b"a", b"2", 2, 4, 2, 0), None)]


def test_cancel_stops_delivery() -> None:
    s = Store()
    w = s.watch(b"k")
    s.put(b"k", b"1")
    w.cancel()
    s.put(b"k", b"2")
    assert [e.kv.value for e in w.events()] == [b"1"]
    assert w.canceled


def test_key_and_range_forms() -> None:
    # v3rpc/watch.go: empty key -> "\x00"; range_end "" -> single key; "\x00" -> every key >= key.
    s = Store()
    every = s.watch(b"", b"\0")
    from_b = s.watch(b"b", b"\0")
    prefix = s.watch(b"/r/pods/", prefix_range_end(b"/r/pods/"))
    span = s.watch(b"a", b"c")
    single = s.watch(b"b", b"")
    for k in (b"a", b"b", b"bb", b"c", b"/r/pods/x", b"/r/podsx"):
        s.put(k, b"v")
    assert [e.kv.key for e in every.events()] == [b"a", b"b", b"bb", b"c", b"/r/pods/x", b"/r/podsx"]
    assert [e.kv.key for e in from_b.events()] == [b"b", b"bb", b"c"]
    assert [e.kv.key for e in prefix.events()] == [b"/r/pods/x"]
    assert [e.kv.key for e in span.events()] == [b"a", b"b", b"bb"]
    assert [e.kv.key for e in single.events()] == [b"b"]


def test_many_prefix_watchers() -> None:
    # Each write reaches exactly the prefix watchers containing its key.
    s = Store()
    ws = {ns: s.watch(f"/pods/{ns}/", prefix_range_end(f"/pods/{ns}/".encode())) for ns in ("a", "ab", "b")}
    all_pods = s.watch(b"/pods/", prefix_range_end(b"/pods/"))
    s.put(b"/pods/a/x", b"v")
    s.put(b"/pods/ab/y", b"v")
    s.put(b"/pods/b/z", b"v")
    assert [e.kv.key for e in ws["a"].events()] == [b"/pods/a/x"]
    assert [e.kv.key for e in ws["ab"].events()] == [b"/pods/ab/y"]
    assert [e.kv.key for e in ws["b"].events()] == [b"/pods/b/z"]
    assert len(all_pods.events()) == 3
    ws["a"].cancel()
    s.put(b"/pods/a/x", b"w")
    assert ws["a"].events() == [] and len(all_pods.events()) == 1


def test_empty_watcher_range() -> None:
    # watchStream.Watch: a range_end not above the key -> ErrEmptyWatcherRange.
    s = Store()
    with pytest.raises(EmptyWatcherRangeError, match="mvcc: watcher range is empty"):
        s.watch(b"b", b"a")
    with pytest.raises(EmptyWatcherRangeError):
        s.watch(b"b", b"b")
