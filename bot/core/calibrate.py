"""Cross-validate the matcher over the KB's own phrasings and negatives, and learn how to mix and decide.

Each phrasing (question or alternate) and each out-of-scope negative is held out in one of k folds and
predicted by a model and a lexical index built from the other folds. Those honest predictions choose the
lexical weight (best top-1) and fit the decision heads and their bars (see decide.fit_decider).
"""
from __future__ import annotations

import logging
import os
import random
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Sequence

import numpy as np

from bot.core import learned
from bot.core.decide import Decider, Guards, entry_precision, fit_decider, guards_for, served, top_precision
from bot.core.features import CountTable, text_features
from bot.core.index import LexicalIndex
from bot.core.scoring import ClassMap, Ranking, Raw, combine, oos_label, rank
from bot.core.settings import MatchSettings

logger = logging.getLogger(__name__)

LEXICAL_WEIGHTS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0)  # candidates for the lexical share of the mixed score
# threads that train the k fold models and the serving model at once (saga, seeded per fit, gives the same models
# in any order: checked row for row against one thread). On 2 cores the real KB's cache miss fell from 27 s to ~19 s
# (~20-22 s since the real KB is cross-validated whole, below)
TRAIN_THREADS = min(4, os.cpu_count() or 1)
# hold out at most this many examples in all; a larger KB holds out a seeded sample, which is redrawn whenever the
# KB changes. The real KB (~13,650) is held out whole: sampled at 12,000, two new alternates moved the calibrated
# bars and real-dev accuracy by a point (0.628 -> 0.621) through the sample alone; held out whole it stayed at 0.628
CV_MAX_ITEMS = 20000


@dataclass(frozen=True)
class Example:
    """One labelled text: label >= 0 is an entry index, label < 0 is out-of-scope group -(label + 1)."""

    label: int
    text: str
    tokens: tuple[str, ...]
    fixed: str  # the homophone-corrected text the features are taken from
    written: bool = True  # an editor wrote it (False: a clause cut from a canonical question)
    also: frozenset[int] = frozenset()  # other entries whose answers also serve it (knowledge/acceptable.yaml)

    @cached_property
    def feats(self) -> tuple[str, ...]:
        """The classifier's features, made only when training needs them (not on a cached start)."""
        return tuple(text_features(self.fixed, self.tokens))

    @property
    def negative(self) -> bool:
        return self.label < 0

    def accepts(self, entry: int) -> bool:
        """Whether answering with this entry is right: its own entry, or one acceptable.yaml names for it."""
        return entry == self.label or entry in self.also

    def class_label(self, entry_ids: Sequence[str]) -> str:
        return entry_ids[self.label] if self.label >= 0 else oos_label(-self.label - 1)


@dataclass(frozen=True)
class Fitted:
    """Everything the engine needs besides the lexical index: the model, the mix and the decision."""

    model: learned.LinearModel
    lexical_weight: float
    decider: Decider
    precision: np.ndarray  # each entry's cross-validated precision (decide.entry_precision)
    summary: dict[str, float]
    # per entry: its phrasings do not hang together (fit_all: found; fit_coherent: left out of model and index)
    hidden: np.ndarray


@dataclass(frozen=True)
class HeldOut:
    """One cross-validation prediction: which example, and the evidence the fold's model saw."""

    example: int
    raw: Raw


def assign_folds(examples: Sequence[Example], k: int, seed: int = 13, max_items: int = CV_MAX_ITEMS) -> list[int]:
    """Fold per example, stratified by label (-1 = always trained on, for large KBs)."""
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i, ex in enumerate(examples):
        by_label.setdefault(ex.label, []).append(i)
    fold = [-1] * len(examples)
    chosen = list(range(len(examples)))
    if len(examples) > max_items:
        chosen = sorted(rng.sample(chosen, max_items))
    chosen_set = set(chosen)
    for label, idx in sorted(by_label.items()):
        start = rng.randrange(k)
        held = [i for i in idx if i in chosen_set]
        for j, i in enumerate(held):
            fold[i] = (start + j) % k
    return fold


