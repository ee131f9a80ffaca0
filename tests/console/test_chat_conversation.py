"""`xinzhi chat` as a conversation: follow-ups, ordinal picks, expiry, 都不是, feedback once, --json, nothing on disk."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.config import Settings
from bot.console.chat import ChatSession
from bot.core import texts
from bot.core.conversation import Conversations
from bot.storage.store import Store
from tests.core.convokb import LPR_YAML, convo_files
from tests.kbfactory import NO_LEXICON, write_kb

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def convo_settings(tmp_path: Path) -> Settings:
    kb = write_kb(tmp_path / "kb", convo_files(), extra_files={**NO_LEXICON, "lpr.yaml": LPR_YAML})
    return Settings(kb_path=kb, db_path=tmp_path / "data" / "xinzhi.db")


@pytest.fixture
def convo_store(convo_settings: Settings):
    with Store(convo_settings.storage.db_path, convo_settings.storage.log_days) as s:
        yield s


class Clock:
    """A hand-moved monotonic clock for the conversation TTL (no sleeping, no wall clock)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def json_session(app: XinZhi, *lines: str) -> list[dict]:
    out = io.StringIO()
    session = ChatSession(app, io.StringIO(), out, as_json=True)
    for line in lines:
        session.handle(line)
    return [json.loads(row) for row in out.getvalue().splitlines()]


def test_follow_ups_and_ordinals_through_json(convo_settings, convo_store):
    app = XinZhi(convo_settings, log=convo_store)
    rows = json_session(app, "信用卡逾期会上征信吗", "那网贷呢", "第一个", "1", "5")
    assert [r["kind"] for r in rows] == ["answer"] * 4 + ["info"]
    assert [r["entry"] for r in rows[:4]] == ["card-credit-report", "online-credit-report", "online-cannot-pay",
                                              "online-credit-report"]
    assert rows[4]["text"] == texts.CONSOLE_NO_CHOICE.format(number=5, n=1)
    assert rows[1]["context"] == "followup" and rows[2]["context"] == "pick"
    assert rows[0]["text"].startswith("【信用卡逾期会上征信吗?】")


def test_context_expires_after_ten_quiet_minutes(convo_settings):
    clock = Clock()
    app = XinZhi(convo_settings, conversations=Conversations(ttl=600, timer=clock))
    out = io.StringIO()
    session = ChatSession(app, io.StringIO(), out, as_json=True)
    session.handle("信用卡逾期会上征信吗")
    clock.now = 601.0
    session.handle("那网贷呢")
    session.handle("1")
    first, late, number = [json.loads(r) for r in out.getvalue().splitlines()]
    assert late["context"] == "" and late["entry"] != "online-credit-report"
    assert number["context"] != "pick" or number["entry"] != first["related"][0]


def test_a_new_question_ignores_the_context(convo_settings):
    app = XinZhi(convo_settings)
    alone = json_session(XinZhi(convo_settings), "欠钱不还会被起诉吗")[0]
    after = json_session(app, "信用卡逾期会上征信吗", "欠钱不还会被起诉吗")[1]
    assert after["entry"] == alone["entry"] == "sued" and after["context"] == ""


def test_two_questions_answer_the_first_and_number_the_other(convo_settings):
    rows = json_session(XinZhi(convo_settings), "网贷逾期会上征信吗?会被起诉吗?", "1")
    assert rows[0]["entry"] == "online-credit-report" and rows[0]["followups"] == ["sued"]
    assert texts.FOLLOWUPS_INTRO + "\n1. 欠钱不还会被起诉吗?" in rows[0]["text"]
    assert rows[1]["entry"] == "sued"


