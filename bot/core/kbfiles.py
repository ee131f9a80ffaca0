"""Decide which files of a KB folder count, and read one safely: size cap, UTF-8, no links to nowhere."""
from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Callable

import yaml

Report = Callable[[Path, int, str], None]  # (file, line, message)

MAX_FILE_BYTES = 5 * 1024 * 1024  # a KB file is a few hundred KB; anything near this is a mistake or an attack
# Editor droppings and backups that neither the loader nor the watcher may read (one rule for both).
IGNORED_PREFIXES = (".", "#", "__")
IGNORED_SUFFIXES = ("~", "#", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig", ".part", ".crdownload")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def is_ignored_name(name: str) -> bool:
    """True for hidden files and editor lock or backup files (.#a.yaml, #a.yaml#, a.yaml~, .a.yaml.swp)."""
    return name.startswith(IGNORED_PREFIXES) or name.endswith(IGNORED_SUFFIXES)


class Gone(Exception):
    """The file was deleted between listing the folder and reading it (a save or reload in progress)."""


def read_kb_text(path: Path, report: Report) -> str | None:
    """Read a KB file as UTF-8 text; record why it cannot be read (size, encoding, links, control characters).

    Raises Gone when the file vanished while we looked: the caller skips it, and the watcher reloads again.
    """
    try:
        if path.is_dir():
            report(path, 1, "is a folder, not a file (rename it or move it out of the knowledge base)")
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        if path.is_symlink():
            report(path, 1, f"dangling symlink (points to {os.readlink(path)!r}, which does not exist)")
            return None
        raise Gone(str(path)) from None
    except OSError as exc:
        why = "symlink loop" if exc.errno == errno.ELOOP else (exc.strerror or type(exc).__name__)
        report(path, 1, f"cannot read the file ({why})")
        return None
    if len(data) > MAX_FILE_BYTES:
        report(path, 1, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it or remove it")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report(path, line, f"not valid UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8")
        return None
    text = text.removeprefix("\ufeff")
    if bad := CONTROL_RE.search(text):
        line = text.count("\n", 0, bad.start()) + 1
        report(path, line, f"control character U+{ord(bad.group(0)):04X} is not allowed (remove it)")
        return None
    return text


def compose_kb_yaml(path: Path, report: Report) -> yaml.Node | None:
    """Read a KB resource file safely (read_kb_text) and parse it into a YAML node; report a syntax error's line.

    Returns None for an unreadable, broken or empty file. Raises Gone like read_kb_text.
    """
    text = read_kb_text(path, report)
    if text is None:
        return None
    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        report(path, mark.line + 1 if mark else 1, f"YAML syntax error: {exc.problem or exc.context}")
        return None
