"""Store privacy-safe events: the SQLite log, redaction, and the one function that opens the log."""
from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.storage.writer import BackgroundLog

WRITER_BUSY_TIMEOUT_MS = 1000  # the background writer retries itself; a short wait keeps shutdown prompt


def open_event_log(settings: Settings) -> "BackgroundLog | None":
    """Open the event log behind a background writer, or None when XINZHI_LOG=off.

    SQLite by default; `XINZHI_DB=postgresql://…` shares one log between replicas. A log that cannot be
    opened is a configuration error. Close the result to flush what is queued.
    """
    if settings.storage.db_url:  # XINZHI_DB=postgresql://…: one log shared by several replicas
        from bot.storage.postgres import open_postgres
        from bot.storage.writer import BackgroundLog as _Writer

        shared = open_postgres(settings)
        return _Writer(shared) if shared is not None else None
    from bot.storage.store import Store, StoreError
    from bot.storage.writer import BackgroundLog

    if not settings.storage.log_enabled:
        return None
    try:
        store = Store(settings.storage.db_path, settings.storage.log_days, busy_timeout_ms=WRITER_BUSY_TIMEOUT_MS)
    except (OSError, sqlite3.Error, StoreError) as exc:
        raise ConfigError(f"XINZHI_DB={settings.storage.db_path}: cannot open the log ({exc}); "
                          "fix the path or run with XINZHI_LOG=off") from None
    return BackgroundLog(store)
