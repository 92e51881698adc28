"""etcd's in-memory key index: a keyIndex of generations per key, and the ordered tree of them.

Mirrors mvcc/key_index.go (keyIndex, generation) and mvcc/index.go (treeIndex) of etcd 3.4. The
btree of treeIndex is a sorted list of keys searched with bisect plus a dict from key to KeyIndex:
O(log n) to find a key, O(n) memmove (fast) to insert a new one.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field

from kbench.errors import InvariantError, RevisionNotFoundError
from kbench.etcd.revision import ZERO, Revision


def prefix_range_end(prefix: bytes) -> bytes:
    """The range_end that selects every key starting with ``prefix``.

    Mirrors clientv3.GetPrefixRangeEnd (clientv3/op.go): increment the last byte below 0xff and
    drop what follows; a prefix of only 0xff bytes (or empty) gives ``b"\\0"``, i.e. all keys >= prefix.

    Examples
    --------
    >>> prefix_range_end(b"/registry/pods/")
    b'/registry/pods0'
    >>> prefix_range_end(b"a\\xff")
    b'b'
    >>> prefix_range_end(b"\\xff")
    b'\\x00'
    """
    end = bytearray(prefix)
    for i in range(len(end) - 1, -1, -1):
        if end[i] < 0xFF:
            end[i] += 1
            return bytes(end[: i + 1])
    return b"\0"


@dataclass(slots=True)
class Generation:
    """The revisions of a key from its creation to its deletion (tombstone) or to now.

    Mirrors generation, mvcc/key_index.go: ``ver`` counts the puts and the tombstone of this
    generation, ``created`` is the revision of its first put.
    """

    ver: int = 0
    created: Revision = ZERO
    revs: list[Revision] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Mirrors generation.isEmpty."""
        return not self.revs


