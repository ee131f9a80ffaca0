"""Match a message against the knowledge base and decide: answer, suggest, or say honestly that we don't know.

Engine is a thin shell: the analyzer (bot/core/analyzer.py) segments, the lexical index (index.py) retrieves,
the learned classifier (learned.py) re-ranks, and the calibrated decision (decide.py) chooses the outcome.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Sequence

import numpy as np

from bot.core import cache
from bot.core.analyzer import Analyzer
from bot.core.calibrate import Example, Fitted
from bot.core.decide import Decider, guards_for, top_precision
from bot.core.features import text_features
from bot.core.index import LexicalIndex
from bot.core.learned import LinearModel
from bot.core.loader import load_kb
from bot.core.model import Candidate, Entry, KnowledgeBase, Match, Outcome, Reply
from bot.core.negatives import CHANNELS
from bot.core.normalize import normalize, normalize_for_safety
from bot.core.safety import CrisisDetector
from bot.core.scoring import FEATURE_NAMES, ClassMap, rank, raw_scores
from bot.core.settings import MatchSettings

logger = logging.getLogger(__name__)

CRISIS_ENTRY_ID = "support-mental-health"
CLAUSE_RE = re.compile(r"[??]")
MIN_CLAUSE_CHARS = 4


def question_clauses(question: str) -> tuple[str, ...]:
    """The sub-questions of a two-part question (逾期多久会上征信?有宽限期吗? → both halves), as extra examples."""
    parts = [p.strip() for p in CLAUSE_RE.split(question) if len(p.strip()) >= MIN_CLAUSE_CHARS]
    return tuple(parts) if len(parts) > 1 else ()


def negative_groups(kb: KnowledgeBase) -> tuple[dict[str, int], dict[int, str]]:
    """Number the negatives' domains (a domain is one out-of-scope class) and map each to its official channel."""
    groups = {d: g for g, d in enumerate(dict.fromkeys(n.domain for n in kb.negatives))}
    return groups, {groups[n.domain]: n.channel for n in kb.negatives}


def training_digest(kb: KnowledgeBase) -> str:
    """Hash what the model learns from: ids, categories, phrasings, negatives, lexical resources, acceptable.yaml.

    Answers, sources, summaries and related lists are not in it, so editing an answer reuses the trained model.
    """
    data = [[(e.id, e.category, e.question, e.alternates) for e in kb.entries],
            [(n.text, n.domain) for n in kb.negatives], kb.dictionary, sorted(kb.synonyms.items()),
            sorted(kb.stopwords), kb.crisis_terms, [(a.text, a.ids) for a in kb.acceptable]]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def phrasing_owners(examples: Sequence[Example]) -> dict[str, int]:
    """Map each question and alternate an editor wrote (its joined words) to its one entry.

    Phrasings two entries share are left out, and so are the clauses cut from a question (会有什么影响 alone
    is no question of the student-loan entry).
    """
    owners: dict[str, set[int]] = {}
    for ex in examples:
        if not ex.negative and ex.written:
            owners.setdefault("".join(ex.tokens), set()).add(ex.label)
    return {text: next(iter(labels)) for text, labels in owners.items() if len(labels) == 1}


