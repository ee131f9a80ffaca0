"""Regression gate on the real knowledge base: CI fails when matching quality drops."""
from pathlib import Path

import pytest

from bot.editor.evaluate import evaluate, load_eval_file
from bot.core.model import Outcome

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval.yaml"


@pytest.fixture(scope="module")
def report(real_engine):
    return evaluate(real_engine, load_eval_file(EVAL))


def test_eval_set_is_big_and_covers_every_topic(real_engine):
    items = load_eval_file(EVAL)
    assert len(items) >= 450
    assert sum(1 for i in items if not i.expect) >= 70
    for entry in real_engine.kb.entries:
        n = sum(1 for i in items if i.expect and i.expect[0] == entry.id)
        assert n >= 5, f"{entry.id} has only {n} eval questions"


def test_answer_accuracy_gate(report):
    # the calibrated engine answers only when cross-validation says it is very likely right
    # (measured 0.538 after twelve rounds of harvested real questions, 0.545 after nine; 0.569 after five rounds and
    # 0.585 before them: every round of near-domain negatives makes the model less sure of editor-written
    # paraphrases like these, while real questions gain; most of the rest get suggestions)
    # 0.567 -> 0.653 once cross-validation counted the entries knowledge/acceptable.yaml names as right answers
    assert report.metrics["answer_accuracy"] >= 0.62


def test_helpful_rate_gate(report):
    # the right entry is answered or among the suggestions (measured 0.751). It was 0.924 before the KB learned
    # ~1,500 real near-domain questions to decline (nine harvest rounds; rounds 10-12 added none of their gaps,
    # which fell to 0.721): each round raised the suggest bar that declines 90 % of held-out negatives, and
    # declines rose (below; on real borrower questions 0.44 -> 0.89).
    # The P(in scope) head (bot/core/decide.py) won back part of it: 0.796 -> 0.827 on the five-round KB
    assert report.metrics["helpful_rate"] >= 0.74


def test_wrong_answer_rate_gate(report):
    # measured 0.021; 0.032 since calibration counts acceptable.yaml's second entries as right. eval.yaml labels one
    # entry where two are close (撤销限高: overdue-enforcement-blacklist, not overdue-blacklist-removal), and most
    # of its new "wrong" answers are such neighbours
    assert report.metrics["wrong_answer_rate"] <= 0.035


def test_out_of_scope_questions_are_mostly_rejected(report):
    assert report.metrics["out_of_scope_rejection"] >= 0.94  # measured 0.977 (0.923 before the harvests)


def test_cross_validation_over_the_kb_meets_its_targets(real_engine):
    cv = real_engine.cv_summary  # held-out KB phrasings + out_of_scope.yaml negatives
    assert cv["top1"] >= 0.75 and cv["top3"] >= 0.90
    assert cv["wrong"] <= 0.035  # the calibration target is 0.03 (bot/core/settings.py)
    assert cv["negatives_declined"] >= 0.885  # the calibration target is 0.90 (measured 0.900)


def test_almost_no_alternate_is_stolen_by_another_entry(real_engine):
    """The classifier is regularized, so a near-duplicate phrasing in two entries may go to the other one."""
    stolen, total = [], 0
    for entry in real_engine.kb.entries:
        for text in (entry.question, *entry.alternates):
            total += 1
            m = real_engine.match(text)
            top = m.candidates[0].id if m.candidates else None
            if top != entry.id and not (m.crisis and entry.id == "support-mental-health"):
                stolen.append((entry.id, text, top))
    assert len(stolen) <= 0.005 * total, stolen


def test_every_required_topic_is_answered_by_its_own_question(real_engine):
    for entry in real_engine.kb.entries:
        m = real_engine.match(entry.question)
        assert m.decision is Outcome.ANSWER and m.candidates[0].id == entry.id, entry.id


@pytest.mark.parametrize("text", ["催收打电话说明天要上门是真的吗", "银行说下周上门走访真的假的", "分期乐说要上门了是不是真的"])
def test_a_threatened_visit_is_met_by_the_home_visit_entry_not_the_timeline(real_engine, text):
    # "X说要上门是真的吗" asks whether a visit is real and what it may do: the home-visit entry answers that (both
    # reviews of real questions accept it); the escalation timeline, which once owned these phrasings, does not
    m = real_engine.match(text)
    assert m.decision in (Outcome.ANSWER, Outcome.SUGGEST)
    assert m.candidates[0].id == "collection-home-visit-legality"