class KeyIndex:
    """The revisions of one key, as generations; the last generation is the current one.

    Mirrors keyIndex, mvcc/key_index.go. A tombstone appends its revision to the current generation
    and opens a new, empty one. Compaction at ``rev`` keeps, per generation, the largest revision
    <= ``rev``; a generation whose tombstone is <= ``rev`` goes entirely; a key left with only an
    empty generation is removed from the tree. etcd's own trace (put 1, put 2, tombstone 3, put 4,
    tombstone 5), then compact(2), compact(4), compact(5):

    Examples
    --------
    >>> ki = KeyIndex(b"foo")
    >>> ki.put(1, 0); ki.put(2, 0); ki.tombstone(3, 0); ki.put(4, 0); ki.tombstone(5, 0)
    >>> [[r.main for r in g.revs] for g in ki.generations]
    [[1, 2, 3], [4, 5], []]
    >>> ki.compact(2, set())
    >>> [[r.main for r in g.revs] for g in ki.generations]
    [[2, 3], [4, 5], []]
    >>> ki.compact(4, set())
    >>> [[r.main for r in g.revs] for g in ki.generations]
    [[4, 5], []]
    >>> ki.compact(5, set())
    >>> ki.is_empty()
    True
    """

    __slots__ = ("key", "modified", "generations")

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.modified = ZERO
        self.generations: list[Generation] = []

    def __repr__(self) -> str:
        gens = ", ".join(
            f"{{created {tuple(g.created)} ver {g.ver} revs {[tuple(r) for r in g.revs]}}}"
            for g in self.generations
        )
        return f"KeyIndex({self.key!r}, modified={tuple(self.modified)}, [{gens}])"

    def put(self, main: int, sub: int) -> None:
        """Append a revision to the current generation (creating the key if it is empty).

        Mirrors keyIndex.put; a revision not above the last one breaks an invariant.
        """
        self._put(Revision(main, sub))

    def _put(self, rev: Revision) -> None:
        """keyIndex.put for an already built Revision (the store's hot path)."""
        if not rev > self.modified:
            raise InvariantError(
                f"'put' with an unexpected smaller revision: given {tuple(rev)}, modified {tuple(self.modified)}"
            )
        gens = self.generations
        if not gens:
            gens.append(Generation())
        g = gens[-1]
        if not g.revs:
            g.created = rev
        g.revs.append(rev)
        g.ver += 1
        self.modified = rev

    def tombstone(self, main: int, sub: int) -> None:
        """Append a tombstone revision and open a new, empty generation.

        Mirrors keyIndex.tombstone: raises RevisionNotFoundError when the key is already deleted.
        """
        if self.is_empty():
            raise InvariantError(f"'tombstone' got an unexpected empty keyIndex: key {self.key!r}")
        if not self.generations[-1].revs:
            raise RevisionNotFoundError()
        self._put(Revision(main, sub))
        self.generations.append(Generation())

    def get(self, at_rev: int) -> tuple[Revision, Revision, int] | None:
        """(modified, created, version) of the key as of ``at_rev``, or None where it did not exist.

        Mirrors keyIndex.get; None stands for ErrRevisionNotFound, which is the common case of a
        read of a missing key and so not raised.
        """
        g = self.generations[-1] if self.generations else None
        if g is not None and g.revs and g.revs[-1].main <= at_rev:
            # the common read of a live key's latest revision: the current generation holds it
            # (findGeneration stops there, as its first revision is <= at_rev too)
            return g.revs[-1], g.created, g.ver
        if self.is_empty():
            raise InvariantError(f"'get' got an unexpected empty keyIndex: key {self.key!r}")
        g = self.find_generation(at_rev)
        if g is None:
            return None
        revs = g.revs
        for n in range(len(revs) - 1, -1, -1):
            if revs[n].main <= at_rev:
                return revs[n], g.created, g.ver - (len(revs) - n - 1)
        return None

    def compact(self, at_rev: int, available: set[Revision], dropped: list[Revision] | None = None) -> None:
        """Drop the revisions <= ``at_rev`` except the largest one of each kept generation.

        Mirrors keyIndex.compact; the kept revisions are added to ``available`` and, if given, the
        removed ones to ``dropped`` (what scheduleCompaction deletes from the backend).
        """
        if self.is_empty():
            raise InvariantError(f"'compact' got an unexpected empty keyIndex: key {self.key!r}")
        gens = self.generations
        gen_idx, rev_index = self._do_compact(at_rev, available)
        g = gens[gen_idx]
        if g.revs:
            if rev_index > 0:
                if dropped is not None:
                    dropped.extend(g.revs[:rev_index])
                del g.revs[:rev_index]
            if len(g.revs) == 1 and gen_idx != len(gens) - 1:
                available.discard(g.revs[0])
                gen_idx += 1
        if gen_idx:
            if dropped is not None:
                for removed in gens[:gen_idx]:
                    dropped.extend(removed.revs)
            del gens[:gen_idx]

    def _do_compact(self, at_rev: int, available: set[Revision]) -> tuple[int, int]:
        """Mirrors keyIndex.doCompact: the first generation whose tombstone is above ``at_rev``, and
        in it the index of the largest revision <= ``at_rev`` (added to ``available``), or -1.

        generation.walk (newest first, stop at the first revision <= ``at_rev``) is inlined here.
        """
        gens = self.generations
        last = len(gens) - 1
        gen_idx = 0
        g = gens[0]
        while gen_idx < last:
            if g.revs[-1].main > at_rev:
                break
            gen_idx += 1
            g = gens[gen_idx]
        revs = g.revs
        for i in range(len(revs) - 1, -1, -1):
            if revs[i].main <= at_rev:
                available.add(revs[i])
                return gen_idx, i
        return gen_idx, -1

    def is_empty(self) -> bool:
        """Mirrors keyIndex.isEmpty: one generation, and it has no revision."""
        return len(self.generations) == 1 and not self.generations[0].revs

    def find_generation(self, rev: int) -> Generation | None:
        """The generation alive at ``rev``, or None where the key did not exist then.

        Mirrors keyIndex.findGeneration.
        """
        gens = self.generations
        lastg = len(gens) - 1
        cg = lastg
        while cg >= 0:
            g = gens[cg]
            if not g.revs:
                cg -= 1
                continue
            if cg != lastg and g.revs[-1].main <= rev:
                return None
            if g.revs[0].main <= rev:
                return g
            cg -= 1
        return None


