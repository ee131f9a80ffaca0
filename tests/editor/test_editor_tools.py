"""`xinzhi kb validate|lint|stats|show|gaps` on small KBs built in tmp_path, good and broken."""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from pathlib import Path

import pytest
from tests.console.consolekb import COLLECTION, OVERDUE, SUPPORT, console_files, line_of
from tests.kbfactory import NO_LEXICON, write_kb

from bot import cli
from bot.editor.lint import check_entry
from bot.editor.tools import group_questions
from bot.core.model import Entry
from bot.storage.store import Store

WARNING_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<kind>[a-z-]+): (?P<message>.+)$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = cli.main(list(argv))
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def warnings_of(out: str) -> list[tuple[str, int, str, str]]:
    lines = out.strip().splitlines()
    parsed = [WARNING_LINE.match(line) for line in lines[:-1]]
    assert all(parsed), f"every warning is file:line: kind: message\n{out}"
    return [(Path(m["file"]).name, int(m["line"]), m["kind"], m["message"]) for m in parsed if m]


# --- validate --------------------------------------------------------------------------------------

def test_validate_good_kb_prints_one_line(capsys, kb_path: Path) -> None:
    rc, out, _ = run(capsys, "kb", "validate", "--kb", str(kb_path))
    assert rc == 0
    assert out.splitlines() == [f"OK: 6 entries in 3 categories, 54 alternates ({kb_path})"]


def test_validate_bad_yaml_reports_file_and_line(capsys, tmp_path: Path) -> None:
    broken = COLLECTION.replace("    question: 上门催收合法吗?", "    question: 上门催收: 合法吗?")
    kb = write_kb(tmp_path / "kb", console_files(collection_yaml=broken), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "validate", "--kb", str(kb))
    assert rc == 1
    line = line_of(broken, "上门催收: 合法吗")
    assert out.splitlines()[0].startswith(f"{kb / 'collection.yaml'}:{line}: YAML syntax error")
    assert out.splitlines()[-1].endswith(f"problem(s) found in {kb}")


def test_validate_lists_every_problem(capsys, tmp_path: Path) -> None:
    collection = COLLECTION.replace("  - id: collection-home-visit-response", "  - id: collection-home-visit-legality")
    overdue = OVERDUE.replace("    related: [credit-report-overdue-timing]", "    related: [no-such-entry]")
    kb = write_kb(tmp_path / "kb", console_files(collection_yaml=collection, overdue_yaml=overdue), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "validate", "--kb", str(kb))
    assert rc == 1
    second = [n for n, text in enumerate(collection.splitlines(), 1) if "id: collection-home-visit-legality" in text][1]
    c, o, s = kb / "collection.yaml", kb / "overdue.yaml", kb / "support.yaml"
    assert out.splitlines() == [
        f"{c}:{second}: duplicate id 'collection-home-visit-legality' (first defined at "
        f"{c}:{line_of(collection, 'id: collection-home-visit-legality')})",
        f"{c}:{line_of(collection, 'related: [collection-home-visit-response')}: unknown related id "
        "'collection-home-visit-response' in entry 'collection-home-visit-legality'",
        f"{c}:{line_of(collection, 'related: [collection-home-visit-legality')}: entry "
        "'collection-home-visit-legality' lists itself as related",
        f"{o}:{line_of(overdue, 'related: [no-such-entry]')}: unknown related id 'no-such-entry' "
        "in entry 'overdue-credit-card-criminal'",
        f"{s}:{line_of(SUPPORT, 'related: [')}: unknown related id 'collection-home-visit-response' "
        "in entry 'support-mental-health'",
        f"5 problem(s) found in {kb}",
    ]


def test_validate_reports_missing_sources_at_its_line(capsys, tmp_path: Path) -> None:
    overdue = OVERDUE.replace("      - 《征信业管理条例》第十六条(国务院,2013年)\n", "").replace(
        "    sources:\n    related: [overdue-credit-card-criminal]",
        "    sources: []\n    related: [overdue-credit-card-criminal]")
    kb = write_kb(tmp_path / "kb", console_files(overdue_yaml=overdue), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "validate", "--kb", str(kb))
    assert rc == 1
    assert f"{kb / 'overdue.yaml'}:{line_of(overdue, 'sources: []')}: missing field 'sources'" in out


