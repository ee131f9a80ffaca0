"""Define the matching settings the core needs; bot.config reads their values."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchSettings:
    """Thresholds that turn scores into a decision; named for what they do."""

    min_answer_score: float = 0.30
    min_suggest_score: float = 0.22
    min_margin: float = 0.02
    min_suggest_coverage: float = 0.75  # below the answer bar, suggest only if the KB knows this share of the words
    max_suggestions: int = 3
    max_query_chars: int = 500
