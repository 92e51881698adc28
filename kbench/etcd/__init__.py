"""An in-process model of etcd 3.4's v3 key-value store, on the simulation's clock.

Everything the simulated control plane knows lives here and is observed through watches. The
semantics are etcd's (revisions, MVCC history, txn compares, watches, leases, compaction); see
``/work/shared/contracts/etcd.md`` and the modules: ``revision`` (Revision, KeyValue, Event),
``key_index`` (keyIndex generations, treeIndex), ``store`` (the store and its applier),
``watchable_store`` (watchers) and ``lease`` (the lessor).

Examples
--------
>>> from kbench.etcd import Compare, Op, Store
>>> s = Store()
>>> r = s.txn([Compare(b"k", "create", "=", 0)], [Op.put(b"k", b"v"), Op.get(b"k")])
>>> r.succeeded, r.revision, r.responses[1].kvs[0].version
(True, 2, 1)
"""

from __future__ import annotations

from kbench.errors import CompactedError, FutureRevisionError
from kbench.etcd.key_index import prefix_range_end
from kbench.etcd.lease import MIN_LEASE_TTL, NO_LEASE
from kbench.etcd.revision import Event, KeyValue, Revision
from kbench.etcd.store import (
    Compare,
    DeleteRangeResult,
    Op,
    PutResult,
    RangeResult,
    Store,
    TxnResult,
)
from kbench.etcd.watchable_store import Watch

__all__ = [
    "CompactedError",
    "Compare",
    "DeleteRangeResult",
    "Event",
    "FutureRevisionError",
    "KeyValue",
    "MIN_LEASE_TTL",
    "NO_LEASE",
    "Op",
    "PutResult",
    "RangeResult",
    "Revision",
    "Store",
    "TxnResult",
    "Watch",
    "prefix_range_end",
]
