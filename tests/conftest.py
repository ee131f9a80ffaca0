"""Shared fixtures: a tiny KB in tmp_path and the real KB's path."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kbfactory import write_kb  # noqa: E402


@pytest.fixture
def tiny_kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture(scope="session")
def real_kb_path() -> Path:
    return ROOT / "knowledge"


@pytest.fixture(scope="session")
def real_engine(real_kb_path):
    from bot.engine import build_engine

    return build_engine(real_kb_path)
