"""String interning: stable small integer ids for label keys, label values, taints and images."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Interner(Generic[T]):
    """Maps values to dense ids 0..n-1 in first-seen order; ids never change."""

    __slots__ = ("_ids", "values")

    def __init__(self) -> None:
        self._ids: dict[T, int] = {}
        self.values: list[T] = []

    def intern(self, value: T) -> int:
        """The id of ``value``, assigning the next id if it is new."""
        i = self._ids.get(value)
        if i is None:
            i = len(self.values)
            self._ids[value] = i
            self.values.append(value)
        return i

    def get(self, value: T) -> int:
        """The id of ``value``, or -1 if it was never interned."""
        return self._ids.get(value, -1)

    def __len__(self) -> int:
        return len(self.values)


class LabelTable:
    """Label keys become columns; each key interns its own values, so per-key tables stay small."""

    __slots__ = ("keys", "values")

    def __init__(self) -> None:
        self.keys: Interner[str] = Interner()
        self.values: list[Interner[str]] = []

    def key(self, key: str) -> int:
        """Column of ``key``, creating it if new."""
        k = self.keys.intern(key)
        if k == len(self.values):
            self.values.append(Interner())
        return k

    def value(self, key_col: int, value: str) -> int:
        """Id of ``value`` among the values of the key in column ``key_col``."""
        return self.values[key_col].intern(value)

    def lookup(self, key: str, value: str) -> tuple[int, int]:
        """(column, value id) without interning; -1 where unknown."""
        k = self.keys.get(key)
        return k, (self.values[k].get(value) if k >= 0 else -1)

    def n_values(self, key_col: int) -> int:
        return len(self.values[key_col])
