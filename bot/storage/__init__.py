"""Store privacy-safe events: the SQLite log, redaction, and the one function that opens the log."""
from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Union

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.storage.postgres import PostgresStore
    from bot.storage.store import Store


def open_event_log(settings: Settings) -> "Union[Store, PostgresStore, None]":
    """Open the event log, or None when XINZHI_LOG=off; a log that cannot be opened is a configuration error."""
    if settings.storage.db_url:  # XINZHI_DB=postgresql://…: one log shared by several replicas
        from bot.storage.postgres import open_postgres

        return open_postgres(settings)
    from bot.storage.store import Store, StoreError

    try:
        return Store.from_settings(settings)
    except (OSError, sqlite3.Error, StoreError) as exc:
        raise ConfigError(f"XINZHI_DB={settings.storage.db_path}: cannot open the log ({exc}); "
                          "fix the path or run with XINZHI_LOG=off") from None
