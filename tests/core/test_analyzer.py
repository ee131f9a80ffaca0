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


def test_homophone_fix_never_cuts_through_a_word(real_kb_path):
    a = Analyzer(load_kb(real_kb_path))
    # each middle piece sounds like a domain term (反催收, 复利, 合法, 征信, 网贷, 花呗), but it straddles a real word
    for text in ("第三方催收说要起诉", "已支付利息能退吗", "利息和罚息怎么算", "身份证信息被冒用", "为何法院不受理",
                 "填完贷款申请", "电话被打爆了", "如何调整心态"):
        assert a.fix_homophones(normalize(text)) == normalize(text), text
    assert "第三方" in a.tokens(normalize("第三方催收说要起诉"))
    assert "反催收" not in a.fix_homophones("第三方催收")


def test_homophone_fix_leaves_amounts_alone(real_kb_path):
    a = Analyzer(load_kb(real_kb_path))
    assert a.fix_homophones("欠了20万贷款") == "欠了20万贷款"  # not 20 + 网贷
    assert a.fix_homophones("40万商贷") == "40万商贷"


def test_homophone_fix_still_corrects_typos_in_the_real_kb(real_kb_path):
    a = Analyzer(load_kb(real_kb_path))
    assert a.fix_homophones("影响正信吗") == "影响征信吗"
    assert a.fix_homophones("会被其诉吗") == "会被起诉吗"
    assert a.fix_homophones("逾期写商分期") == "逾期协商分期"


def test_word_edges_follow_jiebas_cut(real_kb_path):
    a = Analyzer(load_kb(real_kb_path))
    edges = a.word_edges("支付利息")
    assert {0, 2, 4} <= edges and 1 not in edges and 3 not in edges


def _mixed_kb(tmp_path):
    from tests.kbfactory import TINY_ENTRIES, entry, write_kb

    files = dict(TINY_ENTRIES)
    files["meta.yaml"] = ("关于信知", [entry("meta-about", "你是谁?", ["what is this bot", "what can you do", "who are you"])])
    files["lending.yaml"] = ("借贷常识", [entry("lending-interest-cap", "超过LPR四倍的利息要还吗?",
                                              ["利率超过lpr四倍合法吗", "借款app利息超过LPR四倍怎么办"])])
    return write_kb(tmp_path / "kb", files)


def test_english_asides_in_a_chinese_question_are_dropped(tmp_path):
    analyzer = Analyzer(load_kb(_mixed_kb(tmp_path)))
    fixed, tokens = analyzer.analyze(normalize("what are debt collectors NOT allowed to do? 上门催收合法吗"))
    assert fixed == "上门催收合法吗" and "what" not in tokens and "上门催收" in tokens
    # Latin words the KB's Chinese phrasings use stay: they name the topic
    assert "lpr" in analyzer.analyze(normalize("what about 超过LPR四倍的利息"))[1]
    # an all-English message is left alone: the meta entries answer it in English words
    assert analyzer.analyze(normalize("what is this bot"))[1] == ("what", "is", "this", "bot")


def test_a_chinese_question_with_an_english_translation_gets_the_chinese_topic(tmp_path):
    from bot.core.engine import build_engine

    engine = build_engine(_mixed_kb(tmp_path))
    mixed = engine.match("what can debt collectors do at my home, is it legal? 上门催收合法吗")
    assert mixed.candidates[0].id == "collection-home-visit-legality"
    assert engine.match("what can you do").candidates[0].id == "meta-about"
