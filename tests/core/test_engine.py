from dataclasses import FrozenInstanceError, replace

import pytest

from bot.core.settings import MatchSettings
from bot.core.engine import Engine, build_engine
from bot.core.loader import load_kb
from bot.core.model import Outcome


@pytest.fixture
def engine(tiny_kb):
    return build_engine(tiny_kb)


def test_exact_question_is_answered(engine):
    m = engine.match("上门催收合法吗?")
    assert m.decision is Outcome.ANSWER
    assert m.answer_id == "collection-home-visit-legality"
    assert all(m.top.score > c.score for c in m.candidates[1:])


def test_alternate_in_traditional_with_emoji_is_answered(engine):
    m = engine.match("徵信報告怎麼查 😭")
    assert m.answer_id == "credit-report-query"


def test_homophone_typo_still_matches(engine):
    assert engine.match("摧收到家里来合法吗").answer_id == "collection-home-visit-legality"
    assert engine.match("争信不良多久消除").answer_id == "credit-report-retention"


def test_ranking_prefers_the_entry_with_the_informative_words(engine):
    m = engine.match("征信的不良记录保存多久")
    ids = [c.id for c in m.candidates]
    assert ids[0] == "credit-report-retention"
    assert ids.index("credit-report-query") > 0


def test_unrelated_question_falls_back_without_an_answer(engine):
    m = engine.match("红烧肉怎么做才好吃")
    assert m.decision is Outcome.FALLBACK
    assert m.answer_id is None
    reply = engine.respond("红烧肉怎么做才好吃")
    assert reply.kind is Outcome.FALLBACK and reply.entry is None and reply.suggestions == ()


def test_one_word_query_is_not_a_confident_answer_to_everything(engine):
    # a single shared word must not look like a perfect match (the token_set_ratio trap)
    m = engine.match("征信")
    assert m.decision is not Outcome.ANSWER or m.top.score - m.candidates[1].score >= engine.settings.min_margin


def test_close_candidates_become_suggestions(tiny_kb):
    strict = replace(MatchSettings(), answer_at=1.01, suggest_at=0.0, min_suggest_score=0.0)  # always suggest
    engine = build_engine(tiny_kb, strict)
    reply = engine.respond("征信查询和不良记录")
    assert reply.kind is Outcome.SUGGEST
    ids = {e.id for e in reply.suggestions}
    assert {"credit-report-query", "credit-report-retention"} <= ids
    assert len(reply.suggestions) <= 3


def test_calibrated_bars_come_from_cross_validation(engine):
    d = engine.decider
    assert 0.5 <= d.answer_at <= 1.0 and 0.0 < d.suggest_at <= 1.0
    assert engine.cv_summary["cv_items"] > 0 and engine.cv_summary["negatives_declined"] >= 0.85


def test_explain_carries_the_learned_and_lexical_scores(engine):
    m = engine.match("征信报告在哪打印")
    assert set(m.explain) >= {"p_answer", "p_in_scope", "answer_at", "learned", "lexical", "features"}
    assert m.candidates[0].id in m.explain["learned"]


def test_margin_setting_controls_answer_vs_suggest(tiny_kb):
    text = "征信报告去哪里打印"  # not one of the KB's own phrasings: those are always answered
    loose = build_engine(tiny_kb, replace(MatchSettings(), min_margin=0.0))
    tight = build_engine(tiny_kb, replace(MatchSettings(), min_margin=1.0))
    assert loose.match(text).decision is Outcome.ANSWER
    assert tight.match(text).decision is Outcome.SUGGEST


@pytest.mark.parametrize("text", ["我欠了好多网贷,真的不想活了", "还不起钱想跳楼", "壓力太大想自殺", "一了百了算了"])
def test_crisis_messages_lead_with_mental_health_support(engine, text):
    m = engine.match(text)
    assert m.crisis and m.decision is Outcome.ANSWER
    assert m.candidates[0].id == "support-mental-health"
    assert engine.respond(text).entry.id == "support-mental-health"


def test_crisis_override_keeps_the_debt_topic_as_related(engine):
    reply = engine.respond("催收爆通讯录打给我家人,我想死")
    assert reply.entry.id == "support-mental-health"
    assert "collection-contacts-third-party" in [e.id for e in reply.related]


def test_answer_reply_carries_related_entries(engine):
    reply = engine.respond("上门催收合法吗")
    assert reply.kind is Outcome.ANSWER
    assert [e.id for e in reply.related] == ["collection-contacts-third-party"]


def test_empty_and_emoji_only_messages(engine):
    for text in ("", "   ", None, "😭😭😭", "!!!"):
        reply = engine.respond(text)
        assert reply.kind is Outcome.EMPTY and reply.entry is None


def test_stopword_only_message_falls_back(engine):
    assert engine.respond("怎么办啊").kind is Outcome.FALLBACK


def test_huge_message_is_truncated_and_flagged(engine):
    reply = engine.respond("上门催收合法吗" + "1234567890" * 500)
    assert reply.truncated
    assert len(reply.match.normalized) <= engine.settings.max_query_chars


def test_query_is_pure_and_results_are_frozen(engine):
    a, b = engine.match("爆通讯录怎么办"), engine.match("爆通讯录怎么办")
    assert a == b
    with pytest.raises(FrozenInstanceError):
        a.decision = Outcome.FALLBACK  # type: ignore[misc]


def test_scores_are_between_zero_and_one(engine):
    for text in ("上门催收合法吗", "征信", "天气", "催收催收催收催收"):
        for c in engine.match(text).candidates:
            assert 0.0 <= c.score <= 1.0


def test_engine_over_loaded_kb_object(tiny_kb):
    kb = load_kb(tiny_kb)
    engine = Engine(kb)
    assert engine.kb is kb
    assert engine.weight("爆通讯录") > engine.weight("催收")  # rarer word, higher weight


@pytest.mark.parametrize("text", ["还不上钱 有时候想从楼上跳下去", "欠了一屁股债 真的不想再活下去了", "真想一死了之", "活着没有意义了"])
def test_crisis_phrasings_beyond_the_word_list(engine, text):
    assert engine.match(text).candidates[0].id == "support-mental-health"


@pytest.mark.parametrize("text", ["死亡后债务谁来还", "我不怕催收", "逾期会死吗", "催收威胁说要弄死我"])
def test_ordinary_debt_questions_do_not_trigger_the_crisis_override(engine, text):
    assert not engine.match(text).crisis
