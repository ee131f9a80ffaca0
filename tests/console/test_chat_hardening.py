"""`xinzhi chat` survives hostile input: unbounded lines, broken KB reloads, terminal escape sequences."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from bot.app import XinZhi
from bot.console.chat import MAX_LINE_CHARS, ChatSession, render_console
from bot.console.termwrap import strip_controls
from bot.core import texts

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class BoundedStdin(io.StringIO):
    """stdin at the I/O edge: fails the test if anyone asks for a line without a size bound."""

    def __init__(self, text: str):
        super().__init__(text)
        self.largest = 0

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        assert size is not None and size > 0, "readline() without a bound can read one line forever"
        self.largest = max(self.largest, size)
        return super().readline(size)


def chat(app: XinZhi, stdin: io.StringIO, **kwargs: object) -> tuple[int, str]:
    out = io.StringIO()
    rc = ChatSession(app, stdin, out, **kwargs).run()  # type: ignore[arg-type]
    return rc, out.getvalue()


def test_an_endless_line_is_read_in_bounded_pieces_and_the_next_line_is_answered(app: XinZhi) -> None:
    stdin = BoundedStdin("\x00" * 3_000_000 + "\n上门催收合法吗\n")
    rc, out = chat(app, stdin)
    assert rc == 0 and stdin.largest <= 65536
    assert out.count("【上门催收合法吗?】") == 1


def test_an_over_long_question_is_answered_from_its_start(app: XinZhi) -> None:
    rc, out = chat(app, BoundedStdin("上门催收合法吗" + "啊" * (MAX_LINE_CHARS * 3) + "\n/about\n"))
    assert rc == 0 and texts.ABOUT in out  # the tail of the long line was not taken as new lines


def test_reload_on_a_broken_kb_does_not_end_the_session(app: XinZhi, kb_path: Path) -> None:
    (kb_path / "stopwords.txt").write_bytes(b"\xff\xfe bad")
    os.symlink(kb_path / "missing.yaml", kb_path / "dangling.yaml")
    (kb_path / "folder.yaml").mkdir()
    rc, out = chat(app, io.StringIO("/reload\n上门催收合法吗\n"))
    assert rc == 0
    assert re.search(r"stopwords\.txt:1: not valid UTF-8", out)
    assert "dangling.yaml:1: dangling symlink" in out and "folder.yaml:1: is a folder" in out
    assert "【上门催收合法吗?】" in out


def test_unknown_commands_are_echoed_without_control_sequences(app: XinZhi) -> None:
    rc, out = chat(app, io.StringIO("/\x1b]0;pwned\x07x\x1b[2J\x9b31m\n"), colour=False)
    assert rc == 0 and "\x1b" not in out and not CONTROL.search(out.replace("\n", ""))
    assert "/x" in out


def test_a_file_name_with_escape_sequences_is_reported_without_them(app: XinZhi, kb_path: Path) -> None:
    (kb_path / "evil\x1b]0;title\x07.yaml").write_text("category: [broken\n", encoding="utf-8")
    rc, out = chat(app, io.StringIO("/reload\n"))
    assert rc == 0 and "evil.yaml" in out and "\x1b" not in out and "\x07" not in out


def test_hot_reload_reports_are_stripped_too(app: XinZhi, kb_path: Path) -> None:
    (kb_path / "bad\x1b[31m.yaml").write_text("category: [broken\n", encoding="utf-8")
    out = io.StringIO()
    ChatSession(app, io.StringIO(), out).notify_reload(app.reload())
    assert "bad.yaml" in out.getvalue() and "\x1b" not in out.getvalue()


@pytest.mark.parametrize("raw, clean", [
    ("a\x1b]0;title\x07b", "ab"), ("a\x1b]0;title\x1b\\b", "ab"), ("a\x1b[31mb\x1b[0m", "ab"),
    ("a\x9b31mb", "a31mb"), ("a\x00b\x07c\x7fd", "abcd"), ("右\u202e至左", "右至左"), ("行\n\t下", "行\n\t下"),
    ("a\x1bPpayload\x1b\\b", "ab"), ("中文😀", "中文😀"),
])
def test_strip_controls(raw: str, clean: str) -> None:
    assert strip_controls(raw) == clean


def test_colours_we_add_survive_and_answers_are_clean(app: XinZhi) -> None:
    reply = app.respond("上门催收合法吗")
    coloured = render_console(reply, None, colour=True)
    assert "\x1b[1m" in coloured
    assert not CONTROL.search(re.sub(r"\x1b\[[0-9;]*m", "", coloured).replace("\n", ""))
