"""Normalize raw user text so that width, script, case, punctuation and emoji never change a match."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
SPACE_RE = re.compile(r"\s+")
REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")  # one letter three or more times in a row (digits are numbers)
KEEP_SYMBOLS = {"%"}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese characters to Simplified (OpenCC t2s)."""
    return _t2s().convert(text) if text else text


def _keep(ch: str, prev: str, nxt: str) -> bool:
    cat = unicodedata.category(ch)
    if cat[0] in "LN":
        return True
    if ch in KEEP_SYMBOLS:
        return True
    # keep a decimal point inside a number: 1.5万
    return ch == "." and prev.isdigit() and nxt.isdigit()


def normalize(text: str | None) -> str:
    """Return NFKC, lower-case, Simplified text with punctuation, emoji, extra spaces and drawn-out letters removed.

    A letter repeated three or more times counts once (救命啊啊啊啊 → 救命啊, 急急急 → 急): the repeats say how
    someone feels, not what they ask, and would otherwise outweigh the question itself.
    """
    if not text:
        return ""
    text = SURROGATE_RE.sub(" ", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = to_simplified(text)
    chars = []
    n = len(text)
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < n else ""
        chars.append(ch if _keep(ch, prev, nxt) else " ")
    return SPACE_RE.sub(" ", REPEAT_RE.sub(r"\1", "".join(chars))).strip()


def normalize_for_safety(text: str | None) -> str:
    """Return the normalized text with every space removed (我 想 自 杀, 自\u200d杀 → 我想自杀), for crisis checks."""
    return normalize(text).replace(" ", "")
