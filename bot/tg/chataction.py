"""Show "typing…" only when an answer really takes time: start it after a delay, cancel it once the reply is ready."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

logger = logging.getLogger(__name__)

TYPING_DELAY = 0.5  # seconds: most answers are ready in about a millisecond and need no "typing…"


@contextlib.asynccontextmanager
async def typing_if_slow(send_typing: Callable[[], Awaitable[object]],
                         delay: float = TYPING_DELAY) -> AsyncIterator[None]:
    """Run the body; if it is still running after `delay` seconds, call `send_typing` once."""

    async def later() -> None:
        await asyncio.sleep(delay)
        await send_typing()

    task = asyncio.create_task(later())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
