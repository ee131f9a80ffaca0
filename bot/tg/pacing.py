"""Pace sends per chat before Telegram has to refuse them, and hold back only the chat Telegram did refuse.

Telegram allows about 20 messages a minute in one group and about 30 a second overall. The pacer
books a time slot per group chat (a sliding one-minute window); a 429 `retry_after` blocks only
that chat. Time is an input (`clock`), so the schedule is tested without waiting.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

GROUP_PER_MINUTE = 20
WINDOW = 60.0
PRUNE_AT = 4096  # forget idle chats once this many are tracked


@dataclass(frozen=True)
class PaceLimits:
    """Sends allowed per chat per minute (0: unpaced); groups are chats with a negative id."""

    group_per_minute: int = GROUP_PER_MINUTE
    private_per_minute: int = 0


def is_group(chat_id: int) -> bool:
    return chat_id < 0


class ChatPacer:
    """Book send slots per chat; `reserve(chat)` says how long to wait before sending."""

    def __init__(self, limits: PaceLimits = PaceLimits(), clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self._clock = clock
        self._slots: dict[int, deque[float]] = {}
        self._blocked: dict[int | None, float] = {}

    def _limit(self, chat_id: int) -> int:
        return self.limits.group_per_minute if is_group(chat_id) else self.limits.private_per_minute

    def reserve(self, chat_id: int | None) -> float:
        """Book the next slot for one send to `chat_id`; return seconds to wait until it (0: now)."""
        now = self._clock()
        start = max(now, self._blocked.get(chat_id, 0.0))
        if chat_id is None or not self._limit(chat_id):
            return start - now
        limit = self._limit(chat_id)
        slots = self._slots.setdefault(chat_id, deque())
        while slots and slots[0] <= now - WINDOW:
            slots.popleft()
        if len(slots) >= limit:
            start = max(start, slots[-limit] + WINDOW)
        slots.append(start)
        if len(self._slots) > PRUNE_AT:
            self._prune(now)
        return start - now

    def block(self, chat_id: int | None, seconds: float) -> None:
        """Telegram said 429 for this chat: hold its sends for `seconds` (others go on)."""
        until = self._clock() + max(0.0, seconds)
        self._blocked[chat_id] = max(self._blocked.get(chat_id, 0.0), until)

    def _prune(self, now: float) -> None:
        for chat_id in [c for c, s in self._slots.items() if not s or s[-1] <= now - WINDOW]:
            del self._slots[chat_id]
        for blocked in [c for c, until in self._blocked.items() if until <= now]:
            del self._blocked[blocked]

    @property
    def tracked(self) -> int:
        return len(self._slots)
