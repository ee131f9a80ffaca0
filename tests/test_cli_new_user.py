"""Reproduce the bugs a new user hit with the CLI, each against the real program in a subprocess or in-process."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import resolve_kb
from bot.core.loader import load_kb
from tests.kbfactory import write_kb

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAtest-Token_abcdefghijklmnopqrstuvwxyz0123"


def xinzhi(*args: str, cwd: Path, env: dict[str, str] | None = None, shell: str | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **(env or {})}
    full_env.pop("XINZHI_KB", None)
    if shell is not None:
        return subprocess.run(shell, shell=True, cwd=cwd, env=full_env, capture_output=True, text=True,
                              timeout=timeout)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def test_kb_comes_from_flag_then_env_then_cwd_then_bundled(tmp_path: Path) -> None:
    local = write_kb(tmp_path / "work" / "knowledge")
    other = write_kb(tmp_path / "other")
    assert resolve_kb(other, {"XINZHI_KB": "/x"}, cwd=tmp_path / "work") == (other, "--kb")
    assert resolve_kb(None, {"XINZHI_KB": str(other)}, cwd=tmp_path / "work") == (other, "XINZHI_KB")
    assert resolve_kb(None, {}, cwd=tmp_path / "work") == (local, "./knowledge")
    path, source = resolve_kb(None, {}, cwd=tmp_path)
    assert source == "bundled" and load_kb(path).entries


def test_validate_in_a_checkout_reads_the_folder_being_edited(tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "knowledge")
    (kb / "meta.yaml").write_text("category: 关于\nentries: [\n", encoding="utf-8")  # the editor broke it
    proc = xinzhi("kb", "validate", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout
    assert "meta.yaml:" in proc.stdout and "YAML syntax error" in proc.stdout
    assert f"knowledge base {kb} (from ./knowledge)" in proc.stderr


def test_telegram_with_an_unusable_log_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = xinzhi("telegram", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": TOKEN, "XINZHI_DB": "/proc/nope/x.db"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    problem = [line for line in proc.stderr.splitlines() if "knowledge base" not in line]
    assert len(problem) == 1 and "XINZHI_DB=/proc/nope/x.db" in problem[0]
    assert TOKEN not in proc.stderr


def test_kb_gaps_deletes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = write_kb(tmp_path / "kb")
    db = tmp_path / "log.db"
    from bot.storage.store import Store

    with Store(db, 90) as store:
        store.record_unanswered("附近有什么好吃的", "console")
    old = int(time.time()) - 400 * 86400
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO unanswered (ts, text, channel) VALUES (?, ?, ?)", (old, "很久以前的问题", "console"))
    os.environ["XINZHI_DB"] = str(db)
    try:
        assert main(["kb", "gaps", "--kb", str(kb), "--days", "1000"]) == 0
    finally:
        del os.environ["XINZHI_DB"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] == 2


@pytest.mark.parametrize("days", ["0", "-3"])
def test_kb_gaps_rejects_a_window_of_no_days(days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["kb", "gaps", "--days", days])
    assert exc.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["kb lint", "kb show meta-about --telegram", "kb stats"])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, command: str) -> None:
    kb = write_kb(tmp_path / "kb")
    big = tmp_path / "kb" / "meta.yaml"
    assert big.exists()
    proc = xinzhi(cwd=tmp_path, shell=f"{sys.executable} -m bot {command} --kb {kb} | head -c 1 > /dev/null")
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("xinzhi ")


def test_eval_of_a_non_yaml_file_names_line_and_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(ROOT / "README.md")]) == 2
    err = capsys.readouterr().err
    assert "README.md:" in err and "YAML syntax error" in err
    line = err.split("README.md:")[1].split(":")[0]
    assert line.isdigit() and "expected" in err  # the parser's own reason follows


def test_validate_reports_the_cause_first_and_no_follow_on_errors(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    kb = write_kb(tmp_path / "kb")
    # credit.yaml fails to parse; collection.yaml's related ids point into it
    (kb / "credit.yaml").write_text("category: 征信\nentries:\n  - id: x\n    question: [\n", encoding="utf-8")
    assert main(["kb", "validate", "--kb", str(kb)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "credit.yaml:" in out[0] and "YAML syntax error" in out[0]
    assert not any("unknown related id" in line for line in out)


def test_categories_follow_the_order_editors_give(tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "kb")
    text = (kb / "support.yaml").read_text(encoding="utf-8")
    (kb / "support.yaml").write_text("order: 1\n" + text, encoding="utf-8")
    assert load_kb(kb).categories[0] == "求助与支持"
    (kb / "support.yaml").write_text("order: first\n" + text, encoding="utf-8")
    with pytest.raises(Exception, match="support.yaml:1: 'order' must be a whole number"):
        load_kb(kb)


def test_shipped_kb_lists_categories_in_a_sensible_order(real_kb_path: Path) -> None:
    cats = load_kb(real_kb_path).categories
    assert cats[0] == "催收与权利" and cats[-1] == "关于信知"
    assert cats.index("逾期后果") < cats.index("征信")


def test_lint_strict_gates_the_shipped_kb_with_documented_suppressions_only(
        real_kb_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "lint", "--strict", "--kb", str(real_kb_path)]) == 0
    kb = load_kb(real_kb_path)
    suppressed = {e.id: e.lint_ignore for e in kb.entries if e.lint_ignore}
    assert suppressed == {"meta-greeting": ("short-answer",), "meta-thanks": ("short-answer",)}


def test_a_lint_suppression_only_hides_its_own_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = write_kb(tmp_path / "kb")
    text = (kb / "meta.yaml").read_text(encoding="utf-8")
    assert main(["kb", "lint", "--kb", str(kb)]) == 0
    assert "short-answer: 'meta-greeting'" in capsys.readouterr().out
    (kb / "meta.yaml").write_text(text.replace("- id: meta-greeting\n",
                                               "- id: meta-greeting\n  lint_ignore: [short-answer, typo-check]\n"),
                                  encoding="utf-8")
    assert main(["kb", "lint", "--kb", str(kb)]) == 0
    out = capsys.readouterr().out
    assert "short-answer: 'meta-greeting'" not in out and "short-answer: 'collection-" in out
    assert "bad-lint-ignore" in out and "typo-check" in out
