"""client-go's flowcontrol.Backoff as the DaemonSet controller uses it for failed daemon pods
(kube-controller-manager builds it with NewBackOff(1 s, 15 min): no jitter): per key, a delay
that starts at 1 s and doubles on each failure up to 15 min, forgotten after twice the maximum
without a failure. Backoff.GC's minute-by-minute cleanup is the same expiry checked on use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INITIAL = 1.0
MAXIMUM = 900.0


@dataclass
class _Entry:
    backoff: float
    last_update: float


class Backoff:
    """Per-key exponential backoff on the simulated clock."""

    def __init__(self, clock: Callable[[], float], initial: float = INITIAL, maximum: float = MAXIMUM) -> None:
        self.clock = clock
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[str, _Entry] = {}

    def _expired(self, entry: _Entry, now: float) -> bool:
        """hasExpired: no update for more than twice the maximum delay."""
        return now - entry.last_update > 2 * self.maximum

    def get(self, key: str) -> float:
        """Backoff.Get: the key's current delay (0 when it has none)."""
        e = self._entries.get(key)
        return 0.0 if e is None else e.backoff

    def next(self, key: str, now: float) -> None:
        """Backoff.Next: start at the initial delay (or after expiry), else double up to the maximum."""
        e = self._entries.get(key)
        if e is None or self._expired(e, now):
            e = self._entries[key] = _Entry(self.initial, now)
        else:
            e.backoff = min(e.backoff * 2, self.maximum)
        e.last_update = self.clock()

    def in_backoff_since_update(self, key: str, now: float) -> bool:
        """Backoff.IsInBackOffSinceUpdate: less than the key's delay since its last update."""
        e = self._entries.get(key)
        if e is None or self._expired(e, now):
            return False
        return now - e.last_update < e.backoff
