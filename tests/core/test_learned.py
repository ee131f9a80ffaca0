"""The learned matcher: trained only on the KB it serves, rebuilt when the KB changes, cached by content."""
from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.core import cache, learned
from bot.core.engine import build_engine
from bot.core.features import CountTable, text_features
from bot.core.loader import KBValidationError, load_kb
from bot.core.model import Outcome
from tests.kbfactory import TINY_ENTRIES, write_kb


def _without(entry_id: str) -> dict:
    files = {}
    for name, (category, entries) in TINY_ENTRIES.items():
        kept = [dict(e, related=[r for r in e["related"] if r != entry_id]) for e in entries if e["id"] != entry_id]
        files[name] = (category, kept)
    return files


def test_a_removed_entry_is_never_returned(tmp_path: Path):
    engine = build_engine(write_kb(tmp_path / "kb", _without("credit-report-retention")))
    for text in ("不良记录会在征信上保存多久?", "逾期记录保留几年", "征信不良多久消除", "征信污点多久能消"):
        m = engine.match(text)
        assert all(c.id != "credit-report-retention" for c in m.candidates)
        assert all(c.id in engine.kb for c in m.candidates)
    assert "credit-report-retention" not in engine.model.classes


def test_a_kb_edit_changes_answers_after_rebuild(tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    before = build_engine(root)
    assert before.match("逾期记录保留几年").answer_id == "credit-report-retention"
    path = root / "credit.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: credit-report-retention", "id: credit-record-keeping")
                    .replace("related:\n  - credit-report-retention", "related:\n  - credit-record-keeping"),
                    encoding="utf-8")
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines())
    path.write_text(text.replace("[credit-report-retention]", "[credit-record-keeping]"), encoding="utf-8")
    for other in root.glob("*.yaml"):
        other.write_text(other.read_text(encoding="utf-8").replace("credit-report-retention", "credit-record-keeping"),
                         encoding="utf-8")
    after = build_engine(root)
    m = after.match("逾期记录保留几年")
    assert m.top.id == "credit-record-keeping"
    assert all(c.id != "credit-report-retention" for c in m.candidates)


