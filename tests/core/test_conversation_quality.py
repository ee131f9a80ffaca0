"""The labeled set through the conversation path: context never lowers the standalone quality."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.lpr import load_lpr
from bot.editor.evaluate import load_eval_file
from tests.core.convoquality import PRIOR_QUESTIONS, passes

EVAL = Path(__file__).resolve().parents[1] / "data" / "eval.yaml"


@pytest.fixture(scope="module")
def scores(real_engine, real_kb_path):
    return passes(real_engine, load_eval_file(EVAL), load_lpr(real_kb_path))


@pytest.mark.parametrize("mode", ["no context", *(f"after {q}" for q in PRIOR_QUESTIONS)])
def test_context_does_not_lower_accuracy_or_raise_wrong_answers(scores, mode):
    base, got = scores["engine"], scores[mode]
    assert got.accuracy >= base.accuracy
    assert got.wrong_rate <= base.wrong_rate
    assert got.helpful >= base.helpful
    assert got.changed <= 20  # a complete new question ignores the context: almost nothing changes
