"""Wrong input must not crash or double count: forged button data, repeated votes, messages without a sender, a KB fault on /reload."""
from __future__ import annotations

import dataclasses
import html
import logging
import time

import pytest

from bot.core import texts
from bot.tg import callbacks
from bot.tg.votes import Votes
from tests.tg.fakebotapi import _entities
from tests.tg.tgkb import ADMIN

GROUP = -100999
A, B = 3701, 3702


def esc(text: str) -> str:
    return html.escape(text, quote=False)


@pytest.mark.parametrize("data", ["t:²", "t:١", "c:0:²", "c:①:0", "t:-1", "t:", "zz:1", "a:", ":", "t:1:2"])
def test_forged_callback_data_decodes_to_nothing(data):
    assert callbacks.parse(data) is None


@pytest.mark.parametrize("data", ["t:²", "c:0:³", "x" * 64])
def test_forged_button_gets_a_polite_notice_not_an_error(fake, bot, caplog, data):
    caplog.set_level(logging.INFO)
    [answer] = fake.exchange("上门催收合法吗", user=A)
    query = fake.press(answer, data)
    [ack] = fake.find("answerCallbackQuery", callback_query_id=query)
    assert ack.params["text"] == texts.ENTRY_GONE
    fake.settle(user=A)
    assert esc(texts.GENERIC_ERROR) not in fake.texts(A)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


def test_a_vote_counts_once_per_user_and_entry(fake, bot, app, event_log):
    [answer] = fake.exchange("上门催收合法吗", user=A)
    vote = "u:collection-home-visit-legality"
    queries = [fake.press(answer, vote, user=A) for _ in range(5)]
    assert all(fake.find("answerCallbackQuery", callback_query_id=q)[0].params["text"] == texts.FEEDBACK_THANKS
               for q in queries)
    fake.press(answer, "d:collection-home-visit-legality", user=A)  # changing one's mind is not a new vote
    fake.press(answer, vote, user=B)  # someone else's vote counts
    assert app.stats()["feedback_up"] == 2 and app.stats()["feedback_down"] == 0
    assert len(event_log.feedback) == 2


def test_votes_keep_only_keyed_hashes():
    votes = Votes("secret")
    assert votes.first(123456789, "e") and not votes.first(123456789, "e") and votes.first(123456789, "f")
    held = repr(votes._seen._seen)  # noqa: SLF001 (what is held in memory is the point of this test)
    assert "123456789" not in held


def anonymous_ask(fake, text: str) -> None:
    """A message with no from_user (a channel or an anonymous group admin) asking the bot."""
    message = {"message_id": int(time.time() * 1000) % 10**9, "date": int(time.time()),
               "chat": {"id": GROUP, "type": "supergroup", "title": "群"},
               "sender_chat": {"id": GROUP, "type": "supergroup", "title": "群"}, "text": text,
               "entities": _entities(text)}
    fake.push(message=message)


def test_messages_without_a_sender_are_rate_limited_by_chat(fake, start_bot, settings):
    start_bot(settings_=dataclasses.replace(settings, rate_limit_per_minute=3))
    for n in range(6):
        anonymous_ask(fake, "/ask 上门催收合法吗")
    fake.settle(user=A, chat=GROUP, chat_type="supergroup")
    got = fake.texts(GROUP)
    assert len([t for t in got if t.startswith("<b>上门催收合法吗?</b>")]) == 3
    assert got.count(esc(texts.RATE_LIMITED)) == 1


def test_reload_on_an_unreadable_kb_file_reports_to_the_admin_not_an_apology(fake, bot, app, kb_dir):
    entries = len(app.kb.entries)
    (kb_dir / "dictionary.txt").write_bytes(b"\xff\xfe\x00 not utf-8\n")
    [report] = fake.exchange("/reload", user=ADMIN)
    assert report["html"] != esc(texts.GENERIC_ERROR)
    assert report["text"].startswith("知识库")
    assert len(app.kb.entries) == entries
    [answer] = fake.exchange("上门催收合法吗", user=A)  # the old KB keeps serving
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")
