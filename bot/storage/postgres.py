"""Keep the privacy-safe event log in PostgreSQL (psycopg 3 + a pool) so several replicas share one log.

Same public API, schema, redaction and retention as the SQLite `Store`; chosen by `open_event_log`
when XINZHI_DB starts with postgresql://.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from bot.config import ConfigError, Settings
from bot.storage.records import (DELETE_OLDER, INSERT_FEEDBACK, INSERT_PICK, INSERT_TEXT, PRUNE_EVERY_SECONDS,
                                 SELECT_FEEDBACK, SELECT_PICKS, SELECT_TEXTS, TABLES, DAY, FeedbackCount,
                                 Unanswered, feedback_from, feedback_row, pick_row, picks_from, since, sql,
                                 text_row, unanswered_from)

logger = logging.getLogger(__name__)

POOL_MAX = 8
CONNECT_TIMEOUT = 10.0
MIGRATION_LOCK = 0x78696E7A  # pg_advisory_xact_lock key: replicas starting together migrate once

# Append-only, like store.MIGRATIONS; the schema_version table records how many have run.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE unanswered (
        id      BIGSERIAL PRIMARY KEY,
        ts      BIGINT NOT NULL,
        channel TEXT   NOT NULL,
        text    TEXT   NOT NULL
    );
    CREATE INDEX unanswered_ts ON unanswered (ts);
    CREATE TABLE picks (
        id       BIGSERIAL PRIMARY KEY,
        ts       BIGINT NOT NULL,
        channel  TEXT   NOT NULL,
        entry_id TEXT   NOT NULL
    );
    CREATE INDEX picks_ts ON picks (ts);
    CREATE TABLE feedback (
        id       BIGSERIAL PRIMARY KEY,
        ts       BIGINT   NOT NULL,
        channel  TEXT     NOT NULL,
        entry_id TEXT     NOT NULL,
        positive SMALLINT NOT NULL CHECK (positive IN (0, 1))
    );
    CREATE INDEX feedback_ts ON feedback (ts);
    """,
    """
    CREATE TABLE unpicked (
        id      BIGSERIAL PRIMARY KEY,
        ts      BIGINT NOT NULL,
        channel TEXT   NOT NULL,
        text    TEXT   NOT NULL
    );
    CREATE INDEX unpicked_ts ON unpicked (ts);
    """,
)

