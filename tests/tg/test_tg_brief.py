"""Summary-first answers on the real KB: every first message fits a phone and is valid Telegram HTML."""
from __future__ import annotations

import pytest

from bot.app import XinZhi
from bot.config import Settings
from bot.tg import render
from tests.tg.test_tg_render import check_html


@pytest.fixture(scope="module")
def real_app(real_kb_path) -> XinZhi:
    return XinZhi(Settings(kb_path=real_kb_path, log_enabled=False))


def test_every_real_answer_opens_under_600_units_or_is_short_enough_to_send_whole(real_app):
    briefs = 0
    for entry in real_app.kb.entries:
        messages = render.render_reply(real_app.open(entry.id))
        first, keyboard = messages[0]
        assert check_html(first)[0] == "", entry.id
        expandable = any(b.callback_data == f"f:{entry.id}" for row in keyboard.inline_keyboard for b in row) \
            if keyboard else False
        if expandable:
            briefs += 1
            assert len(messages) == 1 and render.units(first) <= render.BRIEF_LIMIT, entry.id
            assert first.startswith(f"<b>{render.esc(entry.question)}</b>")
            if entry.summary:
                assert render.esc(entry.summary) in first
        else:
            assert render.units("\n\n".join(render.answer_blocks(entry))) <= render.BRIEF_LIMIT, entry.id
    assert briefs > 0
