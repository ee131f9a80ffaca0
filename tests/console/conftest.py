"""Shared fixtures: a small real KB in tmp_path, real Settings, a real SQLite log."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from consolekb import write_kb  # noqa: E402

from bot.app import XinZhi  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.store import Store  # noqa: E402


@pytest.fixture
def kb_path(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture
def settings(kb_path: Path, tmp_path: Path) -> Settings:
    return Settings(kb_path=kb_path, db_path=tmp_path / "data" / "xinzhi.db", watch_interval=0.05)


@pytest.fixture
def store(settings: Settings):
    with Store(settings.db_path, settings.log_days) as s:
        yield s


@pytest.fixture
def app(settings: Settings, store: Store) -> XinZhi:
    return XinZhi(settings, log=store)
