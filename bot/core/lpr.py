"""Read the one-year LPR and its effective date from knowledge/lpr.yaml, reporting problems as file:line."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.loader import KBError, KBValidationError

LPR_FILE = "lpr.yaml"
LIMIT_MULTIPLE = 4  # 民间借贷司法解释(2020):受保护的利率上限是合同成立时一年期 LPR 的 4 倍


@dataclass(frozen=True)
class Lpr:
    """The one-year LPR in percent and the day it took effect, as the editors wrote it."""

    rate: float  # percent, e.g. 3.0
    effective: dt.date
    source: str = ""

    @property
    def limit(self) -> float:
        """The protected annual rate for private lending, in percent (4 × LPR)."""
        return round(self.rate * LIMIT_MULTIPLE, 4)


class _TextDates(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date becomes a located error, not a crash."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp",
                           lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def _line(node: yaml.Node | None, key: str, default: int) -> int:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v.start_mark.line + 1
    return default


def load_lpr(root: str | Path) -> Lpr | None:
    """The LPR of a KB folder; None when the folder has no lpr.yaml; KBValidationError when it is malformed."""
    path = Path(root) / LPR_FILE
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_TextDates)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise KBValidationError([KBError(str(path), mark.line + 1 if mark else 1,
                                         f"YAML syntax error: {exc.problem or exc.context}")]) from None
    data = yaml.load(text, Loader=_TextDates)  # noqa: S506 (a SafeLoader)
    top = _line(node, "one_year_lpr", 1)
    block = data.get("one_year_lpr") if isinstance(data, dict) else None
    if not isinstance(block, dict):
        raise KBValidationError([KBError(str(path), top, "missing 'one_year_lpr' with 'rate' and 'effective'")])
    inner = next((v for k, v in node.value if k.value == "one_year_lpr"), None) if isinstance(node, yaml.MappingNode) else None
    errors: list[KBError] = []
    rate = block.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < float(rate) < 20:
        errors.append(KBError(str(path), _line(inner, "rate", top),
                              f"'rate' must be a percentage between 0 and 20 (3.0 means 3.0%), got {rate!r}"))
    effective = block.get("effective")
    if isinstance(effective, str):
        try:
            effective = dt.date.fromisoformat(effective)
        except ValueError:
            pass
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        errors.append(KBError(str(path), _line(inner, "effective", top),
                              f"'effective' must be a date YYYY-MM-DD, got {effective!r}"))
    if errors:
        raise KBValidationError(errors)
    return Lpr(float(rate), effective, str(block.get("source") or ""))  # type: ignore[arg-type]
