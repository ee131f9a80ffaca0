"""Combine the learned classifier with lexical retrieval into a ranking and the features the decision reads."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bot.core.index import LexicalHits, LexicalIndex
from bot.core.learned import OOS_CLASS, LinearModel

TEMPERATURE = 4.0  # softmax sharpness over the classifier's scores (learned.train_matrix stores log-odds / 4)
MODEL_POOL = 40  # entries kept from the classifier before mixing with lexical hits
FEATURE_NAMES = (
    "p_top",  # classifier probability of the top entry
    "p_margin",  # … minus the runner-up's
    "d_top",  # classifier score (log-odds / TEMPERATURE) of the top entry
    "d_margin",  # … minus the best margin of any other entry
    "p_oos",  # probability mass of the out-of-scope classes
    "lex_top",  # lexical score (token F1 + RapidFuzz + BM25 cover) of the top entry
    "lex_margin",  # … minus the best lexical score of any other entry
    "token_f1",  # IDF-weighted token F1 between the message and the top entry's closest phrasing
    "char",  # RapidFuzz ratio with that phrasing
    "coverage",  # share of the message's weight made of words the KB knows
    "log_words",  # log(1 + number of content words)
    "agree",  # 1 when the classifier and the lexical index put the same entry first
    "rank_margin",  # mixed score of the top entry minus the runner-up's
    "share",  # the top entry's share of belief over the pool (what Candidate.score shows)
)


@dataclass(frozen=True)
class ClassMap:
    """How one model's classes map to KB entries and out-of-scope groups."""

    entry_of_class: np.ndarray  # class -> entry index, -1 for an out-of-scope class
    group_of_class: np.ndarray  # class -> out-of-scope group index, -1 for an entry

    @classmethod
    def build(cls, model: LinearModel, entry_index: dict[str, int]) -> "ClassMap":
        entries = np.array([entry_index.get(c, -1) for c in model.classes], dtype=np.int64)
        groups = np.array([int(c.rsplit(":", 1)[1]) if c.startswith(OOS_CLASS) else -1 for c in model.classes],
                          dtype=np.int64)
        return cls(entries, groups)


def oos_label(group: int) -> str:
    """Class label of out-of-scope group `group`."""
    return f"{OOS_CLASS}:{group}"


@dataclass(frozen=True)
class Raw:
    """The model's and the index's evidence for one message, over a pool of candidate entries."""

    pool: np.ndarray  # entry indexes
    prob: np.ndarray  # classifier probability per pool entry
    margin: np.ndarray  # classifier decision value per pool entry
    lex: np.ndarray  # lexical score per pool entry (0 when the index did not touch it)
    token_f1: np.ndarray
    char: np.ndarray
    p_oos: float
    oos_group: int  # most likely out-of-scope group (-1 without negatives)
    oos_beats_entries: bool  # that group is more likely than every entry
    coverage: float
    words: int


def raw_scores(model: LinearModel, classes: ClassMap, index: LexicalIndex, feats: Sequence[str],
               tokens: Sequence[str]) -> Raw:
    """Score a message with the classifier and the lexical index."""
    return combine(model.scores(feats), classes, index.search(tokens), len(tokens), index.n_entries)


def combine(raw_d: np.ndarray, classes: ClassMap, hits: LexicalHits, words: int, n_entries: int) -> Raw:
    """Join the classifier's decision values (one per class) and the index's hits into one message's evidence."""
    d = raw_d * TEMPERATURE
    p = np.exp(d - d.max())
    p /= p.sum()
    is_entry = classes.entry_of_class >= 0
    entry_p = np.where(is_entry, p, 0.0)
    oos_p = np.where(is_entry, 0.0, p)
    k = min(MODEL_POOL, int(is_entry.sum()))
    top_cls = np.argpartition(-entry_p, k - 1)[:k] if k else np.zeros(0, np.int64)
    pool = np.unique(np.concatenate([classes.entry_of_class[top_cls], hits.entries]))
    pos = {int(e): i for i, e in enumerate(pool)}
    prob = np.zeros(len(pool))
    cls_idx = np.flatnonzero(is_entry)
    by_entry = np.zeros(n_entries)
    by_entry[classes.entry_of_class[cls_idx]] = p[cls_idx]
    prob[:] = by_entry[pool] if len(pool) else prob
    by_entry[:] = float(raw_d[cls_idx].min(initial=0.0))  # an entry the model never saw: the lowest margin
    by_entry[classes.entry_of_class[cls_idx]] = raw_d[cls_idx]
    margin = by_entry[pool].copy()
    lex, f1, ch = np.zeros(len(pool)), np.zeros(len(pool)), np.zeros(len(pool))
    for e, s, t, c in zip(hits.entries.tolist(), hits.score.tolist(), hits.token_f1.tolist(), hits.char.tolist()):
        i = pos[e]
        lex[i], f1[i], ch[i] = s, t, c
    best_oos = int(np.argmax(oos_p)) if oos_p.any() else -1
    group = int(classes.group_of_class[best_oos]) if best_oos >= 0 else -1
    beats = best_oos >= 0 and float(p[best_oos]) > float(entry_p.max(initial=0.0))
    return Raw(pool, prob, margin, lex, f1, ch, float(oos_p.sum()), group, bool(beats), hits.coverage, words)


@dataclass(frozen=True)
class Ranking:
    """Entries best first with their mixed score, and the decision features of the top one."""

    entries: np.ndarray
    score: np.ndarray  # share of belief in [0, 1]: softmax over the pool of margin + lexical_weight * lex
    prob: np.ndarray
    lex: np.ndarray
    features: np.ndarray  # FEATURE_NAMES, for the top entry (zeros when nothing ranked)


def rank(raw: Raw, lexical_weight: float, limit: int = 10) -> Ranking:
    """Mix classifier probability and lexical score (weight learned by cross-validation) and rank."""
    if not len(raw.pool):
        feats = np.zeros(len(FEATURE_NAMES))
        feats[4], feats[9], feats[10] = raw.p_oos, raw.coverage, math.log1p(raw.words)  # share stays 0
        return Ranking(raw.pool, np.zeros(0), np.zeros(0), np.zeros(0), feats)
    mixed = raw.margin + lexical_weight * raw.lex
    order = np.lexsort((raw.pool, -mixed))
    top = int(order[0])
    second = order[1] if len(order) > 1 else None
    others = np.ones(len(order), dtype=bool)
    others[top] = False
    p_other = float(raw.prob[others].max(initial=0.0))
    d_other = float(raw.margin[others].max(initial=-2.0))
    lex_other = float(raw.lex[others].max(initial=0.0))
    agree = float(np.argmax(raw.prob) == np.argmax(raw.lex)) if raw.lex.any() else 0.0
    share = np.exp(TEMPERATURE * (mixed - mixed[top]))
    share /= share.sum()
    feats = np.array([
        raw.prob[top], raw.prob[top] - p_other, raw.margin[top], raw.margin[top] - d_other, raw.p_oos, raw.lex[top], raw.lex[top] - lex_other,
        raw.token_f1[top], raw.char[top], raw.coverage, math.log1p(raw.words), agree,
        mixed[top] - (mixed[second] if second is not None else 0.0), share[top],
    ], dtype=np.float64)
    keep = order[:limit]
    return Ranking(raw.pool[keep], share[keep], raw.prob[keep], raw.lex[keep], feats)
