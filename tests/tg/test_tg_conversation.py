"""One user in a private chat, end to end: real python-telegram-bot polling a fake Bot API server."""
from __future__ import annotations

import html

from bot.core import texts
from tests.tg.tgkb import CRISIS_Q, FALLBACK_Q, LONG_Q, SUGGEST_IDS, SUGGEST_Q

USER = 1001


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def data(message: dict) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def test_start_welcomes_in_chinese_with_category_buttons(fake, bot, app):
    [welcome] = fake.exchange("/start")
    assert welcome["html"] == esc(texts.WELCOME)
    labels = [b["text"] for row in fake.buttons(welcome) for b in row]
    assert labels == [f"{c}({len(app.kb.in_category(c))})" for c in app.kb.categories]
    assert data(welcome) == [f"c:{i}:0" for i in range(len(app.kb.categories))]


def test_help_about_privacy_and_unknown_commands(fake, bot):
    assert [m["html"] for m in fake.exchange("/help")] == [esc(texts.HELP)]
    assert [m["html"] for m in fake.exchange("/about")] == [esc(texts.ABOUT)]
    assert [m["html"] for m in fake.exchange("/privacy")] == [esc(texts.PRIVACY)]
    assert [m["html"] for m in fake.exchange("/nonsense")] == [esc(texts.HELP)]


def test_commands_are_registered_for_the_menu_at_startup(fake, bot):
    assert [(c["command"], c["description"]) for c in fake.commands] == list(texts.COMMAND_MENU)
    assert {"start", "help", "topics", "about", "privacy"} <= {c["command"] for c in fake.commands}


def test_answer_is_html_with_sources_disclaimer_buttons_and_no_typing_when_fast(fake, bot, app):
    [answer] = fake.exchange("上门催收合法吗")
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")
    assert "&lt;暴力&gt; &amp;" in answer["html"] and "依据：" in answer["html"]
    assert answer["text"].endswith(texts.DISCLAIMER)  # what the user sees, after Telegram parsed the HTML
    assert data(answer) == ["a:collection-contacts", "a:credit-report-check", "a:support-legal-aid",
                            "u:collection-home-visit-legality", "d:collection-home-visit-legality"]
    assert fake.find("sendChatAction", chat_id=USER) == []  # ready at once: one API call, no "typing…"
    send = fake.find("sendMessage", chat_id=USER)
    assert send[0].params["parse_mode"] == "HTML"
    assert app.stats()["answers"] == 1


def test_related_button_opens_that_answer(fake, bot):
    [answer] = fake.exchange("上门催收合法吗")
    before = len(fake.sent(USER))
    fake.press(answer, "a:collection-contacts")
    [related] = fake.wait_texts(USER, before + 1)[before:]
    assert related.startswith("<b>催收爆通讯录怎么办?</b>")


def test_suggestions_then_pick_shows_the_answer_and_is_recorded(fake, bot, app, event_log):
    [suggest] = fake.exchange(SUGGEST_Q)
    assert suggest["html"] == texts.SUGGEST_INTRO
    assert {d[2:] for d in data(suggest)[:2]} == SUGGEST_IDS and all(d.startswith(("p:", "#")) for d in data(suggest)[:-1])
    assert data(suggest)[-1] == "n:0"  # "都不是" ends the list
    chosen = data(suggest)[0]
    before = len(fake.sent(USER))
    fake.press(suggest, chosen)
    [answer] = fake.wait_texts(USER, before + 1)[before:]
    assert answer.startswith("<b>" + esc(app.kb.get(chosen[2:]).question))
    assert event_log.picks == [(chosen[2:], "telegram")]
    assert app.stats()["picks"] == 1 and app.stats()["suggestions"] == 1


def test_a_stock_question_is_declined_with_the_securities_line(fake, bot, app, event_log):
    [decline] = fake.exchange("股票亏了怎么办")
    assert decline["text"].startswith("这个问题不属于债务和信用常识的范围") and "12386" in decline["text"]
    assert "12348" in decline["text"] and data(decline) == ["t:0"]
    assert event_log.unanswered == [("股票亏了怎么办", "telegram")]


def test_fallback_is_honest_recorded_and_offers_topics(fake, bot, app, event_log):
    [fallback] = fake.exchange(FALLBACK_Q)
    assert fallback["html"] == esc(texts.FALLBACK)
    assert "暂时没有这个问题的答案" in fallback["text"] and "/topics" in fallback["text"] and "12348" in fallback["text"]
    assert event_log.unanswered == [(FALLBACK_Q, "telegram")]
    fake.press(fallback, "t:0")
    fake.wait("editMessageText")
    edited = fake.message(USER, fallback["message_id"])
    assert edited["html"] == texts.TOPICS_INTRO and data(edited)[0] == "c:0:0"


def test_crisis_override_answers_first(fake, bot, event_log):
    first = fake.exchange(CRISIS_Q)[0]
    assert first["html"].startswith("<b>债务压力太大,觉得活不下去了怎么办?</b>") and "12356" in first["html"]
    assert "a:collection-contacts" in data(first)
    assert event_log.unanswered == []


