"""Turn analyzed text into the sparse features the learned model reads, with numpy only (no scikit-learn)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from bot.core.analyzer import INTENT_WORDS

CHAR_NGRAMS = (1, 2, 3)  # character n-gram lengths taken inside each space-separated chunk
WORD_PREFIX = "w:"  # word features are kept apart from character n-grams of the same text
INTENT_PREFIX = "q:"  # question words (怎么办, 多久) are their own, weaker kind of feature
PAIR_PREFIX = "p:"  # unordered pairs of content words (逾期+征信): topics are often a combination of words
MAX_PAIR_WORDS = 0  # pairs of content words among the first N (0 = off: cross-validation and design checks did not gain)


def text_features(fixed: str, tokens: Sequence[str]) -> list[str]:
    """Return the feature strings of one message: character 1–3-grams of the corrected text plus its words."""
    feats: list[str] = []
    for chunk in fixed.split():
        n = len(chunk)
        for k in CHAR_NGRAMS:  # digit-only n-grams are noise (phone numbers, 96110): numbers count as words
            feats.extend(g for g in (chunk[i:i + k] for i in range(n - k + 1)) if not g.isdigit())
    content: list[str] = []
    for tok in tokens:
        intent = tok in INTENT_WORDS
        feats.append((INTENT_PREFIX if intent else WORD_PREFIX) + tok)
        if not intent and len(tok) > 1 and tok not in content and len(content) < MAX_PAIR_WORDS:
            content.append(tok)
    content.sort()
    feats.extend(f"{PAIR_PREFIX}{a}+{b}" for i, a in enumerate(content) for b in content[i + 1:])
    return feats


class Vocabulary:
    """Map feature strings to columns and weight them by TF-IDF (sublinear tf, smoothed idf, l2 norm)."""

    def __init__(self, index: Mapping[str, int], idf: np.ndarray):
        self.index = dict(index)
        self.idf = np.asarray(idf, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.index)

    def vector(self, feats: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return (columns, l2-normalized TF-IDF values) of one document; unknown features are skipped."""
        counts: dict[int, int] = {}
        index = self.index
        for f in feats:
            col = index.get(f)
            if col is not None:
                counts[col] = counts.get(col, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        vals = (1.0 + np.log(tf)) * self.idf[cols]
        norm = float(np.sqrt(np.dot(vals, vals)))
        return cols, vals / norm if norm > 0 else vals


class CountTable:
    """Count the training documents' features once; give any subset of rows its own vocabulary and TF-IDF rows.

    A subset's vocabulary is its features, sorted, with smoothed idf log((1 + n) / (1 + df)) + 1; its rows are
    what `Vocabulary.vector` makes of each document (features outside the vocabulary skipped). Cross-validation
    trains k models on overlapping subsets, so counting once replaces k passes over the documents.
    """

    def __init__(self, docs: Sequence[Sequence[str]]):
        from scipy.sparse import csr_matrix

        names = sorted({f for feats in docs for f in feats})
        col = {f: i for i, f in enumerate(names)}
        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[int] = []
        for feats in docs:
            counts: dict[int, int] = {}
            for f in feats:
                counts[col[f]] = counts.get(col[f], 0) + 1
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        self.names = names
        self.counts = csr_matrix((np.array(data, np.float32), np.array(indices, np.int64), indptr),
                                 shape=(len(docs), len(names)), dtype=np.float32)
        self.counts.sort_indices()

    def vocabulary(self, rows: Sequence[int]) -> tuple[Vocabulary, np.ndarray]:
        """The vocabulary these rows define (their features, sorted, with smoothed idf), and its table columns."""
        sub = self.counts[np.asarray(rows, dtype=np.int64)]
        df = np.bincount(sub.indices, minlength=len(self.names))
        cols = np.flatnonzero(df)
        idf = (np.log((1 + len(rows)) / (1 + df[cols].astype(np.float64))) + 1.0).astype(np.float32)
        return Vocabulary({self.names[c]: i for i, c in enumerate(cols.tolist())}, idf), cols

    def tfidf(self, rows: Sequence[int], cols: np.ndarray, idf: np.ndarray):  # -> scipy.sparse.csr_matrix
        """These rows as a CSR matrix of `Vocabulary.vector` values over `cols` (other features are skipped)."""
        from scipy.sparse import diags

        x = self.counts[np.asarray(rows, dtype=np.int64)][:, cols].tocsr()
        x.data = 1.0 + np.log(x.data)  # sublinear tf, as Vocabulary.vector
        x = (x @ diags(idf.astype(np.float32))).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        x = (diags(np.where(norms > 0, 1.0 / np.maximum(norms, 1e-30), 1.0).astype(np.float32)) @ x).tocsr()
        x.sort_indices()
        return x
