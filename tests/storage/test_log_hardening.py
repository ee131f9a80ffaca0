"""The log keeps its promises under pressure: private modes, safe encoding, and a writer that never blocks."""
from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.config import Settings
from bot.storage import open_event_log
from bot.storage.redact import PHONE_TOKEN
from bot.storage.store import Store
from bot.storage.writer import BackgroundLog
from tests.dbrows import sqlite_rows


def rows(path: Path, sql: str = "SELECT text FROM unanswered ORDER BY id") -> list[tuple]:
    return sqlite_rows(path, sql)


class ExternalLock:
    """Another process's write transaction on the log (a second connection holding the write lock)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


def test_an_existing_log_and_its_folder_are_made_private_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "xinzhi.db"
    Store(path).close()
    os.chmod(path, 0o644)
    for name in ("xinzhi.db-wal", "xinzhi.db-shm"):
        (folder / name).touch(mode=0o644)
        os.chmod(folder / name, 0o644)
    Store(path).close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    for name in ("xinzhi.db-wal", "xinzhi.db-shm"):
        if (folder / name).exists():
            assert (folder / name).stat().st_mode & 0o777 == 0o600


def test_text_with_lone_surrogates_is_stored(store: Store, settings: Settings) -> None:
    store.record_unanswered('Traceback: File "\udcff\ud800.py" 13812345678', "console")
    [(text,)] = rows(settings.storage.db_path)
    assert "\ufffd" in text and PHONE_TOKEN in text


def test_whitespace_is_normalised_before_redaction_not_after(store: Store, settings: Settings) -> None:
    store.record_unanswered("电话 138\u00a01234\u00a05678 和 139\u20601234\u20605678", "console")
    [(text,)] = rows(settings.storage.db_path)
    assert text == f"电话 {PHONE_TOKEN} 和 {PHONE_TOKEN}"


def test_a_ten_megabyte_line_is_stored_cut_and_redacted(store: Store, settings: Settings) -> None:
    store.record_unanswered("我的电话13812345678," + "a" * 10_000_000, "console")
    [(text,)] = rows(settings.storage.db_path)
    assert text.startswith(f"我的电话{PHONE_TOKEN},aaa") and len(text) == 500


def test_opened_log_writes_in_the_background_and_close_flushes(settings: Settings) -> None:
    log = open_event_log(settings)
    assert isinstance(log, BackgroundLog)
    app = XinZhi(settings, log=log)
    for n in range(50):
        app.respond(f"附近有什么好吃的餐厅 {n}", "console")
    log.close()
    assert len(rows(settings.storage.db_path)) == 50


def test_rows_survive_a_lock_held_longer_than_the_busy_timeout(settings: Settings) -> None:
    log = open_event_log(settings)
    assert log is not None
    lock = ExternalLock(settings.storage.db_path)
    try:
        for n in range(5):
            log.record_unanswered(f"问题 {n}", "telegram")  # returns at once: nothing waits for the lock
        assert log.retrying.wait(30), "the writer never met the lock"
        assert log.written == 0
    finally:
        lock.release()
    assert log.flush(30)
    log.close()
    assert [t for (t,) in rows(settings.storage.db_path)] == [f"问题 {n}" for n in range(5)]
    assert log.dropped == 0 and log.retries >= 1


def test_answering_does_not_wait_for_a_locked_database(settings: Settings) -> None:
    log = open_event_log(settings)
    assert log is not None
    app = XinZhi(settings, log=log)
    lock = ExternalLock(settings.storage.db_path)
    try:
        replies = [app.respond("附近有什么好吃的餐厅", "telegram") for _ in range(20)]
        assert all(r.kind.value == "fallback" for r in replies)
        assert log.written == 0  # every reply came back while the lock was held
    finally:
        lock.release()
    log.close()
    assert len(rows(settings.storage.db_path)) == 20


def test_a_full_queue_drops_with_a_counted_warning(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(settings.storage.db_path, busy_timeout_ms=50)
    log = BackgroundLog(store, capacity=2)
    lock = ExternalLock(settings.storage.db_path)
    try:
        log.record_unanswered("first", "console")
        assert log.retrying.wait(30)  # the writer holds "first" and waits for the lock
        with caplog.at_level(logging.WARNING, logger="bot.storage.writer"):
            for n in range(10):
                log.record_unanswered(f"more {n}", "console")
        assert log.dropped == 8
        assert any("queue is full" in r.getMessage() and "1 dropped so far" in r.getMessage()
                   for r in caplog.records)
        assert all("more" not in r.getMessage() for r in caplog.records)  # never the text itself
    finally:
        lock.release()
    log.close()
    assert [t for (t,) in rows(settings.storage.db_path)] == ["first", "more 0", "more 1"]


def test_close_gives_up_on_a_lock_that_never_goes_away(settings: Settings) -> None:
    store = Store(settings.storage.db_path, busy_timeout_ms=20)
    log = BackgroundLog(store, close_timeout=0.5)
    lock = ExternalLock(settings.storage.db_path)
    try:
        log.record_unanswered("stuck", "console")
        assert log.retrying.wait(30)
        log.close()  # returns: the deadline passed and the event was counted as dropped
        assert log.dropped == 1
    finally:
        lock.release()
    log.record_unanswered("after close", "console")
    assert log.dropped == 2 and rows(settings.storage.db_path) == []
