from pathlib import Path

import pytest

from bot.core.loader import KBValidationError, load_kb
from tests.kbfactory import TINY_ENTRIES, entry, write_kb


def errors_of(root: Path) -> list[str]:
    with pytest.raises(KBValidationError) as info:
        load_kb(root)
    return [str(e) for e in info.value.errors]


def test_tiny_kb_loads(tiny_kb):
    kb = load_kb(tiny_kb)
    assert len(kb.entries) == 6
    assert kb.get("credit-report-query").category == "征信"
    assert kb.synonyms["正信"] == "征信"
    assert kb.categories[0] == "催收与权利"


def test_yaml_syntax_error_names_file_and_line(tiny_kb):
    bad = tiny_kb / "broken.yaml"
    bad.write_text("category: 测试\nentries:\n  - id: a\n    question: [unclosed\n", encoding="utf-8")
    errs = errors_of(tiny_kb)
    assert any(e.startswith(f"{bad}:") and "YAML syntax error" in e for e in errs)
    line = int([e for e in errs if e.startswith(str(bad))][0].split(":")[1])
    assert line in (4, 5)


def test_every_problem_is_reported_with_its_line(tiny_kb):
    (tiny_kb / "bad.yaml").write_text(
        "category: 测试\n"
        "entries:\n"
        "  - id: collection-home-visit-legality\n"   # line 3: duplicate id
        "    question: 重复的问题\n"
        "    answer: 有内容\n"
        "    sources: [某法]\n"
        "    updated: 2026-11-28\n"
        "  - id: no-answer\n"                         # line 8
        "    question: 没有答案\n"
        "    answer: \"\"\n"                          # line 10: empty answer
        "    sources: [某法]\n"
        "    updated: 2026-11-28\n"
        "  - id: bad-date\n"
        "    question: 日期错误\n"
        "    answer: 有内容\n"
        "    sources: [某法]\n"
        "    related: [does-not-exist]\n"             # line 17
        "    updated: 2026-13-45\n"                   # line 18
        "  - id: Missing_Fields\n"                    # line 19: bad id, missing fields
        "    question: 缺字段\n",
        encoding="utf-8",
    )
    errs = errors_of(tiny_kb)
    f = tiny_kb / "bad.yaml"
    dup = [e for e in errs if "duplicate id 'collection-home-visit-legality'" in e]
    assert len(dup) == 1 and f"{f}:3" in dup[0]  # both places are named, whichever file sorts first
    assert f"{f}:10: empty answer" in errs
    assert any(e.startswith(f"{f}:18: bad date") for e in errs)
    assert any(e.startswith(f"{f}:19: id 'Missing_Fields'") for e in errs)
    assert any(e.startswith(f"{f}:19: missing field 'answer'") for e in errs)


def test_unknown_related_id_points_at_related_line(tmp_path):
    files = dict(TINY_ENTRIES)
    files["x.yaml"] = ("测试", [entry("lonely-entry", "孤单的问题", ["别的说法"], ["ghost-id"])])
    root = write_kb(tmp_path / "kb", files)
    errs = errors_of(root)
    msg = [e for e in errs if "unknown related id 'ghost-id'" in e]
    assert msg and msg[0].startswith(f"{root / 'x.yaml'}:")
    line = int(msg[0].split(":")[1])
    lines = (root / "x.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[line - 1].strip().startswith("related")


def test_malformed_dictionary_line(tmp_path):
    root = write_kb(tmp_path / "kb", extra_files={"dictionary.txt": "征信 2000 n\n坏 行 有 四列\n词 不是数字\n"})
    errs = errors_of(root)
    assert any(e.startswith(f"{root / 'dictionary.txt'}:2: malformed dictionary line") for e in errs)
    assert any(e.startswith(f"{root / 'dictionary.txt'}:3: malformed dictionary line") for e in errs)


def test_missing_folder_and_empty_folder(tmp_path):
    assert "not found" in errors_of(tmp_path / "nope")[0]
    (tmp_path / "empty").mkdir()
    assert "no category files" in errors_of(tmp_path / "empty")[0]


def test_synonym_variant_mapped_twice(tmp_path):
    root = write_kb(tmp_path / "kb", extra_files={"synonyms.yaml": "征信: [信用]\n信用卡: [信用]\n"})
    errs = errors_of(root)
    assert any("'信用' maps to both" in e and e.startswith(f"{root / 'synonyms.yaml'}:2") for e in errs)


def test_real_kb_is_valid(real_kb_path):
    kb = load_kb(real_kb_path)
    assert len(kb.entries) >= 63
