"""The SQLite log: schema versioning, redaction before storage, concurrency, retention, off switch."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.config import Settings, load_settings
from bot.storage.redact import PHONE_TOKEN
from bot.storage.store import MIGRATIONS, Store, StoreError
from tests.dbrows import sqlite_rows

DAY = 86_400


def test_first_use_creates_a_private_wal_database_at_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "log.db"
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS) >= 1
        store.record_unanswered("附近有什么好吃的", "console")
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0  # only the operator can read it
    assert sqlite_rows(path, "PRAGMA journal_mode") == [("wal",)]
    assert sqlite_rows(path, "PRAGMA user_version") == [(len(MIGRATIONS),)]


def test_records_are_stored_without_identifiers(store: Store, settings: Settings) -> None:
    store.record_unanswered("我的手机13812345678 身份证11010119900307123X 卡6222021234567890 a@b.com 借了20000",
                            "telegram")
    store.record_pick("collection-home-visit-response", "console")
    store.record_feedback("overdue-credit-card-criminal", False, "telegram")
    store.record_feedback("overdue-credit-card-criminal", True, "console")
    [(text, channel)] = sqlite_rows(settings.storage.db_path, "SELECT text, channel FROM unanswered")
    assert channel == "telegram"
    assert "13812345678" not in text and "11010119900307123X" not in text and "6222021234567890" not in text
    assert "a@b.com" not in text and PHONE_TOKEN in text and "20000" in text
    assert sqlite_rows(settings.storage.db_path, "SELECT channel, entry_id FROM picks") == [
        ("console", "collection-home-visit-response")]
    assert store.feedback_counts(30)[0].entry_id == "overdue-credit-card-criminal"
    assert (store.feedback_counts(30)[0].up, store.feedback_counts(30)[0].down) == (1, 1)
    assert store.counts() == {"unanswered": 1, "picks": 1, "feedback": 2, "unpicked": 0}


def test_long_text_is_redacted_before_it_is_cut(store: Store, settings: Settings) -> None:
    text = "啊" * 495 + "13812345678"  # cutting first would keep a fragment of the number
    store.record_unanswered(text, "console")
    [(stored,)] = sqlite_rows(settings.storage.db_path, "SELECT text FROM unanswered")
    assert len(stored) == 500 and "13812" not in stored


def test_no_user_columns_exist(store: Store, settings: Settings) -> None:
    columns = {row[1] for table in ("unanswered", "picks", "feedback")
               for row in sqlite_rows(settings.storage.db_path, f"PRAGMA table_info({table})")}
    assert columns == {"id", "ts", "channel", "text", "entry_id", "positive"}


def test_concurrent_writes_from_many_threads_lose_nothing(store: Store) -> None:
    threads, per_thread = 16, 40
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            store.record_unanswered(f"问题 {n} {i}", "telegram")
            store.record_feedback(f"entry-{n}", i % 2 == 0, "telegram")

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert store.counts()["unanswered"] == threads * per_thread
    assert store.counts()["feedback"] == threads * per_thread
    assert len({u.text for u in store.unanswered(1)}) == threads * per_thread


def test_two_connections_to_one_file_both_write(tmp_path: Path) -> None:
    """Like the bot and `xinzhi chat` running at once: WAL + busy_timeout, no lost rows."""
    path = tmp_path / "shared.db"
    a, b = Store(path), Store(path)
    try:
        def work(store: Store, tag: str) -> None:
            for i in range(150):
                store.record_pick(f"{tag}-{i}", "console")

        pool = [threading.Thread(target=work, args=(s, tag)) for s, tag in ((a, "a"), (b, "b"), (a, "c"), (b, "d"))]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        assert a.counts()["picks"] == 600
    finally:
        a.close()
        b.close()


def test_retention_deletes_old_rows_at_open_and_on_prune(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    Store(path, retention_days=90).close()
    now = int(time.time())
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO unanswered (ts, channel, text) VALUES (?, 'console', ?)",
                         [(now - 200 * DAY, "很旧"), (now - 91 * DAY, "刚过期"), (now - 89 * DAY, "还在期内"),
                          (now, "新的")])
        conn.execute("INSERT INTO feedback (ts, channel, entry_id, positive) VALUES (?, 'console', 'x', 0)",
                     (now - 100 * DAY,))
        conn.execute("INSERT INTO picks (ts, channel, entry_id) VALUES (?, 'console', 'y')", (now - 100 * DAY,))
    conn.close()
    with Store(path, retention_days=90) as store:  # retention runs when the log is opened
        assert sorted(u.text for u in store.unanswered(365)) == ["新的", "还在期内"]
        assert store.counts() == {"unanswered": 2, "picks": 0, "feedback": 0, "unpicked": 0}
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("INSERT INTO unanswered (ts, channel, text) VALUES (?, 'console', '又一条旧的')",
                         (now - 95 * DAY,))
        conn.close()
        assert store.prune() == 1
        assert store.counts()["unanswered"] == 2


def test_queries_respect_the_window(store: Store, settings: Settings) -> None:
    store.record_unanswered("今天的问题", "console")
    conn = sqlite3.connect(settings.storage.db_path)
    with conn:
        conn.execute("INSERT INTO unanswered (ts, channel, text) VALUES (?, 'console', '十天前')",
                     (int(time.time()) - 10 * DAY,))
    conn.close()
    assert [u.text for u in store.unanswered(7)] == ["今天的问题"]
    assert [u.text for u in store.unanswered(30)] == ["今天的问题", "十天前"]


def test_log_days_setting_drives_retention(tmp_path: Path) -> None:
    settings = load_settings({"XINZHI_DB": str(tmp_path / "l.db"), "XINZHI_LOG_DAYS": "7"})
    store = Store.from_settings(settings)
    assert store is not None
    try:
        conn = sqlite3.connect(settings.storage.db_path)
        with conn:
            conn.execute("INSERT INTO picks (ts, channel, entry_id) VALUES (?, 'console', 'old')",
                         (int(time.time()) - 8 * DAY,))
        conn.close()
        assert store.prune() == 1
    finally:
        store.close()


def test_log_off_creates_no_file(tmp_path: Path, kb_path: Path) -> None:
    settings = load_settings({"XINZHI_LOG": "off", "XINZHI_DB": str(tmp_path / "never.db"),
                              "XINZHI_KB": str(kb_path)})
    assert Store.from_settings(settings) is None
    app = XinZhi(settings, log=Store.from_settings(settings))
    app.respond("附近有什么好吃的")
    assert not (tmp_path / "never.db").exists()


def test_a_newer_schema_is_refused_not_clobbered(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)
    assert sqlite_rows(path, "PRAGMA user_version") == [(len(MIGRATIONS) + 1,)]


def test_an_existing_empty_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # schema version 0
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        store.record_pick("a", "console")
        assert store.counts()["picks"] == 1


def test_app_fallbacks_reach_the_log_answers_do_not(app: XinZhi, store: Store) -> None:
    app.respond("上门催收合法吗", "telegram")  # answered: nothing stored
    app.respond("附近有什么好吃的 我电话13812345678", "telegram")
    assert [u.text for u in store.unanswered(1)] == [f"附近有什么好吃的 我电话{PHONE_TOKEN}"]


def test_privacy_text_matches_what_is_stored() -> None:
    from bot.core import texts
    from bot.storage.records import MAX_TEXT_CHARS

    assert f"默认 {Settings().storage.log_days} 天" in texts.PRIVACY
    assert f"最多 {MAX_TEXT_CHARS} 字" in texts.PRIVACY
    for word in ("手机号", "固定电话", "身份证号", "银行卡号", "电子邮箱", "XINZHI_LOG=off", "XINZHI_LOG_DAYS"):
        assert word in texts.PRIVACY
