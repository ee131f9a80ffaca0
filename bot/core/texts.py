"""Keep the user-facing Chinese strings in one place so every channel says the same thing."""
from __future__ import annotations

DISCLAIMER = "以上为一般性信息,不构成法律意见;具体情况可咨询律师或拨打 12348 公共法律服务热线。"
SOURCES_LABEL = "依据："
SOURCES_SEPARATOR = "；"  # one law per item, full-width like the rest of the line
SUGGEST_INTRO = "你是不是想问:"
RELATED_INTRO = "相关问题:"

HUMAN_HELP = (
    "需要人工帮助:12348 公共法律服务(法律援助)热线;金融机构投诉可拨 12378;"
    "遇到威胁或人身危险请立即拨打 110。\n"
    "如果压力大到撑不住、想到伤害自己,请拨打 12356 心理援助热线。"
)

FALLBACK = (
    "暂时没有这个问题的答案。我只根据整理过、有出处的资料回答,不想给你一个可能不对的说法。\n\n"
    "可以这样试试:\n"
    "1. 换个说法,用一句话说清楚一个问题,例如“催收爆通讯录怎么办”“逾期多久上征信”。\n"
    "2. 用 /topics 按分类浏览全部问题。\n\n" + HUMAN_HELP
)
# a decline for a question that belongs to another domain with an official line ({channel}, bot.core.negatives)
ELSEWHERE = (
    "这个问题不属于债务和信用常识的范围,我这里没有整理过的可靠答案。这类问题可以咨询 {channel}。\n\n"
    "如果你的问题其实和欠款、催收或征信有关,可以换个说法再问,或用 /topics 浏览全部问题。\n\n" + HUMAN_HELP
)

EMPTY = "我没有看到文字问题。请用文字描述你遇到的情况,例如“信用卡逾期会坐牢吗”。也可以用 /topics 浏览问题。"
NON_TEXT = "我只能看懂文字消息。请用文字写下你的问题,例如“催收上门怎么办”。"
TRUNCATED = "你的消息比较长,我只看了开头部分。如果回答不对,请用一两句话重新描述最关心的问题。"

WELCOME = (
    "你好,我是信知(XinZhi),一个讲解债务与信用常识的助手。\n\n"
    "我可以回答:催收是否合法、逾期的后果、怎样协商还款、征信怎么查和申诉、"
    "识别高利贷和各种“代理协商”“征信修复”骗局,以及去哪里投诉、求助。\n\n"
    "直接用一句话提问就行,例如“催收打电话给我家人怎么办”。"
    "我给的是一般性信息,不是法律意见。"
)

HELP = (
    "使用方法:\n"
    "• 直接输入你的问题,例如“逾期多久会上征信”。\n"
    "• /topics 按分类浏览全部问题\n"
    "• /about 关于信知\n"
    "• /privacy 我们记录什么\n\n"
    "紧急情况:有人身威胁请拨 110;心理援助热线 12356;法律援助 12348。"
)

ABOUT = (
    "信知(XinZhi)是一个开源的债务与信用常识助手。所有回答来自人工整理、注明法律依据的问答库,"
    "匹配不到就如实告诉你“暂时没有答案”,不会编造。\n"
    "它不是律师,也不代表任何银行、平台或政府部门;回答仅供参考,不构成法律意见。"
)

PRIVACY = (
    "我们记录什么:\n"
    "• 没能回答的问题:先去掉手机号、固定电话、身份证号、银行卡号、电子邮箱,以及写明的姓名、地址、微信号、QQ、"
    "车牌和护照号,再保存文字(最多 500 字)、"
    "时间和渠道(Telegram 或控制台),用来补充问答库。\n"
    "• 你点的“你是不是想问”选项,以及 👍/👎 评价:只记录对应的问题编号、时间和渠道。\n"
    "• 不保存你的 Telegram 用户 ID、用户名或电话号码;能回答的问题,原文不保存。\n"
    "• 记录只存在运行信知的那台电脑或服务器的本地数据库里,默认 90 天后自动删除;"
    "运营者可以调整保存天数(XINZHI_LOG_DAYS),或完全关闭记录(XINZHI_LOG=off)。"
)

RATE_LIMITED = "你发得有点快,请稍等一分钟再问。我会一直在这里。"
FEEDBACK_THANKS = "谢谢你的反馈!"
GENERIC_ERROR = "抱歉,处理这条消息时出了点问题,请稍后再试。"