def test_long_answer_opens_summary_first_and_expands_in_order_into_several_messages(fake, bot, app):
    [brief] = fake.exchange(LONG_Q)
    assert len(brief["text"]) <= 600 and "依据:" not in brief["html"]
    assert data(brief)[0] == "f:literacy-long-guide"
    fake.press(brief, "f:literacy-long-guide")
    fake.wait("editMessageText", 1)
    fake.settle(user=USER)
    edited = fake.message(USER, brief["message_id"])
    rest = [m for m in fake.sent(USER)[1:] if texts.PRIVACY[:12] not in m["html"]]
    parts = [edited, *rest]
    assert len(parts) >= 2
    assert parts[0]["html"].startswith("<b>债务处理完整指南是什么?</b>") and parts[-1]["html"].endswith("</i>")
    assert all(len(m["text"]) <= 4096 for m in parts)
    assert [bool(m.get("reply_markup")) for m in parts] == [False] * (len(parts) - 1) + [True]
    body = "\n\n".join(m["html"] for m in parts)
    assert all(f"<b>第{i}部分</b>" in body for i in range(1, 15))


def test_topics_browse_paginate_and_open_a_question(fake, bot, app):
    [browser] = fake.exchange("/topics")
    literacy = app.kb.categories.index("常识")
    fake.press(browser, f"c:{literacy}:0")
    fake.wait("editMessageText", 1)
    page1 = fake.message(USER, browser["message_id"])
    assert page1["html"].startswith("常识") and len(data(page1)) == 8 + 1 + 1  # questions, 下一页, 返回
    fake.press(page1, f"c:{literacy}:1")
    fake.wait("editMessageText", 2)
    page2 = fake.message(USER, browser["message_id"])
    assert "2/2" in page2["html"] and data(page2)[-2:] == [f"c:{literacy}:0", "t:0"]
    fake.press(page2, "t:0")
    fake.wait("editMessageText", 3)
    assert fake.message(USER, browser["message_id"])["html"] == texts.TOPICS_INTRO
    assert len(fake.find("editMessageText", status=200)) == 3
    before = len(fake.sent(USER))
    fake.press(page2, data(page2)[0])
    [answer] = fake.wait_texts(USER, before + 1)[before:]
    assert answer.startswith("<b>" + esc(app.kb.in_category("常识")[8].question))


def test_feedback_is_thanked_recorded_once_and_buttons_removed(fake, bot, app, event_log):
    [answer] = fake.exchange("催收爆通讯录怎么办")
    query = fake.press(answer, "u:collection-contacts")
    [ack] = fake.find("answerCallbackQuery", callback_query_id=query)
    assert ack.params["text"] == texts.FEEDBACK_THANKS
    fake.wait("editMessageReplyMarkup")
    assert data(fake.message(USER, answer["message_id"])) == ["a:collection-home-visit-legality"]
    assert event_log.feedback == [("collection-contacts", True, "telegram")]
    [answer2] = fake.exchange("怎么查个人征信报告")
    fake.press(answer2, "d:credit-report-check")
    fake.wait("editMessageReplyMarkup", 2)
    assert "reply_markup" not in fake.message(USER, answer2["message_id"])
    assert app.stats()["feedback_up"] == 1 and app.stats()["feedback_down"] == 1


def test_stickers_photos_voice_files_locations_get_one_polite_reply_each(fake, bot, app):
    media = [
        {"sticker": {"file_id": "s1", "file_unique_id": "s1u", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False}},
        {"photo": [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}], "caption": "催收上门"},
        {"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}},
        {"document": {"file_id": "d1", "file_unique_id": "d1u", "file_name": "合同.pdf"}},
        {"location": {"latitude": 31.23, "longitude": 121.47}},
    ]
    for fields in media:
        fake.send(user=USER, **fields)
    fake.settle(user=USER)
    replies = [m["html"] for m in fake.sent(USER)]
    assert replies[:-1] == [esc(texts.NON_TEXT)] * len(media)
    assert app.stats()["questions"] == 0


def test_blank_or_emoji_only_message_asks_for_text(fake, bot):
    assert [m["html"] for m in fake.exchange("🙏🙏")] == [esc(texts.EMPTY)]


def test_very_long_question_is_answered_with_a_note(fake, bot):
    [answer] = fake.exchange("上门催收合法吗" + "1234567890" * 80)  # long, and only the opening question has words
    assert answer["html"].startswith(esc(texts.TRUNCATED))


def test_edited_messages_are_not_answered_again(fake, bot, app):
    [answer] = fake.exchange("上门催收合法吗")
    fake.push(edited_message={"message_id": 1, "date": 0, "edit_date": 1, "chat": {"id": USER, "type": "private"},
                              "from": fake.user(USER), "text": "逾期多久会上征信"})
    fake.settle(user=USER)
    assert len(fake.sent(USER)) == 2 and app.stats()["questions"] == 1
