"""Rendering a Reply as Telegram HTML: escaping, markup, sources, disclaimer, keyboards, splitting, 64-byte data."""
from __future__ import annotations

import html
import re

import pytest

from bot.core import texts
from bot.core.model import Entry, Outcome
from bot.tg import callbacks, render
from tests.tg.fakebotapi import check_html
from tests.tg.tgkb import CRISIS_Q, DIRECT, FALLBACK_Q, LONG_ID, LONG_Q, SUGGEST_IDS, SUGGEST_Q, UPDATED


def visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def data_of(keyboard) -> list[str]:
    return [b.callback_data for row in keyboard.inline_keyboard for b in row]


def test_answer_escapes_kb_text_and_converts_markup(app):
    [(text, keyboard)] = render.render_reply(app.respond("上门催收合法吗"))
    assert check_html(text)[0] == ""
    assert "威胁 &lt;暴力&gt; &amp; 恐吓" in text  # KB text escaped, not interpreted
    assert "<b>上门催收合法吗?</b>" in text  # the question answered, as a title
    assert "<b>怎么做</b>" in text  # **bold** → <b>
    assert "1. 保持冷静,可以不开门\n2. 保留录音录像证据" in text  # numbered lines
    assert "• 受到威胁请拨打 110\n• 投诉可拨打 12378" in text  # bullets
    assert "**" not in text
    assert "\n\n依据：《中华人民共和国民法典》第一千零三十三条(2020年)；A&amp;B &lt;规定&gt;\n\n" in text
    assert text.endswith(f"<i>{texts.DISCLAIMER}</i>")
    rows = keyboard.inline_keyboard
    assert [b.text for b in rows[-1]] == [texts.FEEDBACK_UP, texts.FEEDBACK_DOWN]
    assert len(rows) == 4  # 4 related ids in the KB, at most 3 shown, then 👍/👎
    assert data_of(keyboard)[:3] == ["a:collection-contacts", "a:credit-report-check", "a:support-legal-aid"]


def test_callback_data_fits_64_bytes_and_finds_the_entry_again(app):
    entry = app.kb.get(LONG_ID)
    for kind in callbacks.ENTRY_ACTIONS:
        data = callbacks.for_entry(kind, entry.id)
        assert len(data.encode()) <= 64
        action = callbacks.parse(data)
        assert action.kind == kind and callbacks.resolve_entry(app.kb, action.ref) == entry
    short = callbacks.for_entry(callbacks.ANSWER, "collection-contacts")
    assert short == "a:collection-contacts"  # ids, not question text
    every = [d for i in range(len(app.kb.categories)) for p in range(3) for d in data_of(render.category_page(app.kb, i, p)[1])]
    every += [d for e in app.kb.entries for m in render.render_reply(app.open(e.id)) if m[1]
              for d in data_of(m[1])]
    assert every and all(len(d.encode()) <= 64 for d in every)


@pytest.mark.parametrize("data", [None, "", "x", "a:", "t:", "t:1:2", "c:1", "c:a:b", "z:1", "t:9999999"])
def test_foreign_callback_data_is_ignored(data):
    assert callbacks.parse(data) is None


def test_long_answer_is_split_at_paragraph_boundaries(app):
    reply = app.respond(LONG_Q)
    messages = render.render_entry(reply.entry, reply.related)  # the full answer, as "查看完整解答" shows it
    assert len(messages) >= 2
    assert all(render.units(t) <= 4096 and check_html(t)[0] == "" for t, _ in messages)
    assert all(k is None for _, k in messages[:-1]) and messages[-1][1] is not None  # buttons under the last one
    blocks = render.answer_blocks(reply.entry)
    assert "\n\n".join(t for t, _ in messages) == "\n\n".join(blocks)  # nothing lost, cut only between paragraphs
    assert all(t.startswith(tuple(blocks)) for t, _ in messages)


def test_a_paragraph_longer_than_a_message_is_still_valid_html():
    line = "**要点** 先列清单 & 核对 <本金>。" * 300  # one 6000+ character line
    entry = Entry(id="x-long-line", category="测试", question="测试", alternates=(), answer=line + "\n第二行\n\n尾段",
                  sources=("《依据》",), related=(), tags=(), updated=UPDATED)
    messages = render.render_entry(entry)
    assert len(messages) >= 2
    for text, _ in messages:
        assert render.units(text) <= 4096 and check_html(text)[0] == ""
    joined = "".join(visible(t) for t, _ in messages)
    assert joined.count("先列清单 & 核对 <本金>。") == 300 and "尾段" in joined


