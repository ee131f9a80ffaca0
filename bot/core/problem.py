"""Define the one "problem at file:line" type shared by the loader and the linter."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong (loader) or worth a look (linter) in the KB, located to a file and line.

    `kind` names a lint check (e.g. ``short-answer``) so an entry can suppress it with ``lint_ignore``;
    loader errors leave it empty.
    """

    file: str
    line: int
    message: str
    kind: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: "
        return where + (f"{self.kind}: {self.message}" if self.kind else self.message)
