"""knowledge/acceptable.yaml: phrasings other entries also answer count as right in cross-validation."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from bot.core.engine import build_engine, training_digest
from bot.core.loader import KBValidationError, load_kb
from bot.editor.crossval import cv_steals
from bot.editor.lint import lint
from tests.kbfactory import TINY_ENTRIES, entry, write_kb

PLATFORMS = ["借呗", "花呗", "白条", "微粒贷", "分期乐", "安逸花"]
SUBJECTS = ["罚息", "违约金", "停息挂账", "诉前调解", "律师函", "最低还款"]
ENDINGS = ["怎么办", "合法吗", "能协商吗", "有什么后果"]


def _overlapping(n_entries: int = 3, per_entry: int = 10, seed: int = 5) -> list[dict]:
    """Entries whose phrasings come from one small grammar: each is as close to the others' as to its own."""
    rng = random.Random(seed)
    def say() -> str:
        return f"{rng.choice(PLATFORMS)}{rng.choice(SUBJECTS)}{rng.choice(SUBJECTS)}{rng.choice(ENDINGS)}"

    seen: set[str] = set()
    entries = []
    for i in range(n_entries):
        texts: list[str] = []
        while len(texts) < per_entry:
            text = say()
            if text not in seen:
                seen.add(text)
                texts.append(text)
        entries.append(entry(f"mixed-{i}", texts[0], texts[1:]))
    return entries


def _write(root: Path, entries: list[dict], acceptable: str | None) -> Path:
    return write_kb(root, {"mixed.yaml": ("杂项", entries)}, {"acceptable.yaml": acceptable})


def _all_acceptable(entries: list[dict]) -> str:
    """Every alternate of every entry is also answered by every other entry."""
    ids = [e["id"] for e in entries]
    lines = [f"{alt}: [{', '.join(i for i in ids if i != e['id'])}]\n" for e in entries for alt in e["alternates"]]
    return "".join(lines)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    entries = _overlapping()
    strict = build_engine(_write(tmp_path_factory.mktemp("strict"), entries, None))
    lenient = build_engine(_write(tmp_path_factory.mktemp("lenient"), entries, _all_acceptable(entries)))
    return strict, lenient


def test_an_answer_acceptable_yaml_names_counts_as_right_in_cross_validation(pair):
    strict, lenient = pair
    assert len(lenient.kb.acceptable) == 27 and not strict.kb.acceptable
    assert strict.cv_summary["top1"] < 0.8  # the entries overlap: the held-out phrasing often goes elsewhere
    assert lenient.cv_summary["top1"] > strict.cv_summary["top1"] + 0.15
    assert lenient.cv_summary["answer_accuracy"] > strict.cv_summary["answer_accuracy"] + 0.3  # measured 0.30 -> 0.93
    assert lenient.cv_summary["helpful"] >= strict.cv_summary["helpful"]
    assert lenient.cv_summary["wrong"] <= strict.cv_summary["wrong"]


def test_acceptable_yaml_keys_the_trained_model(pair):
    strict, lenient = pair
    assert training_digest(strict.kb) != training_digest(lenient.kb)


def test_cross_validation_lint_does_not_report_steals_by_an_acceptable_entry(pair):
    strict, lenient = pair
    assert cv_steals(strict)  # the overlapping entries steal each other's phrasings …
    assert all(text not in {a.text for a in lenient.kb.acceptable} for _, text, *_ in cv_steals(lenient))


def test_unknown_id_and_malformed_lines_name_file_and_line(tmp_path):
    kb = write_kb(tmp_path / "kb", extra_files={"acceptable.yaml": (
        "# header\n"
        "上门催收违法吗: [collection-contacts-third-party]\n"
        "催收上门违法吗: [no-such-entry]\n"
        "催收上门犯法吗: collection-contacts-third-party\n"
        "上门催收违法吗: [collection-home-visit-legality]\n")})
    with pytest.raises(KBValidationError) as err:
        load_kb(kb)
    found = {(Path(e.file).name, e.line): e.message for e in err.value.errors}
    assert set(found) == {("acceptable.yaml", 3), ("acceptable.yaml", 4), ("acceptable.yaml", 5)}
    assert "no-such-entry" in found[("acceptable.yaml", 3)]
    assert "phrasing: [entry-id" in found[("acceptable.yaml", 4)]
    assert "twice" in found[("acceptable.yaml", 5)]


def test_a_reworded_alternate_leaves_a_stale_line_that_lint_reports(tmp_path):
    first = TINY_ENTRIES["collection.yaml"][1][0]
    kb = write_kb(tmp_path / "kb", extra_files={"acceptable.yaml": (
        f"{first['alternates'][0]}: [collection-contacts-third-party]\n"
        "一个已经改写掉的问法: [collection-contacts-third-party]\n"
        f"{first['alternates'][0]}x: [{first['id']}]\n")})
    engine = build_engine(kb)  # a stale line does not break loading
    assert len(engine.kb.acceptable) == 3
    stale = [w for w in lint(engine, dt.date(2026, 12, 1)) if w.kind == "acceptable-stale"]
    assert [(Path(w.file).name, w.line) for w in stale] == [("acceptable.yaml", 2), ("acceptable.yaml", 3)]


def test_lint_reports_a_line_that_lists_the_phrasings_own_entry(tmp_path):
    first = TINY_ENTRIES["collection.yaml"][1][0]
    kb = write_kb(tmp_path / "kb", extra_files={"acceptable.yaml": f"{first['alternates'][0]}: [{first['id']}]\n"})
    stale = [w for w in lint(build_engine(kb), dt.date(2026, 12, 1)) if w.kind == "acceptable-stale"]
    assert len(stale) == 1 and first["id"] in stale[0].message


def test_the_real_kb_lists_only_phrasings_it_has(real_engine):
    assert len(real_engine.kb.acceptable) > 2000
    assert not [w for w in lint(real_engine, dt.date(2026, 12, 1)) if w.kind == "acceptable-stale"]


@pytest.mark.parametrize("name", ["acceptable.yaml", "out_of_scope.yaml"])
def test_resource_files_are_read_with_the_kb_file_checks(tmp_path, name):
    """A control character in either resource file is reported with its file and line, like a category file."""
    body = "上门催收违法吗: [collection-contacts-third-party]\n" if name == "acceptable.yaml" else \
        "groups:\n  - domain: 税务\n    questions: [个税怎么退]\n"
    kb = write_kb(tmp_path / "kb", extra_files={name: "# ok\n" + body + "坏\x07行: [x]\n"})
    with pytest.raises(KBValidationError) as err:
        load_kb(kb)
    assert [(Path(e.file).name, e.line) for e in err.value.errors] == [(name, len(body.splitlines()) + 2)]
    assert "control character" in err.value.errors[0].message
