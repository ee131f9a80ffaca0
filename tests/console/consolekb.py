"""Hold the small knowledge base the console and editor-tool tests write with tests.kbfactory."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

TODAY = dt.date.today().isoformat()

COLLECTION = f"""\
category: 催收与权利
entries:
  - id: collection-home-visit-legality
    question: 上门催收合法吗?
    summary: 先保持冷静,保留证据,再通过官方渠道处理。
    alternates:
      - 催收上门违法吗
      - 催收到家里来合法吗
      - 上门催收算不算违法
      - 催收人员能不能到家里来
      - 催收跑到单位来合法吗
      - 催收可以去我公司吗
      - 外访催收合法吗
      - 上门催债违法吗
      - 催收员能上门吗
    answer: |
      上门催收本身并不违法,但有明确的边界:未经同意进入住宅、被要求离开后仍然不走、威胁恐吓、堵门闹事,都可能违法。

      **怎么判断是否越界**
      1. 进门:住宅受法律保护,你有权不开门,也可以不让陌生人进屋。
      2. 言行:辱骂、恐吓、纠缠、在门上张贴欠款信息,都属于侵扰私人生活安宁。
      3. 对象:催收应当只找你本人,不应向邻居和同事透露你的欠款。

      **去哪里求助**
      - 对方威胁你或者不肯离开:马上拨打110。
    sources:
      - 《中华人民共和国民法典》第一千零三十三条(全国人民代表大会,2020年)
    related: [collection-home-visit-response, collection-contacts-third-party]
    tags: [催收, 上门]
    updated: {TODAY}

  - id: collection-home-visit-response
    question: 催收人员上门了该怎么应对?
    summary: 先保持冷静,保留证据,再通过官方渠道处理。
    alternates:
      - 催收上门了怎么办
      - 催收的人来我家了怎么处理
      - 有人上门要债我该怎么做
      - 催债的堵在门口怎么办
      - 催收人员在门外不走怎么办
      - 催收来家里要不要开门
      - 催收员到家了如何应对
      - 外访人员来了怎么应付
      - 上门催收的人赖着不走
    answer: |
      先保证安全、保持冷静:你可以隔着门沟通,不必开门,也不要让陌生人进屋;先核实对方身份,不当场付现金。

      **怎么做**
      1. 隔门沟通:请对方说出姓名、所属机构、受哪家贷款机构委托,并出示证件。
      2. 自己核实:通过贷款机构的官方客服确认是否委托了人上门。
      3. 全程录音录像,记下时间、人数和说了什么。
      4. 对方辱骂、威胁或者拒不离开,立即拨打110。
    sources:
      - 《中华人民共和国民法典》第一千零三十三条(全国人民代表大会,2020年)
    related: [collection-home-visit-legality, collection-contacts-third-party]
    tags: [催收, 上门, 应对]
    updated: {TODAY}

  - id: collection-contacts-third-party
    question: 催收爆通讯录、联系我的家人朋友同事怎么办?
    summary: 先保持冷静,保留证据,再通过官方渠道处理。
    alternates:
      - 催收爆通讯录怎么办
      - 催收打电话给我家人
      - 催收联系我的朋友同事
      - 网贷爆通讯录合法吗
      - 催收给我妈打电话怎么办
      - 催收骚扰我的紧急联系人
      - 被爆通讯录了怎么处理
      - 催收群发短信给我通讯录好友
      - 催收打到我单位领导那里
    answer: |
      催收不应当联系与债务无关的第三人,更不能向你的家人、朋友、同事透露或者宣扬你的欠款;爆通讯录侵犯个人信息。

      **怎么做**
      1. 截图、录音,保存家人朋友收到的短信和通话记录。
      2. 向贷款机构的官方客服投诉,要求停止联系第三人。
      3. 仍不停止的,拨打12378投诉;有威胁、辱骂的,拨打110。
    sources:
      - 《中华人民共和国个人信息保护法》第十条(全国人民代表大会常务委员会,2021年)
    related: [collection-home-visit-legality]
    tags: [催收, 通讯录]
    updated: {TODAY}
