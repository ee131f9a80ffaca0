"""Learn a linear classifier from the KB's own phrasings and score messages with numpy only.

Every question and alternate is a labelled example of its entry; the out-of-scope negatives are one extra
class per domain. Training (scikit-learn, imported lazily) happens only when the cache misses; scoring reads
plain arrays.
"""
from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np

from bot.core.cache import pack_strings, unpack_strings
from bot.core.features import Vocabulary

logger = logging.getLogger(__name__)

OOS_CLASS = "__out_of_scope__"  # the class the out-of-scope negatives are trained as
# multinomial logistic regression (saga). On four rounds of harvested real questions, each measured on the KB
# before it joined, it answered 3.6 points more of them rightly than the one-vs-rest LinearSVC it replaced, at
# the same wrong-answer rate: its probabilities are real ones, which the decision heads read
LOGISTIC_C = 10.0  # inverse L2 regularization (larger = fits the phrasings more closely)
LOGISTIC_EPOCHS = 15  # saga passes over the data, an early stop: converging fully (lbfgs) took 10x as long, same quality
MAX_LOGISTIC_CLASSES = 1500  # above this many classes, fall back to nearest-centroid (linear, trains in seconds)
# saga's cost grows with examples x classes: the bundled KB is ~1.6M cells (13,640 x 116, ~6 s a fit); above this
# budget (1,000 entries of 100 phrasings is 110M) one fit would take many minutes, so nearest-centroid is used
MAX_LOGISTIC_CELLS = 16_000_000
DENSE_LIMIT = 20_000_000  # store coefficients densely up to this many cells, sparse beyond


