"""etcd's MVCC revision, and the records it versions: KeyValue and Event.

Revision mirrors mvcc/revision.go; KeyValue and Event mirror mvcc/mvccpb/kv.proto. ``main`` is the store revision of a write transaction and ``sub`` the
position of the change inside that transaction, so the changes of one txn share ``main`` and get
consecutive ``sub`` values 0, 1, 2, ...
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Revision(NamedTuple):
    """One change of the store: main revision and sub-revision (tuple order is etcd's order).

    Examples
    --------
    >>> Revision(5, 1) > Revision(5, 0) > Revision(4, 9)
    True
    >>> Revision(5).greater_than(Revision(4, 3))
    True
    """

    main: int
    sub: int = 0

    def greater_than(self, b: Revision) -> bool:
        """Mirrors revision.GreaterThan, mvcc/revision.go."""
        return self > b


ZERO = Revision(0, 0)
"""The zero revision, ``revision{}`` in Go."""


class KeyValue(NamedTuple):
    """mvccpb.KeyValue: a key as of one revision.

    ``version`` counts the modifications since creation (1 on create); ``create_revision`` and
    ``mod_revision`` are main revisions; ``lease`` is 0 for none. ``value`` is held by reference.
    """

    key: bytes
    value: Any
    create_revision: int
    mod_revision: int
    version: int
    lease: int


class Event(NamedTuple):
    """mvccpb.Event: ``type`` is "PUT" or "DELETE"; ``prev_kv`` only for watches asking for it.

    A DELETE event's kv is the tombstone etcd stores: the key, an empty value, ``mod_revision`` of
    the delete, and zero create_revision, version and lease (kvstore_txn.go delete,
    watchable_store_txn.go End).
    """

    type: str
    kv: KeyValue
    prev_kv: KeyValue | None = None