def index_examples(examples: Sequence[Example], n_entries: int, domain_terms: frozenset[str]) -> LexicalIndex:
    """Index the phrasings of `examples` (not the negatives) for lexical search."""
    docs = [ex for ex in examples if not ex.negative]
    return LexicalIndex([ex.label for ex in docs], [ex.tokens for ex in docs], n_entries, domain_terms)


def without_hidden(examples: Sequence[Example], hidden: np.ndarray) -> list[Example]:
    """Return what the model learns from: every negative, and the phrasings of the entries not left out."""
    return [ex for ex in examples if ex.negative or not hidden[ex.label]]


def model_kind(examples: Sequence[Example], entry_ids: Sequence[str]) -> str:
    """The kind of classifier (learned.model_kind) the serving model, trained on every example, will be."""
    return learned.model_kind(len(examples), len({ex.class_label(entry_ids) for ex in examples}))


def fit_fold(examples: Sequence[Example], table: CountTable, train_idx: Sequence[int], entry_ids: Sequence[str],
             domain_terms: frozenset[str], kind: str | None = None,
             ) -> tuple[learned.LinearModel, ClassMap, LexicalIndex, np.ndarray]:
    """Train the classifier (of `kind`, see learned.train_matrix) and the lexical index on a subset of examples.

    Also returns the model's table columns.
    """
    vocab, cols = table.vocabulary(train_idx)
    model = learned.train_matrix(table.tfidf(train_idx, cols, vocab.idf), vocab,
                                 [examples[i].class_label(entry_ids) for i in train_idx], kind=kind)
    cmap = ClassMap.build(model, {e: i for i, e in enumerate(entry_ids)})
    index = index_examples([examples[i] for i in train_idx], len(entry_ids), domain_terms)
    return model, cmap, index, cols


def _fold_rows(examples: Sequence[Example], table: CountTable, fold: Sequence[int], f: int,
               entry_ids: Sequence[str], domain_terms: frozenset[str], kind: str) -> list[HeldOut]:
    """Train on every fold but `f` and predict the examples held out in `f` (classifier scores in one batch)."""
    held = [i for i, g in enumerate(fold) if g == f]
    if not held:
        return []
    train_idx = [i for i, g in enumerate(fold) if g != f]
    model, cmap, index, cols = fit_fold(examples, table, train_idx, entry_ids, domain_terms, kind)
    decision = model.batch_scores(table.tfidf(held, cols, model.vocab.idf))
    return [HeldOut(i, combine(decision[j], cmap, index.search(examples[i].tokens), len(examples[i].tokens),
                               index.n_entries)) for j, i in enumerate(held)]


def cross_validate(examples: Sequence[Example], entry_ids: Sequence[str], domain_terms: frozenset[str],
                   k: int, table: CountTable | None = None, pool: Executor | None = None) -> list[HeldOut]:
    """Predict every (sampled) example with a model that never saw it.

    The folds train on `pool`, or on TRAIN_THREADS threads of their own. Each fold's saga fit draws from its own
    seeded generator, so threads give the same rows as one loop would (liblinear, used before, shared one
    process-wide generator and could not be threaded).
    """
    fold = assign_folds(examples, k)
    table = table or CountTable([ex.feats for ex in examples])
    kind = model_kind(examples, entry_ids)  # a fold has fewer rows, but must train what the serving model is

    def run(f: int) -> list[HeldOut]:
        return _fold_rows(examples, table, fold, f, entry_ids, domain_terms, kind)

    # the warning filters are process-wide: entered once around every thread's fit
    with learned.epoch_cap_quiet(), nullcontext(pool) if pool else ThreadPoolExecutor(TRAIN_THREADS) as workers:
        per_fold = list(workers.map(run, range(k)))
    rows = [row for part in per_fold for row in part]
    rows.sort(key=lambda r: r.example)
    return rows


