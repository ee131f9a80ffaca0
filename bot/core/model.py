"""Define the frozen data shared by the core and every adapter."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from bot.core.calc import Calc


@dataclass(frozen=True)
class Entry:
    """One curated question and its answer, as an editor wrote it."""

    id: str
    category: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    related: tuple[str, ...]
    tags: tuple[str, ...]
    updated: _dt.date
    file: str = ""
    line: int = 0
    summary: str = ""  # one line: what to do first (shown first on phones and inline)
    lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False, compare=False)
    alternate_lines: tuple[int, ...] = ()  # the line of each alternate
    lint_ignore: tuple[str, ...] = ()  # lint checks this entry deliberately fails (documented in the README)


@dataclass(frozen=True)
class KnowledgeBase:
    """Hold a validated knowledge base: entries plus the lexical resources."""

    root: str
    entries: tuple[Entry, ...]
    dictionary: tuple[tuple[str, int | None, str | None], ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stopwords: frozenset[str] = frozenset()
    crisis_terms: tuple[str, ...] = ()
    category_order: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}), hash=False,
                                              compare=False)  # from `order:` in each category file
    negatives: tuple[Any, ...] = ()  # bot.core.negatives.Negative: questions the bot must decline
    acceptable: tuple[Any, ...] = ()  # bot.core.acceptable.Acceptable: phrasings other entries also answer
    files_digest: str = ""  # hash of the files the KB was read from (keys the parsed-KB cache; "" caches nothing)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in self.entries}))

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)  # type: ignore[attr-defined]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id  # type: ignore[attr-defined]

    @property
    def categories(self) -> tuple[str, ...]:
        """Category names in the order editors gave (`order:` in each file), then in file order, each once."""
        seen: dict[str, None] = {}
        for e in self.entries:
            seen.setdefault(e.category, None)
        first = {c: i for i, c in enumerate(seen)}
        return tuple(sorted(seen, key=lambda c: (self.category_order.get(c, 10_000), first[c])))

    def in_category(self, category: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.category == category)


class Outcome(str, Enum):
    """What the core decided to do with a message: the one vocabulary of the core, adapters and tools."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    FALLBACK = "fallback"  # an explicit "no answer": never carries an entry
    EMPTY = "empty"  # nothing to match: blank, emoji-only, punctuation-only; left out of quality metrics


@dataclass(frozen=True)
class Candidate:
    """One ranked entry for a message, carrying the entry itself."""

    entry: Entry
    score: float

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def question(self) -> str:
        return self.entry.question


@dataclass(frozen=True)
class Match:
    """The engine's verdict on one message: decision, ranking and tokens used."""

    decision: Outcome
    candidates: tuple[Candidate, ...]
    tokens: tuple[str, ...]
    normalized: str = ""
    crisis: bool = False
    coverage: float = 0.0  # share of the message's weight made of words the KB knows
    channel: str = ""  # on a FALLBACK: the official line for the domain the message belongs to (12386 …)
    explain: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # learned scores, features

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def answer_id(self) -> str | None:
        if self.decision is Outcome.ANSWER and self.candidates:
            return self.candidates[0].id
        return None


@dataclass(frozen=True)
class Reply:
    """Everything an adapter needs to render one response, decided by the core."""

    kind: Outcome
    match: Match | None
    entry: Entry | None = None  # the answer (ANSWER)
    suggestions: tuple[Entry, ...] = ()  # "did you mean" (SUGGEST)
    related: tuple[Entry, ...] = ()  # next questions after an ANSWER
    truncated: bool = False  # the message was longer than the core reads
    calc: "Calc | None" = None  # the loan cost computed from the message's own figures (or a question back)
    followups: tuple[Entry, ...] = ()  # the other question(s) of a message that asked two at once
    context: str = ""  # how the conversation shaped this reply: "", pick, followup, split, calc
    channel: str = ""  # FALLBACK only: the official line to point to (e.g. 12366 for a tax question)
