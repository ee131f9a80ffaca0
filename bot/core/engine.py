"""Match a message against the knowledge base and decide: answer, suggest, or say honestly that we don't know."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.analyzer import INTENT_WORDS, Analyzer
from bot.core.settings import MatchSettings
from bot.core.loader import load_kb
from bot.core.model import Candidate, Outcome, Entry, KnowledgeBase, Match, Reply
from bot.core.normalize import normalize
from bot.core.safety import CrisisDetector

CRISIS_ENTRY_ID = "support-mental-health"
PRESELECT = 96  # documents re-scored with character similarity
OOV_WEIGHT = 3.0  # weight of a multi-character query word the KB never uses (红烧肉, 股票)
OOV_CHAR_WEIGHT = 1.2  # weight of an unknown single character (mostly function words)
NUMBER_WEIGHT = 0.3  # amounts and durations rarely decide the topic
INTENT_WEIGHT = 0.8  # cap for question words (怎么办, 合法, 多久): they refine, they don't decide
TOKEN_SHARE = 0.72  # token score vs character score in a document's score
BM25_K1 = 1.2  # entry-level term saturation
BM25_B = 0.75  # entry-level length normalization
SINGLE_CHAR_WEIGHT = 1.0  # cap for one-character words (好, 做, 钱): weak evidence on their own
DOC_SHARE = 0.4  # best document vs the whole entry's coverage of the query


@dataclass(frozen=True)
class _Doc:
    entry: int
    text: str
    joined: str


class Engine:
    """Hold an immutable index of one KB; `match` and `respond` are pure functions of (index, text)."""

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings | None = None):
        self.kb = kb
        self.settings = settings or MatchSettings()
        self.analyzer = Analyzer(kb)
        self.is_crisis = CrisisDetector(kb.crisis_terms)
        self._build()

    # --- index ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        docs: list[_Doc] = []
        doc_tokens: list[tuple[str, ...]] = []
        for i, entry in enumerate(self.kb.entries):
            for text in (entry.question, *entry.alternates):
                toks = self.analyzer.tokens(normalize(text))
                if not toks:
                    continue
                docs.append(_Doc(i, text, "".join(toks)))
                doc_tokens.append(toks)
        vocab: dict[str, int] = {}
        entry_sets: dict[int, set[int]] = {}
        postings: list[list[int]] = []
        doc_ids: list[list[int]] = []
        for d, toks in enumerate(doc_tokens):
            ids = []
            for t in dict.fromkeys(toks):
                tid = vocab.setdefault(t, len(vocab))
                if tid == len(postings):
                    postings.append([])
                postings[tid].append(d)
                ids.append(tid)
                entry_sets.setdefault(tid, set()).add(docs[d].entry)
            doc_ids.append(ids)
        n_entries = max(len(self.kb.entries), 1)
        idf = np.zeros(len(vocab), dtype=np.float64)
        for tid, ents in entry_sets.items():
            idf[tid] = math.log(1.0 + n_entries / len(ents))
        domain = self.analyzer.domain_terms
        for t, tid in vocab.items():
            if t[0].isdigit() and t not in domain:  # 7万 is an amount; 714高炮 is a term
                idf[tid] = min(idf[tid], NUMBER_WEIGHT)
            elif t in INTENT_WORDS:
                idf[tid] = min(idf[tid], INTENT_WEIGHT)
            elif len(t) == 1:
                idf[tid] = min(idf[tid], SINGLE_CHAR_WEIGHT)
        self._docs = tuple(docs)
        self._vocab = vocab
        self._idf = idf
        self._postings = tuple(np.asarray(p, dtype=np.int32) for p in postings)
        self._doc_norm = np.array([idf[ids].sum() for ids in doc_ids], dtype=np.float64)
        self._doc_entry = np.array([d.entry for d in docs], dtype=np.int32)
        self._joined = [d.joined for d in docs]
        # entry-level BM25 weights: how many of an entry's phrasings use a word, saturated, length-normalized
        tf: dict[tuple[int, int], int] = {}
        entry_len = np.zeros(n_entries, dtype=np.float64)
        for d, ids in enumerate(doc_ids):
            e = docs[d].entry
            entry_len[e] += len(ids)
            for tid in ids:
                tf[(tid, e)] = tf.get((tid, e), 0) + 1
        avg_len = max(float(entry_len.mean()), 1.0)
        by_term: dict[int, list[tuple[int, float]]] = {}
        for (tid, e), count in tf.items():
            norm = BM25_K1 * (1 - BM25_B + BM25_B * entry_len[e] / avg_len)
            by_term.setdefault(tid, []).append((e, count * (BM25_K1 + 1) / (count + norm) / (BM25_K1 + 1)))
        self._entry_postings = tuple(np.asarray([e for e, _ in sorted(by_term[t])], dtype=np.int32)
                                     for t in range(len(vocab)))
        self._entry_weights = tuple(np.asarray([w for _, w in sorted(by_term[t])], dtype=np.float64)
                                    for t in range(len(vocab)))

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._vocab)

    def weight(self, token: str) -> float:
        """How informative a word is in this KB (IDF); unknown words get a fixed weight."""
        tid = self._vocab.get(token)
        if tid is not None:
            return float(self._idf[tid])
        return self._oov_weight(token)

    @staticmethod
    def _oov_weight(token: str) -> float:
        if token[:1].isdigit():
            return NUMBER_WEIGHT
        return OOV_CHAR_WEIGHT if len(token) == 1 else OOV_WEIGHT

    # --- matching ------------------------------------------------------------------------------------
    def _expand(self, tokens: tuple[str, ...]) -> list[tuple[int | None, float]]:
        """Map query words to vocabulary ids; split unknown compounds into known parts (催收员 → 催收)."""
        out: list[tuple[int | None, float]] = []
        for tok in dict.fromkeys(tokens):
            tid = self._vocab.get(tok)
            if tid is not None:
                out.append((tid, float(self._idf[tid])))
                continue
            parts = [] if len(tok) < 3 else [
                self._vocab[tok[i:j]] for i in range(len(tok)) for j in range(i + 2, len(tok) + 1)
                if (i, j) != (0, len(tok)) and tok[i:j] in self._vocab
            ]
            if parts:
                best = max(parts, key=lambda p: self._idf[p])
                out.append((best, float(self._idf[best]) * 0.8))
            else:
                out.append((None, self._oov_weight(tok)))
        return out

    def _score_entries(self, terms: list[tuple[int | None, float]], tokens: tuple[str, ...]) -> list[tuple[int, float]]:
        """Return (entry index, score) best first."""
        if all(t in INTENT_WORDS for t in tokens):
            return []  # "怎么办啊" says nothing about the topic
        qnorm = sum(w for _, w in terms)
        known = [(tid, w) for tid, w in terms if tid is not None]
        if not known or qnorm <= 0:
            return []
        overlap = np.zeros(len(self._docs), dtype=np.float64)
        for tid, w in known:
            overlap[self._postings[tid]] += w
        touched = np.flatnonzero(overlap)
        ov = overlap[touched]
        recall = ov / qnorm
        precision = np.minimum(ov / np.maximum(self._doc_norm[touched], 1e-9), 1.0)
        token_score = 2 * recall * precision / np.maximum(recall + precision, 1e-9)
        if len(touched) > PRESELECT:
            keep = np.argpartition(-token_score, PRESELECT)[:PRESELECT]
            touched, token_score = touched[keep], token_score[keep]
        query = "".join(tokens)
        choices = [self._joined[d] for d in touched]
        char = process.cdist([query], choices, scorer=fuzz.ratio, dtype=np.float32, workers=1)[0] / 100.0
        doc_score = TOKEN_SHARE * token_score + (1 - TOKEN_SHARE) * char
        entry_cover = np.zeros(len(self.kb.entries), dtype=np.float64)
        for tid, w in known:
            entry_cover[self._entry_postings[tid]] += w * self._entry_weights[tid]
        entry_cover /= qnorm
        best: dict[int, float] = {}
        for d, sc in zip(touched.tolist(), doc_score.tolist()):
            e = int(self._doc_entry[d])
            if sc > best.get(e, -1.0):
                best[e] = sc
        scored = [(e, DOC_SHARE * sc + (1 - DOC_SHARE) * float(entry_cover[e])) for e, sc in best.items()]
        return sorted(scored, key=lambda r: (-r[1], r[0]))

    def match(self, text: str | None) -> Match:
        """Rank entries for a message and decide what to do with it."""
        return self._match_normalized(normalize(text)[: self.settings.max_query_chars])

    def _match_normalized(self, normalized: str) -> Match:
        s = self.settings
        if not normalized:
            return Match(Outcome.EMPTY, (), (), normalized)
        fixed, tokens = self.analyzer.analyze(normalized)
        terms = self._expand(tokens)
        total = sum(w for _, w in terms)
        # share of the message's weight made of words this KB knows (low for 车险出险了怎么理赔)
        coverage = round(sum(w for tid, w in terms if tid is not None) / total, 4) if total > 0 else 0.0
        ranked = self._score_entries(terms, tokens)
        entries = self.kb.entries
        candidates = [Candidate(entries[e], round(min(max(sc, 0.0), 1.0), 4))
                      for e, sc in ranked[:10]]
        crisis_entry = self.kb.get(CRISIS_ENTRY_ID)
        if crisis_entry is not None and (self.is_crisis(normalized) or self.is_crisis(fixed)):
            others = [c for c in candidates if c.id != CRISIS_ENTRY_ID]
            lead = Candidate(crisis_entry, 1.0)
            return Match(Outcome.ANSWER, (lead, *others), tokens, normalized, crisis=True,
                         coverage=coverage)
        if not candidates:
            return Match(Outcome.FALLBACK, (), tokens, normalized)
        top = candidates[0].score
        second = candidates[1].score if len(candidates) > 1 else 0.0
        if top >= s.min_answer_score and top - second >= s.min_margin:
            decision = Outcome.ANSWER
        elif top >= s.min_answer_score or (top >= s.min_suggest_score and coverage >= s.min_suggest_coverage):
            decision = Outcome.SUGGEST
        else:
            decision = Outcome.FALLBACK
        return Match(decision, tuple(candidates), tokens, normalized, coverage=coverage)

    def respond(self, text: str | None) -> Reply:
        """Turn a message into a Reply that any adapter can render."""
        s = self.settings
        normalized = normalize(text)
        truncated = len(normalized) > s.max_query_chars
        match = self._match_normalized(normalized[: s.max_query_chars])
        if match.decision is Outcome.EMPTY:
            return Reply(Outcome.EMPTY, match)
        if match.decision is Outcome.ANSWER:
            entry = match.candidates[0].entry
            first = [c.entry for c in match.candidates[1:2] if c.score >= s.min_suggest_score] if match.crisis else []
            return Reply(Outcome.ANSWER, match, entry, related=self._related(entry, first), truncated=truncated)
        if match.decision is Outcome.SUGGEST:
            picks = [c for c in match.candidates if c.score >= s.min_suggest_score][: s.max_suggestions]
            return Reply(Outcome.SUGGEST, match, suggestions=tuple(c.entry for c in picks), truncated=truncated)
        return Reply(Outcome.FALLBACK, match, truncated=truncated)


    def _related(self, entry: Entry, first: list[Entry] | None = None) -> tuple[Entry, ...]:
        """Up to three next questions: any given first, then the entry's own `related` list."""
        found = [*(first or []), *(self.kb.get(r) for r in entry.related)]
        return tuple(dict.fromkeys(e for e in found if e is not None and e.id != entry.id))[:3]

    def inline(self, text: str | None, limit: int = 5) -> tuple[Entry, ...]:
        """Entries worth offering for an inline query: the plausible candidates, never a fallback's."""
        match = self.match(text)
        if match.decision in (Outcome.FALLBACK, Outcome.EMPTY):
            return ()
        return tuple(c.entry for c in match.candidates if c.score >= self.settings.min_suggest_score)[:limit]

    def reply_for(self, entry_id: str) -> Reply | None:
        """The answer Reply for an entry picked by id (a suggestion, related question or topic); None if unknown."""
        entry = self.kb.get(entry_id)
        if entry is None:
            return None
        return Reply(Outcome.ANSWER, None, entry, related=self._related(entry))


def build_engine(kb_path: str | Path, settings: MatchSettings | None = None) -> Engine:
    """Load, validate and index a KB folder (raises KBValidationError)."""
    return Engine(load_kb(kb_path), settings)