def top1(rows: Sequence[HeldOut], examples: Sequence[Example], weights: Sequence[float]) -> dict[float, float]:
    """Share of held-out phrasings ranked first by a right entry (`Example.accepts`), for each lexical weight."""
    ins = [r for r in rows if not examples[r.example].negative]
    hits = dict.fromkeys(weights, 0)
    for r in ins:
        if not len(r.raw.pool):
            continue
        ex = examples[r.example]
        for w in weights:  # same order as scoring.rank: highest mixed score, then lowest entry index
            mixed = r.raw.margin + w * r.raw.lex
            best = np.flatnonzero(mixed == mixed.max())
            hits[w] += ex.accepts(int(r.raw.pool[best].min()))
    return {w: h / max(len(ins), 1) for w, h in hits.items()}


def served_inputs(row: HeldOut, ex: Example, lexical_weight: float, settings: MatchSettings,
                  precision: np.ndarray | None = None) -> tuple[Ranking, Guards]:
    """The ranking and the rules' flags a held-out example gets, exactly as a user's message would.

    `precision`: each entry's cross-validated precision (None: every entry is trusted).
    """
    ranking = rank(row.raw, lexical_weight, limit=settings.max_suggestions)
    untrusted = top_precision(precision, ranking.entries) < settings.min_entry_precision
    return ranking, guards_for(ranking.score, row.raw.oos_beats_entries, ex.tokens, settings.min_margin,
                               settings.min_answer_words, untrusted)


def calibrate(rows: Sequence[HeldOut], examples: Sequence[Example], settings: MatchSettings,
              group: np.ndarray) -> tuple[float, Decider, np.ndarray, np.ndarray, dict[str, float]]:
    """Choose the lexical weight, measure each entry's precision and fit the decision on held-out predictions.

    `group`: each entry's category index (an entry's precision is shrunk towards its category's).
    Returns the lexical weight, the decider, the entries' precision, their recall (how often a held-out phrasing
    of the entry has it among the top max_suggestions, shrunk towards the category's share the same way) and a
    CV summary.
    """
    scores = top1(rows, examples, LEXICAL_WEIGHTS)
    weight = max(LEXICAL_WEIGHTS, key=lambda w: (round(scores[w], 4), -w))
    feats, correct, helpful, negative, rules, tops = [], [], [], [], [], []
    for r in rows:
        ex = examples[r.example]
        ranking, guards_one = served_inputs(r, ex, weight, settings)
        ids = ranking.entries.tolist()
        feats.append(ranking.features)
        correct.append(not ex.negative and bool(ids) and ex.accepts(ids[0]))
        helpful.append(not ex.negative and any(ex.accepts(i) for i in ids))
        negative.append(ex.negative)
        rules.append(guards_one)
        tops.append(ids[0] if ids and not ex.negative else -1)
    x = np.array(feats)
    c, h, neg = np.array(correct, dtype=bool), np.array(helpful, dtype=bool), np.array(negative, dtype=bool)
    # precision over the KB's own phrasings: how often an entry on top of one is right (negatives are the decline
    # head's business, and a tiny KB with many of them would otherwise distrust every entry)
    precision, row_precision = entry_precision(np.array(tops, dtype=int), c, group, settings.entry_prior_rows)
    own = np.array([-1 if examples[r.example].negative else examples[r.example].label for r in rows], dtype=int)
    recall, _ = entry_precision(own, h, group, settings.entry_prior_rows)  # the same shrunk share, over own rows
    # the rows were ranked before any precision existed: their `untrusted` flag is each row's leave-one-out value
    guards = replace(Guards.stack(rules), untrusted=row_precision < settings.min_entry_precision)
    decider = fit_decider(x, c, neg, guards, settings.target_wrong_rate, settings.target_oos_decline,
                          settings.negatives_share)
    pa, p_in = decider.batch(x)
    answered, suggested = served(pa, p_in, decider.answer_at, decider.suggest_at, guards)
    ins = ~neg
    summary = {
        "cv_items": float(len(rows)), "cv_negatives": float(neg.sum()), "lexical_weight": weight,
        "top1": float(c[ins].mean()) if ins.any() else 0.0, "top3": float(h[ins].mean()) if ins.any() else 0.0,
        "answer_accuracy": float((answered & c)[ins].mean()) if ins.any() else 0.0,
        "helpful": float(((answered & c) | (suggested & h))[ins].mean()) if ins.any() else 0.0,
        "wrong": float((answered & ~c).mean()) if len(c) else 0.0,
        "negatives_declined": float((~answered & ~suggested)[neg].mean()) if neg.any() else 0.0,
        "answer_at": decider.answer_at, "suggest_at": decider.suggest_at,
        "untrusted_entries": float((precision < settings.min_entry_precision).sum()),
    }
    logger.info("cross-validation: %s", {k: round(v, 3) for k, v in summary.items()})
    return weight, decider, precision, recall, summary


