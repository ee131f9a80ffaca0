"""One store test suite, run against both backends: the SQLite file and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage.redact import PHONE_TOKEN
from bot.storage.store import Store
from tests.storage.together import run_together

DAY = 86_400
WRITERS = 8
PER_WRITER = 60


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(name, opener): opener(retention_days) opens another handle on the same log."""
    if request.param == "sqlite":
        path = tmp_path / "log.db"
        yield "sqlite", lambda days=90: Store(path, days)
    else:
        from bot.storage.postgres import PostgresStore

        url = request.getfixturevalue("pg_url")
        yield "postgres", lambda days=90: PostgresStore(url, days)


def test_counts_and_queries(backend: tuple[str, Any]) -> None:
    _, open_log = backend
    with open_log() as log:
        assert log.counts() == {"unanswered": 0, "picks": 0, "feedback": 0, "unpicked": 0}
        log.record_unanswered("附近有什么好吃的", "web")
        log.record_unanswered("  ", "web")  # nothing left to store
        log.record_pick("credit-report-query", "telegram")
        log.record_pick("credit-report-query", "web")
        log.record_pick("meta-greeting", "web")
        log.record_feedback("meta-greeting", False, "web")
        log.record_feedback("meta-greeting", False, "console")
        log.record_feedback("credit-report-query", True, "web")
        assert log.counts() == {"unanswered": 1, "picks": 3, "feedback": 3, "unpicked": 0}
        assert [(u.text, u.channel) for u in log.unanswered(7)] == [("附近有什么好吃的", "web")]
        assert log.pick_counts(7) == (("credit-report-query", 2), ("meta-greeting", 1))
        assert [(f.entry_id, f.up, f.down) for f in log.feedback_counts(7)] == [
            ("meta-greeting", 0, 2), ("credit-report-query", 1, 0)]
        assert log.schema_version >= 1


def test_identifiers_are_redacted_before_storage(backend: tuple[str, Any]) -> None:
    _, open_log = backend
    with open_log() as log:
        log.record_unanswered("我的手机13812345678 身份证11010119900307123X 卡6222021234567890 借了20000", "web")
        (row,) = log.unanswered(1)
    assert "13812345678" not in row.text and "11010119900307123X" not in row.text
    assert "6222021234567890" not in row.text and PHONE_TOKEN in row.text and "20000" in row.text


def test_every_backend_cleans_channel_and_entry_id_alike(backend: tuple[str, Any]) -> None:
    _, open_log = backend
    with open_log() as log:  # control characters, a lone surrogate, full-width letters, a very long id
        log.record_pick("ｃｒｅｄｉｔ\x00-report\ud800" + "x" * 500, "tele\x07gram\u200b")
        log.record_feedback("meta-greeting\x1b[31m", True, "ｗｅｂ")
        log.record_unanswered("附近有什么好吃的", "ｗｅｂ\x07\ud800")
        ((pick, n),) = log.pick_counts(1)
        (row,) = log.unanswered(1)
        ((fb),) = log.feedback_counts(1)
    assert pick.startswith("credit-report") and len(pick) == 100 and n == 1
    assert not any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in pick + fb.entry_id)
    assert fb.entry_id.startswith("meta-greeting")
    # NFKC, control characters dropped, a lone surrogate replaced (PostgreSQL used to refuse the whole row)
    assert row.channel.startswith("web")
    assert not any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in row.channel)


def test_several_writers_at_once_lose_nothing(backend: tuple[str, Any]) -> None:
    _, open_log = backend
    handles = [open_log() for _ in range(2)]  # two "processes" sharing one log
    def write(n: int) -> None:
        log = handles[n % 2]
        for i in range(PER_WRITER):
            log.record_unanswered(f"问题 {n} {i}", "web")
            log.record_feedback("meta-greeting", i % 2 == 0, "web")

    errors = run_together(WRITERS, write)
    try:
        assert errors == []
        counts = handles[0].counts()
        assert counts["unanswered"] == counts["feedback"] == WRITERS * PER_WRITER
        texts = {u.text for u in handles[1].unanswered(1)}
        assert texts == {f"问题 {n} {i}" for n in range(WRITERS) for i in range(PER_WRITER)}
        (fb,) = handles[1].feedback_counts(1)
        assert (fb.up, fb.down) == (WRITERS * PER_WRITER // 2, WRITERS * PER_WRITER // 2)
    finally:
        for h in handles:
            h.close()


def _backdate(name: str, log: Any, seconds: int) -> None:
    """Age every row by `seconds` through the backend's own connection (the I/O edge, not our code)."""
    if name == "sqlite":
        with log._lock:
            for table in ("unanswered", "picks", "feedback"):
                log._conn.execute(f"UPDATE {table} SET ts = ts - ?", (seconds,))
    else:
        with log._pool.connection() as conn:
            for table in ("unanswered", "picks", "feedback"):
                conn.execute(f"UPDATE {table} SET ts = ts - %s", (seconds,))


def test_retention_prunes_old_rows_and_keeps_recent_ones(backend: tuple[str, Any]) -> None:
    name, open_log = backend
    with open_log(30) as log:
        log.record_unanswered("旧的问题", "web")
        log.record_pick("meta-greeting", "web")
        log.record_feedback("meta-greeting", True, "web")
        _backdate(name, log, 31 * DAY)
        log.record_unanswered("新的问题", "web")
        assert log.prune() == 3
        assert log.counts() == {"unanswered": 1, "picks": 0, "feedback": 0, "unpicked": 0}
        assert [u.text for u in log.unanswered(400)] == ["新的问题"]
    with open_log(30) as again:  # opening prunes too, and keeps the recent row
        assert again.counts()["unanswered"] == 1


def test_reopening_keeps_rows_and_does_not_migrate_twice(backend: tuple[str, Any]) -> None:
    _, open_log = backend
    with open_log() as log:
        log.record_pick("meta-greeting", "web")
        version = log.schema_version
    with open_log() as log:
        assert log.schema_version == version
        assert log.pick_counts(1) == (("meta-greeting", 1),)


def test_time_window_excludes_older_rows(backend: tuple[str, Any]) -> None:
    name, open_log = backend
    with open_log() as log:
        log.record_unanswered("上周的问题", "web")
        _backdate(name, log, 8 * DAY)
        log.record_unanswered("今天的问题", "web")
        assert [u.text for u in log.unanswered(7)] == ["今天的问题"]
        assert len(log.unanswered(30)) == 2


def test_unpicked_suggestion_lists_are_kept_apart_and_redacted(backend: tuple[str, Any]) -> None:
    _, open_log = backend
    with open_log() as log:
        log.record_unpicked("协商\u00a0138\u00a01234\u00a05678", "telegram")
        (row,) = log.unpicked(1)
        assert row.text.startswith("协商") and "5678" not in row.text and row.channel == "telegram"
        assert log.unanswered(1) == () and log.counts()["unpicked"] == 1
