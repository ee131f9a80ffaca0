"""Fixtures for the Telegram adapter: a small KB in tmp_path, the XinZhi app, a fake Bot API server and a running bot."""
from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from telegram.ext import Application

from bot.app import XinZhi
from bot.config import Settings
from bot.tg import run
from bot.tg.delivery import Delivery
from bot.tg.pacing import PaceLimits
from tests.tg.fakebotapi import FakeBotAPI
from tests.kbfactory import NO_LEXICON, write_kb
from tests.tg.tgkb import ADMIN, TOKEN, kb_files

class MemoryLog:
    """The event log at the I/O edge, kept in memory (bot.app.EventLog protocol)."""

    def __init__(self) -> None:
        self.unanswered: list[tuple[str, str]] = []
        self.picks: list[tuple[str, str]] = []
        self.feedback: list[tuple[str, bool, str]] = []

    def record_unanswered(self, text: str, channel: str) -> None:
        self.unanswered.append((text, channel))

    def record_pick(self, entry_id: str, channel: str) -> None:
        self.picks.append((entry_id, channel))

    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None:
        self.feedback.append((entry_id, positive, channel))


class BotRunner:
    """Run `run.serve` (PTB's run_polling) in a thread with its own event loop, as production runs it."""

    def __init__(self, application: Application, settings: Settings):
        self.application = application
        self.settings = settings
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xinzhi-test-bot", daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            run.serve(self.application, self.settings, stop_signals=None, poll_timeout=1)
        except BaseException as exc:  # surfaced by stop()
            self.error = exc

    def start(self, timeout: float = 10.0) -> "BotRunner":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not (self.application.running and self.application.updater.running):
            if self.error is not None or not self._thread.is_alive():
                raise AssertionError(f"bot did not start: {self.error!r}")
            if time.monotonic() > deadline:
                raise AssertionError("bot did not start in time")
            time.sleep(0.01)
        # `running` turns true inside Application.start(), before run_polling reaches loop.run_forever(). A
        # stop_running() landing in that gap stops run_until_complete instead, and run_forever never ends.
        # One task that yields once completes only after that gap, so stop() called after it always lands.
        assert self.loop is not None
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result(timeout)
        return self

    def stop(self) -> None:
        if self.loop is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.application.stop_running)
        self._thread.join(15)
        assert not self._thread.is_alive(), "bot did not stop"
        if self.error is not None:
            raise self.error


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", kb_files(), extra_files=NO_LEXICON)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
def settings(kb_dir: Path, fake: FakeBotAPI) -> Settings:
    return Settings(kb_path=kb_dir, log_enabled=False, telegram_token=TOKEN, telegram_base_url=fake.base_url,
                    admin_ids=frozenset({ADMIN}), rate_limit_per_minute=20, hash_secret="test-secret")


@pytest.fixture
def event_log() -> MemoryLog:
    return MemoryLog()


@pytest.fixture
def app(settings: Settings, event_log: MemoryLog) -> XinZhi:
    """XinZhi over the small test KB, logging to memory."""
    return XinZhi(settings, log=event_log)


@pytest.fixture
def start_bot(app: XinZhi, settings: Settings, fake: FakeBotAPI) -> Iterator:
    """start_bot(request_timeout=…, settings=…) → a running BotRunner; stopped (and checked) after the test."""
    runners: list[BotRunner] = []

    def start(request_timeout: float = run.REQUEST_TIMEOUT, settings_: Settings | None = None,
              delivery: Delivery | None = None, **build: object) -> BotRunner:
        chosen = settings_ or settings
        # Telegram's flood limits are paced by bot.tg.delivery; the test server has none, so pacing is off
        # unless a test passes its own Delivery (no waiting for 30 messages/second or 20 a minute per group).
        limiter = delivery or Delivery(PaceLimits(group_per_minute=0), overall_per_second=0)
        application = run.build_application(app, chosen, rate_limiter=limiter, request_timeout=request_timeout,
                                            **build)
        runner = BotRunner(application, chosen)
        runners.append(runner)
        return runner.start()

    yield start
    for runner in runners:
        runner.stop()
    assert not fake.rejected, f"Telegram would have rejected: {[(c.method, p) for c, p in fake.rejected]}"


@pytest.fixture
def bot(start_bot) -> BotRunner:
    return start_bot()
