"""Process updates from different chats fairly and concurrently, keeping each chat's updates in arrival order."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

MAX_CHAT_BACKLOG = 50  # updates one private chat may have waiting; more are dropped (a flood, not a conversation)
MAX_GROUP_BACKLOG = 10  # a group gets ~20 answers a minute from Telegram: more waiting could not be sent in time


def chat_key(update: object) -> object:
    """The ordering key: the chat (or, for inline queries, the user); None means no ordering needed."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Run up to `max_concurrent_updates` handlers at once, one at a time per chat.

    A chat first waits for its own turn and only then for one of the shared slots, so one busy
    group holds at most one slot and cannot starve private chats. PTB starts the processing tasks
    in arrival order and asyncio locks are FIFO, so a chat's updates keep Telegram's order.
    `pending` counts updates accepted but not finished (the polling gate reads it).
    """

    def __init__(self, max_concurrent_updates: int, max_chat_backlog: int = MAX_CHAT_BACKLOG,
                 max_group_backlog: int = MAX_GROUP_BACKLOG):
        super().__init__(max_concurrent_updates)
        self.max_chat_backlog, self.max_group_backlog = max_chat_backlog, max_group_backlog
        self._locks: dict[object, asyncio.Lock] = {}
        self._users: dict[object, int] = {}
        self._pending = 0
        self._changed: asyncio.Condition | None = None
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Updates handed to this processor and not yet finished."""
        return self._pending

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def wait_below(self, limit: int) -> int:
        """Wait until fewer than `limit` updates are pending; return how many more may be taken."""
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: self._pending < limit)
            return limit - self._pending

    async def _count(self, delta: int) -> None:
        self._pending += delta
        changed = self._condition()
        async with changed:
            changed.notify_all()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        """Wait for the chat's turn, then for a shared slot (PTB marks this final; fairness needs the order swapped)."""
        key = chat_key(update)
        await self._count(1)
        try:
            if key is None:
                async with self._semaphore:
                    await coroutine
                return
            cap = self.max_group_backlog if key[1] < 0 else self.max_chat_backlog  # type: ignore[index]
            if self._users.get(key, 0) >= cap:
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 100 == 0:  # a flood must not flood the log too
                    logger.warning("a chat had %s updates waiting; dropped its newest (%s dropped so far)",
                                   cap, self.dropped)
                if asyncio.iscoroutine(coroutine):
                    coroutine.close()
                return
            await self._in_chat_order(key, coroutine)
        finally:
            await self._count(-1)

    async def _in_chat_order(self, key: object, coroutine: Awaitable[Any]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # the chat's turn first …
                async with self._semaphore:  # … then a shared slot
                    await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waiting: forget the chat
                del self._users[key]
                del self._locks[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Unused: process_update orders and limits by itself."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
