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
from bot.storage.redact import redact, redact_for_storage

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 500
MAX_ID_CHARS = 100
MAX_CHANNEL_CHARS = 20
PRUNE_EVERY_SECONDS = 3600.0
DAY = 86_400
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
TABLES = ("unanswered", "picks", "feedback", "unpicked")


def _clean(value: str, limit: int) -> str:
    return " ".join(str(value).split())[:limit]


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
        cleaned = redact_for_storage(text or "", MAX_TEXT_CHARS)  # normalise, cut, redact: never half a number
        if cleaned:
            self._insert(f"INSERT INTO {table} (ts, channel, text) VALUES (%s, %s, %s)",
                         (int(time.time()), _clean(channel, MAX_CHANNEL_CHARS), cleaned))

    def record_pick(self, entry_id: str, channel: str) -> None:
        """Store that a suggestion was chosen (entry id only)."""
        self._insert("INSERT INTO picks (ts, channel, entry_id) VALUES (%s, %s, %s)",
                     (int(time.time()), _clean(channel, MAX_CHANNEL_CHARS), _clean(redact(entry_id), MAX_ID_CHARS)))

    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None:
        """Store a 👍 or 👎 for an entry."""
        self._insert("INSERT INTO feedback (ts, channel, entry_id, positive) VALUES (%s, %s, %s, %s)",
                     (int(time.time()), _clean(channel, MAX_CHANNEL_CHARS),
                      _clean(redact(entry_id), MAX_ID_CHARS), 1 if positive else 0))

    def _insert(self, sql: str, params: tuple[object, ...]) -> None:
        with self._pool.connection() as conn:
            conn.execute(sql, params)
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
                    cur = conn.execute(f"DELETE FROM {table} WHERE ts < %s", (cutoff,))
                    deleted += max(cur.rowcount, 0)
        if deleted:
            logger.info("event log: deleted %s rows older than %s days", deleted, self.retention_days)
        return deleted

    # --- queries for editors ---------------------------------------------------------------------
    def _since(self, days: int) -> int:
        return int(time.time()) - max(days, 0) * DAY

    def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def _one(self, sql: str) -> tuple[Any, ...]:
        rows = self._all(sql)
        return rows[0]

    def unanswered(self, days: int) -> tuple[Any, ...]:
        """Unanswered questions of the last `days` days, newest first."""
        from bot.storage.store import Unanswered

        rows = self._all("SELECT text, channel, ts FROM unanswered WHERE ts >= %s ORDER BY ts DESC, id DESC",
                         (self._since(days),))
        return tuple(Unanswered(text, channel, int(ts)) for text, channel, ts in rows)

    def unpicked(self, days: int) -> tuple[Any, ...]:
        """Messages whose "did you mean" list nobody picked from, newest first."""
        from bot.storage.store import Unanswered

        rows = self._all("SELECT text, channel, ts FROM unpicked WHERE ts >= %s ORDER BY ts DESC, id DESC",
                         (self._since(days),))
        return tuple(Unanswered(text, channel, int(ts)) for text, channel, ts in rows)

    def feedback_counts(self, days: int) -> tuple[Any, ...]:
        """👍/👎 per entry over the last `days` days, most 👎 first."""
        from bot.storage.store import FeedbackCount

        rows = self._all(
            "SELECT entry_id, SUM(positive), SUM(1 - positive) FROM feedback WHERE ts >= %s "
            "GROUP BY entry_id ORDER BY SUM(1 - positive) DESC, SUM(positive) ASC, entry_id",
            (self._since(days),))
        return tuple(FeedbackCount(entry_id, int(up), int(down)) for entry_id, up, down in rows)

    def pick_counts(self, days: int) -> tuple[tuple[str, int], ...]:
        """How often each entry was chosen from "did you mean", most first."""
        rows = self._all("SELECT entry_id, COUNT(*) FROM picks WHERE ts >= %s GROUP BY entry_id "
                         "ORDER BY COUNT(*) DESC, entry_id", (self._since(days),))
        return tuple((entry_id, int(n)) for entry_id, n in rows)

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