def test_the_parsed_kb_cache_is_keyed_by_file_content(tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    first = load_kb(root).files_digest
    (root / "credit.yaml").write_text((root / "credit.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_kb(root).files_digest != first
    assert cache.cache_key(first, {"a": 1}) != cache.cache_key(first, {"a": 2})


def test_a_cached_start_reuses_the_saved_segmentations(tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    fresh = build_engine(root)
    key = fresh._cache_key
    loaded = cache.load(key)
    assert loaded is not None
    saved = {text: tokens for text, _fixed, tokens in loaded.side("analyzed")}
    assert set(saved) == {ex.text for ex in fresh.examples}
    again = build_engine(root)
    assert [(ex.text, ex.tokens, ex.feats) for ex in again.examples] == \
        [(ex.text, ex.tokens, ex.feats) for ex in fresh.examples]
    assert again.match("逾期记录保留几年").answer_id == fresh.match("逾期记录保留几年").answer_id


def test_features_and_tfidf_vectors_are_normalized():
    feats = text_features("逾期 多久", ("逾期", "多久"))
    assert "逾期" in feats and "w:逾期" in feats and "q:多久" in feats
    vocab, _ = CountTable([feats, ["x"]]).vocabulary([0, 1])
    cols, vals = vocab.vector(feats)
    assert len(cols) and abs(float(np.dot(vals, vals)) - 1.0) < 1e-5
    assert len(vocab.vector(["never-seen"])[0]) == 0


def test_a_training_set_too_big_for_saga_gets_nearest_centroid():
    assert learned.model_kind(13_640, 116) == "logistic"  # the bundled KB's shape: ~6 s a fit
    assert learned.model_kind(110_000, 1_101) == "centroid"  # 100k distractor phrasings in 1,000 entries
    assert learned.model_kind(3_000, learned.MAX_LOGISTIC_CLASSES + 1) == "centroid"
    texts = [("逾期 多久 上 征信", ("逾期", "多久", "上", "征信")), ("催收 上门 合法 吗", ("催收", "上门", "合法")),
             ("征信 逾期 记录", ("征信", "逾期", "记录")), ("催收 上门 怎么办", ("催收", "上门", "怎么办"))]
    docs = [text_features(fixed, tokens) for fixed, tokens in texts]
    labels = ["credit", "visit", "credit", "visit"]
    table = CountTable(docs)
    vocab, cols = table.vocabulary(range(4))
    x = table.tfidf(range(4), cols, vocab.idf)
    assert learned.train_matrix(x, vocab, labels).kind == "logistic"
    centroid = learned.train_matrix(x, vocab, labels, kind="centroid")  # what cross-validation asks for a big KB
    assert centroid.kind == "centroid"
    for doc, label in zip(docs, labels):
        assert centroid.classes[int(np.argmax(centroid.scores(doc)))] == label


def test_a_count_table_gives_each_fold_its_own_vocabulary_and_the_rows_serving_would_compute():
    texts = [("逾期 多久 上 征信", ("逾期", "多久", "上", "征信")), ("催收 上门 合法 吗", ("催收", "上门", "合法")),
             ("征信 逾期 记录 保留 几年", ("征信", "逾期", "记录", "保留", "几年")), ("花呗 逾期 逾期", ("花呗", "逾期", "逾期")),
             ("股票 亏了", ("股票", "亏了"))]
    docs = [text_features(fixed, tokens) for fixed, tokens in texts]
    table = CountTable(docs)
    train, held = [0, 2, 3], [1, 4]
    vocab, cols = table.vocabulary(train)
    assert list(vocab.index) == sorted({f for i in train for f in docs[i]})  # the fold's features only, sorted
    df = sum("w:逾期" in docs[i] for i in train)  # smoothed idf over the fold's 3 documents
    assert abs(float(vocab.idf[vocab.index["w:逾期"]]) - (math.log((1 + 3) / (1 + df)) + 1.0)) < 1e-6
    for rows in (train, held):  # training rows are what serving computes for the same text
        got = table.tfidf(rows, cols, vocab.idf).toarray()
        assert got.shape == (len(rows), len(vocab))
        for row, i in zip(got, rows):
            want = np.zeros(len(vocab))
            c, v = vocab.vector(docs[i])
            want[c] = v
            assert np.allclose(row, want, atol=1e-6)
    assert "股" not in vocab.index and table.tfidf([4], cols, vocab.idf).nnz == 0  # nothing of 股票亏了 was trained on


def test_folds_trained_in_threads_give_the_rows_one_thread_gives(tmp_path: Path):
    from concurrent.futures import ThreadPoolExecutor

    from bot.core.calibrate import cross_validate

    engine = build_engine(write_kb(tmp_path / "kb"))
    args = (engine.examples, tuple(e.id for e in engine.kb.entries), engine.analyzer.domain_terms, 5)
    with ThreadPoolExecutor(1) as pool:
        one = cross_validate(*args, pool=pool)
    with ThreadPoolExecutor(3) as pool:
        threaded = cross_validate(*args, pool=pool)
    assert len(one) == len(engine.examples) and [r.example for r in threaded] == [r.example for r in one]
    assert all(np.array_equal(getattr(a.raw, f.name), getattr(b.raw, f.name))
               for a, b in zip(one, threaded) for f in fields(a.raw))


def test_out_of_scope_file_errors_are_located(tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    (root / "out_of_scope.yaml").write_text("groups:\n  - domain: 税务\n    channel: \"99999\"\n    questions:\n"
                                            "      - 个税怎么退\n      - 个税怎么退\n", encoding="utf-8")
    with pytest.raises(KBValidationError) as err:
        load_kb(root)
    text = str(err.value)
    assert "out_of_scope.yaml:3: unknown channel" in text and "out_of_scope.yaml:6: duplicate" in text


def test_a_kb_without_its_own_negatives_borrows_the_bundled_ones_but_not_their_coverage_gaps(tmp_path: Path):
    borrowed = load_kb(write_kb(tmp_path / "a"))  # no out_of_scope.yaml: the bundled file is used
    assert any(n.channel == "12386" for n in borrowed.negatives)  # other domains are out of scope for any debt KB
    assert not any(n.domain == "借贷相关但本库尚未覆盖（真实提问）" for n in borrowed.negatives)
    assert not any(n.domain == "其他领域（真实提问）" for n in borrowed.negatives)  # `lent: false`: kept to itself
    own = write_kb(tmp_path / "b")
    (own / "out_of_scope.yaml").write_text("groups:\n  - domain: 本库没有的借贷问题\n    kb_gap: true\n    questions:\n"
                                           "      - 贷款审批要多久\n  - domain: 天气\n    questions:\n      - 明天下雨吗\n",
                                           encoding="utf-8")
    assert {n.text for n in load_kb(own).negatives} == {"贷款审批要多久", "明天下雨吗"}  # its own gaps are kept
    (own / "out_of_scope.yaml").write_text("groups:\n  - domain: 天气\n    lent: false\n    questions:\n"
                                           "      - 明天下雨吗\n", encoding="utf-8")
    assert {n.text for n in load_kb(own).negatives} == {"明天下雨吗"}  # a group it does not lend is still its own
    (own / "out_of_scope.yaml").write_text("groups:\n  - domain: 天气\n    lent: no\n    questions:\n"
                                           "      - 明天下雨吗\n", encoding="utf-8")
    with pytest.raises(KBValidationError, match=r"out_of_scope.yaml:3: lent must be true or false"):
        load_kb(own)
    (own / "out_of_scope.yaml").write_text("groups:\n  - domain: 天气\n    kb_gap: maybe\n    questions:\n"
                                           "      - 明天下雨吗\n", encoding="utf-8")
    with pytest.raises(KBValidationError, match=r"out_of_scope.yaml:3: kb_gap must be true or false"):
        load_kb(own)


def test_a_decline_names_the_channel_of_its_domain(real_engine):
    reply = real_engine.respond("基金定投选哪只好")
    assert reply.kind is Outcome.FALLBACK and "12386" in reply.channel
    assert real_engine.respond("天气怎么样").channel == ""


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_any_string_gets_a_decision(real_engine, text):
    reply = real_engine.respond(text)
    assert reply.kind in set(Outcome)
    if reply.kind is Outcome.ANSWER:
        assert reply.entry is not None and reply.entry.id in real_engine.kb
    assert len(reply.suggestions) <= 3


@pytest.mark.parametrize("text", ["逾期", "还不上", "暴力催收", "征信", "催收怎么办"])
def test_a_bare_topic_word_gets_did_you_mean_not_an_answer(real_engine, text):
    m = real_engine.match(text)  # names a topic without asking anything in particular (settings.min_answer_words)
    assert m.decision is Outcome.SUGGEST and len(m.candidates) >= 2


@pytest.mark.parametrize(("text", "entry_id"), [
    ("消费金融公司是什么", "lending-consumer-finance-basics"), ("714高炮是什么", "lending-illegal-platform"),
    ("什麼是套路貸", "lending-loan-trap-fraud"), ("个性化分期是什么意思", "negotiate-credit-card-installment"),
])
def test_asking_what_one_term_means_is_answered(real_engine, text, entry_id):
    m = real_engine.match(text)  # one content word, but a clear question (and 714 is part of the term, not a number)
    assert m.decision is Outcome.ANSWER and m.candidates[0].id == entry_id


@pytest.mark.parametrize("text", ["催收来我家闹怎么办", "催收人员堵门怎么办"])
def test_coming_to_my_home_is_read_as_a_home_visit(real_engine, text):
    match = real_engine.match(text)
    assert "上门" in match.tokens
    assert match.decision is Outcome.ANSWER and match.candidates[0].id == "collection-home-visit-response"


def test_every_phrasing_an_editor_wrote_is_answered_by_its_entry_even_in_a_tiny_kb(tmp_path: Path):
    from tests.tg.tgkb import kb_files

    engine = build_engine(write_kb(tmp_path / "kb", kb_files()))  # 21 entries against ~700 bundled negatives
    shared = {"信用卡年费问题"}  # written under two entries on purpose: a real choice, so "did you mean"
    for entry in engine.kb.entries:
        for text in (entry.question, *entry.alternates):
            match = engine.match(text)
            if match.crisis:
                continue
            if text in shared:
                assert match.decision is Outcome.SUGGEST
                continue
            assert match.decision is Outcome.ANSWER and match.candidates[0].id == entry.id, text


def test_a_collector_coming_tomorrow_is_first_a_home_visit_not_an_impersonation(real_engine):
    match = real_engine.match("救命 催收说明天来我家")  # a case from the matcher issue
    assert not match.crisis and match.decision is not Outcome.FALLBACK
    assert match.candidates[0].id == "collection-home-visit-response"


def test_owing_a_lot_is_first_a_repayment_plan_not_recovering_a_loan(real_engine):
    match = real_engine.match("欠了好多钱 我该怎么办啊")  # a case from the matcher issue: the person owes
    assert not match.crisis and match.decision is not Outcome.FALLBACK
    assert match.candidates[0].id == "literacy-budgeting"


@pytest.mark.parametrize("text", ["会有什么影响", "存多少合适", "有上限吗"])
def test_a_clause_cut_from_a_question_is_not_answered_on_its_own(real_engine, text):
    # "助学贷款逾期了怎么办?会有什么影响?": the second clause names no topic, so it is neither a training example
    # nor one of the entry's own phrasings
    assert real_engine.match(text).decision is not Outcome.ANSWER
    texts_seen = {ex.text for ex in real_engine.examples}
    assert text not in texts_seen
