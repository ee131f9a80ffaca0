"""The PostgreSQL log: chosen by XINZHI_DB=postgresql://, shared by replicas, migrated once, failing clearly."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.config import ConfigError, Settings, load_settings
from bot.storage import open_event_log
from tests.kbfactory import write_kb
from tests.storage.together import run_together

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")


def test_xinzhi_db_url_selects_postgres_and_the_app_logs_to_it(pg_url: str, tmp_path: Path) -> None:
    from bot.storage.postgres import PostgresStore

    settings = load_settings({"XINZHI_DB": pg_url, "XINZHI_KB": str(write_kb(tmp_path / "kb"))})
    assert settings.storage.db_url == pg_url
    log = open_event_log(settings)
    assert log is not None and isinstance(log.sink, PostgresStore)  # behind the background writer, like SQLite
    try:
        xz = XinZhi(settings, log=log)
        assert xz.respond("我家猫咪不吃饭怎么办 13812345678", "web").kind.value == "fallback"
        assert xz.feedback("credit-report-query", False, "telegram")
        assert log.flush(timeout=30)
        (row,) = log.sink.unanswered(1)
        assert "13812345678" not in row.text and row.channel == "web"
        assert log.sink.counts() == {"unanswered": 1, "picks": 0, "feedback": 1, "unpicked": 0}
    finally:
        log.close()
    assert not (tmp_path / "kb" / "xinzhi.db").exists()


def test_log_off_opens_nothing(pg_url: str) -> None:
    settings = load_settings({"XINZHI_DB": pg_url, "XINZHI_LOG": "off"})
    assert open_event_log(settings) is None


def test_unreachable_server_is_a_configuration_error_without_the_password() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    url = f"postgresql://xinzhi:s3cret-pw@127.0.0.1:{port}/xinzhi?connect_timeout=1"
    settings = Settings(db_url=url)
    from bot.storage.postgres import open_postgres

    with pytest.raises(ConfigError) as info:
        open_postgres(settings, connect_timeout=2.0)
    assert "s3cret-pw" not in str(info.value) and "XINZHI_DB" in str(info.value)


def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    from bot.storage.postgres import MIGRATIONS, PostgresStore

    stores: list[PostgresStore] = []
    errors = run_together(4, lambda _: stores.append(PostgresStore(pg_url)))
    try:
        assert errors == []
        assert {s.schema_version for s in stores} == {len(MIGRATIONS)}
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT COUNT(*) FROM xinzhi_schema").fetchone() == (len(MIGRATIONS),)
    finally:
        for s in stores:
            s.close()


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    from bot.storage.postgres import MIGRATIONS, PostgresStore
    from bot.storage.store import StoreError

    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO xinzhi_schema (version) VALUES (%s)", (len(MIGRATIONS) + 1,))
    with pytest.raises(StoreError, match="newer"):
        PostgresStore(pg_url)


def test_kb_gaps_reads_the_shared_log(pg_url: str, tmp_path: Path) -> None:
    import io
    import argparse

    from bot.editor.tools import run_gaps
    from bot.storage.postgres import PostgresStore

    with PostgresStore(pg_url) as log:
        log.record_unanswered("附近有什么好吃的", "web")
        log.record_feedback("credit-report-query", False, "web")
    settings = load_settings({"XINZHI_DB": pg_url, "XINZHI_KB": str(write_kb(tmp_path / "kb"))})
    out = io.StringIO()
    run_gaps(argparse.Namespace(days=7, limit=20), settings, out)
    assert "附近有什么好吃的" in out.getvalue() and "credit-report-query" in out.getvalue()
