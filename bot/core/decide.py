"""Decide answer / suggest / decline with two small logistic models calibrated on cross-validation.

`answer` head: P(the top entry is right). `in_scope` head: P(the KB covers the message at all), which decides
between "did you mean" and an honest decline (a message the KB covers is worth suggestions even when the
right entry is not first).
Both read scoring.FEATURE_NAMES and are fitted with numpy (Newton steps), so no scikit-learn is needed here.
The served decision also applies a few fixed rules (`Guards`); the bars are chosen with those rules applied, so
the calibrated rates are the rates of what users get.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from bot.core.analyzer import INTENT_WORDS, NUMBER_RE
from bot.core.model import Outcome

L2 = 1.0  # ridge penalty of the decision heads (on standardized features)
MIN_ANSWER_PROB = 0.5  # never answer when the top entry is more likely wrong than right
# words that make a one-term message a question about what the term is (the too-short rule does not apply)
DEFINITION_WORDS = frozenset({"什么", "啥", "什么意思", "意思", "含义", "定义", "是啥"})


@dataclass(frozen=True)
class Guards:
    """The served decision's fixed rules, one flag per message (arrays of the same length)."""

    no_topic: np.ndarray  # nothing ranked, or only question words (怎么办): decline
    close_call: np.ndarray  # the runner-up is within min_margin: "did you mean", never a direct answer
    too_short: np.ndarray  # too few content words to pick one answer (逾期, 征信): "did you mean"
    oos_beats: np.ndarray  # an out-of-scope class is likelier than every entry: decline, whatever the bars say
    untrusted: np.ndarray  # the top entry's held-out predictions were seldom right (entry_precision): "did you mean"

    @classmethod
    def stack(cls, rows: Sequence["Guards"]) -> "Guards":
        """Join one-message guards into arrays over many messages."""
        return cls(*(np.concatenate([getattr(g, f) for g in rows]) if rows else np.zeros(0, dtype=bool)
                     for f in GUARD_NAMES))

    def subset(self, mask: np.ndarray) -> "Guards":
        """The flags of the rows where `mask` is true."""
        return Guards(*(getattr(self, f)[mask] for f in GUARD_NAMES))


GUARD_NAMES = ("no_topic", "close_call", "too_short", "oos_beats", "untrusted")


def names_a_topic(tokens: Sequence[str], min_words: int) -> bool:
    """Too few content words to pick one answer, and not a "what is X" question."""
    if any(t in DEFINITION_WORDS for t in tokens):
        return False  # 714高炮是什么, 什麼是套路貸: one term, but a clear question about what it is
    content = [t for t in tokens if t not in INTENT_WORDS and not NUMBER_RE.fullmatch(t)]
    return len(content) < min_words


def guards_for(shares: np.ndarray, oos_beats: bool, tokens: Sequence[str], min_margin: float,
               min_words: int, untrusted: bool = False) -> Guards:
    """The rules' flags for one message, from its ranked shares of belief, its words and its top entry's trust."""
    no_topic = not len(shares) or all(t in INTENT_WORDS for t in tokens)
    close = len(shares) > 1 and float(shares[0] - shares[1]) < min_margin
    flag = lambda b: np.array([bool(b)])  # noqa: E731
    return Guards(flag(no_topic), flag(close), flag(names_a_topic(tokens, min_words)), flag(oos_beats),
                  flag(untrusted))


