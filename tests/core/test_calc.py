"""The loan-cost calculator against independently worked figures, and the LPR file it compares with."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, seed, settings, strategies as st

from bot.core.calc import Figures, calculate, compute, confirm, parse
from bot.core.loader import KBValidationError
from bot.core.lpr import Lpr, load_lpr

LPR = Lpr(3.0, dt.date(2025, 5, 20))


def test_ten_thousand_repaid_as_twelve_times_one_thousand_is_about_35_07_percent():
    c = calculate("借1万 每月还1000 还12期 利率多少", LPR)
    assert c is not None and not c.asks
    assert c.apr == pytest.approx(35.07, abs=0.01)
    assert c.limit == 12.0 and c.over_limit is True
    assert 2 <= len(c.lines) <= 3 and "35.07%" in c.lines[1] and "12%" in c.lines[2]


def test_upfront_deduction_uses_the_money_received():
    # 9000 received, 12 × 1000 repaid: monthly IRR 4.7290% (solved independently) → 56.75 % a year
    c = calculate("借1万到手9000 每月还1000 还12期", LPR)
    assert c.figures.received == 9000 and c.apr == pytest.approx(56.75, abs=0.01)
    assert "砍头息" in c.lines[0]


def test_daily_and_monthly_rates_give_the_simple_annual_rate():
    assert calculate("日息万五高吗", LPR).simple_annual == pytest.approx(18.25)
    assert calculate("日利率0.05%", LPR).simple_annual == pytest.approx(18.25)
    monthly = calculate("月息1分5", LPR)
    assert monthly.simple_annual == pytest.approx(18.0) and monthly.apr == pytest.approx(18.0)
    assert calculate("月息2分", LPR).figures.monthly_rate == pytest.approx(0.02)


def test_flat_per_period_fee_is_turned_into_an_irr():
    # 0.6 % of the principal per period over 12 periods is the textbook ~13.0 % APR
    c = calculate("借1万 每期费率0.6% 分12期", LPR)
    assert c.apr == pytest.approx(13.03, abs=0.02)


def test_unclear_figures_get_a_question_back_never_a_guess():
    c = calculate("借1万 还1000 12", LPR)
    assert c.asks and c.apr is None and c.question == "是每月还1000,一共12期吗?"
    confirmed = confirm(c.figures, "是", LPR)
    assert confirmed is not None and confirmed.apr == pytest.approx(35.07, abs=0.01)
    assert confirm(c.figures, "逾期多久上征信", LPR) is None
    assert calculate("借1万 每月还1000", LPR).question == "每月还1000,一共要还几期?"
    assert calculate("借1万到手9000", LPR).asks


@pytest.mark.parametrize("text", ["逾期多久上征信", "借了5万逾期了怎么办", "欠了网贷十万", "3个月没还了",
                                  "信用卡分24期 比分6期更划算吗"])
def test_ordinary_questions_are_not_calculations(text):
    assert calculate(text, LPR) is None


def test_without_an_lpr_the_limit_is_not_invented():
    c = calculate("借1万 每月还1000 还12期", None)
    assert c.apr == pytest.approx(35.07, abs=0.01) and c.limit is None and c.over_limit is None


@seed(20261201)
@settings(max_examples=60, deadline=None)
@given(principal=st.integers(1_000, 200_000), count=st.integers(2, 36), rate=st.floats(0.001, 0.08))
def test_the_apr_recovers_the_rate_an_annuity_was_built_with(principal, count, rate):
    payment = principal * rate / (1 - (1 + rate) ** -count)
    c = compute(Figures(principal=float(principal), payment=payment, count=count), LPR)
    assert c.period_rate == pytest.approx(rate * 100, rel=1e-3)


def test_parse_reads_the_parts():
    f = parse("借5000 每月还500 还12个月")
    assert (f.principal, f.payment, f.count, f.guessed) == (5000, 500, 12, False)


def test_lpr_file_is_read_and_its_errors_have_a_line(tmp_path: Path):
    assert load_lpr(tmp_path) is None
    (tmp_path / "lpr.yaml").write_text("# note\none_year_lpr:\n  rate: 3.0\n  effective: 2025-05-20\n", encoding="utf-8")
    assert load_lpr(tmp_path) == Lpr(3.0, dt.date(2025, 5, 20))
    (tmp_path / "lpr.yaml").write_text("one_year_lpr:\n  rate: 三\n  effective: 2025-13-01\n", encoding="utf-8")
    with pytest.raises(KBValidationError) as exc:
        load_lpr(tmp_path)
    assert [(e.line, e.message.split()[0]) for e in exc.value.errors] == [(2, "'rate'"), (3, "'effective'")]
    assert str(exc.value.errors[0]).startswith(str(tmp_path / "lpr.yaml") + ":2:")


def test_the_bundled_lpr_is_the_leads_value(real_kb_path):
    lpr = load_lpr(real_kb_path)
    assert lpr is not None and lpr.rate == 3.0 and lpr.effective == dt.date(2025, 5, 20) and lpr.limit == 12.0
