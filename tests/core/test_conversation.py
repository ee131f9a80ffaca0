"""Conversation state: follow-ups read against the last topic, ordinal picks, two questions, context limits."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.conversation import Conversations, State, converse, ordinal, rewrites
from bot.core.engine import build_engine
from bot.core.model import Outcome
from bot.core import split
from tests.core.convokb import convo_files
from tests.kbfactory import NO_LEXICON, write_kb


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return build_engine(write_kb(tmp_path_factory.mktemp("convo") / "kb", convo_files(), extra_files=NO_LEXICON))


def talk(engine, *lines: str):
    """Run lines through converse; return every turn."""
    state, turns = State(), []
    for line in lines:
        turn = converse(engine, state, line)
        turns.append(turn)
        state = turn.state
    return turns


def test_product_swap_follow_up_asks_the_same_thing_about_online_loans(engine):
    first, follow = talk(engine, "信用卡逾期会上征信吗", "那网贷呢")
    assert first.reply.entry.id == "card-credit-report"
    assert follow.reply.entry.id == "online-credit-report" and follow.reply.context == "followup"
    assert follow.state.topic == "网贷逾期会上征信吗"


def test_without_context_the_same_follow_up_is_not_that_answer(engine):
    [alone] = talk(engine, "那网贷呢")
    assert alone.reply.entry is None or alone.reply.entry.id != "online-credit-report"
    assert alone.reply.context == ""


def test_hypothetical_follow_up_continues_the_topic(engine):
    *_, follow = talk(engine, "信用卡逾期会上征信吗", "要是还不上呢")
    assert follow.reply.entry.id == "card-cannot-pay"


def test_spouse_follow_up_moves_to_the_spouses_liability(engine):
    *_, follow = talk(engine, "信用卡还不上怎么办", "那我老婆要还吗")
    assert follow.reply.entry.id == "spouse-debt"


def test_a_complete_new_question_ignores_the_context(engine):
    standalone = converse(engine, State(), "欠钱不还会被起诉吗").reply
    *_, after = talk(engine, "信用卡逾期会上征信吗", "欠钱不还会被起诉吗")
    assert after.reply.entry.id == standalone.entry.id == "sued" and after.reply.context == ""


def test_chatter_after_an_answer_stays_a_fallback(engine):
    *_, chatter = talk(engine, "信用卡逾期会上征信吗", "讲个笑话")
    assert chatter.reply.kind is Outcome.FALLBACK


@pytest.mark.parametrize("text, number", [("第一个", 1), ("第二个", 2), ("1", 1), ("2", 2), ("第3条", 3),
                                          ("二", 2), ("2.", 2), ("信用卡", None), ("12期", None)])
def test_ordinals(text, number):
    assert ordinal(text) == number


def test_ordinal_picks_from_the_last_list_and_a_suggestion_pick_is_reported(engine):
    answer, pick = talk(engine, "信用卡逾期会上征信吗", "第一个")
    assert pick.reply.entry.id == answer.state.choices[0] == "card-cannot-pay"
    assert pick.picked is None  # related questions are navigation, not "did you mean"
    state = State(choices=("sued", "spouse-debt"), picks=True, query="起诉还是老婆")
    turn = converse(engine, state, "2")
    assert turn.reply.entry.id == "spouse-debt" and turn.picked == "spouse-debt"


def test_moving_on_from_suggestions_reports_the_unpicked_list(engine):
    state = State(choices=("sued", "spouse-debt"), picks=True, query="起诉还是老婆")
    turn = converse(engine, state, "信用卡逾期会上征信吗")
    assert turn.unpicked == "起诉还是老婆" and turn.picked is None
    assert converse(engine, turn.state, "网贷逾期会上征信吗").unpicked == ""  # reported once


def test_two_questions_answer_the_first_and_offer_the_second(engine):
    [turn] = talk(engine, "网贷逾期会上征信吗?会被起诉吗?")
    assert turn.reply.entry.id == "online-credit-report" and turn.reply.context == "split"
    assert [e.id for e in turn.reply.followups] == ["sued"]
    assert turn.state.choices[0] == "sued"  # "1" then opens the other question
    assert converse(engine, turn.state, "1").reply.entry.id == "sued"


def test_split_keeps_one_question_whole():
    assert split.questions("网贷逾期会上征信吗?") == ("网贷逾期会上征信吗?",)
    assert split.questions("催收上门了 急!!") == ("催收上门了 急!!",)
    assert split.questions("网贷逾期会上征信吗?会被起诉吗?") == ("网贷逾期会上征信吗", "会被起诉吗")


def test_rewrites_swap_the_product_or_lean_on_the_topic():
    assert rewrites("信用卡逾期会上征信吗", "那网贷呢")[0] == "网贷逾期会上征信吗"
    assert rewrites("信用卡逾期会上征信吗", "要是还不上呢")[0] == "信用卡还不上怎么办"
    assert rewrites("", "那网贷呢") == ()


def test_conversations_are_bounded_and_expire_without_a_wall_clock():
    now = [0.0]
    chats = Conversations(maxsize=2, ttl=600, timer=lambda: now[0])
    chats.put(1, State(entry="a"))
    chats.put(2, State(entry="b"))
    chats.put(3, State(entry="c"))
    assert len(chats) == 2 and chats.get(1) == State()  # the oldest chat was dropped
    now[0] = 599.0
    assert chats.get(3).entry == "c"
    now[0] = 601.0
    assert chats.get(3) == State() and len(chats) == 0


from hypothesis import given, seed, settings, strategies as st  # noqa: E402

from tests.core.convokb import convo_files as _files  # noqa: E402

QUESTIONS = [e["question"] for _, entries in _files().values() for e in entries]
PRIORS = ["信用卡逾期会上征信吗", "那网贷呢", "上征信", "讲个笑话", "网贷逾期会上征信吗?会被起诉吗?"]


@seed(20261201)
@settings(max_examples=40, deadline=None)
@given(question=st.sampled_from(QUESTIONS), history=st.lists(st.sampled_from(PRIORS), max_size=3))
def test_a_complete_question_gets_the_same_answer_whatever_came_before(engine, question, history):
    state = State()
    for line in history:
        state = converse(engine, state, line).state
    alone = engine.respond(question)
    got = converse(engine, state, question).reply
    assert (got.kind, got.entry) == (alone.kind, alone.entry)


def test_a_crisis_message_with_figures_still_gets_the_support_answer(tmp_path):
    from tests.kbfactory import TINY_ENTRIES

    kb = write_kb(tmp_path / "kb", {**TINY_ENTRIES, **convo_files()}, extra_files=NO_LEXICON)
    crisis_engine = build_engine(kb)
    turn = converse(crisis_engine, State(), "借1万 每月还1000 还12期 还不起钱想自杀")
    assert turn.reply.calc is None and turn.reply.entry.id == "support-mental-health"
