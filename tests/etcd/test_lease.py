"""Leases against etcd 3.4: lease/lessor.go (Grant, Revoke, Renew, Attach/Detach), the applier's
lease checks (etcdserver/apply.go), v3rpc/lease.go TimeToLive, mvcc/kvstore_txn.go put/delete."""

from __future__ import annotations

import pytest

from kbench.errors import LeaseExistsError, LeaseNotFoundError, LeaseTTLTooLargeError
from kbench.etcd import MIN_LEASE_TTL, Store


def test_grant_uses_no_revision_and_raises_small_ttls() -> None:
    # LeaseGrant: header = KV().Rev(); lessor.Grant raises ttl < minLeaseTTL (2 s by default).
    s = Store()
    lid = s.lease_grant(1)
    assert s.revision == 1
    assert s.lease_time_to_live(lid)[1] == MIN_LEASE_TTL == 2
    assert s.lease_time_to_live(s.lease_grant(0))[1] == 2
    assert s.lease_time_to_live(s.lease_grant(30))[1] == 30


def test_grant_errors() -> None:
    # lessor.Grant: ErrLeaseExists for a live id, ErrLeaseTTLTooLarge above MaxLeaseTTL (9e9 s).
    s = Store()
    s.lease_grant(10, lease_id=5)
    with pytest.raises(LeaseExistsError, match="etcdserver: lease already exists"):
        s.lease_grant(10, lease_id=5)
    with pytest.raises(LeaseTTLTooLargeError, match="etcdserver: too large lease TTL"):
        s.lease_grant(9_000_000_001)
    assert s.lease_time_to_live(s.lease_grant(9_000_000_000))[1] == 9_000_000_000


def test_auto_ids_are_distinct() -> None:
    s = Store()
    s.lease_grant(10, lease_id=1)
    ids = {s.lease_grant(10) for _ in range(5)}
    assert len(ids) == 5 and 1 not in ids


def test_time_to_live() -> None:
    # v3rpc LeaseTimeToLive: TTL -1 (and nothing else) for an unknown lease. The remaining time is
    # int64(Remaining().Seconds()) on a real clock that has moved on a little since the grant.
    s = Store()
    assert s.lease_time_to_live(12345, keys=True) == (-1, 0, [])
    lid = s.lease_grant(10)
    assert s.lease_time_to_live(lid) == (9, 10, [])
    s.advance(3)
    assert s.lease_time_to_live(lid) == (6, 10, [])
    s.advance(0.5)
    assert s.lease_time_to_live(lid) == (6, 10, [])
    s.put(b"b", b"1", lease=lid)
    s.put(b"a", b"1", lease=lid)
    assert s.lease_time_to_live(lid, keys=True) == (6, 10, [b"a", b"b"])


def test_keepalive_resets_to_granted_ttl() -> None:
    # lessor.Renew: refresh(0) -> expiry = now + ttl; returns the TTL.
    s = Store()
    lid = s.lease_grant(10)
    s.put(b"k", b"v", lease=lid)
    s.advance(8)
    assert s.lease_keepalive(lid) == 10
    s.advance(8)  # 16 s after the grant, 8 after the renewal
    assert s.range(b"k").count == 1
    assert s.lease_time_to_live(lid)[0] == 1
    s.advance(2)
    assert s.range(b"k").count == 0
    with pytest.raises(LeaseNotFoundError, match="etcdserver: requested lease not found"):
        s.lease_keepalive(lid)


def test_revoke_deletes_keys_in_key_order_in_one_revision() -> None:
    # lessor.Revoke: sort.StringSlice(keys).Sort(); txn.DeleteRange each; one write txn.
    s = Store()
    lid = s.lease_grant(60)
    for k in (b"c", b"a", b"b"):
        s.put(k, b"v", lease=lid)  # revisions 2, 3, 4
    s.put(b"z", b"v")  # 5, no lease
    w = s.watch(b"a", b"\0")
    assert s.lease_revoke(lid) == 6
    assert [(e.type, e.kv.key, e.kv.mod_revision) for e in w.events()] == [
        ("DELETE", b"a", 6),
        ("DELETE", b"b", 6),
        ("DELETE", b"c", 6),
    ]
    assert [tuple(s._index.key_index(k).modified) for k in (b"a", b"b", b"c")] == [(6, 0), (6, 1), (6, 2)]
    assert s.range(b"a", b"\0").count == 1
    assert s.lease_time_to_live(lid) == (-1, 0, [])
    with pytest.raises(LeaseNotFoundError):
        s.lease_revoke(lid)


def test_revoke_without_keys_uses_no_revision() -> None:
    s = Store()
    lid = s.lease_grant(60)
    assert s.lease_revoke(lid) == 1
    assert s.revision == 1


def test_reput_and_delete_detach() -> None:
    # storeTxnWrite.put detaches the old lease (a plain re-put leaves the key without one);
    # storeTxnWrite.delete detaches too: revoking afterwards deletes nothing.
    s = Store()
    lid = s.lease_grant(60)
    s.put(b"a", b"1", lease=lid)
    s.put(b"b", b"1", lease=lid)
    s.put(b"a", b"2")
    assert s.range(b"a").kvs[0].lease == 0
    s.delete_range(b"b")
    assert s.lease_time_to_live(lid, keys=True)[2] == []
    rev = s.revision
    assert s.lease_revoke(lid) == rev
    assert s.range(b"a").count == 1


def test_moving_a_key_to_another_lease() -> None:
    s = Store()
    l1, l2 = s.lease_grant(60), s.lease_grant(60)
    s.put(b"k", b"1", lease=l1)
    s.put(b"k", b"2", lease=l2)
    assert s.lease_time_to_live(l1, keys=True)[2] == []
    assert s.lease_time_to_live(l2, keys=True)[2] == [b"k"]
    assert s.range(b"k").kvs[0].lease == l2


def test_expiry_revokes_each_lease_in_its_own_revision() -> None:
    # Expired leases are revoked one LeaseRevoke request each, earliest expiry first.
    s = Store()
    late = s.lease_grant(20)
    early = s.lease_grant(5)
    s.put(b"late", b"v", lease=late)  # 2
    s.put(b"early", b"v", lease=early)  # 3
    s.put(b"early2", b"v", lease=early)  # 4
    empty = s.lease_grant(5)
    s.advance(4.9)
    assert s.revision == 4
    s.advance(0.1)  # expired at exactly 5 s: Remaining() <= 0
    assert s.revision == 5
    assert s.range(b"early", b"early3").count == 0
    assert s.lease_time_to_live(empty) == (-1, 0, [])
    s.advance(100)
    assert s.revision == 6 and s.range(b"late").count == 0
    assert s.now == 105.0


def test_put_with_a_revoked_lease_fails() -> None:
    s = Store()
    lid = s.lease_grant(5)
    s.advance(5)
    with pytest.raises(LeaseNotFoundError):
        s.put(b"k", b"v", lease=lid)
    with pytest.raises(ValueError):
        s.advance(-1)
