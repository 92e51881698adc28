"""KeyIndex and TreeIndex against etcd's own tables (mvcc/key_index_test.go, mvcc/index_test.go, 3.4)."""

from __future__ import annotations

import random

import pytest

from kbench.errors import InvariantError, RevisionNotFoundError
from kbench.etcd.key_index import KeyIndex, TreeIndex, prefix_range_end
from kbench.etcd.revision import Revision


def new_test_key_index() -> KeyIndex:
    """newTestKeyIndex (key_index_test.go):
    put(2) put(4) tombstone(6) put(8) put(10) tombstone(12) put(14,0) put(14,1) tombstone(16)."""
    ki = KeyIndex(b"foo")
    ki.put(2, 0)
    ki.put(4, 0)
    ki.tombstone(6, 0)
    ki.put(8, 0)
    ki.put(10, 0)
    ki.tombstone(12, 0)
    ki.put(14, 0)
    ki.put(14, 1)
    ki.tombstone(16, 0)
    return ki


def gens(ki: KeyIndex) -> list[tuple[tuple[int, int], int, list[tuple[int, int]]]]:
    return [(tuple(g.created), g.ver, [tuple(r) for r in g.revs]) for g in ki.generations]


# TestKeyIndexGet: after compact(4), (rev -> modified, created, version); None is ErrRevisionNotFound.
GET_CASES = [
    (17, None),
    (16, None),
    (15, ((14, 1), (14, 0), 2)),
    (14, ((14, 1), (14, 0), 2)),
    (13, None),
    (12, None),
    (11, ((10, 0), (8, 0), 2)),
    (10, ((10, 0), (8, 0), 2)),
    (9, ((8, 0), (8, 0), 1)),
    (8, ((8, 0), (8, 0), 1)),
    (7, None),
    (6, None),
    (5, ((4, 0), (2, 0), 2)),
    (4, ((4, 0), (2, 0), 2)),
    (3, None),
    (2, None),
    (1, None),
    (0, None),
]


@pytest.mark.parametrize("rev,want", GET_CASES)
def test_get_after_compact_4(rev: int, want: tuple | None) -> None:
    ki = new_test_key_index()
    ki.compact(4, set())
    got = ki.get(rev)
    if want is None:
        assert got is None
    else:
        assert (tuple(got[0]), tuple(got[1]), got[2]) == want


def test_put_trace() -> None:
    # TestKeyIndexPut
    ki = KeyIndex(b"foo")
    ki.put(5, 0)
    assert ki.modified == Revision(5, 0)
    assert gens(ki) == [((5, 0), 1, [(5, 0)])]
    ki.put(7, 0)
    assert ki.modified == Revision(7, 0)
    assert gens(ki) == [((5, 0), 2, [(5, 0), (7, 0)])]


def test_put_with_smaller_revision_breaks_invariant() -> None:
    # keyIndex.put panics "'put' with an unexpected smaller revision"
    ki = KeyIndex(b"foo")
    ki.put(5, 1)
    with pytest.raises(InvariantError, match="unexpected smaller revision"):
        ki.put(5, 1)
    with pytest.raises(InvariantError):
        ki.put(5, 0)


def test_tombstone_trace() -> None:
    # TestKeyIndexTombstone
    ki = KeyIndex(b"foo")
    ki.put(5, 0)
    ki.tombstone(7, 0)
    assert ki.modified == Revision(7, 0)
    assert gens(ki) == [((5, 0), 2, [(5, 0), (7, 0)]), ((0, 0), 0, [])]
    ki.put(8, 0)
    ki.put(9, 0)
    ki.tombstone(15, 0)
    assert ki.modified == Revision(15, 0)
    assert gens(ki) == [
        ((5, 0), 2, [(5, 0), (7, 0)]),
        ((8, 0), 3, [(8, 0), (9, 0), (15, 0)]),
        ((0, 0), 0, []),
    ]
    with pytest.raises(RevisionNotFoundError, match="mvcc: revision not found"):
        ki.tombstone(16, 0)