class TreeIndex:
    """All KeyIndexes, ordered by key.

    Mirrors treeIndex, mvcc/index.go. ``end`` arguments follow etcd's index: None selects the single
    key, ``b""`` every key >= ``key``, anything else the keys in [key, end).
    """

    __slots__ = ("_keys", "_index", "_dirty")

    def __init__(self) -> None:
        self._keys: list[bytes] = []
        self._index: dict[bytes, KeyIndex] = {}
        self._dirty: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._index)

    def key_index(self, key: bytes) -> KeyIndex | None:
        """The KeyIndex of ``key``, or None."""
        return self._index.get(key)

    def get(self, key: bytes, at_rev: int) -> tuple[Revision, Revision, int] | None:
        """Mirrors treeIndex.Get: (modified, created, version) at ``at_rev``, or None."""
        ki = self._index.get(key)
        if ki is None:
            return None
        return ki.get(at_rev)

    def put(self, key: bytes, rev: Revision) -> None:
        """Mirrors treeIndex.Put."""
        ki = self._index.get(key)
        if ki is None:
            ki = KeyIndex(key)
            self._index[key] = ki
            insort(self._keys, key)
        ki._put(rev)
        self._dirty.add(key)

    def tombstone(self, key: bytes, rev: Revision) -> None:
        """Mirrors treeIndex.Tombstone: RevisionNotFoundError if the key is unknown or deleted."""
        ki = self._index.get(key)
        if ki is None:
            raise RevisionNotFoundError()
        ki.tombstone(rev.main, rev.sub)
        self._dirty.add(key)

    def _span(self, key: bytes, end: bytes) -> list[bytes]:
        """The keys in [key, end), ``end == b""`` meaning no upper bound (treeIndex.visit)."""
        keys = self._keys
        i = bisect_left(keys, key)
        if not end:
            return keys[i:]
        j = bisect_left(keys, end, i)
        return keys[i:j]

    def range(self, key: bytes, end: bytes | None, at_rev: int) -> tuple[list[bytes], list[Revision]]:
        """Mirrors treeIndex.Range: the keys alive at ``at_rev`` and their revisions there."""
        if end is None:
            got = self.get(key, at_rev)
            if got is None:
                return [], []
            return [key], [got[0]]
        keys: list[bytes] = []
        revs: list[Revision] = []
        index = self._index
        for k in self._span(key, end):
            got = index[k].get(at_rev)
            if got is not None:
                keys.append(k)
                revs.append(got[0])
        return keys, revs

    def revisions(self, key: bytes, end: bytes | None, at_rev: int) -> list[Revision]:
        """Mirrors treeIndex.Revisions (3.4: no limit; the caller counts them all)."""
        if end is None:
            got = self.get(key, at_rev)
            return [] if got is None else [got[0]]
        revs: list[Revision] = []
        index = self._index
        for k in self._span(key, end):
            got = index[k].get(at_rev)
            if got is not None:
                revs.append(got[0])
        return revs

    def compact(self, rev: int) -> tuple[set[Revision], list[Revision]]:
        """Compact every key at ``rev``; returns (available, dropped) revisions.

        Mirrors treeIndex.Compact, which runs keyIndex.compact on every key and removes the keys
        left empty. Only keys written since the last compaction are visited: any other key holds a
        single revision <= the last compaction, which compaction keeps unchanged. ``dropped`` lists
        the revisions <= ``rev`` of the visited keys that are not kept, i.e. what etcd's
        scheduleCompaction deletes from the backend.
        """
        available: set[Revision] = set()
        dropped: list[Revision] = []
        removed: set[bytes] = set()
        still_dirty: set[bytes] = set()
        index = self._index
        for key in self._dirty:
            ki = index[key]
            ki.compact(rev, available, dropped)
            if ki.is_empty():
                del index[key]
                removed.add(key)
            elif ki.modified.main > rev:
                still_dirty.add(key)
        self._dirty = still_dirty
        if removed:
            self._keys = [k for k in self._keys if k not in removed]
        return available, dropped
