"""Limit requests per client, keyed by a keyed hash of the address (the raw address is never kept)."""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

from bot.storage.redact import keyed_hash

WINDOW_SECONDS = 60.0
PRUNE_AT = 10_000  # forget idle clients once this many are tracked


class ClientRateLimiter:
    """A sliding one-minute window per client address hash, in memory (one per replica)."""

    def __init__(self, per_minute: int, secret: str, clock: Callable[[], float] = time.monotonic):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._secret = secret
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> tuple[bool, int]:
        """Count one request; return (allowed, seconds to wait when not)."""
        now = self._clock()
        key = keyed_hash(address or "-", self._secret)
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False, max(1, int(WINDOW_SECONDS - (now - hits[0])) + 1)
            hits.append(now)
            if len(self._hits) > PRUNE_AT:
                for idle in [k for k, h in self._hits.items() if not h or now - h[-1] >= WINDOW_SECONDS]:
                    del self._hits[idle]
            return True, 0

    @property
    def tracked(self) -> int:
        """How many client hashes are held (for tests)."""
        return len(self._hits)
