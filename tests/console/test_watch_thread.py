"""The asyncio watcher builds the new engine in a worker thread, never on the event loop that serves users."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot.watch import KBWatcher


def test_run_async_reloads_off_the_event_loop_thread(kb_path: Path) -> None:
    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        called = asyncio.Event()
        seen: list[int] = []

        def on_change() -> None:
            seen.append(threading.get_ident())
            loop.call_soon_threadsafe(called.set)

        watcher = KBWatcher(kb_path, on_change, interval=0.05, settle=False)
        task = asyncio.create_task(watcher.run_async())
        (kb_path / "stopwords.txt").write_text("然后\n而且\n", encoding="utf-8")
        try:
            await asyncio.wait_for(called.wait(), 30)
        finally:
            task.cancel()
        return seen[0], threading.get_ident()

    reload_thread, loop_thread = asyncio.run(scenario())
    assert reload_thread != loop_thread
