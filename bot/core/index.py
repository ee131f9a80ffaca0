"""Index a KB's phrasings lexically and retrieve candidate entries with IDF-weighted words and RapidFuzz."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.analyzer import INTENT_WORDS
from bot.core.cache import pack_strings, unpack_strings

PRESELECT = 96  # phrasings re-scored with character similarity
OOV_WEIGHT = 3.0  # weight of a multi-character query word the KB never uses (红烧肉, 股票)
OOV_CHAR_WEIGHT = 1.2  # weight of an unknown single character (mostly function words)
NUMBER_WEIGHT = 0.3  # amounts and durations rarely decide the topic
INTENT_WEIGHT = 0.8  # cap for question words (怎么办, 合法, 多久): they refine, they don't decide
SINGLE_CHAR_WEIGHT = 1.0  # cap for one-character words (好, 做, 钱): weak evidence on their own
TOKEN_SHARE = 0.72  # token score vs character score in a phrasing's score
DOC_SHARE = 0.4  # best phrasing vs the whole entry's coverage of the query
BM25_K1 = 1.2  # entry-level term saturation
BM25_B = 0.75  # entry-level length normalization


@dataclass(frozen=True)
class LexicalHits:
    """Lexical evidence for the entries a query touches (parallel arrays, best lexical score first)."""

    entries: np.ndarray  # entry indexes
    score: np.ndarray  # combined lexical score in [0, 1]
    token_f1: np.ndarray  # IDF-weighted token F1 with the entry's best phrasing
    char: np.ndarray  # RapidFuzz ratio with the entry's best phrasing, in [0, 1]
    coverage: float  # share of the query's weight made of words the KB knows
    known: int  # how many query words the KB knows


EMPTY_HITS = LexicalHits(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0), 0.0, 0)


def oov_weight(token: str) -> float:
    """Weight of a word the KB never uses: numbers weigh little, unknown compounds a lot."""
    if token[:1].isdigit():
        return NUMBER_WEIGHT
    return OOV_CHAR_WEIGHT if len(token) == 1 else OOV_WEIGHT


def offsets(counts: np.ndarray) -> np.ndarray:
    """Return the start offset of each run of these lengths, then the total (len(counts) + 1 values)."""
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def bm25_weights(entry_len: np.ndarray, pair_entry: np.ndarray, uses: np.ndarray) -> np.ndarray:
    """Return entry-level BM25 weights: how many of an entry's phrasings use a word, saturated, length-normalized."""
    indexed = entry_len[entry_len > 0]  # entries with no phrasings here (hidden, or held out) do not count
    avg_len = max(float(indexed.mean()), 1.0) if len(indexed) else 1.0
    norm = BM25_K1 * (1 - BM25_B + BM25_B * entry_len[pair_entry] / avg_len)
    return (uses * (BM25_K1 + 1) / (uses + norm) / (BM25_K1 + 1)).astype(np.float64)


