from bot.core.analyzer import Analyzer, sound_key
from bot.core.loader import load_kb
from bot.core.normalize import normalize


def analyzer(tiny_kb):
    return Analyzer(load_kb(tiny_kb))


def test_user_dictionary_keeps_domain_terms_whole(tiny_kb):
    a = analyzer(tiny_kb)
    assert "爆通讯录" in a.segment("催收爆通讯录了")


def test_amounts_stay_one_token(tiny_kb):
    a = analyzer(tiny_kb)
    words = a.segment(normalize("欠了7万未还,逾期3个月,年化36%"))
    assert "7万" in words and "3个月" in words and "36%" in words
    assert "万未" not in words


def test_stopwords_dropped_and_synonyms_mapped(tiny_kb):
    a = analyzer(tiny_kb)
    tokens = a.tokens(normalize("请问要债的然后打电话"))
    assert "催收" in tokens
    assert "要债" not in tokens and "然后" not in tokens and "请问" not in tokens


def test_traditional_variant_maps_to_canonical_term(tiny_kb):
    a = analyzer(tiny_kb)
    assert "征信" in a.tokens(normalize("我的徵信花了"))


def test_homophone_typo_is_corrected_by_pinyin(tiny_kb):
    a = analyzer(tiny_kb)
    # 争信 is in neither the synonyms nor jieba's dictionary; it sounds like 征信
    assert a.fix_homophones("争信报告") == "征信报告"
    assert "征信" in a.tokens(normalize("怎么查争信"))


def test_real_words_are_not_rewritten_as_homophones(tiny_kb):
    a = analyzer(tiny_kb)
    assert a.fix_homophones("正常还款") == "正常还款"


def test_sound_key_is_fuzzy_for_retroflex_and_nasal_finals():
    assert sound_key("征信") == sound_key("真新") == sound_key("争性")
    assert sound_key("催收") != sound_key("征信")
