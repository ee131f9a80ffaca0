"""Render the core's Reply and entries as JSON-ready dicts with escaped HTML answers (pure functions)."""
from __future__ import annotations

import html
from typing import Any

from bot.core import markup, texts
from bot.core.model import Entry, KnowledgeBase, Outcome, Reply

MAX_RELATED = 3


def esc(text: str) -> str:
    """Escape text for HTML (quotes too: it may end up in attributes)."""
    return html.escape(text, quote=True)


def _spans_html(text: str) -> str:
    return "".join(f"<strong>{esc(t)}</strong>" if bold else esc(t) for t, bold in markup.spans(text))


def answer_html(entry: Entry) -> str:
    """The answer body as HTML: <p>, <ol>/<ul> lists and <strong>; every KB character is escaped."""
    out: list[str] = []
    for para in markup.parse(entry.answer):
        current: str | None = None  # the open list tag
        for line in para.lines:
            tag = {"numbered": "ol", "bullet": "ul"}.get(line.kind)
            if tag != current:
                if current:
                    out.append(f"</{current}>")
                if tag:
                    out.append(f"<{tag}>")
                current = tag
            out.append(f"<li>{_spans_html(line.text)}</li>" if tag else f"<p>{_spans_html(line.text)}</p>")
        if current:
            out.append(f"</{current}>")
    return "".join(out)


def link(entry: Entry) -> dict[str, str]:
    """A button's worth of an entry: id and question."""
    return {"id": entry.id, "question": entry.question}


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as the API shows it."""
    return {"id": entry.id, "category": entry.category, "question": entry.question, "summary": entry.summary,
            "answer_html": answer_html(entry), "sources": list(entry.sources)}


def reply_json(reply: Reply) -> dict[str, Any]:
    """The API's view of one reply (the context token is added by the caller)."""
    crisis = bool(reply.match and reply.match.crisis)
    message = texts.fallback(reply.channel) if reply.kind is Outcome.FALLBACK else \
        {Outcome.SUGGEST: texts.SUGGEST_INTRO, Outcome.EMPTY: texts.EMPTY}.get(reply.kind, "")
    return {
        "kind": reply.kind.value,
        "crisis": crisis,
        "entry": entry_json(reply.entry) if reply.entry is not None else None,
        "suggestions": [link(e) for e in reply.suggestions],
        "related": [link(e) for e in reply.related[:MAX_RELATED]],
        "message": message,
        "channel": reply.channel,
        "notice": texts.TRUNCATED if reply.truncated else "",
        "disclaimer": texts.DISCLAIMER if reply.entry is not None else "",
    }


def topics_json(kb: KnowledgeBase) -> dict[str, Any]:
    """Every category with its questions, in the editors' order."""
    return {"categories": [{"name": c, "entries": [link(e) for e in kb.in_category(c)]} for c in kb.categories]}
