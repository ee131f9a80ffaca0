"""Per-user rate limit (in memory, keyed by a hash of the user id) and privacy-safe logging."""
from __future__ import annotations

import dataclasses
import html
import logging

import pytest

from bot.core import texts
from bot.tg.ratelimit import UserRateLimiter, Verdict
from tests.tg.tgkb import FALLBACK_Q, TOKEN
from tests.clock import ManualClock

GROUP = -100555
A, B = 6001, 6002


def test_limiter_allows_n_per_minute_then_tells_once_then_drops():
    clock = ManualClock(1000.0)
    limiter = UserRateLimiter(3, "secret", clock=clock)
    verdicts = []
    for _ in range(5):  # one message every 10 seconds
        verdicts.append(limiter.check(A))
        clock.now += 10
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY, Verdict.DROP]
    assert limiter.check(B) is Verdict.ALLOW  # other users are not affected
    clock.now += 9  # 59 s after the first message
    assert limiter.check(A) is Verdict.DROP
    clock.now += 1  # the first message left the one-minute window
    assert limiter.check(A) is Verdict.ALLOW
    assert limiter.check(A) is Verdict.NOTIFY  # told again: they were allowed in between


def test_limiter_keeps_only_keyed_hashes_of_user_ids():
    limiter = UserRateLimiter(1, "secret", clock=ManualClock(1000.0))
    limiter.check(123456789)
    [key] = limiter._hits  # noqa: SLF001 (what is held in memory is the point of this test)
    assert isinstance(key, str) and len(key) == 32 and "123456789" not in key
    other = UserRateLimiter(1, "another secret", clock=ManualClock(1000.0))
    other.check(123456789)
    assert list(other._hits) != [key]  # noqa: SLF001


def test_limiter_forgets_idle_users():
    clock = ManualClock(1000.0)
    limiter = UserRateLimiter(2, clock=clock)
    for user in range(5000):
        limiter.check(user)
    clock.now += 61
    limiter.check(1)
    assert limiter.tracked < 10


def test_limiter_rejects_a_zero_limit():
    with pytest.raises(ValueError):
        UserRateLimiter(0)


def test_over_the_limit_user_gets_one_polite_notice_and_others_are_served(fake, start_bot, settings):
    start_bot(settings_=dataclasses.replace(settings, rate_limit_per_minute=3))
    for _ in range(5):
        fake.send("/ask 上门催收合法吗", user=A, chat=GROUP, chat_type="group")
    fake.settle(user=B, chat=GROUP, chat_type="group")
    got = [m["html"] for m in fake.sent(GROUP)]
    answers = [t for t in got if t.startswith("<b>上门催收合法吗?</b>")]
    assert len(answers) == 3 and got.count(html.escape(texts.RATE_LIMITED, quote=False)) == 1
    assert got[-1] == html.escape(texts.PRIVACY, quote=False)  # B was answered
    [answer] = [m for m in fake.sent(GROUP) if m["html"].startswith("<b>")][:1]
    query = fake.press(answer, "a:collection-contacts", user=A)
    assert "text" not in fake.find("answerCallbackQuery", callback_query_id=query)[0].params  # already told


def test_logs_carry_no_token_message_text_or_user_ids(fake, bot, caplog):
    caplog.set_level(logging.DEBUG)
    secret_user = 987654321
    fake.fail("sendMessage", 500, when=lambda p: p.get("chat_id") == secret_user)
    fake.send("我的秘密问题 手机13812345678", user=secret_user)
    fake.wait("sendMessage", 2, chat_id=secret_user, status=None)  # the failed answer, then the apology
    fake.exchange(FALLBACK_Q, user=secret_user)
    fake.exchange("上门催收合法吗", user=secret_user)
    messages = [r.getMessage() for r in caplog.records]
    assert any("NetworkError" in m for m in messages)  # the failure itself was logged
    for message in messages:
        for secret in (TOKEN, TOKEN.split(":")[1], "秘密", "13812345678", str(secret_user), "今天天气", "上门催收"):
            assert secret not in message
