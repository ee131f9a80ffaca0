"""Remember recent ids (update ids, votes) in memory, bounded, so a repeat can be recognised."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

RECENT_UPDATES = 10_000  # Telegram retries a webhook delivery for a while; this covers far more than that


class RecentIds:
    """A bounded set that forgets the oldest id first; `first(id)` is True only the first time."""

    def __init__(self, capacity: int = RECENT_UPDATES):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    def first(self, key: Hashable) -> bool:
        """Record `key`; True if it was not seen among the last `capacity` keys."""
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