class LexicalIndex:
    """Inverted indexes over phrasings and entries; `search` is a pure function of (index, tokens)."""

    def __init__(self, doc_entries: Sequence[int], doc_tokens: Sequence[tuple[str, ...]], n_entries: int,
                 domain_terms: frozenset[str] = frozenset()):
        self.n_entries = max(n_entries, 1)
        keep = [d for d, toks in enumerate(doc_tokens) if toks]
        doc_entries = [doc_entries[d] for d in keep]
        doc_tokens = [doc_tokens[d] for d in keep]
        vocab: dict[str, int] = {}
        doc_of: list[int] = []  # one (phrasing, word) pair per distinct word of each phrasing
        tid_of: list[int] = []
        for d, toks in enumerate(doc_tokens):
            for t in dict.fromkeys(toks):
                doc_of.append(d)
                tid_of.append(vocab.setdefault(t, len(vocab)))
        docs = np.asarray(doc_of, dtype=np.int64)
        tids = np.asarray(tid_of, dtype=np.int64)
        self._doc_entry = np.asarray(doc_entries, dtype=np.int64)
        ents = self._doc_entry[docs]
        # (word, entry) pairs, sorted by word then entry, with how many of the entry's phrasings use the word
        pairs, uses = np.unique(tids * self.n_entries + ents, return_counts=True)
        pair_tid, pair_entry = pairs // self.n_entries, pairs % self.n_entries
        entries_per_word = np.bincount(pair_tid, minlength=len(vocab))
        indexed = max(len(set(doc_entries)), 1)  # the entries with phrasings: hidden ones do not dilute the IDF
        idf = np.array([math.log(1.0 + indexed / int(n)) for n in entries_per_word], dtype=np.float64)
        for t, tid in vocab.items():
            if t[0].isdigit() and t not in domain_terms:  # 7万 is an amount; 714高炮 is a term
                idf[tid] = min(idf[tid], NUMBER_WEIGHT)
            elif t in INTENT_WORDS:
                idf[tid] = min(idf[tid], INTENT_WEIGHT)
            elif len(t) == 1:
                idf[tid] = min(idf[tid], SINGLE_CHAR_WEIGHT)
        self.vocab = vocab
        self.idf = idf
        # postings as flat arrays with offsets (CSR): word t's phrasings are _postings[_starts[t]:_starts[t + 1]]
        by_word = np.argsort(tids, kind="stable")  # phrasings of each word, in phrasing order
        self._starts = offsets(np.bincount(tids, minlength=len(vocab)))
        self._postings = docs[by_word].astype(np.int32)
        self._doc_norm = np.bincount(docs, weights=idf[tids], minlength=len(doc_tokens))
        self._joined = ["".join(t) for t in doc_tokens]
        self._entry_starts = offsets(entries_per_word)  # (word, entry) pairs are sorted by word
        self._entry_postings = pair_entry.astype(np.int32)
        self._entry_weights = bm25_weights(np.bincount(ents, minlength=self.n_entries).astype(np.float64),
                                           pair_entry, uses)

    ARRAYS = ("idf", "_starts", "_postings", "_doc_norm", "_doc_entry", "_entry_starts", "_entry_postings",
              "_entry_weights")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for the cache (bot.core.cache.save): a cached start skips re-indexing every phrasing."""
        arrays = {f"ix{name}": getattr(self, name) for name in self.ARRAYS}
        return {**arrays, "ix_vocab": pack_strings(list(self.vocab)), "ix_joined": pack_strings(self._joined),
                "ix_n_entries": np.array([self.n_entries])}

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> "LexicalIndex":
        """Rebuild an index from `to_arrays` output."""
        index = cls.__new__(cls)
        for name in cls.ARRAYS:
            setattr(index, name, a[f"ix{name}"])
        words = unpack_strings(a["ix_vocab"])
        index.vocab = dict(zip(words, range(len(words))))
        index._joined = unpack_strings(a["ix_joined"])
        index.n_entries = int(a["ix_n_entries"][0])
        return index

    def weight(self, token: str) -> float:
        """How informative a word is in this KB (IDF); unknown words get a fixed weight."""
        tid = self.vocab.get(token)
        return float(self.idf[tid]) if tid is not None else oov_weight(token)

    def expand(self, tokens: Sequence[str]) -> list[tuple[int | None, float]]:
        """Map query words to vocabulary ids; split unknown compounds into known parts (催收员 → 催收)."""
        out: list[tuple[int | None, float]] = []
        for tok in dict.fromkeys(tokens):
            tid = self.vocab.get(tok)
            if tid is not None:
                out.append((tid, float(self.idf[tid])))
                continue
            parts = [] if len(tok) < 3 else [
                self.vocab[tok[i:j]] for i in range(len(tok)) for j in range(i + 2, len(tok) + 1)
                if (i, j) != (0, len(tok)) and tok[i:j] in self.vocab
            ]
            if parts:
                best = max(parts, key=lambda p: self.idf[p])
                out.append((best, float(self.idf[best]) * 0.8))
            else:
                out.append((None, oov_weight(tok)))
        return out

    def search(self, tokens: Sequence[str]) -> LexicalHits:
        """Score every entry sharing a word with the query: best phrasing (token F1 + RapidFuzz) and BM25 cover."""
        terms = self.expand(tokens)
        qnorm = sum(w for _, w in terms)
        known = [(tid, w) for tid, w in terms if tid is not None]
        coverage = sum(w for _, w in known) / qnorm if qnorm > 0 else 0.0
        if not known or qnorm <= 0 or all(t in INTENT_WORDS for t in tokens):
            return LexicalHits(EMPTY_HITS.entries, EMPTY_HITS.score, EMPTY_HITS.token_f1, EMPTY_HITS.char,
                               coverage, len(known))
        overlap = np.zeros(len(self._joined), dtype=np.float64)
        starts, estarts = self._starts, self._entry_starts
        for tid, w in known:
            overlap[self._postings[starts[tid]:starts[tid + 1]]] += w
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
        cover = np.zeros(self.n_entries, dtype=np.float64)
        for tid, w in known:
            span = slice(estarts[tid], estarts[tid + 1])
            cover[self._entry_postings[span]] += w * self._entry_weights[span]
        cover /= qnorm
        # best phrasing per entry: sort by score, keep each entry's first
        doc_entry = self._doc_entry[touched]
        order = np.lexsort((-doc_score, doc_entry))
        first = np.ones(len(order), dtype=bool)
        first[1:] = doc_entry[order][1:] != doc_entry[order][:-1]
        best = order[first]
        ents = doc_entry[best]
        score = DOC_SHARE * doc_score[best] + (1 - DOC_SHARE) * cover[ents]
        rank = np.lexsort((ents, -score))
        best, ents = best[rank], ents[rank]
        return LexicalHits(ents, np.clip(score[rank], 0.0, 1.0), token_score[best], char[best].astype(np.float64),
                           float(coverage), len(known))
