"""Txn against etcd 3.4: applierV3backend.Txn/applyCompare/compareKV (etcdserver/apply.go),
checkTxnRequest/checkIntervals (v3rpc/key.go), storeTxnWrite (mvcc/kvstore_txn.go)."""

from __future__ import annotations

import pytest

from kbench.errors import DuplicateKeyError, EmptyKeyError, LeaseNotFoundError, TooManyOpsError
from kbench.etcd import Compare, KeyValue, Op, Store


def test_writes_share_one_revision_with_consecutive_subs() -> None:
    # storeTxnWrite.put/delete: main = begin + 1, sub = len(changes); events in op order.
    s = Store()
    s.put(b"x", b"0")  # rev 2
    w = s.watch(b"a", b"\0")
    r = s.txn(success=[Op.put(b"b", b"1"), Op.put(b"a", b"1"), Op.delete(b"x")])
    assert r.succeeded and r.revision == 3 and s.revision == 3
    assert [(e.type, e.kv.key, e.kv.mod_revision) for e in w.events()] == [
        ("PUT", b"b", 3),
        ("PUT", b"a", 3),
        ("DELETE", b"x", 3),
    ]
    # sub-revisions 0, 1, 2 of main revision 3, in op order
    assert [tuple(s._index.key_index(k).modified) for k in (b"b", b"a", b"x")] == [(3, 0), (3, 1), (3, 2)]


def test_get_after_put_sees_the_put() -> None:
    # storeTxnWrite.Range reads at begin+1 once the txn has changes; its header says so.
    s = Store()
    s.put(b"k", b"old")  # rev 2
    r = s.txn(success=[Op.get(b"k"), Op.put(b"k", b"new"), Op.get(b"k")])
    before, put, after = r.responses
    assert before.kvs == [KeyValue(b"k", b"old", 2, 2, 1, 0)] and before.revision == 2
    assert put.revision == 3
    assert after.kvs == [KeyValue(b"k", b"new", 2, 3, 2, 0)] and after.revision == 3
    assert r.revision == 3


def test_delete_in_txn_reports_revisions() -> None:
    # storeTxnWrite.DeleteRange: (n, begin+1) if n != 0 or the txn changed anything, else (0, begin).
    s = Store()
    s.put(b"a", b"1")  # rev 2
    r = s.txn(success=[Op.delete(b"zz"), Op.delete(b"a"), Op.delete(b"zz")])
    assert [(x.deleted, x.revision) for x in r.responses] == [(0, 2), (1, 3), (0, 3)]
    assert r.revision == 3


def test_no_revision_for_reads_missing_deletes_and_empty_txn() -> None:
    # applierV3backend.Txn: rev = txn.Rev() (+1 only if len(Changes()) != 0).
    s = Store()
    s.put(b"a", b"1")
    assert s.txn().revision == 2
    assert s.txn(success=[Op.get(b"a")]).revision == 2
    assert s.txn(success=[Op.delete(b"missing"), Op.delete(b"m", b"n")]).revision == 2
    assert s.revision == 2


@pytest.mark.parametrize(
    "target,op,value,want",
    [
        ("version", "=", 2, True),
        ("version", ">", 1, True),
        ("version", "<", 2, False),
        ("version", "!=", 2, False),
        ("create", "=", 2, True),
        ("mod", "=", 3, True),
        ("mod", "<", 3, False),
        ("lease", "=", 7, True),
        ("lease", ">", 7, False),
        ("value", "=", b"v2", True),
        ("value", ">", b"v1", True),  # bytes.Compare("v2", "v1") = 1
        ("value", "<", b"v2\x00", True),  # a prefix sorts first
        ("value", "!=", b"v2", False),
    ],
)
def test_compare_targets(target: str, op: str, value: object, want: bool) -> None:
    # compareKV: key k has version 2, create 2, mod 3, lease 7, value v2.
    s = Store()
    s.lease_grant(60, lease_id=7)
    s.put(b"k", b"v1")
    s.put(b"k", b"v2", lease=7)
    assert s.txn([Compare(b"k", target, op, value)]).succeeded is want