# --- lint ------------------------------------------------------------------------------------------

def test_lint_clean_kb(capsys, kb_path: Path) -> None:
    rc, out, _ = run(capsys, "kb", "lint", "--kb", str(kb_path), "--strict")
    assert rc == 0
    assert out.splitlines() == [f"OK: no warnings in 6 entries ({kb_path})"]


def test_lint_finds_colliding_alternates(capsys, tmp_path: Path) -> None:
    collection = COLLECTION.replace("      - 催收员能上门吗\n", "      - 催收员能上门吗\n      - 催收上门了怎么办\n").replace(
        "      - 催收打到我单位领导那里\n", "      - 催收打到我单位领导那里\n      - 被催收逼得想死\n")
    kb = write_kb(tmp_path / "kb", console_files(collection_yaml=collection), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "lint", "--kb", str(kb))
    assert rc == 0  # warnings only fail with --strict
    found = {(line, kind): message for _, line, kind, message in warnings_of(out)}
    first, second = [n for n, t in enumerate(collection.splitlines(), 1) if t.strip() == "- 催收上门了怎么办"]
    for line, rival in ((first, "collection-home-visit-response"), (second, "collection-home-visit-legality")):
        [(kind, message)] = [(k, m) for (n, k), m in found.items() if n == line]
        assert kind in {"collision", "ambiguous"} and rival in message
    crisis = found[(line_of(collection, "被催收逼得想死"), "collision")]
    assert "'support-mental-health'" in crisis and "crisis" in crisis
    rc, _, _ = run(capsys, "kb", "lint", "--kb", str(kb), "--strict")
    assert rc == 1


def test_lint_entry_checks_with_their_lines(capsys, tmp_path: Path) -> None:
    long_answer = "      信用卡逾期的后果需要认真对待,及时和银行沟通,保留证据,必要时寻求法律援助。\n" * 20
    overdue = (OVERDUE
               .replace("      - 信用卡逾期被说要刑事立案\n", "")
               .replace("    answer: |\n      单纯因为", "    answer: |\n" + long_answer + "\n      单纯因为")
               .replace("""      - 逾期一天会上征信吗
      - 晚还几天影响征信吗
      - 有没有还款宽限期
      - 逾期几天会有不良记录
      - 网贷逾期多久上征信
      - 信用卡宽限期是几天
""", "")
               .replace("      - 逾期多久上征信\n", "      - 逾期多久上征信\n      - 逾期多久上征信?\n"))
    overdue = overdue.replace(f"    tags: [征信, 逾期]\n    updated: {dt.date.today().isoformat()}",
                              "    tags: [征信, 逾期]\n    updated: 2020-02-29")
    short = "      逾期一天就可能被报送征信,宽限期由各家机构规定。\n"
    start = overdue.index("      逾期一天就可能被报送到征信系统")
    end = overdue.index("    sources:", start)
    overdue = overdue[:start] + short + overdue[end:]
    kb = write_kb(tmp_path / "kb", console_files(overdue_yaml=overdue), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "lint", "--kb", str(kb))
    assert rc == 0
    found = {(name, line, kind) for name, line, kind, _ in warnings_of(out)}
    timing_start = line_of(overdue, "id: credit-report-overdue-timing")
    alternates_line = line_of(overdue[overdue.index("id: credit-report-overdue-timing"):], "alternates:") + timing_start - 1
    assert ("overdue.yaml", alternates_line, "few-alternates") in found
    answers = [n for n, t in enumerate(overdue.splitlines(), 1) if t.strip() == "answer: |"]
    assert ("overdue.yaml", answers[0], "long-answer") in found
    assert ("overdue.yaml", answers[1], "short-answer") in found
    assert ("overdue.yaml", line_of(overdue, "updated: 2020-02-29"), "stale") in found
    assert ("overdue.yaml", line_of(overdue, "逾期多久上征信?"), "duplicate-alternate") in found
    assert "'overdue-credit-card-criminal' has" not in out  # 8 alternates is enough
    entry_kinds = [kind for _, _, kind, _ in warnings_of(out) if kind not in {"collision", "ambiguous", "weak-alternate"}]
    assert sorted(entry_kinds) == ["duplicate-alternate", "few-alternates", "long-answer", "short-answer", "stale"]


