"""Check the real knowledge base against the content contract (required topics and the shape of every entry)."""
import re
from pathlib import Path

import pytest
import yaml

from bot.core.loader import load_kb

TOPICS = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "topics.yaml").read_text(encoding="utf-8"))
ALLOWED_NUMBERS = {"12378", "12363", "12348", "12368", "12356", "110", "120", "96110",
                   "12329", "12386", "12366", "12315"}  # the last four only point out-of-scope matters elsewhere
# hotline-like numbers (12xxx, 96xxx) and mobile numbers; amounts such as 10000元 are not phone numbers
PHONE_LIKE = re.compile(r"(?<![\d.])(1\d{4}|9\d{4}|1\d{10})(?![\d万元%.])")
SHORT_ANSWER_OK = {"meta-greeting", "meta-thanks"}


@pytest.fixture(scope="module")
def kb(real_kb_path):
    return load_kb(real_kb_path)


def test_every_required_topic_exists_with_its_canonical_question(kb):
    for topic in TOPICS:
        entry = kb.get(topic["id"])
        assert entry is not None, topic["id"]
        assert entry.question == topic["question"] or entry.id.startswith("meta-"), topic["id"]


@pytest.mark.parametrize("topic_id", [t["id"] for t in TOPICS])
def test_entry_shape(kb, topic_id):
    check_shape(kb.get(topic_id))


def test_entries_beyond_the_required_topics_have_the_same_shape(kb):
    required = {t["id"] for t in TOPICS}
    extra = [e for e in kb.entries if e.id not in required]
    assert extra, "the KB has topics beyond the required list (overdue-exit-restriction)"
    for e in extra:
        check_shape(e)


def check_shape(e) -> None:
    assert len(e.alternates) >= 8
    chars = len(re.sub(r"\s|\*\*", "", e.answer))
    if e.id not in SHORT_ANSWER_OK:
        assert 150 <= chars <= 650, chars
    assert e.sources, "every entry cites its basis"
    assert 2 <= len(e.related) <= 4 or e.id in SHORT_ANSWER_OK
    assert e.updated.year >= 2026
    assert "不构成法律意见" not in e.answer, "the renderer adds the disclaimer"
    if not e.id.startswith("meta-"):
        assert 0 < len(e.summary) <= 60, "every non-meta answer has a one-line summary of at most 60 characters"
        assert len(e.alternates) >= 12


def test_answers_name_only_official_numbers(kb):
    for e in kb.entries:
        for number in PHONE_LIKE.findall(e.answer):
            assert number in ALLOWED_NUMBERS, (e.id, number)


def test_answers_are_simplified_chinese(kb):
    from bot.core.normalize import to_simplified

    for e in kb.entries:
        assert to_simplified(e.answer) == e.answer, e.id


def test_ids_are_unique_and_related_ids_resolve(kb):
    ids = [e.id for e in kb.entries]
    assert len(ids) == len(set(ids))
    for e in kb.entries:
        assert all(r in kb for r in e.related)


def test_sources_cite_each_law_once_in_full_width_punctuation(kb):
    for e in kb.entries:
        titles = [re.match(r"《[^》]+》", s).group(0) for s in e.sources if s.startswith("《")]
        assert len(titles) == len(set(titles)), (e.id, "merge the articles of one law into one line")
        for s in e.sources:
            assert not re.search(r"[(),;]|(?<!\d):(?!\d)", s), (e.id, s)
        assert len("；".join(e.sources)) <= 340, (e.id, "the 依据 line is too long for a phone")


def test_summaries_and_answers_use_full_width_punctuation(kb):
    for e in kb.entries:
        for text in (e.summary, e.answer):
            assert not re.search(r"[\u4e00-\u9fff][,;?!]|[,;?!][\u4e00-\u9fff]", text), (e.id, text[:40])


@pytest.mark.parametrize("name", ["real-dev.yaml", "real-fresh.yaml"])
def test_no_real_evaluation_question_is_a_kb_phrasing_or_negative(kb, name):
    # a real question added to the KB would be answered as the editors' own phrasing and inflate the measurement;
    # compared after normalization (Traditional script, full-width and punctuation folded), as the matcher sees it
    from bot.core.normalize import normalize

    def key(text: str) -> str:
        return re.sub(r"\W", "", normalize(text))

    known = {key(t) for e in kb.entries for t in (e.question, *e.alternates)} | {key(n.text) for n in kb.negatives}
    items = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / name).read_text(encoding="utf-8"))
    leaked = [it["q"] for it in items if it.get("q") and key(it["q"]) in known]
    assert not leaked, leaked
