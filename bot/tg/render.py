"""Render the core's Reply as Telegram HTML messages with inline keyboards (pure functions, no I/O).

Every function here returns data: `(html_text, InlineKeyboardMarkup | None)` pairs that a handler
sends as they are. KB text is HTML-escaped; only <b> and <i> tags are produced.
"""
from __future__ import annotations

import html
import re
from typing import Callable, Iterable, Mapping, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode

from bot.core import markup, texts
from bot.core.model import Outcome, Entry, KnowledgeBase, Match, Reply
from bot.tg import callbacks

MAX_MESSAGE = 4096  # Telegram's limit for one message
BRIEF_LIMIT = 600  # a summary-first answer fits a phone screen; "查看完整解答" shows the rest
PAGE_SIZE = 8  # buttons per page in the topic browser
MAX_RELATED = 3
MAX_INLINE_RESULTS = 5
TAG_RE = re.compile(r"<[^>]+>")

Message = tuple[str, InlineKeyboardMarkup | None]


def esc(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --- answers -----------------------------------------------------------------------------------------

def _line_html(line: markup.Line) -> str:
    body = "".join(f"<b>{esc(t)}</b>" if bold else esc(t) for t, bold in markup.spans(line.text))
    return esc(markup.line_prefix(line)) + body


def answer_blocks(entry: Entry, truncated: bool = False) -> list[str]:
    """The answer as HTML paragraphs: title, body, 依据 line, disclaimer."""
    blocks = [esc(texts.TRUNCATED)] if truncated else []
    blocks.append(f"<b>{esc(entry.question)}</b>")
    blocks += ["\n".join(_line_html(line) for line in para.lines) for para in markup.parse(entry.answer)]
    if entry.sources:
        blocks.append(esc(texts.SOURCES_LABEL + texts.SOURCES_SEPARATOR.join(entry.sources)))
    blocks.append(f"<i>{esc(texts.DISCLAIMER)}</i>")
    return blocks


def _hard_split(block: str, limit: int) -> list[str]:
    """Cut one oversized line into plain escaped pieces (bold is dropped, HTML stays valid)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in html.unescape(TAG_RE.sub("", block)):
        piece = esc(ch)
        if size + units(piece) > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += units(piece)
    if current:
        pieces.append("".join(current))
    return pieces


def _fit(block: str, limit: int) -> list[str]:
    """Split a block at line boundaries (then anywhere) until every piece fits."""
    if units(block) <= limit:
        return [block]
    if "\n" not in block:
        return _hard_split(block, limit)
    return split_blocks(block.split("\n"), limit, sep="\n")


def split_blocks(blocks: Sequence[str], limit: int = MAX_MESSAGE, sep: str = "\n\n") -> list[str]:
    """Pack paragraphs into as few messages as fit, splitting only between paragraphs if possible."""
    chunks: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            joined = f"{current}{sep}{piece}" if current else piece
            if units(joined) <= limit:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def answer_keyboard(entry: Entry, related: Iterable[Entry], followups: Iterable[Entry] = (),
                    expand: bool = False) -> InlineKeyboardMarkup:
    """The other question(s) asked, "查看完整解答" when shortened, up to three related questions, then 👍 / 👎."""
    rows = [_button("❓ " + f.question, callbacks.for_entry(callbacks.ANSWER, f.id)) for f in followups]
    if expand:
        rows.append(_button(texts.EXPAND, callbacks.for_entry(callbacks.FULL, entry.id)))
    rows += [_button(r.question, callbacks.for_entry(callbacks.ANSWER, r.id)) for r in list(related)[:MAX_RELATED]]
    rows.append(feedback_row(entry.id))
    return InlineKeyboardMarkup(rows)


def brief_blocks(entry: Entry, truncated: bool = False, limit: int = BRIEF_LIMIT) -> list[str] | None:
    """The answer for a phone: title, summary and the first steps in under `limit`; None when all of it fits."""
    full = answer_blocks(entry, truncated)
    if units("\n\n".join(full)) <= limit:
        return None
    head = [esc(texts.TRUNCATED)] if truncated else []
    head.append(f"<b>{esc(entry.question)}</b>")
    if entry.summary:
        head.append(f"👉 {esc(entry.summary)}")
    tail = f"<i>{esc(texts.DISCLAIMER)}</i>"
    budget = limit - units("\n\n".join([*head, tail])) - 8
    body: list[str] = []
    for para in markup.parse(entry.answer):
        lines: list[str] = []
        for line in para.lines:
            html_line = _line_html(line)
            if units("\n\n".join([*body, "\n".join([*lines, html_line])])) > budget:
                break
            lines.append(html_line)
        else:
            body.append("\n".join(lines))
            continue
        if lines:
            body.append("\n".join(lines) + "\n……")
        break
    if not body and not entry.summary:  # a first paragraph longer than the budget: cut it as plain text
        body = [_hard_split(_line_html(markup.parse(entry.answer)[0].lines[0]), max(budget - 2, 20))[0] + "……"]
    return [*head, *body, tail]


def feedback_row(entry_id: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(texts.FEEDBACK_UP, callback_data=callbacks.for_entry(callbacks.FEEDBACK_UP, entry_id)),
        InlineKeyboardButton(texts.FEEDBACK_DOWN, callback_data=callbacks.for_entry(callbacks.FEEDBACK_DOWN, entry_id)),
    ]


def without_feedback(keyboard: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus the 👍 / 👎 row (after the user voted)."""
    if keyboard is None:
        return None
    feedback = (callbacks.FEEDBACK_UP + ":", callbacks.FEEDBACK_DOWN + ":")
    rows = [row for row in keyboard.inline_keyboard
            if not any(isinstance(b.callback_data, str) and b.callback_data.startswith(feedback) for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


def without_expand(keyboard: InlineKeyboardMarkup) -> InlineKeyboardMarkup | None:
    """The same keyboard minus "查看完整解答" (after the message was expanded)."""
    rows = [row for row in keyboard.inline_keyboard
            if not any(isinstance(b.callback_data, str) and b.callback_data.startswith(callbacks.FULL + ":")
                       for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


def render_entry(entry: Entry, related: Sequence[Entry] = (), truncated: bool = False) -> list[Message]:
    """An answer split into messages; the keyboard goes under the last one."""
    chunks = split_blocks(answer_blocks(entry, truncated))
    last = len(chunks) - 1
    return [(chunk, answer_keyboard(entry, related) if i == last else None) for i, chunk in enumerate(chunks)]


def render_brief(reply: Reply) -> list[Message]:
    """An answer as a phone shows it first: summary-first under BRIEF_LIMIT, or all of it when that is short."""
    entry = reply.entry
    assert entry is not None
    brief = brief_blocks(entry, reply.truncated)
    if brief is None:
        chunks = split_blocks(answer_blocks(entry, reply.truncated))
        keyboard = answer_keyboard(entry, reply.related, reply.followups)
        return [(chunk, keyboard if i == len(chunks) - 1 else None) for i, chunk in enumerate(chunks)]
    return [("\n\n".join(brief), answer_keyboard(entry, reply.related, reply.followups, expand=True))]


def render_calc(reply: Reply) -> list[Message]:
    """A computed loan cost (working, limit, licensed-lender caveat) with its entries as buttons; or the question back."""
    calc = reply.calc
    assert calc is not None
    if calc.asks:
        return [(esc(calc.question + "\n" + texts.CALC_ASK_HINT), None)]
    text = "\n\n".join([f"<b>{esc(texts.CALC_TITLE)}</b>", esc("\n".join(calc.lines)), esc(texts.CALC_LICENSED),
                         f"<i>{esc(texts.DISCLAIMER)}</i>"])
    rows = [_button(e.question, callbacks.for_entry(callbacks.ANSWER, e.id)) for e in reply.related[:MAX_RELATED]]
    return [(text, InlineKeyboardMarkup(rows) if rows else None)]


def after_down(entry: Entry, related: Sequence[Entry]) -> Message:
    """After a 👎: the related questions as buttons and the human help lines."""
    rows = [_button(r.question, callbacks.for_entry(callbacks.ANSWER, r.id)) for r in list(related)[:MAX_RELATED]]
    rows.append(_button(texts.BROWSE_TOPICS, callbacks.for_topics(0)))
    return esc(texts.AFTER_DOWN + "\n\n" + texts.HELP_LINES), InlineKeyboardMarkup(rows)


def none_of_these() -> Message:
    """The reply to "都不是": rephrase, browse, or the help lines."""
    return esc(texts.NONE_OF_THESE_REPLY), InlineKeyboardMarkup([_button(texts.BROWSE_TOPICS, callbacks.for_topics(0))])


def render_reply(reply: Reply) -> list[Message]:
    """Render any Reply the core decided on."""
    if reply.context == "gone":
        return [plain(texts.ENTRY_GONE)]
    if reply.calc is not None:
        return render_calc(reply)
    if reply.kind is Outcome.ANSWER and reply.entry is not None:
        return render_brief(reply)
    prefix = esc(texts.TRUNCATED) + "\n\n" if reply.truncated else ""
    if reply.kind is Outcome.SUGGEST and reply.suggestions:
        rows = [_button(f"{i}. {e.question}", callbacks.for_entry(callbacks.PICK, e.id))
                for i, e in enumerate(reply.suggestions[:3], start=1)]
        rows.append(_button(texts.NONE_OF_THESE, callbacks.for_none()))
        return [(prefix + esc(texts.SUGGEST_INTRO), InlineKeyboardMarkup(rows))]
    if reply.kind is Outcome.EMPTY:
        return [(prefix + esc(texts.EMPTY), None)]
    return [(prefix + esc(texts.fallback(reply.channel)), InlineKeyboardMarkup([_button(texts.BROWSE_TOPICS, callbacks.for_topics(0))]))]


# --- topic browser -----------------------------------------------------------------------------------

def _pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def _page_label(page: int, pages: int) -> str:
    return esc(texts.PAGE_LABEL.format(page=page + 1, pages=pages)) if pages > 1 else ""


def _nav_row(page: int, pages: int, data_for: Callable[[int], str]) -> list[InlineKeyboardButton]:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(texts.PREV_PAGE, callback_data=data_for(page - 1)))
    if page < pages - 1:
        row.append(InlineKeyboardButton(texts.NEXT_PAGE, callback_data=data_for(page + 1)))
    return row


def topics_page(kb: KnowledgeBase, page: int = 0, intro: str = texts.TOPICS_INTRO) -> Message:
    """Category buttons, PAGE_SIZE per page."""
    categories = kb.categories
    pages = _pages(len(categories))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    rows = [_button(f"{name}({len(kb.in_category(name))})", callbacks.for_category(start + i, 0))
            for i, name in enumerate(categories[start:start + PAGE_SIZE])]
    if nav := _nav_row(page, pages, callbacks.for_topics):
        rows.append(nav)
    return esc(intro) + _page_label(page, pages), InlineKeyboardMarkup(rows)


def category_page(kb: KnowledgeBase, index: int, page: int = 0) -> Message:
    """Question buttons of one category; an index that no longer exists shows the categories."""
    if not 0 <= index < len(kb.categories):
        return topics_page(kb, 0)
    name = kb.categories[index]
    entries = kb.in_category(name)
    pages = _pages(len(entries))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    rows = [_button(e.question, callbacks.for_entry(callbacks.ANSWER, e.id)) for e in entries[start:start + PAGE_SIZE]]
    if nav := _nav_row(page, pages, lambda p: callbacks.for_category(index, p)):
        rows.append(nav)
    rows.append(_button(texts.BACK_TO_TOPICS, callbacks.for_topics(index // PAGE_SIZE)))
    return esc(texts.CATEGORY_INTRO.format(category=name)) + _page_label(page, pages), InlineKeyboardMarkup(rows)


# --- other messages ----------------------------------------------------------------------------------

def plain(text: str) -> Message:
    """A fixed text (texts.*) as one HTML message without buttons."""
    return esc(text), None


def stats_message(stats: Mapping[str, int]) -> Message:
    class _Zero(dict):
        def __missing__(self, key: str) -> int:
            return 0

    return esc(texts.STATS_REPORT.format_map(_Zero(stats))), None


# --- inline mode -------------------------------------------------------------------------------------

def _summary(entry: Entry, limit: int = 60) -> str:
    """The inline description: the entry's summary line (or the answer's opening when it has none)."""
    text = " ".join((entry.summary or markup.plain(entry.answer)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def inline_article(entry: Entry) -> InlineQueryResultArticle:
    """One inline result: the full answer (first message's worth) without buttons."""
    first = split_blocks(answer_blocks(entry))[0]
    result_id = callbacks.for_entry(callbacks.ANSWER, entry.id)
    return InlineQueryResultArticle(
        id=result_id,
        title=entry.question,
        description=_summary(entry),
        input_message_content=InputTextMessageContent(first, parse_mode=ParseMode.HTML),
    )
