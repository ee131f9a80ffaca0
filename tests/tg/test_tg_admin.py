"""Admin commands: /stats and /reload (a broken KB keeps the old one serving); everyone else is refused."""
from __future__ import annotations

import html

import yaml

from bot.core import texts
from tests.tg.tgkb import ADMIN, FALLBACK_Q, SUGGEST_Q, UPDATED

USER = 1001


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def test_stats_counts_since_start_for_admins_only(fake, bot, app):
    for question in ("上门催收合法吗", "怎么查个人征信报告", SUGGEST_Q, FALLBACK_Q, "🙏"):
        fake.exchange(question)
    [answer] = fake.exchange("逾期多久会上征信")
    fake.press(answer, "u:credit-overdue-record")
    [refusal] = fake.exchange("/stats", user=USER)
    assert refusal["html"] == esc(texts.ADMIN_ONLY)
    [report] = fake.exchange("/stats", user=ADMIN)
    text = report["text"]
    assert "提问 6" in text and "直接回答 3" in text and "给出建议 1" in text and "暂时没有答案 1" in text
    assert "空消息 1" in text and "👍 1 / 👎 0" in text


def add_entry(kb_dir, entry_id: str, question: str) -> None:
    path = kb_dir / "extra.yaml"
    path.write_text(yaml.safe_dump({"category": "新增", "entries": [{
        "id": entry_id, "question": question, "alternates": [], "answer": "新答案。", "sources": ["《依据》(2020年)"],
        "updated": UPDATED}]}, allow_unicode=True), encoding="utf-8")


def test_reload_refused_for_non_admins(fake, bot, app, kb_dir):
    add_entry(kb_dir, "new-topic", "网贷平台倒闭了还要还吗?")
    [refusal] = fake.exchange("/reload", user=USER)
    assert refusal["html"] == esc(texts.ADMIN_ONLY)
    assert "new-topic" not in app.kb


def test_reload_picks_up_new_entries(fake, bot, app, kb_dir):
    entries = len(app.kb.entries)
    add_entry(kb_dir, "new-topic", "网贷平台倒闭了还要还吗?")
    [report] = fake.exchange("/reload", user=ADMIN)
    assert report["text"] == f"知识库已重新加载:{entries + 1} 条。"
    [answer] = fake.exchange("网贷平台倒闭了还要还吗")
    assert answer["html"].startswith("<b>网贷平台倒闭了还要还吗?</b>")


def test_broken_kb_keeps_the_old_one_and_reports_file_and_line(fake, bot, app, kb_dir):
    entries = len(app.kb.entries)
    broken = kb_dir / "broken.yaml"
    broken.write_text("category: 坏\nentries:\n  - id: Bad Id\n    question: 坏?\n", encoding="utf-8")
    [report] = fake.exchange("/reload", user=ADMIN)
    assert report["text"].startswith("知识库有") and f"({entries} 条)" in report["text"]
    assert f"{broken}:3:" in report["text"]  # file:line of the problem
    [answer] = fake.exchange("上门催收合法吗")
    assert answer["html"].startswith("<b>上门催收合法吗?</b>")


def test_buttons_of_entries_removed_by_a_reload_say_so(fake, bot, app, kb_dir):
    add_entry(kb_dir, "new-topic", "网贷平台倒闭了还要还吗?")
    fake.exchange("/reload", user=ADMIN)
    [answer] = fake.exchange("网贷平台倒闭了还要还吗")
    (kb_dir / "extra.yaml").unlink()
    fake.exchange("/reload", user=ADMIN)
    query = fake.press(answer, "u:new-topic")
    [ack] = fake.find("answerCallbackQuery", callback_query_id=query)
    assert ack.params["text"] == texts.ENTRY_GONE
    query = fake.press(answer, "a:new-topic")
    [ack] = fake.find("answerCallbackQuery", callback_query_id=query)
    assert ack.params["text"] == texts.ENTRY_GONE
    assert app.stats()["feedback_up"] == 0
