"""Keep the privacy-safe event log (unanswered questions, picks, 👍/👎) in an embedded SQLite file."""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.storage.records import (DELETE_OLDER, INSERT_FEEDBACK, INSERT_PICK, INSERT_TEXT, PRUNE_EVERY_SECONDS,
                                 SELECT_FEEDBACK, SELECT_PICKS, SELECT_TEXTS, TABLES, DAY, FeedbackCount,
                                 Unanswered, feedback_from, feedback_row, pick_row, picks_from, since, sql,
                                 text_row, unanswered_from)

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

# Append-only: release N+1 adds MIGRATIONS[N]; PRAGMA user_version records how many have run.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE unanswered (
        id      INTEGER PRIMARY KEY,
        ts      INTEGER NOT NULL,          -- unix seconds, UTC
        channel TEXT    NOT NULL,
        text    TEXT    NOT NULL           -- redacted before insert
    );
    CREATE INDEX unanswered_ts ON unanswered (ts);
    CREATE TABLE picks (
        id       INTEGER PRIMARY KEY,
        ts       INTEGER NOT NULL,
        channel  TEXT    NOT NULL,
        entry_id TEXT    NOT NULL
    );
    CREATE INDEX picks_ts ON picks (ts);
    CREATE TABLE feedback (
        id       INTEGER PRIMARY KEY,
        ts       INTEGER NOT NULL,
        channel  TEXT    NOT NULL,
        entry_id TEXT    NOT NULL,
        positive INTEGER NOT NULL CHECK (positive IN (0, 1))
    );
    CREATE INDEX feedback_ts ON feedback (ts);
    """,
    """
    CREATE TABLE unpicked (
        id      INTEGER PRIMARY KEY,
        ts      INTEGER NOT NULL,
        channel TEXT    NOT NULL,
        text    TEXT    NOT NULL           -- a message whose "did you mean" list nobody picked from, redacted
    );
    CREATE INDEX unpicked_ts ON unpicked (ts);
    """,
)
class StoreError(RuntimeError):
    """The log file cannot be used (for example, it was written by a newer release)."""


def enforce_private(path: Path) -> None:
    """Make the log file (and its WAL/SHM companions) 0600 and its folder 0700, whatever they were before.

    A shared folder we do not own (say /tmp) is left alone: changing it would break other users.
    """
    folder = path.parent
    st = folder.stat()
    if st.st_uid == os.getuid() and not st.st_mode & 0o1000:  # ours and not a sticky shared folder
        if st.st_mode & 0o777 != 0o700:
            os.chmod(folder, 0o700)
    else:
        logger.warning("event log folder %s is shared; only the file itself is made private", folder)
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        companion = folder / name
        if companion.exists() and companion.stat().st_mode & 0o777 != 0o600:
            os.chmod(companion, 0o600)


class Store:
    """The SQLite event log; implements bot.app.EventLog and the queries behind `xinzhi kb gaps`.

    One connection shared under a lock (the bot's threads and asyncio tasks write through it);
    WAL + busy_timeout let a second process (say `xinzhi chat` next to the bot) write safely.
    """

    def __init__(self, path: str | Path, retention_days: int = 90, *, read_only: bool = False,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        """Open (creating if needed) the log; `read_only` opens an existing file for queries and deletes nothing."""
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.path = Path(path)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._last_prune = 0.0
        self.read_only = read_only
        if read_only:
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                         timeout=busy_timeout_ms / 1000, isolation_level=None,
                                         check_same_thread=False)
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # private to the operator
        enforce_private(self.path)  # an existing file keeps its mode otherwise (say 0644)
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
                                     check_same_thread=False)
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            self.prune()
        except Exception:
            self._conn.close()
            raise

    @classmethod
    def from_settings(cls, settings: Settings) -> "Store | None":
        """Open the log named by the settings, or None when XINZHI_LOG=off (then no file is created)."""
        if not settings.storage.log_enabled:
            return None
        return cls(settings.storage.db_path, settings.storage.log_days)

    # --- schema ----------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # two processes opening a new file must not both migrate
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise StoreError(f"{self.path}: log schema version {version} is newer than this release "
                                 f"understands ({len(MIGRATIONS)}); upgrade xinzhi")
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
                logger.info("event log migrated to schema %s", number + 1)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

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
            self._insert(sql(INSERT_TEXT, "?", table), row)

    def record_pick(self, entry_id: str, channel: str) -> None:
        """Store that a suggestion was chosen (entry id only)."""
        self._insert(sql(INSERT_PICK, "?"), pick_row(entry_id, channel, int(time.time())))

    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None:
        """Store a 👍 or 👎 for an entry."""
        self._insert(sql(INSERT_FEEDBACK, "?"), feedback_row(entry_id, positive, channel, int(time.time())))

    def _insert(self, statement: str, params: tuple[object, ...]) -> None:
        with self._lock:
            self._conn.execute(statement, params)
        if time.monotonic() - self._last_prune >= PRUNE_EVERY_SECONDS:
            try:
                self.prune()
            except sqlite3.OperationalError as exc:  # the row is in; retention tries again next hour
                logger.warning("event log: retention skipped (%s)", exc)

    # --- retention -------------------------------------------------------------------------------
    def prune(self) -> int:
        """Delete rows older than the retention period; return how many went."""
        cutoff = int(time.time()) - self.retention_days * DAY
        deleted = 0
        with self._lock:
            self._last_prune = time.monotonic()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for table in TABLES:
                    deleted += self._conn.execute(sql(DELETE_OLDER, "?", table), (cutoff,)).rowcount
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        if deleted:
            logger.info("event log: deleted %s rows older than %s days", deleted, self.retention_days)
        return deleted

    # --- queries for editors ---------------------------------------------------------------------
    def _all(self, template: str, days: int, table: str = "") -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql(template, "?", table), (since(days, int(time.time())),)).fetchall()

    def unanswered(self, days: int) -> tuple[Unanswered, ...]:
        """Unanswered questions of the last `days` days, newest first."""
        return unanswered_from(self._all(SELECT_TEXTS, days, "unanswered"))

    def unpicked(self, days: int) -> tuple[Unanswered, ...]:
        """Messages whose "did you mean" list nobody picked from, newest first (none in a log from before v2)."""
        try:
            return unanswered_from(self._all(SELECT_TEXTS, days, "unpicked"))
        except sqlite3.OperationalError:  # a read-only look at a log written before the table existed
            return ()

    def feedback_counts(self, days: int) -> tuple[FeedbackCount, ...]:
        """👍/👎 per entry over the last `days` days, most 👎 first."""
        return feedback_from(self._all(SELECT_FEEDBACK, days))

    def pick_counts(self, days: int) -> tuple[tuple[str, int], ...]:
        """How often each entry was chosen from "did you mean", most first."""
        return picks_from(self._all(SELECT_PICKS, days))

    def counts(self) -> dict[str, int]:
        """Rows per table (all retained rows)."""
        with self._lock:
            return {t: int(self._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES
                    if self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (t,)).fetchone()}

    # --- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
