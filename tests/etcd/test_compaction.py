"""Compaction against etcd 3.4: mvcc/kv_test.go (TestKVRangeBadRev, TestKVCompactBad,
TestKVCompactReserveLastValue), kvstore.go updateCompactRev, key_index.go compact."""

from __future__ import annotations

import pytest

from kbench.errors import CompactedError, FutureRevisionError
from kbench.etcd import KeyValue, Store


def put3(s: Store) -> None:
    s.put(b"foo", b"bar")
    s.put(b"foo1", b"bar1")
    s.put(b"foo2", b"bar2")


@pytest.mark.parametrize(
    "rev,err",
    [
        (-1, None),
        (0, None),
        (1, CompactedError),
        (2, CompactedError),
        (3, CompactedError),
        (4, None),
        (5, FutureRevisionError),
        (100, FutureRevisionError),
    ],
)
def test_range_bad_rev(rev: int, err: type[Exception] | None) -> None:
    # testKVRangeBadRev: compact(4); reads below 4 are compacted, 4 itself is readable.
    s = Store()
    put3(s)
    s.compact(4)
    if err is None:
        r = s.range(b"foo", b"foo3", revision=rev)
        assert r.count == 3 and r.revision == 4
    else:
        with pytest.raises(err):
            s.range(b"foo", b"foo3", revision=rev)


def test_compacted_error_carries_the_revision() -> None:
    s = Store()
    put3(s)
    s.compact(3)
    with pytest.raises(CompactedError, match="^mvcc: required revision has been compacted$") as info:
        s.range(b"foo", revision=2)
    assert info.value.compact_revision == 3


def test_compact_bad() -> None:
    # TestKVCompactBad on a store at revision 4: 0 ok, 1 ok, 1 compacted, 4 ok, 5 and 100 future.
    s = Store()
    for v in (b"bar0", b"bar1", b"bar2"):
        s.put(b"foo", v)
    assert s.compact(0) == 4
    assert s.compact(1) == 4
    with pytest.raises(CompactedError):
        s.compact(1)
    assert s.compact(4) == 4
    for rev in (5, 100):
        with pytest.raises(FutureRevisionError):
            s.compact(rev)
    assert s.compact_revision == 4


def test_compact_reserve_last_value() -> None:
    # TestKVCompactReserveLastValue: put(bar0, lease 1), put(bar1, lease 2), delete, put(bar2,
    # lease 3); after compact(rev) the read at rev+1 still answers.
    s = Store()
    for lid in (1, 2, 3):
        s.lease_grant(100, lease_id=lid)
    s.put(b"foo", b"bar0", lease=1)
    s.put(b"foo", b"bar1", lease=2)
    s.delete_range(b"foo")
    s.put(b"foo", b"bar2", lease=3)
    cases = [
        (1, [KeyValue(b"foo", b"bar0", 2, 2, 1, 1)]),
        (2, [KeyValue(b"foo", b"bar1", 2, 3, 2, 2)]),
        (3, []),
        (4, [KeyValue(b"foo", b"bar2", 5, 5, 1, 3)]),
    ]
    for rev, want in cases:
        s.compact(rev)
        assert s.range(b"foo", revision=rev + 1).kvs == want


def test_compaction_revision_stays_readable() -> None:
    s = Store()
    s.put(b"a", b"1")  # 2
    s.put(b"a", b"2")  # 3
    s.put(b"b", b"1")  # 4
    s.put(b"a", b"3")  # 5
    s.compact(4)
    assert s.range(b"a", revision=4).kvs == [KeyValue(b"a", b"2", 2, 3, 2, 0)]
    assert s.range(b"a", b"c", revision=4).count == 2
    assert s.range(b"a").kvs == [KeyValue(b"a", b"3", 2, 5, 3, 0)]


def test_deleted_keys_disappear_from_history() -> None:
    # A generation ending in a tombstone at or below the compact revision is removed whole; the
    # key (nothing left) leaves the index; a re-created key starts a fresh generation.
    s = Store()
    s.put(b"gone", b"1")  # 2
    s.delete_range(b"gone")  # 3
    s.put(b"kept", b"1")  # 4
    s.compact(3)
    assert s._index.key_index(b"gone") is None
    assert s.range(b"a", b"z", revision=3).kvs == []
    assert s.range(b"a", b"z", revision=4).count == 1
    s.put(b"gone", b"2")  # 5
    assert s.range(b"gone").kvs == [KeyValue(b"gone", b"2", 5, 5, 1, 0)]
    # the backend keeps only what a read at or after 3 can reach
    assert sorted(tuple(r) for r in s._backend) == [(4, 0), (5, 0)]


def test_tombstone_above_compact_revision_is_kept() -> None:
    # compact(2) with foo: put 2, tombstone 3 -> generation {2, 3(t)} stays: reading at 2 works and
    # a watch from 3 still sees the delete.
    s = Store()
    s.put(b"foo", b"1")
    s.delete_range(b"foo")
    s.compact(2)
    assert s.range(b"foo", revision=2).count == 1
    assert [e.type for e in s.watch(b"foo", start_revision=3).events()] == ["DELETE"]
    s.compact(3)
    assert s.range(b"foo", revision=3).count == 0
    assert s.watch(b"foo", start_revision=3).events() == []