# TestKeyIndexCompactAndKeep, continuous compaction: compact rev -> generations, available.
G1 = ((2, 0), 3, [(2, 0), (4, 0), (6, 0)])
G1_4 = ((2, 0), 3, [(4, 0), (6, 0)])
G2 = ((8, 0), 3, [(8, 0), (10, 0), (12, 0)])
G2_10 = ((8, 0), 3, [(10, 0), (12, 0)])
G3 = ((14, 0), 3, [(14, 0), (14, 1), (16, 0)])
G3_14 = ((14, 0), 3, [(14, 1), (16, 0)])
EMPTY = ((0, 0), 0, [])
COMPACT_CASES = [
    (1, [G1, G2, G3, EMPTY], set()),
    (2, [G1, G2, G3, EMPTY], {(2, 0)}),
    (3, [G1, G2, G3, EMPTY], {(2, 0)}),
    (4, [G1_4, G2, G3, EMPTY], {(4, 0)}),
    (5, [G1_4, G2, G3, EMPTY], {(4, 0)}),
    (6, [G2, G3, EMPTY], set()),
    (7, [G2, G3, EMPTY], set()),
    (8, [G2, G3, EMPTY], {(8, 0)}),
    (9, [G2, G3, EMPTY], {(8, 0)}),
    (10, [G2_10, G3, EMPTY], {(10, 0)}),
    (11, [G2_10, G3, EMPTY], {(10, 0)}),
    (12, [G3, EMPTY], set()),
    (13, [G3, EMPTY], set()),
    (14, [G3_14, EMPTY], {(14, 1)}),
    (15, [G3_14, EMPTY], {(14, 1)}),
    (16, [EMPTY], set()),
]


def test_compact_continuous() -> None:
    ki = new_test_key_index()
    for rev, want_gens, want_available in COMPACT_CASES:
        available: set[Revision] = set()
        ki.compact(rev, available)
        assert gens(ki) == want_gens, rev
        assert {tuple(r) for r in available} == want_available, rev
    assert ki.is_empty()


@pytest.mark.parametrize("case", range(len(COMPACT_CASES)))
def test_compact_once(case: int) -> None:
    # "Once Compaction": a fresh keyIndex compacted straight at each revision gives the same result.
    rev, want_gens, want_available = COMPACT_CASES[case]
    ki = new_test_key_index()
    available: set[Revision] = set()
    ki.compact(rev, available)
    assert gens(ki) == want_gens
    assert {tuple(r) for r in available} == want_available


def test_compact_reports_dropped_revisions() -> None:
    # compact(12) on the test index leaves only generation {14, 14.1, 16(t)}: everything <= 12 goes
    # (scheduleCompaction deletes every revision <= 12 not in available).
    ki = new_test_key_index()
    dropped: list[Revision] = []
    ki.compact(12, set(), dropped)
    assert sorted(tuple(r) for r in dropped) == [(2, 0), (4, 0), (6, 0), (8, 0), (10, 0), (12, 0)]


def test_empty_key_index_operations_break_invariants() -> None:
    ki = KeyIndex(b"foo")
    ki.put(2, 0)
    ki.tombstone(3, 0)
    ki.compact(3, set())
    assert ki.is_empty()
    with pytest.raises(InvariantError, match="'get' got an unexpected empty keyIndex"):
        ki.get(3)
    with pytest.raises(InvariantError, match="'compact' got an unexpected empty keyIndex"):
        ki.compact(4, set())


def test_tree_index_get_range_tombstone() -> None:
    # index_test.go TestIndexGet/TestIndexRange/TestIndexTombstone, in their shape: foo@2, foo1@3,
    # foo2@4; tombstone foo@5.
    ti = TreeIndex()
    ti.put(b"foo", Revision(2))
    ti.put(b"foo1", Revision(3))
    ti.put(b"foo2", Revision(4))
    assert ti.get(b"foo", 1) is None
    assert ti.get(b"foo", 2)[0] == Revision(2)
    keys, revs = ti.range(b"foo", b"foo2", 4)
    assert keys == [b"foo", b"foo1"] and revs == [Revision(2), Revision(3)]
    keys, _ = ti.range(b"foo", b"", 4)  # end []byte{}: every key >= foo
    assert keys == [b"foo", b"foo1", b"foo2"]
    assert ti.range(b"foo1", b"foo1", 4) == ([], [])  # key == end: nothing
    ti.tombstone(b"foo", Revision(5))
    assert ti.get(b"foo", 5) is None
    assert ti.get(b"foo", 4)[0] == Revision(2)
    with pytest.raises(RevisionNotFoundError):
        ti.tombstone(b"foo", Revision(6))
    with pytest.raises(RevisionNotFoundError):
        ti.tombstone(b"nope", Revision(6))
    assert ti.revisions(b"foo", b"", 5) == [Revision(3), Revision(4)]


