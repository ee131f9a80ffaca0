"""Render a Reply as plain text for the terminal and as JSON for scripts."""
from __future__ import annotations

from typing import Any

from bot.core import markup, texts
from bot.core.model import Entry, Reply, Outcome


def render_answer(entry: Entry) -> str:
    """The answer body, sources and disclaimer as plain text."""
    blocks = []
    for para in markup.parse(entry.answer):
        blocks.append("\n".join(markup.line_prefix(line) + markup.plain(line.text) for line in para.lines))
    if entry.sources:
        blocks.append(texts.SOURCES_LABEL + texts.SOURCES_SEPARATOR.join(entry.sources))
    blocks.append(texts.DISCLAIMER)
    return "\n\n".join(blocks)


def render_calc(reply: Reply, numbered: bool = True) -> str:
    """A computed loan cost: the working, the licensed-lender caveat and the entries that explain it."""
    calc = reply.calc
    assert calc is not None
    if calc.asks:
        return calc.question + "\n" + texts.CALC_ASK_HINT
    parts = [f"【{texts.CALC_TITLE}】\n\n" + "\n".join(calc.lines), texts.CALC_LICENSED]
    if reply.related:
        parts.append(texts.RELATED_INTRO + "\n" + _choices(reply.related, numbered))
    parts.append(texts.DISCLAIMER)
    return "\n\n".join(parts)


def render_reply(reply: Reply, numbered: bool = True) -> str:
    """Render any Reply as plain text (the other question, then related questions, numbered on from 1)."""
    parts: list[str] = []
    if reply.truncated:
        parts.append(texts.TRUNCATED)
    if reply.context == "gone":
        parts.append(texts.ENTRY_GONE)
    elif reply.calc is not None:
        parts.append(render_calc(reply, numbered))
    elif reply.kind is Outcome.ANSWER and reply.entry is not None:
        parts.append(f"【{reply.entry.question}】\n\n" + render_answer(reply.entry))
        if reply.followups:
            parts.append(texts.FOLLOWUPS_INTRO + "\n" + _choices(reply.followups, numbered))
        if reply.related:
            parts.append(texts.RELATED_INTRO + "\n" + _choices(reply.related, numbered, start=len(reply.followups) + 1))
    elif reply.kind is Outcome.SUGGEST:
        none = f"{len(reply.suggestions) + 1}. " if numbered else "• "
        parts.append(texts.SUGGEST_INTRO + "\n" + _choices(reply.suggestions, numbered) + "\n" + none
                     + texts.NONE_OF_THESE)
    elif reply.kind is Outcome.EMPTY:
        parts.append(texts.EMPTY)
    else:
        parts.append(texts.fallback(reply.channel))
    return "\n\n".join(parts)


def _choices(entries: tuple[Entry, ...], numbered: bool, start: int = 1) -> str:
    return "\n".join((f"{i}. " if numbered else "• ") + e.question for i, e in enumerate(entries, start=start))


def render_chat_json(reply: Reply | None, kind: str, text: str) -> dict[str, Any]:
    """One `xinzhi chat --json` object: kind, entry id, suggestion ids, the text shown and any calculation."""
    out: dict[str, Any] = {"kind": kind, "entry": None, "suggestions": [], "followups": [], "related": [],
                           "context": "", "text": text}
    if reply is not None:
        out.update(entry=reply.entry.id if reply.entry is not None else None,
                   suggestions=[e.id for e in reply.suggestions], followups=[e.id for e in reply.followups],
                   related=[e.id for e in reply.related], context=reply.context)
        if reply.calc is not None:
            out["calc"] = reply.calc.to_json()
    return out


def reply_kind(reply: Reply) -> str:
    """The kind a script sees: the core's outcome, or calc / clarify for the calculator, gone for a stale pick."""
    if reply.context == "gone":
        return "gone"
    if reply.calc is not None:
        return "clarify" if reply.calc.asks else "calc"
    return reply.kind.value


def render_ask_json(reply: Reply) -> dict:
    """The `xinzhi ask --json` object: decision, top candidates, answer text and tokens."""
    match = reply.match
    decision = reply.kind.value
    top = [{"id": c.id, "question": c.question, "score": c.score} for c in (match.candidates[:3] if match else ())]
    answer = reply.entry.answer if reply.kind is Outcome.ANSWER and reply.entry else None
    return {
        "decision": decision,
        "top": top,
        "answer": answer,
        "tokens": list(match.tokens) if match else [],
        "crisis": bool(match and match.crisis),
    }


def render_explain(reply: Reply) -> str:
    """Show why: normalized text, tokens and the scored candidates."""
    match = reply.match
    if match is None:
        return "explain: (empty message: nothing to match)"
    lines = [f"normalized: {match.normalized}", "tokens: " + " / ".join(match.tokens),
             f"decision: {match.decision.value}" + (" (crisis override)" if match.crisis else ""),
             f"coverage: {match.coverage:.2f} of the message's weight is in the KB's vocabulary"]
    x = match.explain
    if x:
        lines.append(f"learned: P(answer right) {x['p_answer']:.3f} (answers from {x['answer_at']:.3f}), "
                     f"P(in scope) {x['p_in_scope']:.3f} (suggests from {x['suggest_at']:.3f}), "
                     f"out of scope {x['out_of_scope']:.3f}" + (f"; channel {match.channel}" if match.channel else ""))
        if match.candidates:
            trust = "" if x["entry_precision"] >= x["min_entry_precision"] else \
                f" (below {x['min_entry_precision']:.2f}: suggested, never answered directly)"
            lines.append(f"top entry's cross-validated precision {x['entry_precision']:.3f}{trust}")
    for c in match.candidates[:5]:
        extra = f"  learned {x['learned'].get(c.id, 0.0):.3f} lexical {x['lexical'].get(c.id, 0.0):.3f}" if x else ""
        lines.append(f"  {c.score:.3f}{extra}  {c.id}  {c.question}")
    return "\n".join(lines)
