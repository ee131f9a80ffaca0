"""Wrap mixed Chinese and Latin text to a terminal width, counting CJK characters as two columns."""
from __future__ import annotations

import re
import unicodedata

ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
# Kinsoku: never start a line with closing punctuation, never end one with opening punctuation.
# Full-width forms are spelled as escapes so that no editor or font can swap them for their ASCII twins.
CLOSING = set("\uff0c\u3002\u3001\uff1b\uff1a\uff1f\uff01\u2026\uff09\u300b\u300d\u300f\u3011\u3009\u3015"
              "\u201d\u2019\uff05" ",.;:?!)]}%")
OPENING = set("\uff08\u300a\u300c\u300e\u3010\u3008\u3014\u201c\u2018" "([{")
ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
LIST_PREFIX_RE = re.compile(r"^(\s*(?:\d{1,2}[.、)]|[•\-*])\s+)")


def char_width(ch: str) -> int:
    """Columns one character takes: 2 for wide/full-width, 0 for combining and zero-width marks."""
    if ch in ZERO_WIDTH or unicodedata.combining(ch) or "\ufe00" <= ch <= "\ufe0f":
        return 0
    if unicodedata.category(ch) in ("Cc", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (ANSI colour codes count as zero)."""
    return sum(char_width(c) for c in ANSI_RE.sub("", text))


def pad(text: str, width: int) -> str:
    """Left-align text in `width` columns."""
    return text + " " * max(width - display_width(text), 0)


def _units(line: str) -> list[tuple[str, bool]]:
    """Split a line into unbreakable units: (text, space_before). CJK characters break anywhere except
    around punctuation; Latin words, numbers and ANSI codes stay whole."""
    units: list[tuple[str, bool]] = []
    space = False
    i, n = 0, len(line)
    while i < n:
        m = ANSI_RE.match(line, i)
        if m:  # zero-width: a space before it still belongs to the next visible unit
            units.append((m.group(0), False))
            i = m.end()
            continue
        ch = line[i]
        if ch.isspace():
            space = True
            i += 1
            continue
        if char_width(ch) == 2 or ch in CLOSING or ch in OPENING:
            units.append((ch, space))
            i += 1
        else:  # a Latin word, number or URL: narrow characters (and colour codes) up to a space or wide character
            j = i + 1
            while j < n:
                if code := ANSI_RE.match(line, j):
                    j = code.end()
                elif line[j].isspace() or char_width(line[j]) == 2 or line[j] in OPENING:
                    break
                else:
                    j += 1
            units.append((line[i:j], space))
            i = j
        space = False
    return _glue(units)


def _glue(units: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    carry = ""  # opening punctuation waiting for its word
    carry_space = False
    for text, space in units:
        if ANSI_RE.fullmatch(text):
            if carry:
                carry += text
            elif out:
                out[-1] = (out[-1][0] + text, out[-1][1])
            else:
                carry, carry_space = text, space
            continue
        if carry:
            text, space, carry = carry + text, carry_space or space, ""
            if text[-1] in OPENING:
                carry, carry_space = text, space
                continue
        elif text in OPENING:
            carry, carry_space = text, space
            continue
        if out and not space and _starts_closing(text):
            out[-1] = (out[-1][0] + text, out[-1][1])
            continue
        out.append((text, space))
    if carry:
        out.append((carry, carry_space))
    return out


def _starts_closing(text: str) -> bool:
    plain = ANSI_RE.sub("", text)
    return bool(plain) and plain[0] in CLOSING


def wrap_line(line: str, width: int, indent: str = "") -> list[str]:
    """Wrap one line; continuation lines start with `indent` (e.g. under a numbered item's text)."""
    if width <= 0 or display_width(line) <= width:
        return [line]
    lines: list[str] = []
    current, used = "", 0
    for text, space in _units(line):
        w = display_width(text)
        gap = 1 if space and current else 0
        if current and used + gap + w > width:
            lines.append(current)
            current, used, gap = indent, display_width(indent), 0
        if not current.strip() and w > width - used:  # longer than a whole line: cut by characters
            for piece in _hard_split(text, width - used, width - display_width(indent)):
                if current.strip():
                    lines.append(current)
                    current = indent
                current += piece
            used = display_width(current)
            continue
        current += (" " if gap else "") + text
        used += gap + w
    if current.strip():
        lines.append(current)
    return [ln.rstrip() for ln in lines]


def _hard_split(text: str, first: int, rest: int) -> list[str]:
    pieces, piece, used, limit = [], "", 0, max(first, 1)
    for m in re.finditer(r"\x1b\[[0-9;]*m|.", text, re.S):
        tok = m.group(0)
        w = display_width(tok)
        if piece and used + w > limit:
            pieces.append(piece)
            piece, used, limit = "", 0, max(rest, 1)
        piece += tok
        used += w
    if piece:
        pieces.append(piece)
    return pieces


def wrap(text: str, width: int | None) -> str:
    """Wrap every line of a multi-line text; list items ("1. ", "• ") get a hanging indent."""
    if not width or width <= 0:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        m = LIST_PREFIX_RE.match(ANSI_RE.sub("", line))
        indent = " " * display_width(m.group(1)) if m else ""
        if len(indent) > width // 2:
            indent = ""
        out.extend(wrap_line(line, width, indent))
    return "\n".join(out)


# C0 and C1 controls except newline and tab, ESC sequences as a whole, and bidi/format characters that
# could reorder or hide text. A sequence like OSC 0 (window title) or CSI is removed with its parameters.
_ESCAPE_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?|[PX^_][^\x1b]{0,512}(?:\x1b\\)?|.)?")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Remove terminal control characters and escape sequences from text we did not write ourselves."""
    return _CONTROL_RE.sub("", _ESCAPE_RE.sub("", text))
