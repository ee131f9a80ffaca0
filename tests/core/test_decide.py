"""The calibrated bars are chosen for the decision users get: the bars and the fixed rules together."""
import numpy as np
import pytest

from bot.core.decide import GUARD_NAMES, Guards, fit_decider, guards_for, names_a_topic, served, weighted_rate
from bot.core.model import Outcome

N = 3000


def _rows(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 3))
    negative = rng.random(N) < 0.3
    x[negative, 2] += 2.5  # out-of-scope messages look different on one feature, as p_oos does
    correct = ~negative & (x[:, 0] + rng.normal(size=N) > -0.5)
    return rng, x, correct, negative


def _guards(**flags: np.ndarray) -> Guards:
    none = np.zeros(N, dtype=bool)
    return Guards(*(flags.get(f, none) for f in GUARD_NAMES))


def test_negatives_a_rule_declines_count_toward_the_decline_target():
    rng, x, correct, negative = _rows()
    ruled = negative & (rng.random(N) < 0.5)  # an out-of-scope class beats every entry: declined whatever the bars
    guards = _guards(oos_beats=ruled)
    d = fit_decider(x, correct, negative, guards, 0.03, 0.90, 0.25)
    pa, ph = d.batch(x)
    answered, suggested = served(pa, ph, d.answer_at, d.suggest_at, guards)
    declined = ~answered & ~suggested
    assert declined[negative].mean() == pytest.approx(0.90, abs=2 / negative.sum())
    plain = fit_decider(x, correct, negative, _guards(), 0.03, 0.90, 0.25)
    assert d.suggest_at < plain.suggest_at  # the rule's declines let the bar offer more suggestions


def test_answers_a_rule_turns_into_suggestions_are_not_counted_as_wrong():
    rng, x, correct, negative = _rows(1)
    close = ~correct & (rng.random(N) < 0.6)  # most would-be wrong answers have a close runner-up
    guards = _guards(close_call=close)
    weight = np.where(negative, 0.25 * (~negative).sum() / (0.75 * negative.sum()), 1.0)
    d = fit_decider(x, correct, negative, guards, 0.03, 0.90, 0.25)
    pa, ph = d.batch(x)
    answered, suggested = served(pa, ph, d.answer_at, d.suggest_at, guards)
    assert weighted_rate(answered & ~correct, weight) <= 0.03
    assert not (answered & close).any() and (suggested & close & (pa >= d.answer_at)).any()
    plain = fit_decider(x, correct, negative, _guards(), 0.03, 0.90, 0.25)
    assert d.answer_at < plain.answer_at


def test_one_message_is_decided_by_the_same_rules():
    rng, x, correct, negative = _rows(2)
    d = fit_decider(x, correct, negative, _guards(), 0.03, 0.90, 0.25)
    sure = (0.99, 0.99)
    one = lambda **kw: Guards(*(np.array([kw.get(f, False)]) for f in GUARD_NAMES))  # noqa: E731
    assert d.decide(*sure, one()) is Outcome.ANSWER
    assert d.decide(*sure, one(close_call=True)) is Outcome.SUGGEST
    assert d.decide(*sure, one(too_short=True)) is Outcome.SUGGEST
    assert d.decide(*sure, one(untrusted=True)) is Outcome.SUGGEST  # an entry CV seldom confirms: "did you mean"
    assert d.decide(*sure, one(no_topic=True)) is Outcome.FALLBACK
    assert d.decide(*sure, one(oos_beats=True)) is Outcome.FALLBACK  # another domain: an honest no, not a guess
    assert d.decide(0.0, 0.99, one()) is Outcome.SUGGEST
    assert d.decide(0.0, 0.99, one(oos_beats=True)) is Outcome.FALLBACK
    assert d.decide(0.0, 0.0, one()) is Outcome.FALLBACK


def test_the_second_head_tells_covered_messages_from_negatives_not_right_from_wrong():
    """Suggest-or-decline asks whether the KB covers a message: an in-scope message whose right entry is not
    first is still worth "did you mean", so the head that chooses between the two is P(in scope)."""
    rng, x, correct, negative = _rows(3)
    d = fit_decider(x, correct, negative, _guards(), 0.03, 0.90, 0.25)
    pa, p_in = d.batch(x)
    assert p_in[~negative].mean() > 0.7 > 0.3 > p_in[negative].mean()
    wrong_top = ~negative & ~correct  # covered, but the top entry is wrong
    assert p_in[wrong_top].mean() > 0.6 and pa[wrong_top].mean() < pa[correct].mean()


def test_the_rules_read_the_ranking_and_the_words():
    shares = np.array([0.50, 0.49, 0.01])
    g = guards_for(shares, False, ("逾期", "征信", "怎么办"), min_margin=0.02, min_words=2)
    assert g.close_call[0] and not g.too_short[0] and not g.no_topic[0]
    g = guards_for(np.array([0.9, 0.1]), True, ("怎么办",), min_margin=0.02, min_words=2)
    assert g.no_topic[0] and g.oos_beats[0] and not g.close_call[0]
    assert guards_for(np.zeros(0), False, ("逾期",), 0.02, 2).no_topic[0]
    assert names_a_topic(("征信",), 2) and not names_a_topic(("征信", "什么"), 2)
    assert names_a_topic(("征信", "2000"), 2)  # a number is not a content word