"""

OVERDUE = f"""\
category: 逾期后果
entries:
  - id: overdue-credit-card-criminal
    question: 信用卡欠款还不上会坐牢吗?
    summary: 先保持冷静,保留证据,再通过官方渠道处理。
    alternates:
      - 信用卡逾期会坐牢吗
      - 信用卡还不上会被抓吗
      - 欠信用卡的钱会判刑吗
      - 信用卡恶意透支是什么
      - 信用卡欠款不还要坐牢吗
      - 信用卡逾期会被判刑吗
      - 恶意透支怎么认定
      - 信用卡欠太多会不会进监狱
      - 信用卡逾期被说要刑事立案
    answer: |
      单纯因为没钱还不上信用卡,一般不会坐牢;只有以非法占有为目的、经发卡银行两次有效催收后超过三个月仍不归还等情形,才可能构成恶意透支。

      **怎么做**
      1. 不要失联:保持电话畅通,接听银行的正式催收。
      2. 主动联系银行官方客服说明困难,申请分期或者延期。
      3. 保留你还款意愿和还款记录的证据。
    sources:
      - 《中华人民共和国刑法》第一百九十六条(全国人民代表大会,1997年)
    related: [credit-report-overdue-timing]
    tags: [信用卡, 恶意透支]
    updated: {TODAY}

  - id: credit-report-overdue-timing
    question: 逾期多久会上征信?有宽限期吗?
    summary: 先保持冷静,保留证据,再通过官方渠道处理。
    alternates:
      - 逾期多久上征信
      - 逾期一天会上征信吗
      - 晚还几天影响征信吗
      - 有没有还款宽限期
      - 逾期几天会有不良记录
      - 网贷逾期多久上征信
      - 信用卡宽限期是几天
      - 逾期了征信会不会花
      - 晚还款会不会留下征信记录
    answer: |
      逾期一天就可能被报送到征信系统;有没有宽限期、宽限几天,由各家贷款机构自己规定,要以合同和官方客服的答复为准。

      **怎么做**
      1. 发现逾期后尽快还上,并保留还款凭证。
      2. 联系官方客服,问清楚是否已经报送征信、能否按宽限期处理。
      3. 过一段时间查询一次个人信用报告,核对记录是否准确。
    sources:
      - 《征信业管理条例》第十六条(国务院,2013年)
    related: [overdue-credit-card-criminal]
    tags: [征信, 逾期]
    updated: {TODAY}
"""

SUPPORT = f"""\
category: 求助与支持
entries:
  - id: support-mental-health
    question: 债务压力太大,觉得活不下去了怎么办?
    summary: 先保持冷静,保留证据,再通过官方渠道处理。
    alternates:
      - 活不下去了
      - 不想活了
      - 欠债压力太大想死
      - 撑不下去了
      - 负债太多整夜睡不着
      - 欠了这么多钱不如死了算了
      - 被催收逼得想去死
      - 欠债抑郁了
      - 人生没希望了
    answer: |
      听到你这么难受,我很担心你。你的生命比任何债务都重要。如果你现在有伤害自己的想法,请立刻拨打110或120,或者马上到有人在的地方去。

      **现在可以做的**
      1. 拨打12356心理援助热线,和专业人员聊一聊。
      2. 联系一个你信任的人,告诉他你现在的状态。
      3. 今晚不需要做任何决定,也不需要马上解决所有债务。
    sources:
      - 国家卫生健康委员会关于设置12356全国统一心理援助热线的通知(2024年)
    related: [collection-home-visit-response]
    tags: [心理支持]
    updated: {TODAY}
"""

FILES = {"collection.yaml": COLLECTION, "overdue.yaml": OVERDUE, "support.yaml": SUPPORT}
ENTRY_IDS = (
    "collection-home-visit-legality", "collection-home-visit-response", "collection-contacts-third-party",
    "overdue-credit-card-criminal", "credit-report-overdue-timing", "support-mental-health",
)


def console_files(**replace: str) -> dict[str, str]:
    """The console KB's files; keyword arguments replace (or add) files by name, e.g. collection_yaml=…"""
    files = dict(FILES)
    files.update({name.replace("_yaml", ".yaml").replace("_txt", ".txt"): text for name, text in replace.items()})
    return files


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing needle."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")