@dataclass(frozen=True)
class LinearModel:
    """Class scores = features · coef + intercept, stored feature-major (dense or CSR by feature)."""

    classes: tuple[str, ...]
    vocab: Vocabulary
    intercept: np.ndarray  # (C,)
    dense: np.ndarray | None = None  # (F, C) float32
    indptr: np.ndarray | None = None  # sparse: per feature, a slice of (cls, data)
    cls: np.ndarray | None = None
    data: np.ndarray | None = None
    kind: str = "logistic"  # "logistic" or "centroid"

    def scores(self, feats: Sequence[str]) -> np.ndarray:
        """Return one decision value per class for a message's features."""
        cols, vals = self.vocab.vector(feats)
        out = self.intercept.astype(np.float64).copy()
        if not len(cols):
            return out
        if self.dense is not None:
            out += vals.astype(np.float64) @ self.dense[cols].astype(np.float64)
            return out
        assert self.indptr is not None and self.cls is not None and self.data is not None
        starts, ends = self.indptr[cols], self.indptr[cols + 1]
        lengths = ends - starts
        if lengths.sum() == 0:
            return out
        take = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])
        weights = self.data[take] * np.repeat(vals, lengths)
        out += np.bincount(self.cls[take], weights=weights, minlength=len(self.classes))
        return out

    def batch_scores(self, x) -> np.ndarray:
        """Return `scores` for every row of a TF-IDF matrix over this model's vocabulary, as (rows, C)."""
        if self.dense is not None:
            out = np.asarray(x.astype(np.float64) @ self.dense.astype(np.float64))
        else:
            from scipy.sparse import csr_matrix

            assert self.indptr is not None and self.cls is not None and self.data is not None
            by_feat = csr_matrix((self.data.astype(np.float64), self.cls, self.indptr),
                                 shape=(len(self.vocab), len(self.classes)))
            out = np.asarray((x.astype(np.float64) @ by_feat).todense())
        return out + self.intercept.astype(np.float64)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for the cache (bot.core.cache.save)."""
        names = sorted(self.vocab.index, key=self.vocab.index.__getitem__)
        arrays = {"classes": np.array(self.classes), "features": pack_strings(names), "idf": self.vocab.idf,
                  "intercept": self.intercept, "kind": np.array(self.kind)}
        if self.dense is not None:
            arrays["dense"] = self.dense
        else:
            assert self.indptr is not None and self.cls is not None and self.data is not None
            arrays.update(indptr=self.indptr, cls=self.cls, data=self.data)
        return arrays

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> "LinearModel":
        """Rebuild a model from `to_arrays` output."""
        names = unpack_strings(a["features"])
        vocab = Vocabulary(dict(zip(names, range(len(names)))), a["idf"])
        common = dict(classes=tuple(a["classes"].tolist()), vocab=vocab, intercept=a["intercept"],
                      kind=str(a["kind"]))
        if "dense" in a:
            return cls(dense=a["dense"], **common)  # type: ignore[arg-type]
        return cls(indptr=a["indptr"], cls=a["cls"], data=a["data"], **common)  # type: ignore[arg-type]


def _store(classes: tuple[str, ...], vocab: Vocabulary, coef, intercept: np.ndarray, kind: str) -> LinearModel:
    """Pack (C, F) coefficients feature-major, densely when small enough."""
    n_classes, n_feats = coef.shape
    if n_classes * n_feats <= DENSE_LIMIT:
        dense = coef.toarray() if hasattr(coef, "toarray") else np.asarray(coef)
        return LinearModel(classes, vocab, intercept.astype(np.float32), dense=np.ascontiguousarray(
            dense.T, dtype=np.float32), kind=kind)
    from scipy.sparse import csr_matrix

    by_feat = csr_matrix(coef).T.tocsr()
    by_feat.eliminate_zeros()
    return LinearModel(classes, vocab, intercept.astype(np.float32), indptr=by_feat.indptr.astype(np.int64),
                       cls=by_feat.indices.astype(np.int32), data=by_feat.data.astype(np.float32), kind=kind)


def model_kind(n_examples: int, n_classes: int) -> str:
    """Choose "logistic", or "centroid" for a training set too big for saga (MAX_LOGISTIC_CLASSES, _CELLS)."""
    too_big = n_classes > MAX_LOGISTIC_CLASSES or n_examples * n_classes > MAX_LOGISTIC_CELLS
    return "centroid" if too_big else "logistic"


def train_matrix(x, vocab: Vocabulary, labels: Sequence[str], c: float = LOGISTIC_C,
                 kind: str | None = None) -> LinearModel:
    """Fit the classifier on rows already weighted by `vocab` (a CSR matrix, one row per label).

    `kind`: "logistic" or "centroid" (default: `model_kind` of these labels; cross-validation passes the serving
    model's, so every fold trains what users get). Logistic scores are the model's log-odds divided by
    scoring.TEMPERATURE, so the softmax scoring takes of them is the logistic regression's own class probability.
    """
    from bot.core.scoring import TEMPERATURE

    classes = tuple(sorted(set(labels)))
    if (kind or model_kind(len(labels), len(classes))) == "centroid":
        return _train_centroid(x, labels, vocab, classes)
    if len(classes) == 1:
        return _store(classes, vocab, np.zeros((1, len(vocab)), np.float32), np.ones(1, np.float32), "logistic")
    from sklearn.linear_model import LogisticRegression

    with epoch_cap_quiet():
        model = LogisticRegression(C=c, solver="saga", max_iter=LOGISTIC_EPOCHS, tol=1e-3,
                                   random_state=0).fit(x, list(labels))
    coef, intercept = model.coef_ / TEMPERATURE, model.intercept_ / TEMPERATURE
    if len(classes) == 2:  # binary: one log-odds z for the second class; softmax(TEMPERATURE * [-z, z] / 2)
        coef = np.vstack([-coef[0], coef[0]]) / 2
        intercept = np.array([-intercept[0], intercept[0]]) / 2
    assert tuple(model.classes_.tolist()) == classes
    logger.debug("trained logistic regression: %s classes, %s features, %s examples", len(classes), len(vocab),
                 len(labels))
    return _store(classes, vocab, coef, np.asarray(intercept), "logistic")


@contextmanager
def epoch_cap_quiet() -> Iterator[None]:
    """Silence saga's ConvergenceWarning: the epoch cap (LOGISTIC_EPOCHS) is deliberate, not a failure to converge.

    The warning filters are process-wide, so code that trains in threads enters this once around all of them.
    """
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _train_centroid(x, labels: Sequence[str], vocab: Vocabulary, classes: tuple[str, ...]) -> LinearModel:
    """Nearest centroid: each class is the normalized mean of its examples' TF-IDF vectors."""
    from scipy.sparse import csr_matrix, diags

    col = {c: i for i, c in enumerate(classes)}
    y = np.array([col[label] for label in labels])
    member = csr_matrix((np.ones(len(y), np.float32), (y, np.arange(len(y)))), shape=(len(classes), len(y)))
    cent = (member @ x).tocsr()
    norms = np.sqrt(np.asarray(cent.multiply(cent).sum(axis=1)).ravel())
    cent = diags(1.0 / np.maximum(norms, 1e-9)) @ cent
    logger.debug("trained nearest-centroid: %s classes, %s features", len(classes), len(vocab))
    return _store(classes, vocab, cent.tocsr(), np.zeros(len(classes), np.float32), "centroid")
