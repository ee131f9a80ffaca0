"""The small knowledge base the Telegram tests run on (written to tmp_path), and the questions they ask."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.kbfactory import entry

TOKEN = "123456789:AAtest-Token_abcdefghijklmnopqrstuvwxyz0123"
ADMIN = 4242
UPDATED = dt.date(2026, 11, 28)
LONG_ID = "literacy-" + "-".join(["a-very-long-identifier-that-does-not-fit"] * 2)  # > 62 bytes

# questions that the test KB answers directly (ANSWER), with the entry each must get
DIRECT = {
    "上门催收合法吗": "collection-home-visit-legality",
    "催收爆通讯录怎么办": "collection-contacts",
    "怎么查个人征信报告": "credit-report-check",
    "逾期多久会上征信": "credit-overdue-record",
}
SUGGEST_Q = "信用卡年费问题"  # two entries share this alternate: a tie, so "你是不是想问"
SUGGEST_IDS = {"card-fee-waiver", "card-fee-refund"}
FALLBACK_Q = "今天天气怎么样"
CRISIS_Q = "我不想活了 催收天天打电话给我"
LONG_Q = "债务处理完整指南"


def _entry(id_: str, question: str, alternates: list[str], answer: str, sources: list[str],
           related: list[str] = ()) -> dict:
    return entry(id_, question, list(alternates), list(related), answer=answer, sources=list(sources),
                 updated=UPDATED.isoformat())


def kb_files() -> dict[str, tuple[str, list[dict]]]:
    """The test knowledge base: file name → (category, entries)."""
    long_answer = "\n\n".join(
        f"**第{i}部分**\n" + "处理债务要先列清单,弄清每一笔欠款的本金、利息和到期日,再和债权人沟通。" * 8
        for i in range(1, 15))
    terms = ["年化利率", "复利", "最低还款", "账单日", "还款日", "宽限期", "违约金", "分期手续费", "信用额度", "担保"]
    return {
        "collection.yaml": ("催收与权利", [
            _entry("collection-home-visit-legality", "上门催收合法吗?", ["催收上门违法吗", "催收到家里来合法吗"],
                   "催收人员可以上门沟通,但不得骚扰、威胁 <暴力> & 恐吓。\n\n**怎么做**\n1. 保持冷静,可以不开门\n"
                   "2. 保留录音录像证据\n\n**去哪里求助**\n- 受到威胁请拨打 110\n- 投诉可拨打 12378",
                   ["《中华人民共和国民法典》第一千零三十三条(2020年)", "A&B <规定>"],
                   ["collection-contacts", "credit-report-check", "support-legal-aid", "credit-overdue-record"]),
            _entry("collection-contacts", "催收爆通讯录怎么办?", ["催收打电话给我家人", "爆通讯录", "催收联系我的亲戚朋友"],
                   "催收联系与债务无关的第三人属于违规行为。", ["《个人信息保护法》第十条(2021年)"],
                   ["collection-home-visit-legality"]),
            _entry("collection-complaint", "怎么投诉暴力催收?", ["投诉催收", "举报暴力催收"],
                   "可以向金融监管部门投诉:拨打 12378。", ["《银行保险机构消费者权益保护管理办法》(2022年)"]),
        ]),
        "credit.yaml": ("征信", [
            _entry("credit-report-check", "怎么查个人征信报告?", ["查征信", "征信报告在哪查", "个人信用报告查询"],
                   "可以通过中国人民银行征信中心查询个人信用报告。", ["《征信业管理条例》第十七条(国务院,2013年)"]),
            _entry("credit-overdue-record", "逾期多久会上征信?", ["逾期几天上征信", "晚还款会不会上征信"],
                   "逾期信息一般在报送周期内报送。", ["《征信业管理条例》第十六条(国务院,2013年)"],
                   ["credit-report-check"]),
        ]),
        "card.yaml": ("信用卡", [
            _entry("card-fee-waiver", "信用卡年费怎么免?", ["信用卡年费问题", "年费减免"], "可以和发卡行协商减免年费。",
                   ["《商业银行信用卡业务监督管理办法》(2011年)"]),
            _entry("card-fee-refund", "信用卡年费能退吗?", ["信用卡年费问题", "年费退还"], "可以联系发卡行申请退还年费。",
                   ["《商业银行信用卡业务监督管理办法》(2011年)"]),
        ]),
        "literacy.yaml": ("常识", [
            *[_entry(f"literacy-term-{i:02d}", f"什么是{term}?", [f"{term}是什么意思"], f"{term}的解释。",
                     ["《测试依据》(2020年)"]) for i, term in enumerate(terms, start=1)],
            _entry("literacy-long-guide", "债务处理完整指南是什么?", ["债务处理完整指南", "债务处理指南"], long_answer,
                   ["《测试依据》(2020年)"], ["collection-contacts"]),
            _entry(LONG_ID, "长编号问题的测试是什么?", ["长编号测试"], "长编号的答案。", ["《测试依据》(2020年)"]),
        ]),
        "support.yaml": ("求助与支持", [
            _entry("support-mental-health", "债务压力太大,觉得活不下去了怎么办?", ["想死", "不想活了", "活不下去了"],
                   "你的生命比任何债务都重要。请拨打 12356 心理援助热线。", ["国家卫生健康委员会通知(2024年)"],
                   ["collection-contacts"]),
            _entry("support-legal-aid", "怎么申请法律援助?", ["免费律师", "法律援助热线"], "拨打 12348 咨询法律援助。",
                   ["《中华人民共和国法律援助法》(2021年)"]),
        ]),
    }
