"""Reload the knowledge base when an editor saves a file, by polling mtimes and sizes (no extra dependency)."""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Callable

from bot.app import ReloadResult, XinZhi
from bot.core.kbfiles import is_ignored_name

logger = logging.getLogger(__name__)

Snapshot = frozenset[tuple[str, int, int]]


def snapshot(root: str | Path) -> Snapshot:
    """(relative path, mtime_ns, size) of every KB file, skipping what the loader skips (bot.core.kbfiles)."""
    root = Path(root)
    found: set[tuple[str, int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not is_ignored_name(d)]
        for name in filenames:
            if is_ignored_name(name):
                continue
            path = Path(dirpath, name)
            try:
                st = path.stat()
            except OSError:  # a broken link still counts (the reload reports it); a deleted file is gone
                try:
                    st = path.lstat()
                except OSError:
                    continue
            found.add((str(path.relative_to(root)), st.st_mtime_ns, st.st_size))
    return frozenset(found)


class KBWatcher:
    """Poll a KB folder and call `on_change` once the files have changed and then held still for one poll.

    `check()` is one poll (tests call it directly); `start()` polls in a daemon thread; `run_async()` is the
    asyncio variant for the Telegram bot.
    """

    def __init__(self, root: str | Path, on_change: Callable[[], object], interval: float = 2.0,
                 settle: bool = True):
        self.root = Path(root)
        self.on_change = on_change
        self.interval = max(float(interval), 0.05)
        self.settle = settle
        self._seen = snapshot(self.root)  # what the running KB was built from (approximately: at start)
        self._pending: Snapshot | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Poll once; return True if `on_change` was called."""
        current = snapshot(self.root)
        if current == self._seen:
            self._pending = None
            return False
        if self.settle and current != self._pending:
            self._pending = current  # a save in progress: wait until two polls agree
            return False
        self._seen, self._pending = current, None
        self.on_change()
        return True

    def _poll_safely(self) -> None:
        try:
            self.check()
        except Exception:  # a watcher must never take the bot down
            logger.exception("knowledge base watcher failed; will retry")

    def start(self) -> "KBWatcher":
        """Poll in a daemon thread until stop()."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="xinzhi-kb-watch", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll_safely()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.interval + 5)
        self._thread = None

    async def run_async(self) -> None:
        """Poll from an asyncio task (cancel the task to stop); the reload itself runs in a worker thread."""
        while not self._stop.is_set():
            await asyncio.sleep(self.interval)
            await asyncio.to_thread(self._poll_safely)


def watch_app(app: XinZhi, report: Callable[[ReloadResult], object] | None = None,
              interval: float | None = None) -> KBWatcher:
    """A watcher that reloads `app` on change and hands the ReloadResult to `report` (not started)."""

    def reload() -> None:
        result = app.reload()
        if report is not None:
            report(result)

    return KBWatcher(app.settings.kb_path, reload, app.settings.watch_interval if interval is None else interval)
