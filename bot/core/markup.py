"""Parse the small answer markup (paragraphs, **bold**, numbered and bulleted lines) once for every renderer."""
from __future__ import annotations

import re
from dataclasses import dataclass

NUMBERED_RE = re.compile(r"^\s*(\d{1,2})[.、)]\s*(.*)$")
BULLET_RE = re.compile(r"^\s*[-*•]\s+(.*)$")
BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Line:
    """One rendered line: kind is 'text', 'numbered' or 'bullet'."""

    kind: str
    text: str
    number: int = 0


@dataclass(frozen=True)
class Paragraph:
    """Lines separated from the next paragraph by a blank line."""

    lines: tuple[Line, ...]


def parse(markup: str) -> tuple[Paragraph, ...]:
    """Split answer markup into paragraphs of typed lines."""
    paragraphs: list[Paragraph] = []
    current: list[Line] = []
    for raw in markup.replace("\r\n", "\n").split("\n"):
        if not raw.strip():
            if current:
                paragraphs.append(Paragraph(tuple(current)))
                current = []
            continue
        if m := NUMBERED_RE.match(raw):
            current.append(Line("numbered", m.group(2).strip(), int(m.group(1))))
        elif m := BULLET_RE.match(raw):
            current.append(Line("bullet", m.group(1).strip()))
        else:
            current.append(Line("text", raw.strip()))
    if current:
        paragraphs.append(Paragraph(tuple(current)))
    return tuple(paragraphs)


def spans(text: str) -> tuple[tuple[str, bool], ...]:
    """Split a line into (text, is_bold) runs; unmatched ** stays literal."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in BOLD_RE.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return tuple(out)


def plain(text: str) -> str:
    """Drop bold markers from a line or a whole answer."""
    return BOLD_RE.sub(r"\1", text)


def line_prefix(line: Line) -> str:
    """The visible prefix of a line ('1. ', '• ' or '')."""
    if line.kind == "numbered":
        return f"{line.number}. "
    if line.kind == "bullet":
        return "• "
    return ""
