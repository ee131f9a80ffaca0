"""Groups (answer only when addressed) and inline mode (`@bot 问题` anywhere, never recorded)."""
from __future__ import annotations

import html

from bot.core import texts
from tests.tg.tgkb import CRISIS_Q, FALLBACK_Q, SUGGEST_IDS, SUGGEST_Q

GROUP = -100777
ALICE = 2001
BOT_NAME = "@xinzhi_test_bot"


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def group_texts(fake) -> list[str]:
    return [m["html"] for m in fake.sent(GROUP)]


def test_group_chatter_is_never_answered(fake, bot, app):
    fake.send("上门催收合法吗", user=ALICE, chat=GROUP, chat_type="supergroup")
    fake.send("大家好 @someone_else 催收爆通讯录怎么办", user=ALICE, chat=GROUP, chat_type="supergroup")
    fake.send(user=ALICE, chat=GROUP, chat_type="supergroup",
              sticker={"file_id": "s", "file_unique_id": "su", "type": "regular", "width": 1, "height": 1,
                       "is_animated": False, "is_video": False})
    fake.send("/topics@another_bot", user=ALICE, chat=GROUP, chat_type="supergroup")
    fake.settle(user=ALICE, chat=GROUP, chat_type="supergroup")
    assert group_texts(fake) == [esc(texts.PRIVACY)]  # only the reply to the settle marker
    assert fake.find("sendChatAction", chat_id=GROUP) == []
    assert app.stats()["questions"] == 0


def test_group_mention_is_answered_as_a_reply(fake, bot):
    question = fake.send(f"{BOT_NAME} 上门催收合法吗", user=ALICE, chat=GROUP, chat_type="group")
    [answer] = fake.wait("sendMessage", chat_id=GROUP)
    assert answer.result["html"].startswith("<b>上门催收合法吗?</b>")
    assert answer.params["reply_parameters"]["message_id"] == question["message_id"]


def test_group_reply_to_the_bot_is_answered(fake, bot):
    [first] = fake.exchange(f"/ask {FALLBACK_Q}", user=ALICE, chat=GROUP, chat_type="group")
    [second] = fake.exchange("催收爆通讯录怎么办", user=ALICE, chat=GROUP, chat_type="group", reply_to=first)
    assert second["html"].startswith("<b>催收爆通讯录怎么办?</b>")


def test_group_ask_command(fake, bot):
    [answer] = fake.exchange("/ask 逾期多久会上征信", user=ALICE, chat=GROUP, chat_type="group")
    assert answer["html"].startswith("<b>逾期多久会上征信?</b>")
    [named] = fake.exchange(f"/ask{BOT_NAME} 怎么查个人征信报告", user=ALICE, chat=GROUP, chat_type="group")
    assert named["html"].startswith("<b>怎么查个人征信报告?</b>")
    [usage] = fake.exchange("/ask", user=ALICE, chat=GROUP, chat_type="group")
    assert usage["html"] == esc(texts.ASK_USAGE)


def test_ask_works_in_private_too(fake, bot):
    [answer] = fake.exchange("/ask 上门催收合法吗")
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")


def results_of(fake, query_id: str) -> dict:
    [call] = fake.wait("answerInlineQuery", inline_query_id=query_id)
    return call.params


def test_inline_query_returns_up_to_five_articles_crisis_first(fake, bot, app, event_log):
    params = results_of(fake, fake.inline(CRISIS_Q))
    results = params["results"]
    assert 1 <= len(results) <= 5
    assert results[0]["title"] == app.kb.get("support-mental-health").question
    assert all(r["type"] == "article" for r in results)
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and "12356" in content["message_text"]
    assert "button" not in params


def test_inline_suggestions_and_nothing_recorded(fake, bot, app, event_log):
    params = results_of(fake, fake.inline(SUGGEST_Q))
    titles = {r["title"] for r in params["results"]}
    assert {app.kb.get(i).question for i in SUGGEST_IDS} <= titles
    empty = results_of(fake, fake.inline(FALLBACK_Q))
    assert empty["results"] == [] and empty["button"]["text"] == texts.INLINE_ASK_PRIVATELY
    assert results_of(fake, fake.inline("   "))["results"] == []
    assert event_log.unanswered == [] and app.stats()["questions"] == 0  # inline queries are not conversations
