"""A results table built row by row but stored as columns.

Events and scheduling attempts are appended once per pod or more, for the whole run: as dicts
they cost about 400 bytes a row, as one list per column about half that, and Arrow takes the
columns as they are. Reading a row back gives a dict, so code and tests that look through the
rows see what they appended.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import pyarrow as pa


class ColumnLog(Sequence[dict[str, Any]]):
    """Rows with the fields ``columns``, appended as dicts, kept as a list per column.

    >>> log = ColumnLog(["time", "what"])
    >>> log.append({"time": 1.0, "what": "a"}); log.append({"time": 2.0, "what": "b"})
    >>> len(log), log[-1], [r["what"] for r in log]
    (2, {'time': 2.0, 'what': 'b'}, ['a', 'b'])
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._data: dict[str, list[Any]] = {c: [] for c in self.columns}
        self._lists = list(self._data.values())

    def append(self, row: dict[str, Any]) -> None:
        """Add a row; it must have every column (other keys are an error too)."""
        try:
            if len(row) != len(self._lists):
                raise KeyError(len(row))
            got = [row[c] for c in self.columns]
        except KeyError:
            raise KeyError(f"row fields {sorted(row)} are not the log's columns {self.columns}") from None
        for v, values in zip(got, self._lists):
            values.append(v)

    def __len__(self) -> int:
        return len(self._lists[0]) if self._lists else 0

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return {c: values[i] for c, values in zip(self.columns, self._lists)}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for k in range(len(self)):
            yield {c: values[k] for c, values in zip(self.columns, self._lists)}

    def __eq__(self, other: object) -> bool:
        """Equal to a list (or log) of the same rows, as a list of dicts would be."""
        if isinstance(other, (list, ColumnLog)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ColumnLog({list(self)!r})"

    def column(self, name: str) -> list[Any]:
        """The values of one column, in row order (the log's own list: do not change it)."""
        return self._data[name]

    def to_arrow(self, schema: pa.Schema) -> pa.Table:
        """The rows as an Arrow table of ``schema`` (whose fields must be the log's columns)."""
        return pa.Table.from_pydict({f.name: self._data[f.name] for f in schema}, schema)
