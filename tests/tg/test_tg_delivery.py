"""Delivery: per-chat pacing before Telegram says 429, a 429 confined to its chat, and fair turns across chats."""
from __future__ import annotations

import asyncio

from bot.tg.chataction import typing_if_slow
from bot.tg.delivery import backoff
from bot.tg.ordering import MAX_GROUP_BACKLOG
from bot.tg.pacing import ChatPacer, PaceLimits
from tests.tg.tgkb import DIRECT
from tests.clock import ManualClock

GROUP, OTHER_GROUP = -100777, -100778
A, B = 3501, 3502


def test_pacer_allows_20_a_minute_in_a_group_then_books_later_slots():
    clock = ManualClock(500.0)
    pacer = ChatPacer(PaceLimits(group_per_minute=20), clock=clock)
    assert [pacer.reserve(GROUP) for _ in range(20)] == [0.0] * 20
    assert pacer.reserve(GROUP) == 60.0 and pacer.reserve(GROUP) == 60.0  # the 21st and 22nd wait a minute
    assert pacer.reserve(OTHER_GROUP) == 0.0  # other groups are not affected
    assert [pacer.reserve(A) for _ in range(100)] == [0.0] * 100  # private chats are not paced
    clock.now += 30
    assert pacer.reserve(GROUP) == 30.0  # slot 23 is still a minute after slot 3


def test_pacer_confines_a_429_to_its_chat():
    clock = ManualClock(500.0)
    pacer = ChatPacer(PaceLimits(group_per_minute=0), clock=clock)
    pacer.block(A, 7)
    assert pacer.reserve(A) == 7.0 and pacer.reserve(B) == 0.0 and pacer.reserve(None) == 0.0
    clock.now += 7
    assert pacer.reserve(A) == 0.0


def test_backoff_is_bounded():
    assert [backoff(n) for n in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_one_chats_429_does_not_pause_the_others(fake, bot):
    fake.fail("sendMessage", 429, retry_after=8, when=lambda p: p.get("chat_id") == A)
    fake.send("上门催收合法吗", user=A)
    fake.wait("sendMessage", chat_id=A, status=429)
    [other] = fake.exchange("逾期多久会上征信", user=B, timeout=6)  # well within A's 8 s retry_after
    assert other["html"].startswith("<b>逾期多久会上征信?</b>")
    [answer] = fake.wait_texts(A, 1, timeout=20)
    assert answer.startswith("<b>上门催收合法吗?</b>")
    b_sent = fake.find("sendMessage", chat_id=B, status=200)[0]
    a_resent = fake.find("sendMessage", chat_id=A, status=200)[0]
    assert b_sent.seq < a_resent.seq  # B was answered while A waited out its retry_after


def test_a_stuck_group_does_not_starve_private_chats(fake, start_bot):
    start_bot(request_timeout=30, concurrency=4)
    fake.hang("sendMessage", times=1000, when=lambda p: p.get("chat_id") == GROUP)
    for n in range(8):  # many members asking at once; the group's answers cannot go out
        fake.send(f"/ask {list(DIRECT)[n % 4]}", user=3600 + n, chat=GROUP, chat_type="group")
    fake.wait("sendMessage", chat_id=GROUP, status="hang")
    for user in (A, B):  # private users are still answered: the group holds one slot, not all four
        [answer] = fake.exchange("上门催收合法吗", user=user)
        assert answer["html"].startswith("<b>上门催收合法吗?</b>")
    fake.release()
    fake.wait("sendMessage", 8, chat_id=GROUP, timeout=30)


def test_typing_is_sent_only_when_the_answer_is_slow():
    async def scenario() -> tuple[list[str], list[str]]:
        fast: list[str] = []
        async with typing_if_slow(lambda: asyncio.sleep(0, fast.append("typing")), delay=0.05):
            pass  # ready at once
        slow: list[str] = []
        typed = asyncio.Event()

        async def send_typing() -> None:
            slow.append("typing")
            typed.set()

        async with typing_if_slow(send_typing, delay=0.01):
            await typed.wait()  # the answer is not ready until "typing…" went out
            slow.append("answer")
        return fast, slow

    fast, slow = asyncio.run(scenario())
    assert fast == [] and slow == ["typing", "answer"]


def test_a_flooding_group_keeps_only_a_bounded_backlog(fake, start_bot):
    start_bot(request_timeout=30, concurrency=4)
    fake.hang("sendMessage", times=1000, when=lambda p: p.get("chat_id") == GROUP)
    for n in range(30):
        fake.send(f"/ask {list(DIRECT)[n % 4]}", user=3800 + n, chat=GROUP, chat_type="group")
    fake.wait("sendMessage", chat_id=GROUP, status="hang")
    fake.settle(user=A)  # every update before this marker was taken in (and the excess dropped)
    fake.release()
    fake.wait("sendMessage", MAX_GROUP_BACKLOG, chat_id=GROUP, timeout=30)
    fake.settle(user=3800, chat=GROUP, chat_type="group")  # the backlog drained: new messages are taken again
    answers = [t for t in fake.texts(GROUP) if t.startswith("<b>")]
    assert len(answers) == MAX_GROUP_BACKLOG  # not 30 answers trickling out for minutes