def test_lint_near_duplicate_entries(capsys, tmp_path: Path) -> None:
    start = OVERDUE.index("  - id: overdue-credit-card-criminal")
    end = OVERDUE.index("  - id: credit-report-overdue-timing")
    copy = (OVERDUE[start:end].replace("id: overdue-credit-card-criminal", "id: overdue-credit-card-jail")
            .replace("question: 信用卡欠款还不上会坐牢吗?", "question: 信用卡欠款还不上会不会坐牢?"))
    kb = write_kb(tmp_path / "kb", console_files(extra_yaml="category: 重复\nentries:\n" + copy), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "lint", "--kb", str(kb))
    near = [w for w in warnings_of(out) if w[2] == "near-duplicate"]
    assert len(near) == 1
    assert "'overdue-credit-card-jail' and 'overdue-credit-card-criminal'" in near[0][3] or \
        "'overdue-credit-card-criminal' and 'overdue-credit-card-jail'" in near[0][3]
    assert any(w[2] in {"collision", "ambiguous"} for w in warnings_of(out))  # their alternates collide too


def test_lint_missing_topics_point_into_the_topics_file(capsys, kb_path: Path, tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text("# required\n- id: collection-home-visit-legality\n  question: 上门催收合法吗?\n"
                      "- id: collection-complaint\n  question: 去哪里投诉违规催收?\n", encoding="utf-8")
    rc, out, _ = run(capsys, "kb", "lint", "--kb", str(kb_path), "--topics", str(topics), "--strict")
    assert rc == 1
    assert out.splitlines()[0] == f"{topics}:4: missing-topic: required topic 'collection-complaint' has no entry"


def test_lint_bad_topics_file_is_a_usage_error(capsys, kb_path: Path, tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text("collection-complaint: yes\n", encoding="utf-8")
    rc, _, err = run(capsys, "kb", "lint", "--kb", str(kb_path), "--topics", str(topics))
    assert rc == 2 and "--topics" in err and "list" in err


def test_lint_on_a_broken_kb_lists_the_errors(capsys, tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "kb", console_files(overdue_yaml=OVERDUE.replace("[credit-report-overdue-timing]", "[nope]")), extra_files=NO_LEXICON)
    rc, _, err = run(capsys, "kb", "lint", "--kb", str(kb))
    assert rc == 1
    line = line_of(OVERDUE, "related: [credit-report-overdue-timing]")
    assert f"{kb / 'overdue.yaml'}:{line}: unknown related id 'nope'" in err


def test_no_sources_warning() -> None:
    alternates = tuple(f"说法{n}" for n in range(8))
    entry = Entry("x-y", "c", "问题?", alternates, "答" * 150, (), (), (), dt.date.today(), "f.yaml", 3,
                  summary="先做这一步。")
    kinds = [w.kind for w in check_entry(entry, dt.date.today())]
    assert kinds == ["no-sources"]
    bare = Entry("x-z", "c", "问题?", alternates, "答" * 150, ("依据",), (), (), dt.date.today(), "f.yaml", 3)
    assert [w.kind for w in check_entry(bare, dt.date.today())] == ["no-summary"]


# --- stats and show --------------------------------------------------------------------------------

def test_stats(capsys, tmp_path: Path) -> None:
    overdue = OVERDUE.replace(f"    tags: [征信, 逾期]\n    updated: {dt.date.today().isoformat()}",
                              "    tags: [征信, 逾期]\n    updated: 2025-01-02")
    kb = write_kb(tmp_path / "kb", console_files(overdue_yaml=overdue), extra_files=NO_LEXICON)
    rc, out, _ = run(capsys, "kb", "stats", "--kb", str(kb))
    assert rc == 0
    assert "Entries: 6 in 3 categories" in out
    assert "Alternates: 54 (9.0 per entry;" in out
    assert "Sources: 6/6 entries cite a source (100%), 6 citations" in out
    assert "Oldest update: 2025-01-02 (credit-report-overdue-timing)" in out
    assert re.search(r"^Negatives: [1-9]\d* questions to decline; acceptable.yaml: 0 phrasings", out, re.M)
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[-3:]}
    assert rows["催收与权利"] == ["3", "27", "3/3", dt.date.today().isoformat()]
    assert rows["逾期后果"] == ["2", "18", "2/2", "2025-01-02"]


def test_show_console(capsys, kb_path: Path) -> None:
    rc, out, _ = run(capsys, "kb", "show", "collection-home-visit-legality", "--kb", str(kb_path))
    assert rc == 0
    assert out.startswith("【上门催收合法吗?】\n\n上门催收本身并不违法")
    assert "怎么判断是否越界\n1. 进门" in out and "**" not in out
    assert "相关问题:\n1. 催收人员上门了该怎么应对?\n2. 催收爆通讯录、联系我的家人朋友同事怎么办?" in out


def test_show_telegram_html(capsys, kb_path: Path) -> None:
    rc, out, _ = run(capsys, "kb", "show", "collection-home-visit-legality", "--telegram", "--kb", str(kb_path))
    assert rc == 0
    assert "<b>上门催收合法吗?</b>" in out and "<b>怎么判断是否越界</b>" in out
    assert "[催收人员上门了该怎么应对?]" in out and "👍" in out and "👎" in out
    assert out.startswith("--- message 1/1 (")


def test_show_unknown_id_suggests_close_ids(capsys, kb_path: Path) -> None:
    rc, out, err = run(capsys, "kb", "show", "collection-home-visit", "--kb", str(kb_path))
    assert rc == 1 and out == ""
    assert "no entry with id 'collection-home-visit'" in err and "collection-home-visit-legality" in err


# --- gaps ------------------------------------------------------------------------------------------

def test_group_questions_groups_similar_wordings() -> None:
    groups = group_questions(["附近有什么好吃的", "附近有什么好吃的?", "附近有啥好吃的", "猫咪不吃饭怎么办",
                              "猫不吃饭怎么办", "今天天气", "附近有什么好吃的", "猫咪不吃饭怎么办"])
    assert [(g.text, g.count) for g in groups] == [("附近有什么好吃的", 4), ("猫咪不吃饭怎么办", 3), ("今天天气", 1)]
    assert groups[1].variants == ("猫不吃饭怎么办",)
    assert set(groups[0].variants) == {"附近有什么好吃的?", "附近有啥好吃的"}


def test_gaps_lists_unanswered_groups_thumbs_down_and_picks(capsys, monkeypatch, settings, kb_path) -> None:
    monkeypatch.setenv("XINZHI_DB", str(settings.storage.db_path))  # the environment is the I/O edge
    with Store(settings.storage.db_path) as store:
        for text in ["附近有什么好吃的", "附近有什么好吃的呀", "附近有啥好吃的", "我的手机13812345678丢了", "猫不吃饭怎么办"]:
            store.record_unanswered(text, "telegram")
        for positive in (False, False, True):
            store.record_feedback("overdue-credit-card-criminal", positive, "telegram")
        store.record_feedback("collection-home-visit-legality", False, "console")
        store.record_feedback("credit-report-overdue-timing", True, "console")
        store.record_pick("collection-home-visit-response", "telegram")
    conn = sqlite3.connect(settings.storage.db_path)
    with conn:
        conn.execute("INSERT INTO unanswered (ts, channel, text) VALUES (?, 'telegram', '上个月的问题')",
                     (int(time.time()) - 40 * 86_400,))
    conn.close()
    rc, out, _ = run(capsys, "kb", "gaps", "--days", "30", "--kb", str(kb_path))
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "Unanswered questions, last 30 days: 5 in 3 group(s)"
    assert lines[1].split() == ["3", "附近有什么好吃的"]
    assert lines[2].startswith("       ≈ ") and "附近有啥好吃的" in lines[2]
    assert "我的手机[手机号]丢了" in out and "13812345678" not in out and "上个月的问题" not in out
    thumbs = lines[lines.index("Entries with the most 👎, last 30 days:") + 1:]
    assert thumbs[0].split()[:5] == ["2", "👎", "1", "👍", "overdue-credit-card-criminal"]
    assert thumbs[1].split()[4] == "collection-home-visit-legality"
    assert "credit-report-overdue-timing" not in out  # only 👍: not on the to-do list
    assert "1  collection-home-visit-response  催收人员上门了该怎么应对?" in out
    rc, out, _ = run(capsys, "kb", "gaps", "--days", "60", "--kb", str(kb_path))
    assert "上个月的问题" in out


def test_gaps_without_a_log_creates_nothing(capsys, monkeypatch, tmp_path, kb_path) -> None:
    monkeypatch.setenv("XINZHI_DB", str(tmp_path / "none" / "x.db"))
    rc, out, _ = run(capsys, "kb", "gaps", "--kb", str(kb_path))
    assert rc == 0 and "nothing has been recorded" in out
    assert not (tmp_path / "none").exists()


def test_lint_reports_alternates_the_engine_would_not_answer_directly(tmp_path: Path) -> None:
    """One phrasing in two entries is a real near-tie: lint names it (ambiguous or collision), in both places."""
    from bot.core.engine import build_engine
    from bot.editor.lint import lint

    shared = "催收的人到底能不能来家里"
    collection = COLLECTION.replace("      - 催收员能上门吗\n", f"      - 催收员能上门吗\n      - {shared}\n")
    collection = collection.replace("      - 外访人员来了怎么应付\n", f"      - 外访人员来了怎么应付\n      - {shared}\n")
    kb = write_kb(tmp_path / "kb", console_files(collection_yaml=collection), extra_files=NO_LEXICON)
    engine = build_engine(kb)
    flagged = [w for w in lint(engine, dt.date.today()) if shared in w.message]
    assert flagged and {w.kind for w in flagged} <= {"ambiguous", "collision"}
    for warning in flagged:
        if warning.kind == "ambiguous":
            assert engine.match(shared).decision.value == "suggest"

def test_lint_cross_validation_reports_stolen_alternates(capsys, tmp_path: Path) -> None:
    from bot.core.engine import build_engine
    from bot.editor.crossval import cv_steals
    from bot.editor.lint import lint
    from tests.console.consolekb import console_files

    root = write_kb(tmp_path / "kb", console_files(), extra_files=NO_LEXICON)
    engine = build_engine(root)
    steals = cv_steals(engine)
    assert all(entry.id != thief.id for entry, _, thief, _, _ in steals)
    warnings = [w for w in lint(engine, dt.date.today(), cross_validation=True) if w.kind == "cv-stolen"]
    assert all(w.file.endswith(".yaml") and w.line > 0 for w in warnings)
    rc, out, _ = run(capsys, "kb", "lint", "--kb", str(root), "--cross-validation")
    assert rc == 0 and out.count(": cv-stolen: ") == len(warnings)


def test_gaps_lists_suggestion_lists_nobody_picked_from(capsys, monkeypatch, settings, kb_path) -> None:
    """A user who gets "did you mean" and moves on leaves a redacted row that `kb gaps` lists on its own."""
    from bot.app import XinZhi
    from bot.core.conversation import State
    from bot.storage import open_event_log

    log = open_event_log(settings)
    assert log is not None
    app = XinZhi(settings, log=log)
    reply, state = app.reply(State(), "征信 13812345678", "telegram")  # one topic word: "did you mean"
    assert reply.kind.value == "suggest"
    reply, state = app.reply(state, "信用卡逾期会坐牢吗", "telegram")  # a new question: nobody picked
    assert reply.kind.value == "answer"
    log.close()
    with Store(settings.storage.db_path, read_only=True) as store:
        (row,) = store.unpicked(1)
        assert row.text.startswith("征信") and "13812345678" not in row.text
        assert store.unanswered(1) == ()  # not mixed into the unanswered questions
    monkeypatch.setenv("XINZHI_DB", str(settings.storage.db_path))
    rc, out, _ = run(capsys, "kb", "gaps", "--kb", str(kb_path))
    assert rc == 0
    section = out.split("Suggestion lists nobody picked from")[1]
    assert ": 1 " in section.splitlines()[0] and "征信" in section and "13812345678" not in out