class Engine:
    """Hold an immutable index and model of one KB; `match` and `respond` are pure functions of (engine, text)."""

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings | None = None,
                 on_train: Callable[[int], None] | None = None):
        """Restore the cached model of this KB, or train one (calling `on_train(phrasings)` first: it takes a while)."""
        self.kb = kb
        self.settings = settings or MatchSettings()
        self.analyzer = Analyzer(kb)
        self.is_crisis = CrisisDetector(kb.crisis_terms, self.analyzer.word_edges)
        self.cv_summary: dict[str, float] = {}
        start = time.perf_counter()
        self._entry_ids = tuple(e.id for e in kb.entries)
        self._entry_index = {e: i for i, e in enumerate(self._entry_ids)}
        key = cache.cache_key(training_digest(kb), self._params()) if kb.files_digest else ""
        self._cache_key = key
        self._hit = cache.load(key)
        _, self._group_channel = negative_groups(kb)
        restored = self._restore(self._hit)
        if restored is None:
            if on_train is not None:
                on_train(len(self._labelled))
            self._owner = phrasing_owners(self.examples)
            self.index, fitted = self._fit(key)
        else:
            self.index, self._owner, fitted = restored
        self.model: LinearModel = fitted.model
        self.lexical_weight = fitted.lexical_weight
        self.decider: Decider = fitted.decider
        self.entry_precision: np.ndarray = fitted.precision
        self.hidden: np.ndarray = fitted.hidden  # entries left out of model and index (calibrate.fit_coherent)
        self.cv_summary = dict(fitted.summary)
        self._classes = ClassMap.build(self.model, self._entry_index)
        logger.debug("engine built in %.2f s", time.perf_counter() - start)

    # --- build ---------------------------------------------------------------------------------------
    @cached_property
    def _labelled(self) -> list[tuple[int, str, bool]]:
        """Every labelled text and whether an editor wrote it: each entry's phrasings and the clauses cut from its
        question, then the negatives (label -group-1)."""
        out: list[tuple[int, str, bool]] = []
        for i, entry in enumerate(self.kb.entries):
            written = dict.fromkeys((entry.question, *entry.alternates))
            out.extend((i, text, True) for text in written)
            clauses = dict.fromkeys(question_clauses(entry.question))
            out.extend((i, text, False) for text in clauses if text not in written)
        groups, _ = negative_groups(self.kb)
        out.extend((-groups[n.domain] - 1, n.text, True) for n in self.kb.negatives)
        return out

    @cached_property
    def examples(self) -> tuple[Example, ...]:
        """Every labelled text, analyzed: the training data (a cached start needs it only for editor tools)."""
        rows = self._hit.side("analyzed") if self._hit is not None else None
        try:
            analyzed = {text: (fixed, tuple(tokens)) for text, fixed, tokens in rows or []}
        except (TypeError, ValueError) as exc:  # a damaged side file: segment afresh
            logger.warning("ignoring the cached segmentations: %s", exc)
            analyzed = {}
        return self._examples(analyzed)

    def _examples(self, analyzed: dict[str, tuple[str, tuple[str, ...]]]) -> tuple[Example, ...]:
        """Analyze every labelled text; a clause cut from a question must name a KB term to teach anything."""
        out: list[Example] = []
        also = {a.text: frozenset(self._entry_index[i] for i in a.ids if i in self._entry_index)
                for a in self.kb.acceptable}
        for label, text, written in self._labelled:
            fixed, tokens = analyzed.get(text) or self.analyzer.analyze(normalize(text))
            if written or any(t in self.analyzer.domain_terms for t in tokens):  # not 需要什么条件 / 存多少合适
                right = also.get(text, frozenset()) - {label} if label >= 0 else frozenset()
                out.append(Example(label, text, tokens, fixed, written, right))
        return tuple(out)

    def _params(self) -> dict[str, object]:
        s = self.settings
        return {"folds": s.cv_folds, "wrong": s.target_wrong_rate, "decline": s.target_oos_decline,
                "neg_share": s.negatives_share, "max_suggestions": s.max_suggestions, "min_margin": s.min_margin,
                "min_answer_words": s.min_answer_words, "min_entry_precision": s.min_entry_precision,
                "entry_prior_rows": s.entry_prior_rows}

    def _restore(self, hit: cache.Cached | None) -> tuple[LexicalIndex, dict[str, int], Fitted] | None:
        """The index, phrasing owners and model cached for these KB files and this code, if they fit this KB."""
        if hit is None:
            return None
        if tuple(hit.meta.get("entries", ())) != self._entry_ids:
            hit.discard()
            return None
        a = hit.arrays
        try:
            owners = dict(zip(cache.unpack_strings(a["own_text"]), a["own_label"].tolist()))
            fitted = Fitted(LinearModel.from_arrays(a), float(hit.meta["lexical_weight"]), Decider.from_arrays(a),
                            a["entry_precision"], dict(hit.meta.get("summary", {})), a["entry_hidden"].astype(bool))
            return LexicalIndex.from_arrays(a), owners, fitted
        except (*cache.UNREADABLE, IndexError) as exc:
            logger.warning("retraining: the model cache is damaged (%s)", exc)
            hit.discard()
            return None

    def _fit(self, key: str) -> tuple[LexicalIndex, Fitted]:
        """Train and calibrate on this KB's examples, index what the model learned from, and cache both."""
        from bot.core.calibrate import fit_coherent, index_examples

        start = time.perf_counter()
        categories = {c: g for g, c in enumerate(dict.fromkeys(e.category for e in self.kb.entries))}
        fitted, learned_from = fit_coherent(self.examples, self._entry_ids, self.analyzer.domain_terms,
                                            self.settings, [categories[e.category] for e in self.kb.entries])
        index = index_examples(learned_from, len(self.kb.entries), self.analyzer.domain_terms)
        logger.info("trained the matcher for %s entries in %.1f s", len(self._entry_ids), time.perf_counter() - start)
        meta = {"entries": list(self._entry_ids), "lexical_weight": fitted.lexical_weight, "summary": fitted.summary}
        arrays = {**fitted.model.to_arrays(), **fitted.decider.to_arrays(), **index.to_arrays(),
                  "entry_precision": fitted.precision, "entry_hidden": fitted.hidden,
                  "own_text": cache.pack_strings(list(self._owner)),
                  "own_label": np.array(list(self._owner.values()), dtype=np.int64)}
        cache.save(key, arrays, meta, {"analyzed": [[ex.text, ex.fixed, list(ex.tokens)] for ex in self.examples]})
        return index, fitted

    # --- public helpers ------------------------------------------------------------------------------
    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.index.vocab)

    def weight(self, token: str) -> float:
        """How informative a word is in this KB (IDF); unknown words get a fixed weight."""
        return self.index.weight(token)

    # --- matching ------------------------------------------------------------------------------------
    def match(self, text: str | None) -> Match:
        """Rank entries for a message and decide what to do with it."""
        return self._match(text)

    def _match(self, text: str | None) -> Match:
        s = self.settings
        normalized_full = normalize(text)
        normalized = normalized_full[: s.max_query_chars]
        if not normalized:
            return Match(Outcome.EMPTY, (), (), normalized)
        fixed, tokens = self.analyzer.analyze(normalized)
        raw = raw_scores(self.model, self._classes, self.index, text_features(fixed, tokens), tokens)
        ranking = rank(raw, self.lexical_weight)
        entries = self.kb.entries
        candidates = [Candidate(entries[int(e)], round(float(min(max(sc, 0.0), 1.0)), 4))
                      for e, sc in zip(ranking.entries, ranking.score)]
        p_answer, p_in_scope = self.decider.probabilities(ranking.features)
        trust = top_precision(self.entry_precision, ranking.entries)
        explain = MappingProxyType({
            "p_answer": round(p_answer, 4), "p_in_scope": round(p_in_scope, 4),
            "entry_precision": round(trust, 4), "min_entry_precision": s.min_entry_precision,
            "answer_at": round(s.answer_at if s.answer_at is not None else self.decider.answer_at, 4),
            "suggest_at": round(s.suggest_at if s.suggest_at is not None else self.decider.suggest_at, 4),
            "features": MappingProxyType({n: round(float(v), 4) for n, v in zip(FEATURE_NAMES, ranking.features)}),
            "learned": MappingProxyType({entries[int(e)].id: round(float(p), 4) for e, p in zip(ranking.entries, ranking.prob)}),
            "lexical": MappingProxyType({entries[int(e)].id: round(float(x), 4) for e, x in zip(ranking.entries, ranking.lex)}),
            "out_of_scope": round(raw.p_oos, 4),
        })
        coverage = round(raw.coverage, 4)
        crisis_entry = self.kb.get(CRISIS_ENTRY_ID)
        if crisis_entry is not None and self._crisis(text, normalized_full, fixed):
            others = [c for c in candidates if c.id != CRISIS_ENTRY_ID]
            return Match(Outcome.ANSWER, (Candidate(crisis_entry, 1.0), *others), tokens, normalized, crisis=True,
                         coverage=coverage, explain=explain)
        owner = self._owner.get("".join(tokens))
        if owner is not None and self.hidden[owner]:
            # one of a hidden entry's own phrasings (calibrate.fit_coherent): looked up, not guessed
            others = [c for c in candidates if c.id != entries[owner].id]
            return Match(Outcome.ANSWER, (Candidate(entries[owner], 1.0), *others), tokens, normalized,
                         coverage=coverage, explain=explain)
        if candidates and owner == self._entry_index[candidates[0].id]:
            # one of the top entry's own phrasings: the editors said what answers it (calibration, which holds
            # every phrasing out, speaks for unseen messages only)
            return Match(Outcome.ANSWER, tuple(candidates), tokens, normalized, coverage=coverage, explain=explain)
        guards = guards_for(ranking.score, raw.oos_beats_entries, tokens, s.min_margin, s.min_answer_words,
                            trust < s.min_entry_precision)
        decision = self.decider.decide(p_answer, p_in_scope, guards, s.answer_at, s.suggest_at)
        channel = ""
        if decision is Outcome.FALLBACK and raw.oos_beats_entries and raw.oos_group >= 0:
            channel = CHANNELS.get(self._group_channel.get(raw.oos_group, ""), "")
        return Match(decision, tuple(candidates), tokens, normalized, coverage=coverage, channel=channel,
                     explain=explain)

    def _crisis(self, text: str | None, normalized: str, fixed: str) -> bool:
        """Check the whole message, also with spaces and invisible characters between letters removed."""
        return (self.is_crisis(normalized) or self.is_crisis(fixed)
                or self.is_crisis(normalize_for_safety(text)))

    def respond(self, text: str | None) -> Reply:
        """Turn a message into a Reply that any adapter can render."""
        s = self.settings
        truncated = len(normalize(text)) > s.max_query_chars
        match = self._match(text)
        if match.decision is Outcome.EMPTY:
            return Reply(Outcome.EMPTY, match)
        if match.decision is Outcome.ANSWER:
            entry = match.candidates[0].entry
            first = [c.entry for c in match.candidates[1:2]] if match.crisis else []
            return Reply(Outcome.ANSWER, match, entry, related=self._related(entry, first), truncated=truncated)
        if match.decision is Outcome.SUGGEST:
            picks = self._suggestions(match)
            return Reply(Outcome.SUGGEST, match, suggestions=tuple(c.entry for c in picks), truncated=truncated)
        return Reply(Outcome.FALLBACK, match, truncated=truncated, channel=match.channel)

    def _suggestions(self, match: Match) -> list[Candidate]:
        """Up to max_suggestions candidates whose share of belief is at least min_suggest_score of the top one's."""
        if not match.candidates:
            return []
        floor = match.candidates[0].score * self.settings.min_suggest_score
        return [c for c in match.candidates if c.score >= floor][: self.settings.max_suggestions]

    def _related(self, entry: Entry, first: list[Entry] | None = None) -> tuple[Entry, ...]:
        """Up to three next questions: any given first, then the entry's own `related` list."""
        found = [*(first or []), *(self.kb.get(r) for r in entry.related)]
        return tuple(dict.fromkeys(e for e in found if e is not None and e.id != entry.id))[:3]

    def inline(self, text: str | None, limit: int = 5) -> tuple[Entry, ...]:
        """Entries worth offering for an inline query: the plausible candidates, never a fallback's."""
        match = self.match(text)
        if match.decision in (Outcome.FALLBACK, Outcome.EMPTY):
            return ()
        if match.decision is Outcome.ANSWER and not match.crisis:
            return tuple(c.entry for c in self._suggestions(match))[:limit]
        return tuple(c.entry for c in match.candidates[:limit])

    def reply_for(self, entry_id: str) -> Reply | None:
        """The answer Reply for an entry picked by id (a suggestion, related question or topic); None if unknown."""
        entry = self.kb.get(entry_id)
        if entry is None:
            return None
        return Reply(Outcome.ANSWER, None, entry, related=self._related(entry))


def build_engine(kb_path: str | Path, settings: MatchSettings | None = None,
                 on_train: Callable[[int], None] | None = None) -> Engine:
    """Load, validate and index a KB folder (raises KBValidationError); `on_train` as in Engine."""
    return Engine(load_kb(kb_path), settings, on_train)
