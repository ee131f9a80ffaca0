"""Take updates in safely: skip ones the library cannot parse, answer a repeated update_id once, fetch with backpressure.

`XinZhiBot` is PTB's ExtBot with a guarded getUpdates: it waits until the bot has room (so a
forced stop cannot lose more than it can answer in the stop grace period), asks for no more than
that, and replaces a poisoned or repeated update with an empty one (same update_id, no content),
which the updater confirms to Telegram and no handler answers.
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from telegram import Update
from telegram.ext import ExtBot

from bot.tg.dedupe import RecentIds

logger = logging.getLogger(__name__)

FETCH_LIMIT = 100  # updates taken in but not answered, at most (Telegram's own getUpdates maximum)


class Backlog(Protocol):
    """What the polling gate needs from the update processor (bot.tg.ordering.ChatOrderedProcessor)."""

    @property
    def pending(self) -> int: ...

    async def wait_below(self, limit: int) -> int: ...


def update_id_of(data: object) -> int | None:
    """The update_id of a raw update, if it has a usable one."""
    if isinstance(data, dict) and isinstance(data.get("update_id"), int) and not isinstance(data["update_id"], bool):
        return data["update_id"]
    return None


def screen(data: object, bot: Any, seen: RecentIds) -> Update | None:
    """Parse one raw update; None for a repeat or for data PTB cannot parse (logged without its content)."""
    update_id = update_id_of(data)
    if update_id is None:
        logger.warning("skipped an update without a usable update_id")
        return None
    if not seen.first(update_id):
        logger.info("skipped a repeated update (update_id seen before)")
        return None
    try:
        update = Update.de_json(data, bot)  # type: ignore[arg-type]
    except Exception as exc:  # anything the library chokes on: never let it stop the bot
        logger.warning("skipped an update the library cannot parse (%s)", type(exc).__name__)
        return None
    return update


def screen_batch(raw: list[Any], bot: Any, seen: RecentIds) -> list[dict[str, Any]]:
    """Raw getUpdates results with poisoned or repeated updates emptied (their update_id kept)."""
    kept: list[dict[str, Any]] = []
    for data in raw:
        update_id = update_id_of(data)
        if update_id is None:
            logger.warning("skipped an update without a usable update_id")
            continue
        kept.append(data if screen(data, bot, seen) is not None else {"update_id": update_id})
    return kept


class XinZhiBot(ExtBot):
    """ExtBot whose getUpdates waits for room, takes at most that much, and screens what comes back."""

    def __init__(self, *args: Any, fetch_limit: int = FETCH_LIMIT, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._fetch_limit = fetch_limit
        self._backlog: Backlog | None = None
        self._seen = RecentIds()

    @property
    def seen(self) -> RecentIds:
        """Recent update ids (shared with the webhook server)."""
        return self._seen

    def attach_backlog(self, backlog: Backlog) -> None:
        """Fetch only while `backlog` has fewer than fetch_limit updates pending."""
        self._backlog = backlog

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if endpoint != "getUpdates":
            return await super()._post(endpoint, data, **kwargs)
        data = dict(data or {})
        if data.get("timeout") and self._backlog is not None:  # a long poll (not the final confirm at stop)
            room = await self._backlog.wait_below(self._fetch_limit)
            data["limit"] = max(1, min(int(data.get("limit") or 100), room))
        elif not data.get("timeout"):
            data["limit"] = 1  # the confirmation call at stop: its result is thrown away
        result = await super()._post(endpoint, data, **kwargs)
        if not isinstance(result, list) or not data.get("timeout"):
            return result
        return screen_batch(result, self, self._seen)
