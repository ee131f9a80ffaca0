"""Limit how many messages one user gets answered per minute, keyed by a keyed hash of the user id, in memory."""
from __future__ import annotations

import os
import time
from collections import deque
from enum import Enum
from typing import Callable

from bot.storage.redact import keyed_hash

WINDOW_SECONDS = 60.0
PRUNE_AT = 4096  # forget idle users once this many are tracked


class Verdict(str, Enum):
    """ALLOW: answer. NOTIFY: over the limit, say so once. DROP: over the limit, already told."""

    ALLOW = "allow"
    NOTIFY = "notify"
    DROP = "drop"


class UserRateLimiter:
    """A sliding one-minute window per user; raw user ids are never kept, only a keyed hash."""

    def __init__(self, per_minute: int, secret: str = "", clock: Callable[[], float] = time.monotonic):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._secret = secret or os.urandom(32).hex()  # without a configured secret, one per process
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._told: set[str] = set()

    def check(self, user_id: int | str) -> Verdict:
        """Count one message from `user_id` (or a "chat:<id>" key) and say whether to answer it."""
        now = self._clock()
        key = keyed_hash(user_id, self._secret)
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= WINDOW_SECONDS:
            hits.popleft()
        if len(hits) < self.per_minute:
            hits.append(now)
            self._told.discard(key)
            if len(self._hits) > PRUNE_AT:
                self._prune(now)
            return Verdict.ALLOW
        if key in self._told:
            return Verdict.DROP
        self._told.add(key)
        return Verdict.NOTIFY

    def _prune(self, now: float) -> None:
        idle = [k for k, hits in self._hits.items() if not hits or now - hits[-1] >= WINDOW_SECONDS]
        for key in idle:
            del self._hits[key]
            self._told.discard(key)

    @property
    def tracked(self) -> int:
        """How many users are currently tracked (for tests and diagnostics)."""
        return len(self._hits)
