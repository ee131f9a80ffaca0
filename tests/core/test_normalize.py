from bot.core.normalize import normalize


def test_full_width_becomes_half_width_and_lower_case():
    assert normalize("ＡＢＣ　１２３") == "abc 123"


def test_traditional_becomes_simplified():
    assert normalize("逾期會坐牢嗎") == "逾期会坐牢吗"
    assert normalize("徵信報告") == "征信报告"


def test_punctuation_emoji_and_spaces_are_removed():
    assert normalize("催收  天天\t打电话!!😡 受不了了……") == "催收 天天 打电话 受不了了"


def test_numbers_and_decimals_stay_whole():
    assert normalize("借了1.5万,年化36%。") == "借了1.5万 年化36%"


def test_empty_and_none():
    assert normalize("") == ""
    assert normalize(None) == ""
    assert normalize("😭😭👍") == ""


def test_lone_surrogates_and_control_characters_do_not_survive():
    assert normalize("\ud800征信\x00\x07") == "征信"


def test_a_drawn_out_letter_counts_once_but_numbers_stay_whole():
    assert normalize("救命啊啊啊啊 催收说明天来我家!!!") == "救命啊 催收说明天来我家"
    assert normalize("急急急") == "急" and normalize("哈哈") == "哈哈"  # two in a row is a word, not a drawn-out cry
    assert normalize("欠了10000元,还了111") == "欠了10000元 还了111"