def entry_precision(top: np.ndarray, correct: np.ndarray, group: np.ndarray,
                    prior_rows: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (each entry's precision, each row's leave-one-out precision of its own top entry).

    An entry's precision is the share of held-out predictions with it on top that were right, shrunk towards
    its group's share (its category's) with `prior_rows` pseudo-rows, so an entry with few held-out rows takes
    after its category. A row's value leaves the row itself out (of the entry's counts and of its group's), so
    calibration sees what an unseen message would. `top` < 0: a row not counted (nothing ranked, or one
    calibration leaves out), whose value is 1.0.
    """
    n_entries = len(group)
    ok = top >= 0
    t, c = top[ok], correct[ok].astype(float)
    n = np.bincount(t, minlength=n_entries).astype(float)
    h = np.bincount(t, weights=c, minlength=n_entries)
    n_groups = int(group.max()) + 1 if n_entries else 0
    gn = np.bincount(group, weights=n, minlength=n_groups)
    gh = np.bincount(group, weights=h, minlength=n_groups)
    overall = float(h.sum() / n.sum()) if n.sum() else 1.0
    prior = np.where(gn > 0, gh / np.maximum(gn, 1.0), overall)[group]
    per_entry = (h + prior_rows * prior) / (n + prior_rows)
    g = group[t]
    row_prior = np.where(gn[g] > 1, (gh[g] - c) / np.maximum(gn[g] - 1, 1.0), overall)
    row = np.ones(len(top))
    row[ok] = (h[t] - c + prior_rows * row_prior) / (n[t] - 1 + prior_rows)
    return per_entry, row


def top_precision(precision: np.ndarray | None, entries: np.ndarray) -> float:
    """Return the cross-validated precision of the top-ranked entry (1.0 when nothing ranked or none was measured)."""
    return float(precision[int(entries[0])]) if precision is not None and len(entries) else 1.0


def served(p_answer: np.ndarray, p_in_scope: np.ndarray, answer_at: float, suggest_at: float,
           guards: Guards) -> tuple[np.ndarray, np.ndarray]:
    """Return (answered, suggested) masks: the bars, then the rules."""
    blocked = guards.no_topic | guards.oos_beats
    over = (p_answer >= answer_at) & ~blocked
    answered = over & ~guards.close_call & ~guards.too_short & ~guards.untrusted
    suggested = (over & ~answered) | (~over & ~blocked & (p_in_scope >= suggest_at))
    return answered, suggested


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = L2, steps: int = 30) -> np.ndarray:
    """Weighted, L2-regularized logistic regression; returns [bias, w...] for standardized x."""
    n, f = x.shape
    xb = np.hstack([np.ones((n, 1)), x])
    w = np.zeros(f + 1)
    reg = np.full(f + 1, l2)
    reg[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (weight * (p - y)) + reg * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return w


@dataclass(frozen=True)
class Decider:
    """Standardize features, apply the two heads, compare with the calibrated bars."""

    mean: np.ndarray
    scale: np.ndarray
    answer_w: np.ndarray
    in_scope_w: np.ndarray
    answer_at: float  # answer when P(top is right) >= this
    suggest_at: float  # otherwise suggest when P(in scope) >= this; else decline

    def probabilities(self, features: np.ndarray) -> tuple[float, float]:
        """Return (P(top is right), P(in scope)) for one message's features."""
        p_answer, p_in_scope = self.batch(np.atleast_2d(features))
        return float(p_answer[0]), float(p_in_scope[0])

    def batch(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (P(top is right), P(in scope)) for each row of features."""
        z = (features - self.mean) / self.scale
        zb = np.hstack([np.ones((len(z), 1)), z])
        return (1.0 / (1.0 + np.exp(-np.clip(zb @ self.answer_w, -30, 30))),
                1.0 / (1.0 + np.exp(-np.clip(zb @ self.in_scope_w, -30, 30))))

    def decide(self, p_answer: float, p_in_scope: float, guards: Guards, answer_at: float | None = None,
               suggest_at: float | None = None) -> Outcome:
        """Answer, suggest or decline one message; explicit bars override the calibrated ones."""
        answered, suggested = served(np.array([p_answer]), np.array([p_in_scope]),
                                     self.answer_at if answer_at is None else answer_at,
                                     self.suggest_at if suggest_at is None else suggest_at, guards)
        return Outcome.ANSWER if answered[0] else Outcome.SUGGEST if suggested[0] else Outcome.FALLBACK

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"d_mean": self.mean, "d_scale": self.scale, "d_answer": self.answer_w, "d_in_scope": self.in_scope_w,
                "d_bars": np.array([self.answer_at, self.suggest_at])}

    @classmethod
    def from_arrays(cls, a: Mapping[str, np.ndarray]) -> "Decider":
        bars = a["d_bars"]
        return cls(a["d_mean"], a["d_scale"], a["d_answer"], a["d_in_scope"], float(bars[0]), float(bars[1]))


def weighted_rate(mask: np.ndarray, weight: np.ndarray) -> float:
    total = float(weight.sum())
    return float(weight[mask].sum()) / total if total > 0 else 0.0


def fit_decider(features: np.ndarray, correct: np.ndarray, negative: np.ndarray, guards: Guards,
                target_wrong: float, target_decline: float, negatives_share: float) -> Decider:
    """Fit both heads on CV rows and choose the bars, with the served rules applied.

    answer_at: the lowest bar at which answers that would be wrong (wrong entry, or any answer to a negative)
    stay <= target_wrong of all rows, negatives weighted to `negatives_share` of the mass.
    suggest_at: the lowest bar at which >= target_decline of the negatives are declined (not answered, not
    suggested).
    """
    keep = ~guards.untrusted
    if keep.any() and not keep.all():
        # calibrate on the rows whose top entry is trusted, the only ones the bars can answer (the rows of an
        # untrusted entry, e.g. thousands of incoherent ones, would teach both heads that nothing is ever right)
        return fit_decider(features[keep], correct[keep], negative[keep], guards.subset(keep), target_wrong,
                           target_decline, negatives_share)
    n = len(features)
    weight = np.ones(n)
    n_neg = int(negative.sum())
    if 0 < n_neg < n:
        weight[negative] = negatives_share * (n - n_neg) / ((1 - negatives_share) * n_neg)
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (features - mean) / scale
    answer_w = fit_logistic(z, correct.astype(float), weight)
    in_scope_w = fit_logistic(z, (~negative).astype(float), weight)
    probe = Decider(mean, scale, answer_w, in_scope_w, 1.0, 1.0)
    pa, p_in = probe.batch(features)
    blocked = guards.no_topic | guards.oos_beats  # declined whatever the bars say
    answerable = ~blocked & ~guards.close_call & ~guards.too_short  # the bar alone can make these answers
    answer_at = 1.0
    for t in np.unique(pa)[::-1]:  # lower the bar while the wrong-answer rate stays within target
        wrong = (pa >= t) & answerable & ~correct
        if weighted_rate(wrong, weight) > target_wrong:
            break
        answer_at = float(t)
    answer_at = max(answer_at, MIN_ANSWER_PROB)
    over = (pa >= answer_at) & ~blocked  # answered, or turned into suggestions by a rule
    open_ = ~over & ~blocked  # the suggest bar decides these
    suggest_at = 1.0
    if n_neg:
        allowed = (1.0 - target_decline) * n_neg - int((negative & over).sum())
        cand = np.sort(p_in[negative & open_])[::-1]
        k = int(np.floor(max(allowed, 0.0)))  # this many unanswered negatives may still get suggestions
        suggest_at = float(cand[k] + 1e-9) if k < len(cand) else float(cand[-1]) if len(cand) else 0.5
        suggest_at = min(max(suggest_at, 1e-6), 1.0)
    return Decider(mean, scale, answer_w, in_scope_w, answer_at, suggest_at)
