"""User-facing texts keep their safety promises on every channel."""
from __future__ import annotations

from bot.app import XinZhi
from bot.console.render import render_reply
from bot.core import texts
from bot.core.model import Outcome


def test_the_fallback_always_lists_the_mental_health_line() -> None:
    assert "12356" in texts.FALLBACK
    for hotline in ("12348", "12378", "110"):
        assert hotline in texts.FALLBACK


def test_a_fallback_reply_shows_12356_in_the_console(app: XinZhi) -> None:
    reply = app.respond("我家猫咪不吃饭怎么办")
    assert reply.kind is Outcome.FALLBACK
    assert "12356 心理援助热线" in render_reply(reply)
