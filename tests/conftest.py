"""Shared fixtures: small KBs in tmp_path, real Settings, a real SQLite log, and the real KB."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# trained models are cached per KB hash; keep the suite's cache out of the user's cache dir
os.environ.setdefault("XINZHI_CACHE_DIR", str(ROOT / ".pytest_cache" / "xinzhi-models"))

from bot.app import XinZhi
from bot.config import Settings
from bot.storage.store import Store
from tests.console.consolekb import console_files
from tests.kbfactory import NO_LEXICON, write_kb


@pytest.fixture
def tiny_kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture(scope="session")
def real_kb_path() -> Path:
    return ROOT / "knowledge"


@pytest.fixture(scope="session")
def real_engine(real_kb_path):
    from bot.core.engine import build_engine

    return build_engine(real_kb_path)


@pytest.fixture
def kb_path(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", console_files(), extra_files=NO_LEXICON)


@pytest.fixture
def settings(kb_path: Path, tmp_path: Path) -> Settings:
    return Settings(kb_path=kb_path, db_path=tmp_path / "data" / "xinzhi.db", watch_interval=0.05)


@pytest.fixture
def store(settings: Settings):
    with Store(settings.storage.db_path, settings.storage.log_days) as s:
        yield s


@pytest.fixture
def app(settings: Settings, store: Store) -> XinZhi:
    return XinZhi(settings, log=store)