def fit_all(examples: Sequence[Example], entry_ids: Sequence[str], domain_terms: frozenset[str],
            settings: MatchSettings, group: Sequence[int] | None = None) -> tuple[Fitted, list[HeldOut]]:
    """Cross-validate, calibrate, then train the serving model on every example (`group`: entry categories)."""
    table = CountTable([ex.feats for ex in examples])

    def serving_model() -> learned.LinearModel:
        everything = range(len(examples))
        vocab, cols = table.vocabulary(everything)
        return learned.train_matrix(table.tfidf(everything, cols, vocab.idf), vocab,
                                    [ex.class_label(entry_ids) for ex in examples])

    with learned.epoch_cap_quiet(), ThreadPoolExecutor(TRAIN_THREADS, thread_name_prefix="xinzhi-train") as pool:
        model = pool.submit(serving_model)  # it needs no held-out rows: it trains beside the folds
        rows = cross_validate(examples, entry_ids, domain_terms, settings.cv_folds, table, pool)
        groups = np.zeros(len(entry_ids), dtype=int) if group is None else np.asarray(group, dtype=int)
        weight, decider, precision, recall, summary = calibrate(rows, examples, settings, groups)
        # incoherent: distrusted, and its held-out phrasings seldom even have it among the suggestions (two
        # overlapping entries steal each other's phrasings but stay runners-up: they are suggested, not hidden)
        incoherent = (precision < settings.min_entry_precision) & (recall < settings.min_entry_precision)
        return Fitted(model.result(), weight, decider, precision, summary, incoherent), rows


def fit_coherent(examples: Sequence[Example], entry_ids: Sequence[str], domain_terms: frozenset[str],
                 settings: MatchSettings, group: Sequence[int] | None = None) -> tuple[Fitted, list[Example]]:
    """Fit as fit_all, then once more without the incoherent entries it found; return that and what it learned from.

    An entry whose held-out phrasings seldom come back to it, nor even rank among its suggestions (precision and
    recall below settings.min_entry_precision: phrasings that do not hang together, such as thousands of
    word-salad ones), would otherwise crowd the model's classes and the index's IDF and pull every coherent
    entry's messages towards it. It is hidden instead: left out of the second fit, it keeps its measured
    precision (so `kb lint` names it) and is answered only for its own exact phrasings. A KB in which no entry,
    or every entry, is incoherent is fitted once.
    """
    fitted, _ = fit_all(examples, entry_ids, domain_terms, settings, group)
    hidden = fitted.hidden
    if not hidden.any() or hidden.all():
        summary = {**fitted.summary, "hidden_entries": 0.0}
        return replace(fitted, summary=summary, hidden=np.zeros(len(entry_ids), dtype=bool)), list(examples)
    kept = without_hidden(examples, hidden)
    logger.info("refitting without %s entries whose phrasings do not hang together", int(hidden.sum()))
    second, _ = fit_all(kept, entry_ids, domain_terms, settings, group)
    precision = np.where(hidden, fitted.precision, second.precision)
    summary = {**second.summary, "hidden_entries": float(hidden.sum()),
               "untrusted_entries": float((precision < settings.min_entry_precision).sum())}
    return replace(second, precision=precision, summary=summary, hidden=hidden), kept
