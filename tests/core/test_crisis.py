"""Crisis precision and recall on a labelled set: real crisis statements always get support first."""
from __future__ import annotations

import pytest

CRISIS = [
    "我不想活了", "欠了三十万 真的活不下去了", "想死", "还不起钱想跳楼", "我想自杀", "壓力太大想自殺", "我 想 自 杀",
    "自\u200d杀", "我想自\u200b杀", "一了百了算了", "好想轻生", "欠网贷太多不如一死了之", "想 不 开 了",
    "我想自刹", "我想字杀", "实在撑不下去了,想结束生命", "不想再活下去了", "準備跳樓",
    "我在借呗借了三万,美团借了两万,信用卡还欠五万,每个月工资只有四千,催收天天打电话给我家里人," * 8 + "我真的不想活了",
]
NOT_CRISIS = [
    "欠了好多钱 我该怎么办啊", "压力好大", "压力好大怎么办", "催收威胁说要弄死我", "催收说要打死我", "逾期多久上征信",
    "信用卡还不起怎么办", "救命 催收说明天来我家", "还款压力大睡不着", "这两个问题很相似", "死活还不上怎么办",
    "比深圳条例多了保护二字,厦门个人破产保护条例保护的究竟是什么",  # 二字 / 厦门 sounds like 字杀 across words
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_statements_lead_with_support(real_engine, text):
    m = real_engine.match(text)
    assert m.crisis and m.decision.value == "answer" and m.candidates[0].id == "support-mental-health"


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_debt_stress_and_threats_are_not_crisis(real_engine, text):
    assert not real_engine.match(text).crisis
