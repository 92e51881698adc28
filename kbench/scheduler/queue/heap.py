"""A keyed heap of queued pods: O(log n) add, update, delete by key and pop.

Mirrors pkg/scheduler/backend/heap (Heap with a key function and a less function). The order is
a sort key computed from the item when it is added or updated; ties that Go's heap leaves to its
internal layout are broken by insertion order, so runs are deterministic.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Entry(Generic[T]):
    __slots__ = ("sort_key", "seq", "key", "item", "live")

    def __init__(self, sort_key: tuple[Any, ...], seq: int, key: str, item: T) -> None:
        self.sort_key = sort_key
        self.seq = seq
        self.key = key
        self.item = item
        self.live = True

    def __lt__(self, other: _Entry[T]) -> bool:
        return (self.sort_key, self.seq) < (other.sort_key, other.seq)


class KeyedHeap(Generic[T]):
    """Items by key, popped smallest ``sort_key(item)`` first (lazy deletion of stale entries)."""

    def __init__(self, key: Callable[[T], str], sort_key: Callable[[T], tuple[Any, ...]]) -> None:
        self._key = key
        self._sort_key = sort_key
        self._heap: list[_Entry[T]] = []
        self._by_key: dict[str, _Entry[T]] = {}
        self._seq = count()

    def __len__(self) -> int:
        return len(self._by_key)

    def add_or_update(self, item: T) -> None:
        """Mirrors Heap.AddOrUpdate: insert, or replace the item with the same key and re-sort it
        (an updated item keeps its place among equal keys)."""
        k = self._key(item)
        old = self._by_key.get(k)
        seq = next(self._seq) if old is None else old.seq
        if old is not None:
            old.live = False
        entry = _Entry(self._sort_key(item), seq, k, item)
        self._by_key[k] = entry
        heapq.heappush(self._heap, entry)

    def delete(self, key: str) -> T | None:
        """Remove the item with ``key``; the item, or None if there was none."""
        entry = self._by_key.pop(key, None)
        if entry is None:
            return None
        entry.live = False
        return entry.item

    def get(self, key: str) -> T | None:
        entry = self._by_key.get(key)
        return None if entry is None else entry.item

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def _drop_stale(self) -> None:
        while self._heap and not self._heap[0].live:
            heapq.heappop(self._heap)

    def peek(self) -> T | None:
        """The smallest item, or None when empty."""
        self._drop_stale()
        return self._heap[0].item if self._heap else None

    def pop(self) -> T | None:
        """Remove and return the smallest item, or None when empty."""
        self._drop_stale()
        if not self._heap:
            return None
        entry = heapq.heappop(self._heap)
        del self._by_key[entry.key]
        return entry.item

    def items(self) -> Iterator[T]:
        """The items in insertion order of their keys (not heap order)."""
        return (e.item for e in self._by_key.values())
