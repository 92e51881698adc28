"""etcd's lessor on the simulated clock: leases, their TTLs and expiry, and the keys attached.

Mirrors lease/lessor.go of etcd 3.4 as seen by a client of a single-member cluster with default
flags (the member is always the primary lessor; lease checkpointing is off). Deleting the keys of a
revoked lease is the store's job (lessor.Revoke runs them through a write txn of the store).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from kbench.errors import InvariantError, LeaseExistsError, LeaseNotFoundError, LeaseTTLTooLargeError

NO_LEASE = 0
"""lease.NoLease: the id that means "no lease"."""

MAX_LEASE_TTL = 9_000_000_000
"""lease.MaxLeaseTTL, in seconds."""

MIN_LEASE_TTL = 2
"""minLeaseTTL of a default member: ceil((3 * ElectionTicks // 2) * heartbeat) = ceil(15 * 100 ms) = 2 s
(etcdserver/server.go NewServer; --election-timeout 1000 ms, --heartbeat-interval 100 ms)."""


@dataclass(slots=True, eq=False)
class Lease:
    """A granted lease: ``ttl`` as granted (after the minimum), ``expiry`` on the simulated clock."""

    id: int
    ttl: int
    expiry: float
    keys: set[bytes] = field(default_factory=set)

    def remaining_seconds(self, now: float) -> int:
        """Whole seconds left, as a real member reports them right after this instant.

        etcd reports ``int64(l.Remaining().Seconds())`` (v3_server.go LeaseTimeToLive), truncated,
        and real time always moves on a little between the request that set the expiry and this
        one; so the value is the largest integer strictly below the exact remaining time.
        """
        left = self.expiry - now
        if left <= 0:
            return 0
        return math.ceil(left) - 1


class Lessor:
    """Owner of the leases: grant, renew, revoke bookkeeping, attach/detach keys, expiry order.

    Examples
    --------
    >>> le = Lessor()
    >>> le.grant(7, 1, now=0.0).ttl   # below minLeaseTTL
    2
    >>> le.attach(7, b"a"); le.get_lease(b"a")
    7
    >>> le.expired(now=2.0)
    [7]
    """

    __slots__ = ("_leases", "_items", "_heap", "_min_ttl", "_next_id")

    def __init__(self, min_ttl: int = MIN_LEASE_TTL) -> None:
        self._leases: dict[int, Lease] = {}
        self._items: dict[bytes, int] = {}
        self._heap: list[tuple[float, int]] = []
        self._min_ttl = min_ttl
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._leases)

    def next_id(self) -> int:
        """A free lease id for a grant that asked for id 0.

        etcd draws it from the member's request-id generator (member id and start time in the high
        bits), so real ids cannot be reproduced; here ids are 1, 2, 3, ... skipping live ones.
        """
        self._next_id += 1
        while self._next_id in self._leases:
            self._next_id += 1
        return self._next_id

    def grant(self, lease_id: int, ttl: int, now: float) -> Lease:
        """Mirrors lessor.Grant: raise the TTL to the minimum, start the clock."""
        if lease_id == NO_LEASE:
            raise LeaseNotFoundError()
        if ttl > MAX_LEASE_TTL:
            raise LeaseTTLTooLargeError()
        if lease_id in self._leases:
            raise LeaseExistsError()
        ttl = max(int(ttl), self._min_ttl)
        lease = Lease(lease_id, ttl, now + ttl)
        self._leases[lease_id] = lease
        heapq.heappush(self._heap, (lease.expiry, lease_id))
        return lease

    def lookup(self, lease_id: int) -> Lease | None:
        """Mirrors lessor.Lookup."""
        return self._leases.get(lease_id)

    def renew(self, lease_id: int, now: float) -> int:
        """Mirrors lessor.Renew: the expiry becomes now + TTL; returns the TTL."""
        lease = self._leases.get(lease_id)
        if lease is None:
            raise LeaseNotFoundError()
        lease.expiry = now + lease.ttl
        heapq.heappush(self._heap, (lease.expiry, lease_id))
        return lease.ttl

    def remove(self, lease_id: int) -> None:
        """Forget a revoked lease (the end of lessor.Revoke, after its keys were deleted)."""
        lease = self._leases.pop(lease_id, None)
        if lease is None:
            raise LeaseNotFoundError()
        for key in lease.keys:
            if self._items.get(key) == lease_id:
                del self._items[key]

    def attach(self, lease_id: int, key: bytes) -> None:
        """Mirrors lessor.Attach (the store checked the lease exists, so a miss is a panic)."""
        lease = self._leases.get(lease_id)
        if lease is None:
            raise InvariantError("unexpected error from lease Attach")
        lease.keys.add(key)
        self._items[key] = lease_id

    def detach(self, lease_id: int, key: bytes) -> None:
        """Mirrors lessor.Detach."""
        lease = self._leases.get(lease_id)
        if lease is None:
            raise InvariantError("failed to detach old lease from a key: lease not found")
        lease.keys.discard(key)
        self._items.pop(key, None)

    def get_lease(self, key: bytes) -> int:
        """Mirrors lessor.GetLease: the lease a key is attached to, or NO_LEASE."""
        return self._items.get(key, NO_LEASE)

    def expired(self, now: float) -> list[int]:
        """Ids of the leases whose expiry is <= now, earliest first (ties by id).

        Mirrors lessor.expireExists/revokeExpiredLeases (Lease.expired is ``Remaining() <= 0``);
        stale heap entries left by renewals and revocations are skipped.
        """
        out: list[int] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            expiry, lease_id = heapq.heappop(heap)
            lease = self._leases.get(lease_id)
            if lease is not None and lease.expiry == expiry and lease_id not in out:
                out.append(lease_id)
        return out
