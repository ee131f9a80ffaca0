"""Taking updates in: poisoned updates are skipped without leaking, repeats answered once, the webhook checks the secret before the body, polling fetches only what it can answer."""
from __future__ import annotations

import html
import json
import time
import logging
import socket
import urllib.error
import urllib.request
from typing import Iterator

import pytest

from bot.core import texts
from bot.tg.dedupe import RecentIds
from bot.tg.intake import screen_batch
from bot.tg.webhook import MAX_BODY
from tests.tg.fakebotapi import FakeBotAPI, _entities
from tests.tg.tgkb import TOKEN

SECRET_USER = 918273645
SECRET_TEXT = "我的秘密债务 手机13812345678"
HOOK_SECRET = "hook-Secret_123"


def assert_no_leak(caplog: pytest.LogCaptureFixture) -> None:
    """No record (message, arguments or traceback) carries the user's text, id or the token."""
    rendered = caplog.text + "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in ("秘密", "13812345678", str(SECRET_USER), TOKEN, TOKEN.split(":")[1]):
        assert secret not in rendered


def test_a_poisoned_update_is_skipped_while_polling_and_nothing_leaks(fake, bot, caplog):
    caplog.set_level(logging.DEBUG)
    poisoned = fake.push_poisoned(SECRET_TEXT, user=SECRET_USER)
    [answer] = fake.exchange("上门催收合法吗", user=3101)  # everyone else keeps being served
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")
    fake.settle(user=3102)
    assert fake.confirmed > poisoned  # confirmed to Telegram: it will not come back 20 times a second
    assert len(fake.find("getUpdates", status=200)) < 20
    assert any("cannot parse" in r.getMessage() for r in caplog.records)
    assert not any(r.levelno >= logging.CRITICAL for r in caplog.records)
    assert_no_leak(caplog)


def test_library_debug_lines_carry_no_message_text(fake, bot, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="telegram")  # an operator debugging the library
    fake.exchange(SECRET_TEXT, user=SECRET_USER)
    assert any(r.name.startswith("telegram") for r in caplog.records)  # the library did log
    assert_no_leak(caplog)


def test_screen_batch_empties_repeats_and_poison_but_keeps_their_ids():
    seen = RecentIds(10)
    good = {"update_id": 5, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"}}
    batch = [good, {"update_id": 6, "message": {"chat": "poison"}}, dict(good), {"no": "id"}]
    assert screen_batch(batch, None, seen) == [good, {"update_id": 6}, {"update_id": 5}]


def test_recent_ids_forget_the_oldest_first():
    seen = RecentIds(2)
    assert [seen.first(i) for i in (1, 2, 1, 3, 1, 2)] == [True, True, False, True, False, True]
    assert len(seen) == 2


# --- webhook -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hook(start_bot, settings) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    start_bot(settings_=settings.with_overrides(webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port,
                                                webhook_secret=HOOK_SECRET))
    yield url


def post(url: str, body: bytes, secret: str | None = HOOK_SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def update(update_id: int, text: str, user: int) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "u"}, "text": text, "entities": _entities(text)}}).encode()


def test_webhook_skips_a_poisoned_update_and_nothing_leaks(fake, hook, caplog):
    caplog.set_level(logging.DEBUG)
    poisoned = json.dumps({"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": "poison",
                                                      "from": fake.user(SECRET_USER), "text": SECRET_TEXT}})
    assert post(hook, poisoned.encode()) == 200  # skipped, and Telegram need not retry it
    assert post(hook, b"{not json " + SECRET_TEXT.encode()) == 200
    assert post(hook, update(2, "上门催收合法吗", 3201)) == 200
    [answer] = fake.wait_texts(3201, 1)
    assert answer.startswith("<b>上门催收合法吗?</b>")
    assert not any(r.levelno >= logging.CRITICAL for r in caplog.records)
    assert_no_leak(caplog)


def test_webhook_answers_a_repeated_update_id_once(fake, hook):
    body = update(7, "上门催收合法吗", 3202)
    assert post(hook, body) == 200 and post(hook, body) == 200  # Telegram retried a delivery
    fake.wait_texts(3202, 1)
    assert post(hook, update(8, "/privacy", 3202)) == 200  # handled after both deliveries (one chat, in order)
    privacy = html.escape(texts.PRIVACY[:12], quote=False)
    deadline = time.monotonic() + 10
    while not any(privacy in t for t in fake.texts(3202)) and time.monotonic() < deadline:
        fake.wait("sendMessage", len(fake.texts(3202)) + 1, chat_id=3202, timeout=10)
    got = fake.texts(3202)
    assert privacy in got[-1] and len([t for t in got if t.startswith("<b>上门催收合法吗?</b>")]) == 1


def raw_request(port: int, headers: str) -> bytes:
    """Send only a request's headers (no body) and return the first bytes of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(headers.encode())
        return sock.recv(200)


def test_webhook_refuses_before_reading_the_body(fake, hook):
    port = int(hook.rsplit(":", 1)[1].split("/")[0])
    head = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n"
    # No body is ever sent: an answer can only come from a check made on the headers alone.
    assert raw_request(port, head + "\r\n").startswith(b"HTTP/1.1 403")
    assert raw_request(port, head + "X-Telegram-Bot-Api-Secret-Token: wrong\r\n\r\n").startswith(b"HTTP/1.1 403")
    assert raw_request(port, head + f"X-Telegram-Bot-Api-Secret-Token: {HOOK_SECRET}\r\n\r\n").startswith(b"HTTP/1.1 413")
    assert post(hook, b"[" + b" " * (MAX_BODY + 10) + b"]") == 413
    assert post(hook, update(9, "上门催收合法吗", 3203), secret=None) == 403
    assert fake.find("sendMessage") == []
    assert post(hook, update(10, "上门催收合法吗", 3203)) == 200
    fake.wait_texts(3203, 1)


# --- backpressure --------------------------------------------------------------------------------

def test_polling_takes_in_no_more_than_it_can_answer(fake: FakeBotAPI, start_bot):
    fake.hang("sendMessage", times=1000)  # answers cannot go out for now
    for user in range(3300, 3330):
        fake.send("上门催收合法吗", user=user)
    start_bot(request_timeout=30, fetch_limit=5, concurrency=2)
    fake.wait("sendMessage", 2, status="hang")
    long_polls = [c for c in fake.find("getUpdates") if c.params.get("timeout")]
    assert long_polls and all(int(c.params.get("limit", 100)) <= 5 for c in long_polls)
    assert fake.pending_updates() >= 25  # still at Telegram: nothing is lost if the bot is killed now
    fake.release()
    for user in range(3300, 3330):
        fake.wait_texts(user, 1, timeout=20)
    assert all(texts.GENERIC_ERROR not in t for user in range(3300, 3330) for t in fake.texts(user))
