"""The start-up caches: a parsed KB and a trained model are reused only for the same files, and damage costs a rebuild."""
from __future__ import annotations

import logging
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from bot.core import cache, kbcache
from bot.core.engine import build_engine
from bot.core.loader import KBValidationError, load_kb
from tests.kbfactory import write_kb

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


def test_a_cached_kb_is_the_parsed_kb(cache_folder: Path, real_kb_path: Path):
    parsed = load_kb(real_kb_path)
    assert list(cache_folder.glob("kb-*.json"))
    assert kbcache.load(str(real_kb_path), parsed.files_digest, real_kb_path / "out_of_scope.yaml") is not None
    assert_same_kb(load_kb(real_kb_path), parsed)


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


def test_a_cached_start_restores_the_index_and_maps_the_coefficients(cache_folder: Path, tmp_path: Path):
    root = write_kb(tmp_path / "kb")
    fresh = build_engine(root)
    again = build_engine(root)
    assert again.index.vocab == fresh.index.vocab and again.index._joined == fresh.index._joined
    for name in fresh.index.ARRAYS:
        assert np.array_equal(getattr(again.index, name), getattr(fresh.index, name)), name
    assert again._owner == fresh._owner and again.model.vocab.index == fresh.model.vocab.index
    for q in QUESTIONS:
        a, b = again.match(q), fresh.match(q)
        assert (a.decision, [c.id for c in a.candidates], a.explain["p_answer"]) == \
            (b.decision, [c.id for c in b.candidates], b.explain["p_answer"])


def test_large_arrays_are_mapped_read_only(cache_folder: Path):
    key = "0" * 32
    cache.save(key, {"big": np.ones((cache.MAP_BYTES // 4 + 1,), np.float32), "small": np.arange(3)}, {})
    hit = cache.load(key)
    assert hit is not None
    assert isinstance(hit.arrays["big"].base, np.memmap) and not hit.arrays["big"].flags.writeable
    assert hit.arrays["small"].tolist() == [0, 1, 2] and hit.arrays["small"].flags.writeable


def test_a_damaged_model_cache_retrains(cache_folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    root = write_kb(tmp_path / "kb")
    fresh = build_engine(root)
    (model,) = cache_folder.glob("model-*")
    (model / "ix_vocab.npy").unlink()
    with caplog.at_level(logging.WARNING, logger="bot.core.cache"):
        again = build_engine(root)
    assert "unreadable model cache" in caplog.text
    assert [again.match(q).answer_id for q in QUESTIONS] == [fresh.match(q).answer_id for q in QUESTIONS]
    assert cache.load(fresh._cache_key) is not None  # saved again


@pytest.mark.parametrize("items", [[], ["逾期", "w:征信", "a b"], ["单"]])
def test_packed_strings_round_trip(items):
    assert cache.unpack_strings(cache.pack_strings(items)) == items


def test_a_string_holding_the_separator_is_refused():
    with pytest.raises(ValueError):
        cache.pack_strings(["a\x00b"])


def test_pruning_removes_the_least_recently_used_first(cache_folder: Path):
    import os

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
