"""Decide answer / suggest / decline with two small logistic models calibrated on cross-validation.

`answer` head: P(the top entry is right). `helpful` head: P(the right entry is among the first suggestions).
Both read scoring.FEATURE_NAMES and are fitted with numpy (Newton steps), so no scikit-learn is needed here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.core.model import Outcome

L2 = 1.0  # ridge penalty of the decision heads (on standardized features)
MIN_ANSWER_PROB = 0.5  # never answer when the top entry is more likely wrong than right


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
    helpful_w: np.ndarray
    answer_at: float  # answer when P(top is right) >= this
    suggest_at: float  # otherwise suggest when P(right one is suggested) >= this; else decline

    def probabilities(self, features: np.ndarray) -> tuple[float, float]:
        """Return (P(top is right), P(right entry among the suggestions))."""
        z = (np.atleast_2d(features) - self.mean) / self.scale
        zb = np.hstack([np.ones((len(z), 1)), z])
        pa = 1.0 / (1.0 + np.exp(-np.clip(zb @ self.answer_w, -30, 30)))
        ph = 1.0 / (1.0 + np.exp(-np.clip(zb @ self.helpful_w, -30, 30)))
        return float(pa[0]), float(ph[0])

    def batch(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorized `probabilities` over rows."""
        z = (features - self.mean) / self.scale
        zb = np.hstack([np.ones((len(z), 1)), z])
        return (1.0 / (1.0 + np.exp(-np.clip(zb @ self.answer_w, -30, 30))),
                1.0 / (1.0 + np.exp(-np.clip(zb @ self.helpful_w, -30, 30))))

    def decide(self, p_answer: float, p_helpful: float, answer_at: float | None = None,
               suggest_at: float | None = None) -> Outcome:
        """Answer, suggest or decline; explicit bars override the calibrated ones."""
        if p_answer >= (self.answer_at if answer_at is None else answer_at):
            return Outcome.ANSWER
        if p_helpful >= (self.suggest_at if suggest_at is None else suggest_at):
            return Outcome.SUGGEST
        return Outcome.FALLBACK

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"d_mean": self.mean, "d_scale": self.scale, "d_answer": self.answer_w, "d_helpful": self.helpful_w,
                "d_bars": np.array([self.answer_at, self.suggest_at])}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "Decider":
        bars = a["d_bars"]
        return cls(a["d_mean"], a["d_scale"], a["d_answer"], a["d_helpful"], float(bars[0]), float(bars[1]))


def weighted_rate(mask: np.ndarray, weight: np.ndarray) -> float:
    total = float(weight.sum())
    return float(weight[mask].sum()) / total if total > 0 else 0.0


def fit_decider(features: np.ndarray, correct: np.ndarray, helpful: np.ndarray, negative: np.ndarray,
                target_wrong: float, target_decline: float, negatives_share: float) -> Decider:
    """Fit both heads on CV rows and choose the bars.

    answer_at: the lowest bar at which answers that would be wrong (wrong entry, or any answer to a negative)
    stay <= target_wrong of all rows, negatives weighted to `negatives_share` of the mass.
    suggest_at: the lowest bar at which >= target_decline of the negatives are declined (not answered, not
    suggested).
    """
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
    helpful_w = fit_logistic(z, helpful.astype(float), weight)
    probe = Decider(mean, scale, answer_w, helpful_w, 1.0, 1.0)
    pa, ph = probe.batch(features)
    answer_at = 1.0
    for t in np.unique(pa)[::-1]:  # lower the bar while the wrong-answer rate stays within target
        wrong = (pa >= t) & ~correct
        if weighted_rate(wrong, weight) > target_wrong:
            break
        answer_at = float(t)
    answer_at = max(answer_at, MIN_ANSWER_PROB)
    answered = pa >= answer_at
    neg_idx = negative & ~answered
    suggest_at = 1.0
    if n_neg:
        allowed = (1.0 - target_decline) * n_neg - int((negative & answered).sum())
        cand = np.sort(ph[neg_idx])[::-1]
        k = int(np.floor(max(allowed, 0.0)))  # this many unanswered negatives may still get suggestions
        suggest_at = float(cand[k] + 1e-9) if k < len(cand) else float(cand[-1]) if len(cand) else 0.5
        suggest_at = min(max(suggest_at, 1e-6), 1.0)
    return Decider(mean, scale, answer_w, helpful_w, answer_at, suggest_at)
