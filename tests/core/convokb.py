"""The small knowledge base the conversation tests run on (data only; written by tests/kbfactory.py)."""
from __future__ import annotations

from tests.kbfactory import entry

LPR_YAML = "one_year_lpr:\n  rate: 3.0\n  effective: 2025-05-20\n"


def convo_files() -> dict[str, tuple[str, list[dict]]]:
    """Entries about credit cards and online loans, so follow-ups have somewhere to go."""
    return {
        "overdue.yaml": ("逾期后果", [
            entry("card-credit-report", "信用卡逾期会上征信吗?",
                  ["信用卡逾期上征信吗", "信用卡晚还会不会上征信", "信用卡没还上征信"], ["card-cannot-pay"],
                  summary="信用卡逾期会被银行报送征信。"),
            entry("online-credit-report", "网贷逾期会上征信吗?",
                  ["网贷逾期上征信吗", "网贷晚还会不会上征信", "网贷没还上征信"], ["online-cannot-pay"]),
            entry("card-cannot-pay", "信用卡还不上怎么办?",
                  ["信用卡还不上了", "信用卡还不起怎么办", "信用卡没钱还"], ["card-credit-report"]),
            entry("online-cannot-pay", "网贷还不上怎么办?",
                  ["网贷还不上了", "网贷还不起怎么办", "网贷没钱还"], ["online-credit-report"]),
            entry("spouse-debt", "我欠的债,老婆要帮我还吗?",
                  ["老婆要还吗", "配偶要不要还债", "夫妻一方欠债另一方要还吗"], ["card-cannot-pay"]),
            entry("sued", "欠钱不还会被起诉吗?",
                  ["会被起诉吗", "逾期会被告吗", "平台会起诉我吗"], ["card-cannot-pay"]),
        ]),
        "lending.yaml": ("借贷常识", [
            entry("lending-apr", "怎么算贷款的真实年化利率?", ["真实年化怎么算", "年化利率怎么算", "IRR怎么算"],
                  ["lending-interest-cap"]),
            entry("lending-interest-cap", "借款利率多少算高利贷?", ["高利贷标准", "利率上限是多少", "利息多少合法"],
                  ["lending-apr"]),
            entry("lending-daily-rate", "日利率怎么换算成年化?", ["日息怎么算年化", "日利率换算", "日息高吗"],
                  ["lending-apr"]),
            entry("lending-upfront-deduction", "砍头息是什么?", ["借款先扣利息", "砍头息合法吗", "到手金额少了"],
                  ["lending-apr"]),
        ]),
    }