def test_suggest_fallback_empty_and_truncated(app):
    [(text, keyboard)] = render.render_reply(app.respond(SUGGEST_Q))
    assert text == texts.SUGGEST_INTRO
    assert {d.split(":", 1)[1] for d in data_of(keyboard)[:2]} == SUGGEST_IDS  # the tie comes first
    assert all(d.startswith("p:") for d in data_of(keyboard)[:-1]) and data_of(keyboard)[-1] == "n:0"
    [(text, keyboard)] = render.render_reply(app.respond(FALLBACK_Q))
    assert text == html.escape(texts.FALLBACK, quote=False) and data_of(keyboard) == ["t:0"]
    assert render.render_reply(app.respond("😀🙏")) == [(texts.EMPTY, None)]
    long_question = "上门催收合法吗" + "1234567890" * 60  # a long pasted number: the message is long, its words few
    first = render.render_reply(app.respond(long_question))[0][0]
    assert first.startswith(html.escape(texts.TRUNCATED, quote=False) + "\n\n<b>上门催收合法吗?</b>")


def test_crisis_answer_leads(app):
    reply = app.respond(CRISIS_Q)
    text, keyboard = render.render_reply(reply)[0]
    assert text.startswith("<b>债务压力太大,觉得活不下去了怎么办?</b>") and "12356" in text


def test_topic_browser_pages(app):
    kb = app.kb
    text, keyboard = render.topics_page(kb)
    assert text == texts.TOPICS_INTRO
    assert [b.text for row in keyboard.inline_keyboard for b in row] == [f"{c}({len(kb.in_category(c))})" for c in kb.categories]
    literacy = kb.categories.index("常识")
    text1, page1 = render.category_page(kb, literacy, 0)
    text2, page2 = render.category_page(kb, literacy, 1)
    assert "常识" in text1 and "1/2" in text1 and "2/2" in text2
    questions = [b.text for row in page1.inline_keyboard[:8] for b in row] + \
                [b.text for row in page2.inline_keyboard[:4] for b in row]
    assert questions == [e.question for e in kb.in_category("常识")]
    assert [b.text for b in page1.inline_keyboard[8]] == [texts.NEXT_PAGE]
    assert [b.text for b in page2.inline_keyboard[4]] == [texts.PREV_PAGE]
    assert page2.inline_keyboard[-1][0].callback_data == "t:0"
    assert render.category_page(kb, 99, 0) == render.topics_page(kb, 0)  # a category gone after reload
    assert render.category_page(kb, literacy, 50)[0] == text2  # clamp to the last page


def test_without_feedback_keeps_related_rows(app):
    [(_, keyboard)] = render.render_reply(app.open("collection-contacts"))
    assert data_of(render.without_feedback(keyboard)) == ["a:collection-home-visit-legality"]
    bare = app.kb.get("credit-report-check")
    assert render.without_feedback(render.render_entry(bare)[0][1]) is None


def test_inline_entries_use_plausible_candidates_only(app):
    assert app.inline(FALLBACK_Q) == ()
    crisis = app.inline(CRISIS_Q)
    assert crisis[0].id == "support-mental-health" and len(crisis) <= 5
    assert {e.id for e in app.inline(SUGGEST_Q)} >= SUGGEST_IDS
    article = render.inline_article(app.kb.get(LONG_ID))
    assert len(article.id.encode()) <= 64
    content = render.inline_article(app.kb.get("literacy-long-guide")).input_message_content
    assert render.units(content.message_text) <= 4096 and check_html(content.message_text)[0] == ""


def test_stats_message_shows_every_counter():
    text, _ = render.stats_message({"questions": 7, "answers": 4, "suggestions": 1, "fallbacks": 2, "feedback_up": 3})
    assert "提问 7" in text and "直接回答 4" in text and "给出建议 1" in text and "暂时没有答案 2" in text
    assert "👍 3 / 👎 0" in text and "空消息 0" in text


def test_direct_questions_of_the_test_kb_are_answers(app):
    for question, entry_id in DIRECT.items():
        reply = app.respond(question)
        assert reply.kind is Outcome.ANSWER and reply.entry.id == entry_id
