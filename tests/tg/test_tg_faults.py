"""Faults and load: 500s, 429 retry_after, hanging requests, a polling error, and 200 messages from 50 users."""
from __future__ import annotations

import html
import logging

from bot.core import texts
from bot.tg.delivery import RETRIES
from tests.tg.tgkb import DIRECT, TOKEN

A, B = 3001, 3002


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def test_server_errors_are_retried_and_the_user_gets_the_answer(fake, bot, caplog):
    caplog.set_level(logging.DEBUG)
    fake.fail("sendMessage", 500, times=2, when=lambda p: p.get("chat_id") == A and "上门催收" in p.get("text", ""))
    fake.fail("sendMessage", 502, times=1, when=lambda p: p.get("chat_id") == B)
    [answer] = fake.exchange("上门催收合法吗", user=A)
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")
    assert [c.status for c in fake.find("sendMessage", chat_id=A)] == [500, 500, 200]
    [other] = fake.exchange("逾期多久会上征信", user=B)
    assert other["html"].startswith("<b>逾期多久会上征信?</b>")
    assert esc(texts.GENERIC_ERROR) not in fake.texts(A) + fake.texts(B)
    for record in caplog.records:
        assert "上门催收" not in record.getMessage() and str(A) not in record.getMessage()
        assert TOKEN not in record.getMessage()


def test_a_send_that_keeps_failing_is_given_up_after_bounded_retries_and_the_user_is_told(fake, bot, caplog):
    caplog.set_level(logging.DEBUG)
    fake.fail("sendMessage", 500, times=50, when=lambda p: p.get("chat_id") == A and "上门催收" in p.get("text", ""))
    fake.send("上门催收合法吗", user=A)
    [apology] = fake.wait_texts(A, 1, timeout=20)
    assert apology == esc(texts.GENERIC_ERROR)
    assert len(fake.find("sendMessage", chat_id=A, status=500)) == 1 + RETRIES  # bounded, not forever
    errors = [r for r in caplog.records if r.name == "bot.tg.handlers" and r.levelno >= logging.WARNING]
    assert errors and "NetworkError" in errors[0].getMessage()
    [answer] = fake.exchange("怎么查个人征信报告", user=A)
    assert answer["html"].startswith("<b>怎么查个人征信报告?</b>")


def test_a_lost_connection_is_retried(fake, start_bot):
    start_bot(request_timeout=1.0)
    fake.fail("sendMessage", "drop", times=1, when=lambda p: p.get("chat_id") == A)
    [answer] = fake.exchange("上门催收合法吗", user=A)
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")
    assert [c.status for c in fake.find("sendMessage", chat_id=A)] == ["drop", 200]


def test_flood_limit_429_is_retried_after_retry_after_and_delivered_once(fake, bot):
    fake.fail("sendMessage", 429, retry_after=1, when=lambda p: p.get("chat_id") == A)
    fake.send("上门催收合法吗", user=A)
    fake.settle(user=A)
    attempts = fake.find("sendMessage", chat_id=A)
    assert [c.status for c in attempts] == [429, 200, 200]  # refused, resent, then the settle marker
    answers = [m for m in fake.texts(A) if m.startswith("<b>上门催收合法吗?</b>")]
    assert len(answers) == 1


def test_a_timed_out_send_is_retried_once_and_everyone_keeps_being_served(fake, start_bot):
    start_bot(request_timeout=1.0)
    fake.hang("sendMessage", when=lambda p: p.get("chat_id") == A)
    fake.send("上门催收合法吗", user=A)
    fake.wait("sendMessage", chat_id=A, status=None)  # the bot's request is hanging now
    [other] = fake.exchange("逾期多久会上征信", user=B)
    assert other["html"].startswith("<b>逾期多久会上征信?</b>")
    [answer] = fake.wait_texts(A, 1)  # the resend after the timeout
    assert answer.startswith("<b>上门催收合法吗?</b>")
    assert [c.status for c in fake.find("sendMessage", chat_id=A)] == ["hang", 200]
    assert esc(texts.GENERIC_ERROR) not in fake.texts(A)


def test_a_send_that_times_out_twice_is_not_retried_again(fake, start_bot):
    start_bot(request_timeout=1.0)
    fake.hang("sendMessage", times=2, when=lambda p: p.get("chat_id") == A and "上门催收" in p.get("text", ""))
    fake.send("上门催收合法吗", user=A)
    fake.settle(user=A)
    assert [c.status for c in fake.find("sendMessage", chat_id=A)][:2] == ["hang", "hang"]
    assert not any(t.startswith("<b>上门催收合法吗?</b>") for t in fake.texts(A))


def test_typing_failure_does_not_cost_the_answer(fake, bot):
    fake.fail("sendChatAction", 500, times=5)
    [answer] = fake.exchange("上门催收合法吗", user=A)
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")


def test_polling_survives_a_get_updates_error(fake, bot):
    fake.fail("getUpdates", 502)
    fake.wait("getUpdates", status=502)
    [answer] = fake.exchange("上门催收合法吗", user=A)
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")
    failed = fake.find("getUpdates", status=502)[0]
    assert any(c.seq > failed.seq and c.status == 200 for c in fake.find("getUpdates"))


def test_200_messages_from_50_users_each_answered_once_in_order(fake, bot, app):
    questions = list(DIRECT)
    users = range(5000, 5050)
    for round_ in range(4):  # interleaved, as many people typing at once
        for n, user in enumerate(users):
            fake.send(questions[(n + round_) % 4], user=user)
    fake.wait("sendMessage", 200, timeout=40)
    problems = [(c.method, c.status) for c in fake.calls if c.status != 200 and c.method != "getUpdates"]
    assert not problems, problems
    for n, user in enumerate(users):
        got = fake.texts(user)
        expected = [app.kb.get(DIRECT[questions[(n + r) % 4]]).question for r in range(4)]
        assert [t.split("</b>", 1)[0].removeprefix("<b>") for t in got] == expected
    assert len(fake.find("sendMessage")) == 200 and fake.pending_updates() <= 200
    assert app.stats()["questions"] == 200