# --- Telegram adapter (bot/tg) ---------------------------------------------------------------------
TOPICS_INTRO = "请选择一个分类:"
CATEGORY_INTRO = "{category}:请选择一个问题"
PAGE_LABEL = "(第 {page}/{pages} 页)"
PREV_PAGE = "◀ 上一页"
NEXT_PAGE = "下一页 ▶"
BACK_TO_TOPICS = "↩ 返回分类"
BROWSE_TOPICS = "📚 按分类浏览"
FEEDBACK_UP = "👍 有帮助"
FEEDBACK_DOWN = "👎 没帮助"
ENTRY_GONE = "这个问题已经不在问答库里了,请用 /topics 重新浏览。"
ASK_USAGE = "用法:/ask 你的问题,例如 /ask 逾期多久会上征信"
ADMIN_ONLY = "抱歉,这个命令只对管理员开放。"
STATS_REPORT = (
    "自启动以来:\n"
    "提问 {questions}\n"
    "直接回答 {answers}\n"
    "给出建议 {suggestions}\n"
    "暂时没有答案 {fallbacks}\n"
    "空消息 {empty}\n"
    "选择建议 {picks}\n"
    "反馈 👍 {feedback_up} / 👎 {feedback_down}"
)
INLINE_ASK_PRIVATELY = "私聊信知提问"
COMMAND_MENU = (
    ("start", "开始使用"),
    ("topics", "按分类浏览问题"),
    ("ask", "提问,例如 /ask 逾期多久会上征信"),
    ("help", "使用方法"),
    ("about", "关于信知"),
    ("privacy", "我们记录什么"),
)

# --- console (`xinzhi chat`) ----------------------------------------------------------------------
CONSOLE_PROMPT = "你的问题> "
CONSOLE_START_HINT = "直接输入问题后按回车。输入编号选择列出的问题;/help 查看命令,输入 /quit、“退出”或按 Ctrl-D 结束。"
CONSOLE_HELP = (
    "在控制台里还可以:\n"
    "• 输入列表前面的编号(如 1)查看那个问题\n"
    "• 输入 + 或 - 评价上一条回答有没有用\n"
    "• /reload 重新加载知识库(修改文件后也会自动加载)\n"
    "• /quit 退出(也可以输入“退出”或按 Ctrl-D);Ctrl-C 清除正在输入的内容"
)
CONSOLE_TOPICS = "全部分类:"
CONSOLE_CATEGORY_HINT = "输入分类编号,查看这个分类里的问题。"
CONSOLE_TOPIC_HINT = "输入编号查看回答。"
CONSOLE_PICK_HINT = "输入编号 1–{n} 选择;都不是的话输入“都不是”,或者换个说法再问一次。"
CONSOLE_ANSWER_HINT = "输入编号 1–{n} 查看相关问题;输入 + 或 - 告诉我这条回答有没有用。"
CONSOLE_RATE_HINT = "输入 + 或 - 告诉我这条回答有没有用。"
CONSOLE_NO_CHOICE = "没有编号 {number};请输入 1–{n} 之间的数字,或者直接提问。"
CONSOLE_NOTHING_TO_RATE = "还没有可以评价的回答。先问一个问题吧。"
CONSOLE_UNKNOWN_COMMAND = "没有 {command} 这个命令。输入 /help 查看可用的命令。"
CONSOLE_BYE = "再见!遇到问题随时回来问。"

# --- conversation: follow-ups, two questions, figures, phone-sized answers ----------------------------
HELP_LINES = ("需要人工帮助:12348 公共法律服务(法律援助)热线;金融机构投诉可拨 12378;"
              "遇到威胁或人身危险请立即拨打 110。")
NONE_OF_THESE = "都不是"
NONE_OF_THESE_REPLY = (
    "好的,记下了:这几个都不是你要问的,我们会据此补充问答库。\n\n"
    "可以这样试试:\n"
    "1. 换个说法,用一句话说清楚一个问题。\n"
    "2. 用 /topics 按分类浏览全部问题。\n\n" + HELP_LINES
)
FOLLOWUPS_INTRO = "你还问了:"
CALC_TITLE = "按你给的数字算一算"
CALC_LICENSED = (
    "注意:这个上限针对民间借贷(个人之间、个人和非金融企业之间的借款)。银行、消费金融公司、小额贷款公司等"
    "持牌机构的贷款不按这条标准判断,适用金融监管的其他规定;觉得利率或费用不合理,可以拨打 12378 反映。"
)
CALC_ASK_HINT = "把数字说清楚就能算,例如“借1万 每月还1000 还12期”。"
AFTER_DOWN = "抱歉这条回答没帮上忙。可以看看下面的相关问题,或者换个说法再问一次。"
EXPAND = "查看完整解答"
ALREADY_RATED = "这条回答已经评价过了,谢谢!"


def fallback(channel: str = "") -> str:
    """Return the decline text: it names the official line first when the question belongs elsewhere."""
    return ELSEWHERE.format(channel=channel) if channel else FALLBACK