def test_figures_are_computed_and_unclear_ones_asked_back(convo_settings):
    rows = json_session(XinZhi(convo_settings), "借1万 每月还1000 还12期 利率多少", "借1万 还1000 12", "是")
    assert rows[0]["kind"] == "calc" and rows[0]["calc"]["apr"] == pytest.approx(35.07, abs=0.01)
    assert rows[0]["calc"]["limit"] == 12.0 and texts.CALC_LICENSED in rows[0]["text"]
    assert rows[0]["related"][:2] == ["lending-apr", "lending-interest-cap"]
    assert rows[1]["kind"] == "clarify" and rows[1]["text"].startswith("是每月还1000,一共12期吗?")
    assert rows[2]["kind"] == "calc" and rows[2]["calc"]["apr"] == pytest.approx(35.07, abs=0.01)


def test_none_of_these_records_the_miss_redacted_and_offers_help(convo_settings, convo_store):
    app = XinZhi(convo_settings, log=convo_store)
    out = io.StringIO()
    session = ChatSession(app, io.StringIO(), out)
    reply, state = app.reply(session.state, "还不上怎么办")
    assert reply.kind.value == "suggest", "the test needs a question the KB only suggests for"
    session.handle("还不上怎么办 13812345678")
    assert f"{len(session.state.choices) + 1}. {texts.NONE_OF_THESE}" in out.getvalue()
    session.handle("都不是")
    assert texts.NONE_OF_THESE_REPLY in out.getvalue()
    assert [u.text for u in convo_store.unanswered(1)] == ["还不上怎么办 [手机号]"]
    session.handle("信用卡逾期会上征信吗")  # the list was answered by 都不是: not also "unpicked"
    assert len(convo_store.unanswered(1)) == 1


def test_an_unpicked_suggestion_list_is_recorded_when_the_user_moves_on(convo_settings, convo_store):
    app = XinZhi(convo_settings, log=convo_store)
    session = ChatSession(app, io.StringIO(), io.StringIO())
    session.handle("还不上怎么办")
    session.handle("信用卡逾期会上征信吗")
    assert [u.text for u in convo_store.unpicked(1)] == ["还不上怎么办"]  # kept apart for `kb gaps`
    assert convo_store.unanswered(1) == ()


def test_feedback_counts_once_per_answer_and_not_after_help(convo_settings, convo_store):
    app = XinZhi(convo_settings, log=convo_store)
    out = io.StringIO()
    session = ChatSession(app, io.StringIO(), out)
    for line in ("信用卡逾期会上征信吗", "-", "-", "/help", "+"):
        session.handle(line)
    [count] = convo_store.feedback_counts(1)
    assert (count.entry_id, count.up, count.down) == ("card-credit-report", 0, 1)
    text = out.getvalue()
    assert texts.ALREADY_RATED in text and texts.CONSOLE_NOTHING_TO_RATE in text
    assert texts.AFTER_DOWN in text and texts.HELP_LINES in text and "1. 信用卡还不上怎么办?" in text


def test_piped_json_subprocess_replays_a_session_and_keeps_the_conversation_off_disk(convo_settings, tmp_path):
    lines = ["信用卡逾期会上征信吗", "那网贷呢", "第一个", "借1万 每月还1000 还12期", "今天天气怎么样"]
    env = {**os.environ, "XINZHI_DB": str(convo_settings.storage.db_path), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "bot", "chat", "--json", "--kb", str(convo_settings.kb_path)],
                          input=("\n".join(lines) + "\n").encode("utf-8"), capture_output=True, cwd=REPO, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(r) for r in proc.stdout.decode("utf-8").splitlines()]
    assert len(rows) == len(lines)
    assert [r["entry"] for r in rows[:3]] == ["card-credit-report", "online-credit-report", "online-cannot-pay"]
    assert rows[3]["kind"] == "calc" and rows[4]["kind"] == "fallback"
    assert {"kind", "entry", "suggestions", "text"} <= set(rows[0])
    stored = b"".join(p.read_bytes() for p in convo_settings.storage.db_path.parent.iterdir() if p.is_file())
    assert "今天天气怎么样".encode("utf-8") in stored  # the log works …
    for private in ("信用卡逾期会上征信吗", "网贷逾期会上征信吗", "那网贷呢", "10000", "1000"):
        assert private.encode("utf-8") not in stored  # … but no conversation state or topic reaches the disk
