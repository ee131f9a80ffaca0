"""A broken or hostile KB folder ends in a located error list, never a traceback, and never a long freeze."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.config import Settings
from bot.core.kbfiles import MAX_FILE_BYTES, is_ignored_name
from bot.core.loader import KBValidationError, load_kb
from bot.watch import snapshot

CATEGORY = """category: 测试
entries:
  - id: test-entry
    question: 测试问题
    answer: 有内容
    sources: [某法]
    updated: 2026-11-28
"""


def errors_of(root: Path) -> list[str]:
    with pytest.raises(KBValidationError) as info:
        load_kb(root)
    return [str(e) for e in info.value.errors]


def only_error_in(root: Path, path: Path) -> str:
    errs = [e for e in errors_of(root) if e.startswith(f"{path}:")]
    assert len(errs) == 1, errors_of(root)
    return errs[0]


def test_a_second_entries_key_is_rejected_with_its_line(tiny_kb: Path) -> None:
    bad = tiny_kb / "twice.yaml"
    bad.write_text(CATEGORY + "entries:\n  - id: other-entry\n    question: 另一个\n    answer: 内容\n"
                   "    sources: [某法]\n    updated: 2026-11-28\n", encoding="utf-8")
    assert only_error_in(tiny_kb, bad).startswith(f"{bad}:8: duplicate key 'entries' (first at line 2)")


def test_a_duplicate_key_inside_an_entry_or_the_synonyms_is_rejected(tiny_kb: Path) -> None:
    bad = tiny_kb / "entry.yaml"
    bad.write_text(CATEGORY + "    answer: 第二个答案\n", encoding="utf-8")
    assert only_error_in(tiny_kb, bad).startswith(f"{bad}:8: duplicate key 'answer' (first at line 5)")
    bad.unlink()
    synonyms = tiny_kb / "synonyms.yaml"
    synonyms.write_text("征信: [正信]\n催收: [要债]\n征信: [徵信]\n", encoding="utf-8")
    assert only_error_in(tiny_kb, synonyms).startswith(f"{synonyms}:3: duplicate key '征信'")


def test_an_alias_bomb_is_refused_before_it_expands(tiny_kb: Path) -> None:
    lines = ["a0: &a0 [\"哈哈哈哈哈哈哈哈\"]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]  # 9**11 strings
    bad = tiny_kb / "bomb.yaml"
    bad.write_text("category: 炸弹\n" + "\n".join(lines) + "\nentries: *a11\n", encoding="utf-8")
    error = only_error_in(tiny_kb, bad)
    assert error.startswith(f"{bad}:2:") and "aliases" in error


def test_an_anchor_alone_is_refused_too(tiny_kb: Path) -> None:
    bad = tiny_kb / "anchor.yaml"
    bad.write_text(CATEGORY.replace("question: 测试问题", "question: &q 测试问题"), encoding="utf-8")
    assert only_error_in(tiny_kb, bad).startswith(f"{bad}:4:")


def test_a_file_over_the_size_cap_is_refused(tiny_kb: Path) -> None:
    bad = tiny_kb / "huge.yaml"
    bad.write_text(CATEGORY + "#" + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    assert "larger than 5 MB" in only_error_in(tiny_kb, bad)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_control_character_in_yaml_is_located(tiny_kb: Path, char: str) -> None:
    bad = tiny_kb / "control.yaml"
    bad.write_text(CATEGORY.replace("有内容", f"有{char}内容"), encoding="utf-8")
    error = only_error_in(tiny_kb, bad)
    assert error.startswith(f"{bad}:5: control character U+{ord(char):04X}")


@pytest.mark.parametrize("name", ["dictionary.txt", "stopwords.txt", "crisis.txt", "synonyms.yaml"])
def test_a_resource_file_that_is_not_utf8_is_located(tiny_kb: Path, name: str) -> None:
    bad = tiny_kb / name
    bad.write_bytes("征信 2000 n\n".encode("utf-8") + "催收 100 n\n".encode("gbk"))
    error = only_error_in(tiny_kb, bad)
    assert error.startswith(f"{bad}:2: not valid UTF-8")


def test_a_symlink_loop_and_a_dangling_symlink_are_located(tiny_kb: Path) -> None:
    loop = tiny_kb / "loop.yaml"
    os.symlink(loop, loop)
    dangling = tiny_kb / "dictionary.txt"
    dangling.unlink()
    os.symlink(tiny_kb / "nowhere.txt", dangling)
    errs = errors_of(tiny_kb)
    assert any(e.startswith(f"{loop}:1:") and "symlink loop" in e for e in errs), errs
    assert any(e.startswith(f"{dangling}:1:") and "dangling symlink" in e for e in errs), errs


def test_a_folder_named_like_a_category_file_is_located(tiny_kb: Path) -> None:
    folder = tiny_kb / "drafts.yaml"
    folder.mkdir()
    assert "is a folder" in only_error_in(tiny_kb, folder)


LOCK_AND_HIDDEN = (".#collection.yaml", "#collection.yaml#", "collection.yaml~", ".hidden.yaml",
                   ".collection.yaml.swp", "__draft.yaml")


def test_hidden_and_editor_lock_files_are_skipped_by_loader_and_watcher_alike(tiny_kb: Path) -> None:
    before_kb = load_kb(tiny_kb)
    before = snapshot(tiny_kb)
    for name in LOCK_AND_HIDDEN:
        assert is_ignored_name(name)
        (tiny_kb / name).write_text("category: [broken\n", encoding="utf-8")
    assert load_kb(tiny_kb).entries == before_kb.entries
    assert snapshot(tiny_kb) == before
    assert not any(is_ignored_name(n) for n in ("collection.yaml", "dictionary.txt", "a#b.yaml"))


def test_files_deleted_during_reloads_never_raise(tiny_kb: Path) -> None:
    stop = threading.Event()
    churn = [tiny_kb / f"churn{n}.yaml" for n in range(8)]

    def flap() -> None:
        while not stop.is_set():
            for path in churn:
                path.write_text(CATEGORY.replace("test-entry", path.stem), encoding="utf-8")
            for path in churn:
                path.unlink(missing_ok=True)

    thread = threading.Thread(target=flap)
    thread.start()
    outcomes: set[str] = set()
    try:
        for _ in range(300):
            try:
                load_kb(tiny_kb)
                outcomes.add("loaded")
            except KBValidationError:
                outcomes.add("errors")  # a file caught half-written is a located error, nothing worse
    finally:
        stop.set()
        thread.join()
    assert "loaded" in outcomes


def test_reload_of_a_hostile_kb_keeps_the_old_one(tiny_kb: Path, tmp_path: Path) -> None:
    app = XinZhi(Settings(kb_path=tiny_kb, db_path=tmp_path / "db"))
    entries = len(app.kb.entries)
    (tiny_kb / "stopwords.txt").write_bytes(b"\xff\xfe\x00bad")
    os.symlink(tiny_kb / "gone.yaml", tiny_kb / "link.yaml")
    (tiny_kb / "dir.yaml").mkdir()
    result = app.reload()
    assert not result.ok and result.entries == entries == len(app.kb.entries)
    assert {Path(e.file).name for e in result.errors} == {"stopwords.txt", "link.yaml", "dir.yaml"}
