"""Load knowledge/acceptable.yaml: phrasings that other entries' answers also serve, for honest calibration.

Many real questions are answered well by two entries (催收说要上门是真的吗: the home-visit entry and
the escalation timeline). Each phrasing still teaches one entry, its owner; this file names the others that
would also be a right answer, so cross-validation does not count such a prediction as a wrong answer (and the
decision is calibrated the way people judge it). Format: `phrasing: [entry-id, …]`, one line each.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Iterable

import yaml

from bot.core.kbfiles import Report, compose_kb_yaml

ACCEPTABLE_FILE = "acceptable.yaml"


@dataclass(frozen=True)
class Acceptable:
    """One phrasing of the KB and the other entries whose answers also serve it."""

    text: str
    ids: tuple[str, ...]
    file: str = ""
    line: int = 0


def load_acceptable(path: Path, error: Report) -> tuple[Acceptable, ...]:
    """Parse the file (a mapping of phrasing to a list of entry ids); report problems with their lines."""
    node = compose_kb_yaml(path, error)
    if node is None:
        return ()
    if not isinstance(node, yaml.MappingNode):
        error(path, node.start_mark.line + 1, "must map each phrasing to a list of entry ids")
        return ()
    out: list[Acceptable] = []
    seen: set[str] = set()
    for key, value in node.value:
        line = key.start_mark.line + 1
        phrasing = str(key.value).strip() if isinstance(key, yaml.ScalarNode) else ""
        ids = [v.value.strip() for v in value.value if isinstance(v, yaml.ScalarNode)] \
            if isinstance(value, yaml.SequenceNode) else None
        if not phrasing or ids is None or len(ids) != len(value.value) or not all(ids):
            error(path, line, "each line must be `phrasing: [entry-id, …]`")
        elif phrasing in seen:
            error(path, line, f"{phrasing!r} is listed twice")
        else:
            seen.add(phrasing)
            out.append(Acceptable(phrasing, tuple(dict.fromkeys(ids)), str(path), line))
    return tuple(out)


def check_ids(items: Iterable[Acceptable], known: Collection[str], error: Report) -> None:
    """Report every id that names no entry (as a dangling `related` id is reported)."""
    for item in items:
        for entry_id in item.ids:
            if entry_id not in known:
                error(Path(item.file), item.line, f"unknown entry id '{entry_id}' for {item.text!r}")