def test_tree_index_compact_removes_empty_keys() -> None:
    # treeIndex.Compact deletes a key whose keyIndex is left empty (foo: put 2, tombstone 5).
    ti = TreeIndex()
    ti.put(b"foo", Revision(2))
    ti.put(b"bar", Revision(3))
    ti.tombstone(b"foo", Revision(5))
    available, dropped = ti.compact(5)
    assert {tuple(r) for r in available} == {(3, 0)}
    assert sorted(tuple(r) for r in dropped) == [(2, 0), (5, 0)]
    assert len(ti) == 1 and ti.key_index(b"foo") is None
    assert ti.range(b"a", b"", 6) == ([b"bar"], [Revision(3)])


def test_prefix_range_end() -> None:
    # clientv3.GetPrefixRangeEnd examples: "foo" -> "fop", "a\xff" -> "b", "\xff\xff" -> "\x00".
    assert prefix_range_end(b"foo") == b"fop"
    assert prefix_range_end(b"a\xff") == b"b"
    assert prefix_range_end(b"\xff\xff") == b"\x00"


def _reference_get(ki: KeyIndex, at_rev: int) -> tuple[Revision, Revision, int] | None:
    """keyIndex.get spelt out as key_index.go does: findGeneration, then walk it newest first."""
    gens = ki.generations
    lastg = len(gens) - 1
    for cg in range(lastg, -1, -1):
        g = gens[cg]
        if not g.revs:
            continue
        if cg != lastg and g.revs[-1].main <= at_rev:
            return None  # the key was deleted by at_rev
        if g.revs[0].main <= at_rev:
            for n in range(len(g.revs) - 1, -1, -1):
                if g.revs[n].main <= at_rev:
                    return g.revs[n], g.created, g.ver - (len(g.revs) - n - 1)
            return None
    return None


def test_get_of_a_live_key() -> None:
    # newTestKeyIndex without its last tombstone: the current generation is [14.0, 14.1]
    ki = KeyIndex(b"foo")
    for main, sub, tomb in [(2, 0, 0), (4, 0, 0), (6, 0, 1), (8, 0, 0), (10, 0, 0), (12, 0, 1), (14, 0, 0), (14, 1, 0)]:
        (ki.tombstone if tomb else ki.put)(main, sub)
    assert ki.get(20) == ki.get(14) == (Revision(14, 1), Revision(14, 0), 2)
    assert ki.get(13) is None and ki.get(12) is None
    assert ki.get(11) == (Revision(10, 0), Revision(8, 0), 2)


def test_get_matches_key_index_go_on_random_histories() -> None:
    rng = random.Random(7)
    for _ in range(300):
        ki = KeyIndex(b"k")
        rev = 1
        compacted = 0
        for _ in range(rng.randint(1, 12)):
            rev += rng.randint(1, 2)
            live = bool(ki.generations) and bool(ki.generations[-1].revs)
            if live and rng.random() < 0.3:
                ki.tombstone(rev, 0)
            else:
                ki.put(rev, 0)
                if rng.random() < 0.2:
                    ki.put(rev, 1)
            if rng.random() < 0.15 and rev > compacted:
                compacted = rng.randint(compacted + 1, rev)
                ki.compact(compacted, set())
                if ki.is_empty():
                    break
        if ki.is_empty():
            continue
        for at in range(0, rev + 3):
            assert ki.get(at) == _reference_get(ki, at), (ki, at)
