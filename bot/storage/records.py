"""Build the rows every event-log backend stores, and read back what editors query, in one place.

The SQLite `Store` and the PostgreSQL `PostgresStore` differ only in how they connect, lock and migrate;
what a row holds (redacted text, cleaned channel and entry id) and what the queries return are defined here,
so both backends clean and answer alike. SQL uses `{p}` for a placeholder; `sql(template, "?")` fills it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from bot.storage.redact import redact, redact_for_storage
from bot.storage.textnorm import normalize_text

MAX_TEXT_CHARS = 500  # the core never reads more than this (MatchSettings.max_query_chars)
MAX_ID_CHARS = 100
MAX_CHANNEL_CHARS = 20
PRUNE_EVERY_SECONDS = 3600.0  # retention also runs while a long-lived bot is up
DAY = 86_400
TABLES = ("unanswered", "picks", "feedback", "unpicked")

INSERT_TEXT = "INSERT INTO {table} (ts, channel, text) VALUES ({p}, {p}, {p})"  # unanswered, unpicked
INSERT_PICK = "INSERT INTO picks (ts, channel, entry_id) VALUES ({p}, {p}, {p})"
INSERT_FEEDBACK = "INSERT INTO feedback (ts, channel, entry_id, positive) VALUES ({p}, {p}, {p}, {p})"
DELETE_OLDER = "DELETE FROM {table} WHERE ts < {p}"
SELECT_TEXTS = "SELECT text, channel, ts FROM {table} WHERE ts >= {p} ORDER BY ts DESC, id DESC"
SELECT_FEEDBACK = ("SELECT entry_id, SUM(positive), SUM(1 - positive) FROM feedback WHERE ts >= {p} "
                   "GROUP BY entry_id ORDER BY SUM(1 - positive) DESC, SUM(positive) ASC, entry_id")
SELECT_PICKS = ("SELECT entry_id, COUNT(*) FROM picks WHERE ts >= {p} GROUP BY entry_id "
                "ORDER BY COUNT(*) DESC, entry_id")


@dataclass(frozen=True)
class Unanswered:
    """One stored unanswered (or unpicked) message, already redacted."""

    text: str
    channel: str
    ts: int


@dataclass(frozen=True)
class FeedbackCount:
    """👍 and 👎 totals for one entry."""

    entry_id: str
    up: int
    down: int


def sql(template: str, placeholder: str, table: str = "") -> str:
    """Fill a template's `{p}` with the backend's placeholder ("?" or "%s") and `{table}` with a table name."""
    assert not table or table in TABLES, table
    return template.replace("{p}", placeholder).replace("{table}", table)


def clean_field(value: object, limit: int) -> str:
    """Normalise a short field (channel, entry id): NFKC, no control characters or lone surrogates."""
    return normalize_text(str(value)[:4 * limit])[:limit]


def text_row(text: str | None, channel: str, now: int) -> tuple[int, str, str] | None:
    """(ts, channel, redacted text) for an unanswered or unpicked message; None when nothing is left."""
    cleaned = redact_for_storage(text or "", MAX_TEXT_CHARS)  # normalise, cut, redact: never half a number
    return (now, clean_field(channel, MAX_CHANNEL_CHARS), cleaned) if cleaned else None


def pick_row(entry_id: str, channel: str, now: int) -> tuple[int, str, str]:
    """(ts, channel, entry id) for a chosen suggestion."""
    return now, clean_field(channel, MAX_CHANNEL_CHARS), _entry(entry_id)


def feedback_row(entry_id: str, positive: bool, channel: str, now: int) -> tuple[int, str, str, int]:
    """(ts, channel, entry id, 1 or 0) for a 👍 or 👎."""
    return now, clean_field(channel, MAX_CHANNEL_CHARS), _entry(entry_id), 1 if positive else 0


def _entry(entry_id: str) -> str:
    return clean_field(redact(str(entry_id)[:4 * MAX_ID_CHARS]), MAX_ID_CHARS)


def since(days: int, now: int) -> int:
    """The earliest timestamp a query over the last `days` days includes."""
    return now - max(days, 0) * DAY


def unanswered_from(rows: Iterable[tuple[Any, ...]]) -> tuple[Unanswered, ...]:
    return tuple(Unanswered(text, channel, int(ts)) for text, channel, ts in rows)


def feedback_from(rows: Iterable[tuple[Any, ...]]) -> tuple[FeedbackCount, ...]:
    return tuple(FeedbackCount(entry_id, int(up), int(down)) for entry_id, up, down in rows)


def picks_from(rows: Iterable[tuple[Any, ...]]) -> tuple[tuple[str, int], ...]:
    return tuple((entry_id, int(n)) for entry_id, n in rows)
