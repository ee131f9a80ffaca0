"""`xinzhi chat`: the session driven through its streams, and once as a real piped subprocess."""
from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core import texts
from bot.app import ReloadResult, XinZhi
from bot.config import Settings
from bot.console.chat import ChatSession
from bot.core.model import Reply, Outcome
from bot.storage.store import Store
from bot.console.termwrap import display_width

REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def chat(app: XinZhi, lines: str, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    rc = ChatSession(app, io.StringIO(lines), out, **kwargs).run()
    return rc, out.getvalue()


def test_piped_answer_has_title_sources_disclaimer_and_numbered_related_without_prompt(app: XinZhi) -> None:
    rc, out = chat(app, "上门催收合法吗\n")
    assert rc == 0
    assert out.startswith("【上门催收合法吗?】")
    assert texts.SOURCES_LABEL + "《中华人民共和国民法典》第一千零三十三条" in out
    assert texts.DISCLAIMER in out
    assert texts.RELATED_INTRO + "\n1. 催收人员上门了该怎么应对?\n2. 催收爆通讯录、联系我的家人朋友同事怎么办?" in out
    assert "**" not in out  # markup rendered, not shown
    assert texts.CONSOLE_PROMPT not in out and texts.WELCOME not in out and "\x1b[" not in out


def test_number_picks_a_related_question(app: XinZhi, store: Store) -> None:
    _, out = chat(app, "上门催收合法吗\n2\n")
    second = out.split("【", 2)[2]
    assert second.startswith("催收爆通讯录、联系我的家人朋友同事怎么办?】")
    assert store.counts()["picks"] == 0  # related questions are navigation, not "did you mean" picks


@pytest.fixture
def cautious_app(settings: Settings, store: Store) -> XinZhi:
    """An app configured to ask "did you mean" whenever the runner-up is close (XINZHI_MIN_MARGIN)."""
    return XinZhi(replace(settings, match=replace(settings.match, min_margin=0.5)), log=store)


def ambiguous_question(app: XinZhi) -> tuple[str, Reply]:
    """A question the engine answers with "did you mean" on this KB (found, not assumed: thresholds get tuned)."""
    for question in ("催收上门", "上门催收", "家里来了催收", "催收来了", "催收上门了"):
        reply = XinZhi(app.settings, engine=app.engine).respond(question)  # a fresh app: no counters, no log
        if reply.kind is Outcome.SUGGEST and len(reply.suggestions) >= 2:
            return question, reply
    raise AssertionError("no question in the list gets two or more suggestions on the test KB")


def test_did_you_mean_choices_are_numbered_and_a_pick_is_answered_and_logged(cautious_app: XinZhi,
                                                                             store: Store) -> None:
    app = cautious_app
    question, reply = ambiguous_question(app)
    expected = [e.question for e in reply.suggestions]
    _, out = chat(app, f"{question}\n2\n")
    block = "\n".join(f"{i}. {q}" for i, q in enumerate(expected, start=1))
    assert texts.SUGGEST_INTRO + "\n" + block in out
    assert f"【{expected[1]}】" in out
    assert store.pick_counts(1) == ((reply.suggestions[1].id, 1),)


def test_unanswered_question_gets_fallback_and_is_logged_redacted(app: XinZhi, store: Store) -> None:
    _, out = chat(app, "附近有什么好吃的 电话13812345678\n")
    assert texts.FALLBACK in out
    assert [u.text for u in store.unanswered(1)] == ["附近有什么好吃的 电话[手机号]"]
    assert [u.channel for u in store.unanswered(1)] == ["console"]


def test_a_question_from_another_domain_is_declined_with_its_official_line(app: XinZhi, store: Store,
                                                                         real_engine) -> None:
    real = XinZhi(app.settings, engine=real_engine, log=store)  # the shipped KB and its out_of_scope.yaml
    _, out = chat(real, "股票亏了怎么办\n网购退货商家不给退怎么办\n")
    assert out.count("这个问题不属于债务和信用常识的范围") == 2 and texts.FALLBACK not in out
    assert "12386(中国证监会服务热线" in out and "12315(市场监管投诉举报" in out
    assert "12348" in out and "/topics" in out  # still a decline: the general help lines follow
    assert len(store.unanswered(1)) == 2


def test_crisis_message_gets_the_support_answer(app: XinZhi) -> None:
    _, out = chat(app, "欠了网贷我真的不想活了\n")
    assert out.startswith("【债务压力太大,觉得活不下去了怎么办?】")
    assert "12356" in out


def test_topics_browse_category_then_question(app: XinZhi) -> None:
    _, out = chat(app, "/topics\n2\n1\n")
    assert texts.CONSOLE_TOPICS + "\n1. 催收与权利(3)\n2. 逾期后果(2)\n3. 求助与支持(1)" in out
    assert "逾期后果:\n1. 信用卡欠款还不上会坐牢吗?\n2. 逾期多久会上征信?有宽限期吗?" in out
    assert "【信用卡欠款还不上会坐牢吗?】" in out


@pytest.mark.parametrize("command, text", [
    ("/help", texts.HELP), ("/about", texts.ABOUT), ("/privacy", texts.PRIVACY), ("/start", texts.WELCOME),
])
def test_fixed_commands(app: XinZhi, command: str, text: str) -> None:
    _, out = chat(app, command + "\n")
    assert text in out


def test_unknown_command_and_out_of_range_number(app: XinZhi) -> None:
    _, out = chat(app, "/frobnicate\n上门催收合法吗\n7\n")
    assert texts.CONSOLE_UNKNOWN_COMMAND.format(command="/frobnicate") in out
    assert texts.CONSOLE_NO_CHOICE.format(number=7, n=2) in out


def test_quit_stops_reading(app: XinZhi, store: Store) -> None:
    rc, out = chat(app, "/quit\n附近有什么好吃的\n")
    assert rc == 0 and out == ""
    assert store.counts()["unanswered"] == 0


@pytest.mark.parametrize("word", ["退出", "exit", "Quit", "退出。"])
def test_a_line_of_just_quit_in_words_also_stops(app: XinZhi, store: Store, word: str) -> None:
    rc, out = chat(app, f"{word}\n附近有什么好吃的\n")
    assert rc == 0 and out == ""
    assert store.counts()["unanswered"] == 0


def test_feedback_on_the_last_answer(app: XinZhi, store: Store) -> None:
    _, out = chat(app, "+\n上门催收合法吗\n-\n")
    assert texts.CONSOLE_NOTHING_TO_RATE in out and texts.FEEDBACK_THANKS in out
    [count] = store.feedback_counts(1)
    assert (count.entry_id, count.up, count.down) == ("collection-home-visit-legality", 0, 1)
    assert app.stats()["feedback_down"] == 1


def test_blank_lines_are_skipped_and_fullwidth_numbers_pick(app: XinZhi) -> None:
    _, out = chat(app, "\n   \n上门催收合法吗\n１\n")
    assert texts.EMPTY not in out
    assert "【催收人员上门了该怎么应对?】" in out
    assert app.stats()["questions"] == 1


def test_interactive_session_prompts_welcomes_hints_and_says_goodbye_at_eof(cautious_app: XinZhi) -> None:
    app = cautious_app
    question, reply = ambiguous_question(app)
    rc, out = chat(app, question + "\n", interactive=True)
    assert rc == 0
    assert out.startswith(texts.WELCOME)
    assert out.count(texts.CONSOLE_PROMPT) == 2  # one per line read, including the one answered by Ctrl-D
    assert texts.CONSOLE_PICK_HINT.format(n=len(reply.suggestions)) in out
    assert out.rstrip().endswith(texts.CONSOLE_BYE)


def test_ctrl_c_cancels_the_line_and_ctrl_d_quits_without_traceback(app: XinZhi) -> None:
    events: list[object] = [KeyboardInterrupt(), "上门催收合法吗", KeyboardInterrupt(), EOFError()]

    def reader() -> str:  # stands in for the terminal (the I/O edge)
        event = events.pop(0)
        if isinstance(event, BaseException):
            raise event
        return event

    out = io.StringIO()
    rc = ChatSession(app, io.StringIO(), out, interactive=True, reader=reader).run()
    assert rc == 0 and not events
    assert "【上门催收合法吗?】" in out.getvalue() and texts.CONSOLE_BYE in out.getvalue()


def test_ctrl_c_in_a_piped_session_ends_it_with_130(app: XinZhi) -> None:
    def reader() -> str:
        raise KeyboardInterrupt

    assert ChatSession(app, io.StringIO(), io.StringIO(), reader=reader).run() == 130


def test_output_wraps_to_the_width_counting_chinese_as_two_columns(app: XinZhi) -> None:
    _, out = chat(app, "上门催收合法吗\n", width=30)
    lines = out.splitlines()
    assert max(display_width(line) for line in lines) <= 30
    assert any(display_width(line) >= 27 for line in lines)  # it fills lines, it doesn't just break everywhere
    assert not any(line.lstrip().startswith((",", "。", "、", ";", ":", ")", "》")) for line in lines)
    steps = [i for i, line in enumerate(lines) if line.startswith("1. 进门")]
    assert steps and lines[steps[0] + 1].startswith("   ")  # hanging indent under the numbered step


def test_colours_only_when_asked(app: XinZhi) -> None:
    _, plain = chat(app, "上门催收合法吗\n", colour=False, width=34)
    _, coloured = chat(app, "上门催收合法吗\n", colour=True, width=34)
    assert "\x1b[" not in plain and "\x1b[1m【上门催收合法吗?】" in coloured
    assert ANSI.sub("", coloured) == plain  # same text, same line breaks


def test_reload_report_is_printed(app: XinZhi) -> None:
    out = io.StringIO()
    session = ChatSession(app, io.StringIO(), out)
    session.notify_reload(ReloadResult(True, 6))
    assert "知识库已重新加载:6 条。" in out.getvalue()


def test_reload_command_keeps_old_kb_when_broken(app: XinZhi, kb_path: Path) -> None:
    (kb_path / "broken.yaml").write_text("category: x\nentries:\n  - id: [oops\n", encoding="utf-8")
    _, out = chat(app, "/reload\n上门催收合法吗\n")
    assert "继续使用原来的版本(6 条)" in out
    assert re.search(r"broken\.yaml:\d+: YAML syntax error", out)
    assert "【上门催收合法吗?】" in out


def test_picking_an_entry_removed_by_a_reload(app: XinZhi, kb_path: Path) -> None:
    out = io.StringIO()
    session = ChatSession(app, io.StringIO(), out)
    session.handle("上门催收合法吗")  # related: home-visit-response, contacts-third-party
    text = (kb_path / "collection.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: collection-contacts-third-party")
    (kb_path / "collection.yaml").write_text(
        text[:start].replace(", collection-contacts-third-party]", "]"), encoding="utf-8")
    (kb_path / "overdue.yaml").write_text(
        (kb_path / "overdue.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert app.reload().ok
    session.handle("2")
    assert texts.ENTRY_GONE in out.getvalue()


# --- the real command --------------------------------------------------------------------------

def run_chat(settings: Settings, stdin: str | Path, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "XINZHI_DB": str(settings.storage.db_path), "PYTHONIOENCODING": "utf-8", **dict(extra_env)}
    env.pop("COLUMNS", None)
    if isinstance(stdin, Path):
        with stdin.open("rb") as f:
            return subprocess.run([sys.executable, "-m", "bot", "chat", "--kb", str(settings.kb_path)],
                                  stdin=f, capture_output=True, cwd=REPO, env=env, timeout=120)
    return subprocess.run([sys.executable, "-m", "bot", "chat", "--kb", str(settings.kb_path)],
                          input=stdin.encode("utf-8"), capture_output=True, cwd=REPO, env=env, timeout=120)


def test_piped_subprocess_answers_each_line(settings: Settings) -> None:
    proc = run_chat(settings, "上门催收合法吗\n1\n附近有什么好吃的 a@b.com\n")
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode().splitlines() == [f"xinzhi: knowledge base {settings.kb_path} (from --kb)"]
    assert out.startswith("【上门催收合法吗?】")
    assert "【催收人员上门了该怎么应对?】" in out
    assert out.rstrip().endswith(texts.FALLBACK.rstrip())
    assert texts.CONSOLE_PROMPT not in out and "\x1b[" not in out
    conn = sqlite3.connect(settings.storage.db_path)
    assert conn.execute("SELECT text, channel FROM unanswered").fetchall() == [("附近有什么好吃的 [邮箱]", "console")]
    conn.close()


def test_subprocess_reads_a_file_of_questions_with_log_off(settings: Settings, tmp_path: Path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("信用卡逾期会坐牢吗\n\n逾期多久上征信\n今天天气怎么样\n", encoding="utf-8")
    proc = run_chat(settings, questions, ("XINZHI_LOG", "off"))
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.index("【信用卡欠款还不上会坐牢吗?】") < out.index("【逾期多久会上征信?有宽限期吗?】")
    assert out.count(texts.DISCLAIMER) == 2
    assert not settings.storage.db_path.exists() and not settings.storage.db_path.parent.exists()


def test_subprocess_with_a_broken_kb_fails_with_file_and_line(settings: Settings) -> None:
    (settings.kb_path / "support.yaml").write_text("category: x\nentries:\n  - id: Bad Id\n", encoding="utf-8")
    proc = run_chat(settings, "你好\n")
    assert proc.returncode == 1
    assert "support.yaml:3: id 'Bad Id' must be kebab-case" in proc.stderr.decode("utf-8")
    assert "Traceback" not in proc.stderr.decode("utf-8")
