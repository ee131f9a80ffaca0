"""Encode what a button does in Telegram's 64-byte callback data, and decode it back.

Buttons carry entry ids (never question text). An id too long to fit is sent as a short hash
that `resolve_entry` looks up in the current knowledge base.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.core.model import Entry, KnowledgeBase

MAX_BYTES = 64  # Telegram's limit on callback_data

ANSWER = "a"  # show an entry (related question, topic browser)
PICK = "p"  # show an entry chosen from "你是不是想问" (recorded with app.picked)
FEEDBACK_UP = "u"  # 👍 for an entry
FEEDBACK_DOWN = "d"  # 👎 for an entry
FULL = "f"  # edit a summary-first answer into the full answer with its sources
NONE = "n"  # "都不是": none of the suggestions fits (n:0)
TOPICS = "t"  # categories page: t:<page>
CATEGORY = "c"  # questions of one category: c:<category index>:<page>
ENTRY_ACTIONS = (ANSWER, PICK, FEEDBACK_UP, FEEDBACK_DOWN, FULL)
HASH_MARK = "#"


@dataclass(frozen=True)
class Action:
    """A decoded button press: `kind` plus either an entry reference or numbers."""

    kind: str
    ref: str = ""
    numbers: tuple[int, ...] = ()


def _id_hash(entry_id: str) -> str:
    return HASH_MARK + hashlib.blake2s(entry_id.encode("utf-8"), digest_size=8).hexdigest()


def for_entry(kind: str, entry_id: str) -> str:
    """Callback data for an entry action; ids too long for 64 bytes become a hash."""
    data = f"{kind}:{entry_id}"
    if len(data.encode("utf-8")) <= MAX_BYTES and not entry_id.startswith(HASH_MARK):
        return data
    return f"{kind}:{_id_hash(entry_id)}"


def for_topics(page: int) -> str:
    return f"{TOPICS}:{page}"


def for_category(index: int, page: int) -> str:
    return f"{CATEGORY}:{index}:{page}"


def for_none() -> str:
    return f"{NONE}:0"


def parse(data: str | None) -> Action | None:
    """Decode callback data; None for anything we did not send."""
    if not data or ":" not in data:
        return None
    kind, _, rest = data.partition(":")
    if kind == NONE:
        return Action(kind) if rest == "0" else None
    if kind in ENTRY_ACTIONS:
        return Action(kind, ref=rest) if rest else None
    if kind in (TOPICS, CATEGORY):
        parts = rest.split(":")
        if not all(p.isascii() and p.isdigit() and len(p) <= 6 for p in parts):  # "²".isdigit() is True
            return None
        numbers = tuple(int(p) for p in parts)
        if len(numbers) == (1 if kind == TOPICS else 2):
            return Action(kind, numbers=numbers)
    return None


def resolve_entry(kb: KnowledgeBase, ref: str) -> Entry | None:
    """Find the entry a button refers to (by id or by hash); None if it is gone."""
    if not ref.startswith(HASH_MARK):
        return kb.get(ref)
    return next((e for e in kb.entries if _id_hash(e.id) == ref), None)
