"""The start-up caches: a parsed KB and a trained model are reused only for the same files, and damage costs a rebuild."""
from __future__ import annotations

import logging
import json
import os
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from bot.core import cache, kbcache
from bot.core.engine import build_engine, training_digest
from bot.core.loader import KBValidationError, load_kb
from bot.core.negatives import Negative
from tests.kbfactory import write_kb

TRAINED = "trained the matcher"  # logged (INFO) whenever a build trains instead of using the cache

QUESTIONS = ("逾期记录保留几年", "征信不良多久消除", "催收打电话给我家人", "今天天气怎么样", "股票亏了怎么办")


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def assert_same_kb(a, b) -> None:
    assert a == b
    for x, y in zip(a.entries, b.entries, strict=True):
        for f in fields(x):
            assert getattr(x, f.name) == getattr(y, f.name), f.name  # `lines` too, which == leaves out
            assert type(getattr(x, f.name)) is type(getattr(y, f.name)), f.name
    assert (a.negatives, a.dictionary, dict(a.synonyms), a.stopwords, a.crisis_terms, dict(a.category_order)) == \
        (b.negatives, b.dictionary, dict(b.synonyms), b.stopwords, b.crisis_terms, dict(b.category_order))
    assert a.acceptable == b.acceptable and all(type(x.ids) is tuple for x in b.acceptable)


def test_a_cached_kb_is_the_parsed_kb(cache_folder: Path, real_kb_path: Path):
    parsed = load_kb(real_kb_path)
    assert list(cache_folder.glob("kb-*.json"))
    assert kbcache.load(str(real_kb_path), parsed.files_digest, real_kb_path / "out_of_scope.yaml") is not None
    assert_same_kb(load_kb(real_kb_path), parsed)


def test_the_kb_json_carries_every_field(real_kb_path: Path):
    from bot.core.acceptable import Acceptable
    from bot.core.model import Entry, KnowledgeBase

    data = kbcache.to_json(load_kb(real_kb_path))
    assert set(data["entries"][0]) == {f.name for f in fields(Entry)}  # a new field must be cached too
    assert set(data) == {f.name for f in fields(KnowledgeBase)}
    assert len(data["negatives"][0]) == len(fields(Negative))
    assert len(data["acceptable"][0]) == len(fields(Acceptable))


