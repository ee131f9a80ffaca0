"""Conversation over the fake Bot API: follow-ups, typed ordinals, expiry, summary-first answers, 都不是, 👎, figures."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.config import Settings
from bot.core import texts
from bot.core.conversation import Conversations
from tests.core.convokb import LPR_YAML, convo_files
from tests.clock import ManualClock
from tests.kbfactory import NO_LEXICON, write_kb

USER = 1001
LONG_ANSWER = ("信用卡逾期后,银行会按规定把逾期信息报送征信系统。\n\n**怎么做**\n"
               + "\n".join(f"{i}. 第{i}步:核对账单、联系银行、保留记录,每一步都要留下书面凭证和沟通记录。" * 2
                           for i in range(1, 9))
               + "\n\n**去哪里求助**\n- 拨打 12378 投诉。\n")


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    files = convo_files()
    for e in files["overdue.yaml"][1]:
        if e["id"] == "card-credit-report":
            e["answer"] = LONG_ANSWER
    return write_kb(tmp_path / "kb", files, extra_files={**NO_LEXICON, "lpr.yaml": LPR_YAML})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def app(settings: Settings, event_log, clock: Clock) -> XinZhi:
    return XinZhi(settings, log=event_log, conversations=Conversations(ttl=600, timer=clock))


def data(message: dict) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def title(message: dict) -> str:
    return message["text"].split("\n", 1)[0]


def test_follow_up_and_typed_ordinal(fake, bot):
    [first] = fake.exchange("信用卡逾期会上征信吗")
    assert title(first) == "信用卡逾期会上征信吗?"
    [follow] = fake.exchange("那网贷呢")
    assert title(follow) == "网贷逾期会上征信吗?"
    [picked] = fake.exchange("第一个")  # typed, not a button: the first related question of the last answer
    assert title(picked) == "网贷还不上怎么办?"


def test_context_expires_after_ten_minutes(fake, bot, clock):
    fake.exchange("信用卡逾期会上征信吗")
    clock.now = 601.0
    [late] = fake.exchange("那网贷呢")
    assert title(late) != "网贷逾期会上征信吗?"


def test_a_new_question_ignores_the_context(fake, bot):
    fake.exchange("信用卡逾期会上征信吗")
    [other] = fake.exchange("欠钱不还会被起诉吗")
    assert title(other) == "欠钱不还会被起诉吗?"


def test_summary_first_answer_expands_into_the_full_answer_with_sources(fake, bot, app):
    [brief] = fake.exchange("信用卡逾期会上征信吗")
    assert len(brief["text"]) <= 600
    assert "👉 信用卡逾期会被银行报送征信。" in brief["text"] and texts.SOURCES_LABEL not in brief["text"]
    assert data(brief)[0] == "f:card-credit-report" and "u:card-credit-report" in data(brief)
    fake.press(brief, "f:card-credit-report")
    fake.wait("editMessageText", 1)
    full = fake.message(USER, brief["message_id"])
    assert texts.SOURCES_LABEL in full["text"] and "第8步" in full["text"]
    assert "f:card-credit-report" not in data(full) and "d:card-credit-report" in data(full)


def test_inline_results_use_the_summary_as_description(fake, bot):
    fake.inline("信用卡逾期会上征信吗")
    [call] = fake.wait("answerInlineQuery", 1)
    results = call.params["results"]
    assert results and results[0]["description"] == "信用卡逾期会被银行报送征信。"


def test_none_of_these_records_the_miss_and_offers_help(fake, bot, event_log):
    [suggest] = fake.exchange("还不上怎么办 13812345678")
    assert data(suggest)[-1] == "n:0" and fake.buttons(suggest)[-1][0]["text"] == texts.NONE_OF_THESE
    before = len(fake.sent(USER))
    fake.press(suggest, "n:0")
    [reply] = fake.wait_texts(USER, before + 1)[before:]
    assert reply == texts.NONE_OF_THESE_REPLY.replace("&", "&amp;")
    assert event_log.unanswered == [("还不上怎么办 13812345678", "telegram")]  # the store redacts before writing


def test_typed_number_picks_a_suggestion_and_is_recorded(fake, bot, event_log):
    [suggest] = fake.exchange("还不上怎么办")
    first = data(suggest)[0][2:]
    [answer] = fake.exchange("1")
    assert answer["html"].startswith("<b>") and first in data(answer)[-1]
    assert event_log.picks == [(first, "telegram")]


def test_thumbs_down_offers_related_questions_and_help_lines(fake, bot, app):
    [answer] = fake.exchange("网贷逾期会上征信吗")
    before = len(fake.sent(USER))
    fake.press(answer, "d:online-credit-report")
    fake.wait_texts(USER, before + 1)
    offer = fake.sent(USER)[before]
    assert texts.AFTER_DOWN in offer["text"] and "12348" in offer["text"]
    assert "a:online-cannot-pay" in data(offer)
    assert app.stats()["feedback_down"] == 1


def test_two_questions_answer_the_first_and_offer_the_other_as_a_button(fake, bot):
    [answer] = fake.exchange("网贷逾期会上征信吗?会被起诉吗?")
    assert title(answer) == "网贷逾期会上征信吗?"
    assert data(answer)[0] == "a:sued" and fake.buttons(answer)[0][0]["text"] == "❓ 欠钱不还会被起诉吗?"


def test_figures_get_the_apr_and_the_limit(fake, bot):
    [calc] = fake.exchange("借1万 每月还1000 还12期 利率多少")
    assert "35.07%" in calc["text"] and "12%" in calc["text"] and texts.CALC_LICENSED in calc["text"]
    assert data(calc)[:2] == ["a:lending-apr", "a:lending-interest-cap"]
    [ask] = fake.exchange("借1万 还1000 12")
    assert ask["text"].startswith("是每月还1000,一共12期吗?")
    [done] = fake.exchange("是")
    assert "35.07%" in done["text"]


def test_new_callback_kinds_parse_and_foreign_ones_do_not():
    from bot.tg import callbacks

    assert callbacks.parse("n:0").kind == callbacks.NONE and callbacks.parse("n:1") is None
    assert callbacks.parse("f:card-credit-report").ref == "card-credit-report" and callbacks.parse("f:") is None


def test_typed_none_of_these_works_like_the_button(fake, bot, event_log):
    fake.exchange("还不上怎么办")
    [reply] = fake.exchange(texts.NONE_OF_THESE)
    assert reply["html"] == texts.NONE_OF_THESE_REPLY.replace("&", "&amp;")
    assert event_log.unanswered == [("还不上怎么办", "telegram")]