class PostgresStore:
    """The PostgreSQL event log; implements bot.app.EventLog and the queries behind `xinzhi kb gaps`."""

    def __init__(self, url: str, retention_days: int = 90, *, read_only: bool = False, pool_max: int = POOL_MAX,
                 connect_timeout: float = CONNECT_TIMEOUT):
        """Connect (a pool of up to `pool_max` connections), migrate and prune; `read_only` deletes nothing."""
        from psycopg_pool import ConnectionPool

        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.retention_days = retention_days
        self.read_only = read_only
        self._last_prune = 0.0
        self._prune_lock = threading.Lock()
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_max, open=False,
                                    kwargs={"autocommit": True, "application_name": "xinzhi"})
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
            if not read_only:
                self._migrate()
                self.prune()
        except Exception:
            self._pool.close()
            raise

    @classmethod
    def from_settings(cls, settings: Settings) -> "PostgresStore | None":
        """Open the log named by XINZHI_DB, or None when XINZHI_LOG=off."""
        if not settings.storage.log_enabled:
            return None
        return cls(settings.storage.db_url, settings.storage.log_days)

    # --- schema ----------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self._one("SELECT COALESCE(MAX(version), 0) FROM xinzhi_schema")[0])

    def _migrate(self) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS xinzhi_schema (version INTEGER PRIMARY KEY)")
            row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM xinzhi_schema").fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                from bot.storage.store import StoreError

                raise StoreError(f"log schema version {version} is newer than this release understands "
                                 f"({len(MIGRATIONS)}); upgrade xinzhi")
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO xinzhi_schema (version) VALUES (%s)", (number + 1,))
                logger.info("event log migrated to schema %s", number + 1)

    # --- EventLog --------------------------------------------------------------------------------
    def record_unanswered(self, text: str, channel: str) -> None:
        """Store a question we could not answer, with identifiers removed."""
        self._insert_text("unanswered", text, channel)

    def record_unpicked(self, text: str, channel: str) -> None:
        """Store a message whose suggestions nobody picked (the user moved on), with identifiers removed."""
        self._insert_text("unpicked", text, channel)

    def _insert_text(self, table: str, text: str, channel: str) -> None:
        row = text_row(text, channel, int(time.time()))
        if row is not None:
            self._insert(sql(INSERT_TEXT, "%s", table), row)

    def record_pick(self, entry_id: str, channel: str) -> None:
        """Store that a suggestion was chosen (entry id only)."""
        self._insert(sql(INSERT_PICK, "%s"), pick_row(entry_id, channel, int(time.time())))

    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None:
        """Store a 👍 or 👎 for an entry."""
        self._insert(sql(INSERT_FEEDBACK, "%s"), feedback_row(entry_id, positive, channel, int(time.time())))

    def _insert(self, statement: str, params: tuple[object, ...]) -> None:
        with self._pool.connection() as conn:
            conn.execute(statement, params)
        if time.monotonic() - self._last_prune >= PRUNE_EVERY_SECONDS:
            self.prune()

    # --- retention -------------------------------------------------------------------------------
    def prune(self) -> int:
        """Delete rows older than the retention period; return how many went."""
        if self.read_only:
            return 0
        cutoff = int(time.time()) - self.retention_days * DAY
        deleted = 0
        with self._prune_lock:
            self._last_prune = time.monotonic()
            with self._pool.connection() as conn, conn.transaction():
                for table in TABLES:
                    cur = conn.execute(sql(DELETE_OLDER, "%s", table), (cutoff,))
                    deleted += max(cur.rowcount, 0)
        if deleted:
            logger.info("event log: deleted %s rows older than %s days", deleted, self.retention_days)
        return deleted

    # --- queries for editors ---------------------------------------------------------------------
    def _rows(self, statement: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            return conn.execute(statement, params).fetchall()

    def _all(self, template: str, days: int, table: str = "") -> list[tuple[Any, ...]]:
        return self._rows(sql(template, "%s", table), (since(days, int(time.time())),))

    def _one(self, statement: str) -> tuple[Any, ...]:
        return self._rows(statement)[0]

    def unanswered(self, days: int) -> tuple[Unanswered, ...]:
        """Unanswered questions of the last `days` days, newest first."""
        return unanswered_from(self._all(SELECT_TEXTS, days, "unanswered"))

    def unpicked(self, days: int) -> tuple[Unanswered, ...]:
        """Messages whose "did you mean" list nobody picked from, newest first."""
        return unanswered_from(self._all(SELECT_TEXTS, days, "unpicked"))

    def feedback_counts(self, days: int) -> tuple[FeedbackCount, ...]:
        """👍/👎 per entry over the last `days` days, most 👎 first."""
        return feedback_from(self._all(SELECT_FEEDBACK, days))

    def pick_counts(self, days: int) -> tuple[tuple[str, int], ...]:
        """How often each entry was chosen from "did you mean", most first."""
        return picks_from(self._all(SELECT_PICKS, days))

    def counts(self) -> dict[str, int]:
        """Rows per table (all retained rows)."""
        return {t: int(self._one(f"SELECT COUNT(*) FROM {t}")[0]) for t in TABLES}

    # --- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> "PostgresStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_postgres(settings: Settings, *, read_only: bool = False,
                  connect_timeout: float = CONNECT_TIMEOUT) -> PostgresStore | None:
    """Open the PostgreSQL log for `open_event_log`; a server that cannot be reached is a configuration error."""
    if not settings.storage.log_enabled:
        return None
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:
        raise ConfigError("XINZHI_DB=postgresql://… needs psycopg: pip install 'psycopg[binary]' psycopg_pool") from None
    try:
        return PostgresStore(settings.storage.db_url, settings.storage.log_days, read_only=read_only,
                             connect_timeout=connect_timeout)
    except (psycopg.Error, PoolTimeout) as exc:
        raise ConfigError(f"XINZHI_DB=postgresql://…: cannot open the log ({type(exc).__name__}); "
                          "check the server, the URL and the password, or run with XINZHI_LOG=off") from None
