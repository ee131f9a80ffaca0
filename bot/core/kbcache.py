"""Cache a validated KB as JSON beside the models, keyed by its files' hash: a start skips parsing the YAML.

Only a KB that loaded without errors is saved, and only when its files did not change while they were read.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.core import cache
from bot.core.acceptable import Acceptable
from bot.core.model import Entry, KnowledgeBase
from bot.core.negatives import Negative

logger = logging.getLogger(__name__)

def _key(root: str, digest: str, negatives: Path | None) -> str:
    """The same files read through other paths give other `file` fields, so the paths are part of the key (and, as
    for models, the code: a change to this module or the loader changes every key)."""
    return cache.cache_key(digest, {"kb_json": True, "root": root, "negatives": str(negatives)})


def to_json(kb: KnowledgeBase) -> dict[str, Any]:
    """Everything load_kb returns, as plain JSON data."""
    entries = [{**{f: getattr(e, f) for f in ("id", "category", "question", "alternates", "answer", "sources",
                                              "related", "tags", "file", "line", "summary", "alternate_lines",
                                              "lint_ignore")},
                "updated": e.updated.isoformat(), "lines": dict(e.lines)} for e in kb.entries]
    negatives = [[n.text, n.domain, n.channel, n.file, n.line] for n in kb.negatives]
    acceptable = [[a.text, list(a.ids), a.file, a.line] for a in kb.acceptable]
    return {"root": kb.root, "entries": entries, "dictionary": kb.dictionary, "synonyms": dict(kb.synonyms),
            "stopwords": sorted(kb.stopwords), "crisis_terms": kb.crisis_terms,
            "category_order": dict(kb.category_order), "negatives": negatives, "acceptable": acceptable,
            "files_digest": kb.files_digest}


def from_json(data: dict[str, Any]) -> KnowledgeBase:
    """Inverse of to_json."""
    tuples = ("alternates", "sources", "related", "tags", "alternate_lines", "lint_ignore")
    entries = tuple(Entry(**{**e, **{f: tuple(e[f]) for f in tuples}, "updated": dt.date.fromisoformat(e["updated"]),
                             "lines": MappingProxyType(e["lines"])}) for e in data["entries"])
    return KnowledgeBase(
        root=data["root"], entries=entries, dictionary=tuple(tuple(d) for d in data["dictionary"]),
        synonyms=MappingProxyType(data["synonyms"]), stopwords=frozenset(data["stopwords"]),
        crisis_terms=tuple(data["crisis_terms"]), category_order=MappingProxyType(data["category_order"]),
        negatives=tuple(Negative(*n) for n in data["negatives"]),
        acceptable=tuple(Acceptable(a[0], tuple(a[1]), a[2], a[3]) for a in data["acceptable"]),
        files_digest=data["files_digest"])


def load(root: str, digest: str, negatives: Path | None) -> KnowledgeBase | None:
    """The KB saved for these files read through these paths (the folder, the negatives file), or None."""
    folder = cache.cache_dir()
    if folder is None:
        return None
    path = folder / f"kb-{_key(root, digest, negatives)}.json"
    if not path.is_file():
        return None
    try:
        kb = from_json(json.loads(path.read_text(encoding="utf-8")))
    except cache.UNREADABLE as exc:
        logger.warning("ignoring unreadable KB cache %s: %s", path, exc)
        return None
    try:
        os.utime(path)  # recently used: cache pruning keeps it
    except OSError:
        pass
    return kb


def save(kb: KnowledgeBase, negatives: Path | None) -> None:
    """Write the KB atomically; a failure only costs the next start a parse."""
    folder = cache.cache_dir()
    if folder is None or not kb.files_digest:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        blob = json.dumps(to_json(kb), ensure_ascii=False).encode()
        cache.replace_file(folder / f"kb-{_key(kb.root, kb.files_digest, negatives)}.json", blob)
        cache.prune(folder)
    except OSError as exc:
        logger.warning("could not write the KB cache in %s: %s", folder, exc)