@pytest.mark.parametrize(
    "target,op,value,want",
    [
        ("value", "!=", b"x", False),  # value compare on a missing key always fails
        ("value", "=", b"", False),
        ("version", "=", 0, True),  # missing key: zero KeyValue
        ("create", "=", 0, True),
        ("mod", "<", 1, True),
        ("lease", "=", 0, True),
        ("version", ">", 0, False),
    ],
)
def test_compare_on_missing_key(target: str, op: str, value: object, want: bool) -> None:
    s = Store()
    assert s.txn([Compare(b"nope", target, op, value)]).succeeded is want


def test_compare_over_a_range() -> None:
    # applyCompare with RangeEnd: every key in range must satisfy; an empty range is the zero kv.
    s = Store()
    s.put(b"a1", b"x")
    s.put(b"a2", b"x")
    s.put(b"a2", b"y")
    assert s.txn([Compare(b"a", "version", ">", 0, range_end=b"b")]).succeeded
    assert not s.txn([Compare(b"a", "version", "=", 1, range_end=b"b")]).succeeded
    assert s.txn([Compare(b"a", "value", "=", b"x", range_end=b"a2")]).succeeded
    assert s.txn([Compare(b"c", "create", "=", 0, range_end=b"d")]).succeeded
    assert not s.txn([Compare(b"c", "value", "!=", b"q", range_end=b"d")]).succeeded
    assert s.txn([Compare(b"a2", "mod", "=", 4, range_end=b"\0")]).succeeded  # keys >= a2


def test_compares_choose_the_branch() -> None:
    # The Kubernetes GuaranteedUpdate shape: If(mod == rev) Then(put) Else(get).
    s = Store()
    s.put(b"/registry/pods/default/p", b"v1")  # rev 2
    ok = s.txn(
        [Compare(b"/registry/pods/default/p", "mod", "=", 2)],
        [Op.put(b"/registry/pods/default/p", b"v2")],
        [Op.get(b"/registry/pods/default/p")],
    )
    assert ok.succeeded and ok.revision == 3 and ok.responses[0].revision == 3
    stale = s.txn(
        [Compare(b"/registry/pods/default/p", "mod", "=", 2)],
        [Op.put(b"/registry/pods/default/p", b"v3")],
        [Op.get(b"/registry/pods/default/p")],
    )
    assert not stale.succeeded and stale.revision == 3
    assert stale.responses[0].kvs[0].value == b"v2"


def test_duplicate_keys_are_refused() -> None:
    # checkIntervals: a put may not repeat a put's key nor fall in a delete of the same branch.
    s = Store()
    s.put(b"a", b"1")
    bad = [
        [Op.put(b"k", b"1"), Op.put(b"k", b"2")],
        [Op.delete(b"k"), Op.put(b"k", b"2")],
        [Op.put(b"k", b"2"), Op.delete(b"a", b"z")],
    ]
    for ops in bad:
        with pytest.raises(DuplicateKeyError, match="etcdserver: duplicate key given in txn request"):
            s.txn(success=ops)
        with pytest.raises(DuplicateKeyError):
            s.txn(failure=ops)
    assert s.revision == 2
    # The same key in both branches is fine, and so is a put against a delete whose range_end is
    # "\0" (the interval ["a", "\x00") is empty before mkGteRange turns it into ">= a").
    assert s.txn([Compare(b"a", "version", "=", 1)], [Op.put(b"k", b"1")], [Op.put(b"k", b"2")]).revision == 3
    r = s.txn(success=[Op.put(b"b", b"1"), Op.delete(b"a", b"\0")])
    assert [x.deleted for x in r.responses[1:]] == [3]  # a, b (put at sub 0), k
    assert s.range(b"a", b"\0").count == 0 and r.revision == 4


