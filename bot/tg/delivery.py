"""Deliver every Bot API request: paced per chat and overall, retried on 5xx, connection errors and 429.

A frightened user is better served by a duplicate than by silence: a send that failed with a
server error or a lost connection is retried with bounded backoff, and one that timed out (it may
have arrived) is retried once. A 429 holds back only the chat it was about.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Coroutine

from aiolimiter import AsyncLimiter
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.tg.pacing import ChatPacer, PaceLimits

logger = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30  # Telegram's overall limit for one bot
RETRIES = 4  # resends after a 5xx or a connection error
TIMEOUT_RETRIES = 1  # resends after a timeout (the first attempt may have arrived)
FLOOD_RETRIES = 3  # resends after a 429
BACKOFF_BASE, BACKOFF_CAP = 0.25, 4.0  # seconds
RETRY_AFTER_CAP = 120.0  # never hold a chat longer than this for one 429
RETRIED = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
                     "answerInlineQuery", "setMyCommands"})  # sendChatAction: not worth a retry

Callback = Callable[..., Coroutine[Any, Any, Any]]


def backoff(attempt: int) -> float:
    """Seconds to wait before resend number `attempt` (0-based): 0.25, 0.5, 1, 2, … capped."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)


def chat_of(data: dict[str, Any]) -> int | None:
    """The chat a request is about (None for chat-less ones such as answerCallbackQuery)."""
    chat_id = data.get("chat_id")
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    return None


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return min(RETRY_AFTER_CAP, seconds)


class Delivery(BaseRateLimiter[None]):
    """PTB rate limiter: pace per chat and overall, retry what failed on the way, confine 429s to their chat."""

    def __init__(self, limits: PaceLimits = PaceLimits(), overall_per_second: int = OVERALL_PER_SECOND,
                 retries: int = RETRIES, timeout_retries: int = TIMEOUT_RETRIES, flood_retries: int = FLOOD_RETRIES,
                 pause: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep):
        self.pacer = ChatPacer(limits)
        self.overall = AsyncLimiter(overall_per_second, 1) if overall_per_second else None
        self.retries, self.timeout_retries, self.flood_retries = retries, timeout_retries, flood_retries
        self._pause = pause
        self.resent = 0  # for diagnostics and the benchmark

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    async def process_request(self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: None) -> Any:
        chat_id = chat_of(data)
        failures = timeouts = floods = 0
        while True:
            wait = self.pacer.reserve(chat_id)
            if wait > 0:
                await self._pause(wait)
            if self.overall is not None:
                await self.overall.acquire()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if floods >= self.flood_retries:
                    raise
                floods += 1
                logger.info("429 for one chat; holding only that chat for %.1f s", retry_seconds(exc))
                self.pacer.block(chat_id, retry_seconds(exc))
            except TimedOut:
                if endpoint not in RETRIED or timeouts >= self.timeout_retries:
                    raise
                timeouts += 1
                logger.info("%s timed out; sending once more", endpoint)
            except NetworkError as exc:
                if endpoint not in RETRIED or failures >= self.retries:
                    raise
                logger.info("%s failed (%s); retry %s of %s", endpoint, type(exc).__name__, failures + 1, self.retries)
                await self._pause(backoff(failures))
                failures += 1
            self.resent += 1