def test_an_edited_file_is_parsed_again(cache_folder: Path, tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    load_kb(root)
    path = root / "credit.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("逾期记录保留几年", "不良记录要留几年"), encoding="utf-8")
    edited = load_kb(root)
    assert any("不良记录要留几年" in e.alternates for e in edited.entries)
    assert not any("逾期记录保留几年" in e.alternates for e in edited.entries)


def test_the_same_files_read_through_another_path_name_that_path(cache_folder: Path, tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    first = load_kb(root)
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    other = load_kb(tmp_path / "link")
    assert other.files_digest == first.files_digest and other.root == str(tmp_path / "link")
    assert all(e.file.startswith(str(tmp_path / "link")) for e in other.entries)
    assert all(e.file.startswith(str(root)) for e in load_kb(root).entries)


def test_a_broken_kb_is_never_cached(cache_folder: Path, tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    path = root / "credit.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KBValidationError):
        load_kb(root)
    assert not list(cache_folder.glob("kb-*.json"))
    with pytest.raises(KBValidationError):  # the second read reports it again: nothing stood in for the parse
        load_kb(root)


def test_a_damaged_kb_cache_is_ignored(cache_folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    root = write_kb(tmp_path / "kb")
    parsed = load_kb(root)
    for saved in cache_folder.glob("kb-*.json"):
        saved.write_text('{"root": "x", "entries": [', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.core.kbcache"):
        assert_same_kb(load_kb(root), parsed)
    assert "unreadable KB cache" in caplog.text


def test_a_cached_start_restores_the_index_and_the_model_without_training(cache_folder: Path, tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture):
    root = write_kb(tmp_path / "kb")
    with caplog.at_level(logging.INFO, logger="bot.core.engine"):
        fresh = build_engine(root)
        assert TRAINED in caplog.text
        caplog.clear()
        again = build_engine(root)
        assert TRAINED not in caplog.text
    assert again.index.vocab == fresh.index.vocab and again.index._joined == fresh.index._joined
    for name in fresh.index.ARRAYS:
        assert np.array_equal(getattr(again.index, name), getattr(fresh.index, name)), name
    assert again._owner == fresh._owner and again.model.vocab.index == fresh.model.vocab.index
    for q in QUESTIONS:
        a, b = again.match(q), fresh.match(q)
        assert (a.decision, [c.id for c in a.candidates], a.explain["p_answer"]) == \
            (b.decision, [c.id for c in b.candidates], b.explain["p_answer"])


def test_a_cached_real_kb_maps_its_coefficients(real_engine, real_kb_path: Path):
    build_engine(real_kb_path)  # the suite's cache holds real_engine's model (trained again here if pruned since)
    again = build_engine(real_kb_path)
    assert again.model.dense is not None and isinstance(again.model.dense.base, np.memmap)
    assert not again.model.dense.flags.writeable
    for q in QUESTIONS:
        assert [c.id for c in again.match(q).candidates] == [c.id for c in real_engine.match(q).candidates]


def test_large_arrays_are_mapped_read_only(cache_folder: Path):
    key = "0" * 32
    cache.save(key, {"big": np.ones((cache.MAP_BYTES // 4 + 1,), np.float32), "small": np.arange(3)}, {})
    hit = cache.load(key)
    assert hit is not None
    assert isinstance(hit.arrays["big"].base, np.memmap) and not hit.arrays["big"].flags.writeable
    assert hit.arrays["small"].tolist() == [0, 1, 2] and hit.arrays["small"].flags.writeable


def _damage_missing_array(model: Path) -> None:
    (model / "ix_vocab.npy").unlink()


def _damage_empty_array(model: Path) -> None:
    (model / "d_bars.npy").write_bytes(b"")


def _damage_no_metadata(model: Path) -> None:
    (model / cache.META).unlink()


def _damage_null_weight(model: Path) -> None:
    meta = json.loads((model / cache.META).read_text(encoding="utf-8"))
    (model / cache.META).write_text(json.dumps({**meta, "lexical_weight": None}), encoding="utf-8")


def _damage_bad_segmentations(model: Path) -> None:
    (model / "analyzed.json").write_text('[["逾期", 3]]', encoding="utf-8")


@pytest.mark.parametrize("damage", [_damage_missing_array, _damage_empty_array, _damage_no_metadata,
                                    _damage_null_weight, _damage_bad_segmentations])
def test_a_damaged_model_cache_is_rebuilt_once(damage, cache_folder: Path, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture):
    root = write_kb(tmp_path / "kb")
    fresh = build_engine(root)
    (model,) = cache_folder.glob("model-*")
    damage(model)
    again = build_engine(root)
    assert [again.match(q).answer_id for q in QUESTIONS] == [fresh.match(q).answer_id for q in QUESTIONS]
    assert [ex.tokens for ex in again.examples] == [ex.tokens for ex in fresh.examples]
    with caplog.at_level(logging.INFO, logger="bot.core.engine"):
        third = build_engine(root)  # the damage is repaired: no retrain on every start
    assert TRAINED not in caplog.text
    assert third.match(QUESTIONS[0]).answer_id == fresh.match(QUESTIONS[0]).answer_id


@pytest.mark.parametrize("items", [[], ["逾期", "w:征信", "a b"], ["单"]])
def test_packed_strings_round_trip(items):
    assert cache.unpack_strings(cache.pack_strings(items)) == items


def test_a_string_holding_the_separator_is_refused():
    with pytest.raises(ValueError):
        cache.pack_strings(["a\x00b"])


def test_pruning_removes_the_least_recently_used_first(cache_folder: Path):
    for i, key in enumerate(("a" * 32, "b" * 32, "c" * 32)):
        cache.save(key, {"x": np.zeros(1000, np.float64)}, {})
        os.utime(cache_folder / f"model-{key}", (1000 + i, 1000 + i))
    assert cache.load("a" * 32) is not None  # used now: the most recent
    removed = cache.prune(cache_folder, budget=2 * 8500)
    assert [p.name for p in removed] == ["model-" + "b" * 32]
    assert cache.load("a" * 32) is not None and cache.load("c" * 32) is not None and cache.load("b" * 32) is None


def test_editing_an_answer_reuses_the_model_and_editing_a_phrasing_retrains(cache_folder: Path, tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    first = build_engine(root)
    path = root / "credit.yaml"
    text = path.read_text(encoding="utf-8")
    old_answer = first.kb.get("credit-report-retention").answer.splitlines()[0]
    path.write_text(text.replace(old_answer, "改过的第一句。"), encoding="utf-8")
    edited = build_engine(root)
    assert edited.kb.files_digest != first.kb.files_digest  # the files changed ...
    assert edited._cache_key == first._cache_key and len(list(cache_folder.glob("model-*"))) == 1  # ... not the model
    assert edited.respond("逾期记录保留几年").entry.answer.startswith("改过的第一句。")
    path.write_text(path.read_text(encoding="utf-8").replace("逾期记录保留几年", "不良记录要挂几年"), encoding="utf-8")
    retrained = build_engine(root)
    assert retrained._cache_key != first._cache_key and len(list(cache_folder.glob("model-*"))) == 2
    assert retrained.match("不良记录要挂几年").answer_id == "credit-report-retention"


def test_pruning_removes_the_leftovers_of_a_save_cut_short(cache_folder: Path):
    cache.save("a" * 32, {"x": np.zeros(3)}, {})
    old, new = cache_folder / "tmpold.tmp", cache_folder / "tmpnew.tmp"
    old.mkdir()
    new.mkdir()
    os.utime(old, (1000, 1000))
    assert cache.prune(cache_folder) == [old]
    assert new.is_dir() and cache.load("a" * 32) is not None


def _edits(kb):
    first = kb.entries[0]
    return {
        "dictionary": replace(kb, dictionary=(*kb.dictionary, ("新词汇", None, None))),
        "synonyms": replace(kb, synonyms={**kb.synonyms, "网代": "网贷"}),
        "stopwords": replace(kb, stopwords=kb.stopwords | {"嗯嗯"}),
        "crisis terms": replace(kb, crisis_terms=(*kb.crisis_terms, "不想活")),
        "negatives": replace(kb, negatives=(*kb.negatives, Negative("今天天气好吗", "天气"))),
        "a category": replace(kb, entries=(replace(first, category="别的类别"), *kb.entries[1:])),
        "entry order": replace(kb, entries=kb.entries[::-1]),
        "an alternate": replace(kb, entries=(replace(first, alternates=(*first.alternates, "新的问法")),
                                             *kb.entries[1:])),
    }


@pytest.mark.parametrize("what", ["dictionary", "synonyms", "stopwords", "crisis terms", "negatives", "a category",
                                  "entry order", "an alternate"])
def test_what_the_model_learns_from_keys_its_cache(what, tmp_path: Path):
    kb = load_kb(write_kb(tmp_path / "kb"))
    assert training_digest(_edits(kb)[what]) != training_digest(kb)


def test_answers_sources_and_related_lists_do_not_key_the_model(tmp_path: Path):
    kb = load_kb(write_kb(tmp_path / "kb"))
    first = kb.entries[0]
    edited = replace(first, answer="改过的回答。", sources=("《别的依据》",), related=(), summary="改过的摘要",
                     tags=("别的",))
    assert training_digest(replace(kb, entries=(edited, *kb.entries[1:]))) == training_digest(kb)
