"""Count a 👍/👎 once per user and answer, in memory, keyed by a keyed hash of the user id."""
from __future__ import annotations

import os

from bot.storage.redact import keyed_hash
from bot.tg.dedupe import RecentIds

REMEMBERED = 100_000  # (user, entry) pairs kept; the oldest are forgotten first


class Votes:
    """`first(user_id, entry_id)` is True only for a user's first vote on an entry (raw ids are never kept)."""

    def __init__(self, secret: str = "", capacity: int = REMEMBERED):
        self._secret = secret or os.urandom(32).hex()
        self._seen = RecentIds(capacity)

    def first(self, user_id: int, entry_id: str) -> bool:
        return self._seen.first((keyed_hash(user_id, self._secret), entry_id))

    def __len__(self) -> int:
        return len(self._seen)
