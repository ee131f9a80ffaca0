"""Read a loan's figures from a message and compute what it really costs (APR by the PBOC 2021 IRR method)."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

import numpy_financial as npf

from bot.core.lpr import Lpr

CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
NUM = r"(\d+(?:\.\d+)?)"
UNIT = r"\s*(万|w|千|k|元|块)?"
PRINCIPAL_RE = re.compile(r"(?:借(?:了|款|钱)?|贷(?:了|款)?|本金)\s*" + NUM + UNIT)
RECEIVED_RE = re.compile(r"(?:实际)?(?:到手|到账|拿到|只给了?|只打了?)(?:了)?\s*" + NUM + UNIT)
PAYMENT_RE = re.compile(r"(?:每(?:个)?(月|期|周)|月供)\s*(?:要|需要|得)?(?:还款?|付|交)?\s*" + NUM + UNIT)
COUNT_RE = re.compile(r"(?:分|还|共|一共|总共|借)?\s*(\d{1,3})\s*(期|个月)")
BARE_PAYMENT_RE = re.compile(r"还\s*" + NUM + UNIT)
DAILY_RE = re.compile(r"(?:日息|日利率|日利息|日费率|每天利息)\s*(?:是|为)?\s*(?:(?:万分之|万)\s*([\d.]+|[一二两三四五六七八九十])|"
                      + NUM + r"\s*%)")
MONTHLY_RE = re.compile(r"(?:月息|月利率|月利息)\s*(?:是|为)?\s*(?:" + NUM + r"\s*%|(\d|[一二两三四五六七八九十])\s*分\s*(\d|[一二两三四五六七八九])?(?:厘)?|"
                        r"(\d|[一二两三四五六七八九])\s*厘)")
FEE_RE = re.compile(r"(?:每期|每月|月)(?:手续)?费率\s*(?:是|为)?\s*" + NUM + r"\s*%")
COST_WORDS = ("利率", "利息", "年化", "高利贷", "合法", "划算", "贵", "多少", "高吗", "算多少", "超过", "砍头息")
YES = {"是", "是的", "对", "对的", "嗯", "没错", "是啊", "对啊", "好", "yes", "y"}


@dataclass(frozen=True)
class Figures:
    """What the message said about a loan (amounts in yuan, rates as fractions per period)."""

    principal: float | None = None
    received: float | None = None
    payment: float | None = None
    count: int | None = None
    period: str = "月"  # 月 / 周 for installments
    daily_rate: float | None = None
    monthly_rate: float | None = None
    fee_rate: float | None = None  # per-installment fee on the original principal
    guessed: bool = False  # a role was inferred from a bare number: confirm before computing


@dataclass(frozen=True)
class Calc:
    """A computed cost, or a question back when the figures are not clear enough."""

    figures: Figures
    apr: float | None = None  # percent, IRR × periods per year
    simple_annual: float | None = None  # percent, for a daily or monthly rate
    period_rate: float | None = None  # percent, IRR per period
    limit: float | None = None  # percent, 4 × LPR
    lpr: Lpr | None = None
    over_limit: bool | None = None
    lines: tuple[str, ...] = ()  # the working, two or three lines
    question: str = ""  # set when we ask back instead of computing

    @property
    def asks(self) -> bool:
        return bool(self.question)

    def to_json(self) -> dict[str, object]:
        f = self.figures
        return {
            "apr": self.apr, "simple_annual": self.simple_annual, "period_rate": self.period_rate,
            "limit": self.limit, "lpr": self.lpr.rate if self.lpr else None,
            "lpr_effective": self.lpr.effective.isoformat() if self.lpr else None,
            "over_limit": self.over_limit, "question": self.question or None,
            "figures": {"principal": f.principal, "received": f.received, "payment": f.payment, "count": f.count,
                        "daily_rate": f.daily_rate, "monthly_rate": f.monthly_rate, "fee_rate": f.fee_rate},
        }


def _amount(number: str, unit: str | None) -> float:
    value = float(number)
    if unit in ("万", "w"):
        value *= 10_000
    elif unit in ("千", "k"):
        value *= 1_000
    return value


def _digit(text: str | None) -> float:
    if not text:
        return 0.0
    return float(CN_DIGITS[text]) if text in CN_DIGITS else float(text)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(",", "")


def parse(text: str | None) -> Figures | None:
    """The loan figures in a message, or None when it gives none (then it is an ordinary question)."""
    if not text:
        return None
    t = _fold(text)
    principal = received = payment = fee = daily = monthly = None
    count: int | None = None
    period = "月"
    guessed = False
    if m := RECEIVED_RE.search(t):
        received = _amount(m.group(1), m.group(2))
    rest = RECEIVED_RE.sub(" ", t)
    if m := PRINCIPAL_RE.search(rest):
        principal = _amount(m.group(1), m.group(2))
    if m := PAYMENT_RE.search(t):
        period = "周" if m.group(1) == "周" else "月"
        payment = _amount(m.group(2), m.group(3))
    if m := COUNT_RE.search(PAYMENT_RE.sub(" ", t)):
        count = int(m.group(1))
    if m := DAILY_RE.search(t):
        daily = _digit(m.group(1)) / 10_000 if m.group(1) else float(m.group(2)) / 100
    if m := MONTHLY_RE.search(t):
        if m.group(1):
            monthly = float(m.group(1)) / 100
        elif m.group(2):
            monthly = (_digit(m.group(2)) + _digit(m.group(3)) / 10) / 100
        else:
            monthly = _digit(m.group(4)) / 1000
    if m := FEE_RE.search(t):
        fee = float(m.group(1)) / 100
    if payment is None and principal is not None:
        # "借1万 还1000 12": a bare 还 amount smaller than the loan is probably one installment
        for m in BARE_PAYMENT_RE.finditer(PRINCIPAL_RE.sub(" ", rest)):
            value = _amount(m.group(1), m.group(2))
            if 0 < value < principal:
                payment, guessed = value, True
                break
        if count is None and payment is not None:
            numbers = [int(n) for n in re.findall(r"(?<![\d.])(\d{1,3})(?![\d.万千wk元块%期个])", t)]
            if numbers:
                count, guessed = numbers[-1], True
    if daily == 0 or monthly == 0:
        daily = monthly = None
    found = Figures(principal, received, payment, count, period, daily, monthly, fee, guessed)
    if all(v is None for v in (principal, received, payment, count, daily, monthly, fee)):
        return None
    return found


def _is_about_cost(text: str, f: Figures) -> bool:
    """Figures worth computing: a rate, a repayment schedule, or an amount plus a question about its cost."""
    if f.daily_rate is not None or f.monthly_rate is not None or f.fee_rate is not None:
        return True
    given = sum(v is not None for v in (f.principal, f.received, f.payment, f.count))
    return given >= 3 or (given >= 2 and (f.payment is not None or f.received is not None)) \
        or (given >= 1 and any(w in text for w in COST_WORDS) and (f.payment is not None or f.received is not None))


def _pct(value: float) -> str:
    return f"{value:.2f}%"


def _yuan(value: float) -> str:
    return f"{value:,.0f}".replace(",", "") + " 元"


def _limit_line(apr: float, lpr: Lpr | None) -> tuple[str, float | None, bool | None]:
    if lpr is None:
        return "问答库里没有登记一年期 LPR,暂时无法和法定上限比较。", None, None
    verdict = "超过了" if apr > lpr.limit else "没有超过"
    return (f"民间借贷受法律保护的上限是合同成立时一年期 LPR 的 4 倍:{lpr.rate:g}% × 4 = {lpr.limit:g}%"
            f"(LPR 自 {lpr.effective.isoformat()} 起);这笔借款{verdict}这个上限。"), lpr.limit, apr > lpr.limit


def _ask(f: Figures) -> str:
    if f.payment is not None and f.count is not None:
        return f"是每{f.period}还{f.payment:g},一共{f.count}期吗?"
    if f.payment is not None:
        return f"每{f.period}还{f.payment:g},一共要还几期?"
    if f.count is not None:
        return f"一共{f.count}期,每期要还多少钱?"
    if f.received is not None:
        return "这笔钱怎么还:每月还多少、一共几期?"
    return "请告诉我借了多少、每期还多少、一共几期,例如“借1万 每月还1000 还12期”。"


def compute(f: Figures, lpr: Lpr | None) -> Calc:
    """The APR (IRR × periods per year, as the PBOC's 2021 notice defines it) and the working, or a question back."""
    if f.guessed:
        return Calc(f, question=_ask(f))
    ppy = 52 if f.period == "周" else 12
    base = f.received if f.received is not None else f.principal
    if f.daily_rate is not None or f.monthly_rate is not None:
        if f.daily_rate is not None:
            per, periods, name = f.daily_rate, 365, "日"
        else:
            per, periods, name = float(f.monthly_rate), 12, "月"  # type: ignore[arg-type]
        simple = per * periods * 100
        apr = simple
        lines = [f"{name}利率 {per * 100:g}% × {periods} = 年化单利 {_pct(simple)}。"]
        if f.received is not None and f.principal and f.count and f.received < f.principal:
            # interest on the contract amount each period, the contract amount back at the end, less received
            months = f.count if name == "月" else None
            if months:
                r = float(npf.rate(months, -f.principal * per, f.received, -f.principal))
                apr = r * 12 * 100
                lines.append(f"按实际到手 {_yuan(f.received)}计算(内部收益率 IRR × 12):年化约 {_pct(apr)}。")
        else:
            lines.append(f"按人民银行 2021 年公告的口径(每期利率 × 每年期数),年化利率也是 {_pct(apr)};"
                         "如果是分期还本、每期仍按全部本金算息,实际年化会更高。")
        line, limit, over = _limit_line(apr, lpr)
        return Calc(f, apr=round(apr, 2), simple_annual=round(simple, 2), period_rate=round(per * 100, 4),
                    limit=limit, lpr=lpr, over_limit=over, lines=(*lines, line))
    payment, count = f.payment, f.count
    if f.fee_rate is not None and count and payment is None:
        if f.principal is None:
            principal = 10_000.0  # the APR of a flat per-period fee does not depend on the amount
        else:
            principal = f.principal
        payment = principal / count + principal * f.fee_rate
        base = f.received if f.received is not None else principal
    if payment is None or count is None or base is None or count < 1 or payment <= 0:
        return Calc(f, question=_ask(f))
    if payment * count <= base:
        return Calc(f, question=f"每{f.period}还{payment:g}、一共{count}期,总共只还 {payment * count:g},"
                                f"不比借到的 {base:g} 多。是这样吗?请再核对一下数字。")
    r = float(npf.rate(count, -payment, base, 0.0))
    if not math.isfinite(r) or r <= 0:
        return Calc(f, question=_ask(f))
    apr = r * ppy * 100
    head = f"借款 {_yuan(f.principal)}" if f.principal is not None else "借款"
    if f.received is not None and f.principal is not None and f.received < f.principal:
        head += f",实际到手 {_yuan(f.received)}(少给的 {_yuan(f.principal - f.received)} 是砍头息,本金按到手金额算)"
    lines = [f"{head};每{f.period}还 {_yuan(payment)},共 {count} 期,一共还 {_yuan(payment * count)},"
             f"比到手的钱多 {_yuan(payment * count - base)}。",
             f"按人民银行 2021 年公告的口径(内部收益率 IRR × 每年期数):每期 {_pct(r * 100)} × {ppy} = 年化约 {_pct(apr)}。"]
    line, limit, over = _limit_line(apr, lpr)
    return Calc(f, apr=round(apr, 2), period_rate=round(r * 100, 4), limit=limit, lpr=lpr, over_limit=over,
                lines=(*lines, line))


def calculate(text: str | None, lpr: Lpr | None) -> Calc | None:
    """A Calc for a message that gives a loan's figures; None for an ordinary question."""
    figures = parse(text)
    if figures is None or not _is_about_cost(_fold(text or ""), figures):
        return None
    return compute(figures, lpr)


def confirm(pending: Figures, text: str, lpr: Lpr | None) -> Calc | None:
    """A "是" to our question back computes the figures we guessed; anything else is a new message."""
    if _fold(text).strip(" !。.~") not in YES:
        return None
    return compute(Figures(**{**pending.__dict__, "guessed": False}), lpr)


def entry_ids(f: Figures) -> tuple[str, ...]:
    """The KB entries that explain this calculation, most relevant first."""
    ids = ["lending-apr", "lending-interest-cap"]
    if f.daily_rate is not None or f.monthly_rate is not None:
        ids.insert(0, "lending-daily-rate")
    if f.fee_rate is not None:
        ids.insert(0, "literacy-installment-cost")
    if f.received is not None:
        ids.insert(0, "lending-upfront-deduction")
    return tuple(ids)
