"""Split a message that asks two questions at once into its questions."""
from __future__ import annotations

import re
import unicodedata

SENTENCE_END_RE = re.compile(r"[??!!。;;\n]+")
CONTENT_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
MIN_CONTENT_CHARS = 3  # "急!!" and "好吗?" are not questions of their own
MAX_PARTS = 3


def questions(text: str | None) -> tuple[str, ...]:
    """The message's questions in order; one item when it asks one thing (or too little to split)."""
    if not text:
        return ()
    folded = unicodedata.normalize("NFKC", text).strip()
    parts = [p.strip() for p in SENTENCE_END_RE.split(folded)]
    parts = [p for p in parts if len(CONTENT_RE.findall(p)) >= MIN_CONTENT_CHARS]
    if len(parts) < 2:
        return (text.strip(),)
    return tuple(parts[:MAX_PARTS])
