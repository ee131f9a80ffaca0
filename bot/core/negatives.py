"""Load the curated out-of-scope questions (knowledge/out_of_scope.yaml) the matcher learns to decline."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from bot.core.kbfiles import Gone, compose_kb_yaml

NEGATIVES_FILE = "out_of_scope.yaml"
BUNDLED_DIRS = (Path(__file__).resolve().parents[2] / "knowledge", Path(__file__).resolve().parents[1] / "_kb")

# official lines a decline may point to, by the channel code an out-of-scope group names
CHANNELS = {
    "12386": "12386(中国证监会服务热线:证券、期货、基金)",
    "12366": "12366(纳税服务热线)",
    "12329": "12329(住房公积金服务热线)",
    "12378": "12378(国家金融监督管理总局:保险、银行消费投诉)",
    "12315": "12315(市场监管投诉举报:消费纠纷)",
}


@dataclass(frozen=True)
class Negative:
    """One question the bot must decline, its domain and the official channel (if any) to point to."""

    text: str
    domain: str
    channel: str = ""
    file: str = ""
    line: int = 0


def bundled_negatives() -> Path | None:
    """The out_of_scope.yaml shipped with XinZhi (used when a KB folder has none of its own)."""
    for folder in BUNDLED_DIRS:
        if (folder / NEGATIVES_FILE).is_file():
            return folder / NEGATIVES_FILE
    return None


def load_negatives(path: Path, error: Callable[[Path, int, str], None],
                   for_borrower: bool = False) -> tuple[Negative, ...]:
    """Parse out_of_scope.yaml (`groups: [{domain, channel?, kb_gap?, lent?, questions}]`); report problems via `error`.

    `for_borrower=True` loads the file for another KB that has none of its own, and leaves out two kinds of group:
    `kb_gap: true` (debt questions out of scope only because this KB has no topic for them; the borrower may cover
    them) and `lent: false` (the harvested real questions: they grow every round, and their weight alone made a
    small borrower decline its own topics, e.g. 还不上怎么办 in a KB with 信用卡还不上怎么办 and 网贷还不上怎么办).
    """
    try:
        node = compose_kb_yaml(path, error)  # size cap, UTF-8 and control characters checked as for every KB file
    except Gone:  # deleted while we read: the watcher sees the change and reloads again
        return ()
    if node is None:
        return ()
    groups = _value(node, "groups")
    if not isinstance(node, yaml.MappingNode) or not isinstance(groups, yaml.SequenceNode):
        error(path, node.start_mark.line + 1, "out_of_scope.yaml must have 'groups:' (a list)")
        return ()
    out: list[Negative] = []
    seen: dict[str, int] = {}
    for group in groups.value:
        line = group.start_mark.line + 1
        if not isinstance(group, yaml.MappingNode):
            error(path, line, "each group must be a mapping with domain, channel and questions")
            continue
        keys = {k.value for k, _ in group.value if isinstance(k, yaml.ScalarNode)}
        for unknown in sorted(keys - {"domain", "channel", "kb_gap", "lent", "questions"}):
            error(path, line, f"unknown field '{unknown}' in an out-of-scope group")
        domain = _scalar(_value(group, "domain"))
        channel = _scalar(_value(group, "channel"))
        questions = _value(group, "questions")
        kb_gap, lent = (_flag(group, key, path, line, error) for key in ("kb_gap", "lent"))
        if for_borrower and (kb_gap == "true" or lent == "false"):
            continue
        if not domain:
            error(path, line, "group has no 'domain'")
        if channel and channel not in CHANNELS:
            error(path, _line(_value(group, "channel"), line),
                  f"unknown channel {channel!r} (use one of {', '.join(CHANNELS)})")
            channel = ""
        if not isinstance(questions, yaml.SequenceNode) or not questions.value:
            error(path, _line(questions, line), "group has no 'questions' (a non-empty list)")
            continue
        for q in questions.value:
            text = _scalar(q)
            qline = q.start_mark.line + 1
            if not isinstance(q, yaml.ScalarNode) or not text:
                error(path, qline, "each out-of-scope question must be non-empty text")
            elif text in seen:
                error(path, qline, f"duplicate out-of-scope question {text!r} (first at line {seen[text]})")
            else:
                seen[text] = qline
                out.append(Negative(text, domain, channel, str(path), qline))
    return tuple(out)


def _value(node: Any, key: str) -> Any:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if getattr(k, "value", None) == key), None)


def _flag(group: Any, key: str, path: Path, line: int, error: Callable[[Path, int, str], None]) -> str:
    """Return a group's true/false field as "true", "false" or "" (absent), reporting any other value."""
    value = _scalar(_value(group, key)).lower()
    if value not in {"", "true", "false"}:
        error(path, _line(_value(group, key), line), f"{key} must be true or false, got {value!r}")
    return value


def _scalar(node: Any) -> str:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) and node.value is not None else ""


def _line(node: Any, default: int) -> int:
    return node.start_mark.line + 1 if node is not None else default