def test_too_many_ops_and_empty_keys() -> None:
    # checkTxnRequest: more than 128 compares or ops in a branch; empty compare or op keys.
    s = Store()
    with pytest.raises(TooManyOpsError, match="etcdserver: too many operations in txn request"):
        s.txn(success=[Op.get(b"k%d" % i) for i in range(129)])
    assert s.txn(success=[Op.put(b"k%d" % i, b"v") for i in range(128)]).revision == 2
    with pytest.raises(EmptyKeyError):
        s.txn([Compare(b"", "version", "=", 0)])
    with pytest.raises(EmptyKeyError):
        s.txn(failure=[Op.put(b"", b"v")])


def test_lease_check_only_on_the_chosen_branch() -> None:
    # checkRequests(txn, rt, txnPath, a.checkPut) follows the path the compares chose.
    s = Store()
    with pytest.raises(LeaseNotFoundError):
        s.txn(success=[Op.put(b"a", b"1", lease=5)])
    r = s.txn([Compare(b"a", "version", "=", 1)], [Op.put(b"a", b"1", lease=5)], [Op.put(b"a", b"2")])
    assert not r.succeeded and r.revision == 2
    assert s.range(b"a").kvs[0].value == b"2"


def test_compare_validation() -> None:
    with pytest.raises(ValueError):
        Compare(b"k", "size", "=", 1)
    with pytest.raises(ValueError):
        Compare(b"k", "mod", ">=", 1)


def test_both_branches_are_checked_whatever_their_size() -> None:
    # checkIntervals runs on both branches before the compares choose one; a one-op branch is
    # trivially fine, a longer one is checked even when it is not the branch taken.
    s = Store()
    with pytest.raises(DuplicateKeyError):
        s.txn([], [Op.put(b"k", b"1")], [Op.put(b"x", b"1"), Op.put(b"x", b"2")])
    with pytest.raises(DuplicateKeyError):
        s.txn([], [Op.delete(b"a", b"z"), Op.put(b"k", b"1")], [Op.put(b"x", b"1")])
    with pytest.raises(EmptyKeyError):  # empty keys are refused before duplicates are looked for
        s.txn([], [Op.put(b"x", b"1"), Op.put(b"x", b"2")], [Op.get(b"")])
    with pytest.raises(TooManyOpsError):  # and too many ops before empty keys
        s.txn([Compare(b"", "version", "=", 0)], [Op.get(b"k")] * 129)
    assert s.revision == 1
    r = s.txn([Compare(b"k", "create", "=", 0)], [Op.put(b"k", b"1")], [Op.get(b"k")])
    assert r.succeeded and r.revision == 2


def test_compare_keys_as_clients_send_them() -> None:
    key = b"k"
    assert Compare(key, "mod", "=", 0).key is key
    assert Compare("k", "mod", "=", 0) == Compare(b"k", "mod", "=", 0)
    assert Compare(bytearray(b"k"), "mod", "=", 0).key == b"k"
    assert Compare(b"a", "mod", "=", 0, b"").range_end is None
    assert Compare(b"", "mod", "=", 0, b"\0").key == b"\0"
    s = Store()
    s.put(b"k", b"v")
    s.put(b"k", b"w")
    assert s.txn([Compare("k", "version", "=", 2), Compare(b"k", "value", "=", b"w")]).succeeded
    assert not s.txn([Compare(b"k", "value", "=", b"v")]).succeeded
    assert not s.txn([Compare(b"missing", "value", "!=", b"v")]).succeeded  # value compare on a missing key
    assert s.txn([Compare(b"missing", "mod", "=", 0)]).succeeded
    assert s.txn([Compare(b"a", "version", ">", 0, b"z")]).succeeded
    s.delete_range(b"k")
    assert s.txn([Compare(b"k", "version", "=", 0), Compare(b"k", "create", "=", 0)]).succeeded
