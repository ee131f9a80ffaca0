"""Recognize messages about suicide or crisis, so that support always comes before anything else."""
from __future__ import annotations

import re
from typing import Iterable

# phrases are matched on normalized (Simplified, lower-case, punctuation-free) text
DEFAULT_TERMS = (
    "想死", "不想活", "活不下去", "活着没意思", "活着没有意义", "自杀", "轻生", "寻短见", "跳楼", "跳河", "跳江", "跳海",
    "割腕", "烧炭", "上吊", "喝农药", "吃安眠药", "寻死", "一了百了", "结束生命", "结束自己", "了结自己", "自我了断",
    "去死", "一死了之", "死了算了", "不如死了", "死了一了百了", "撑不下去了", "离开这个世界", "不想活下去",
)
PATTERNS = (
    r"不想.{0,3}活",            # 不想再活了, 不想继续活下去
    r"活不.{0,2}下去",          # 活不下去, 活不太下去
    r"(想|要|准备|打算)(去)?(死|自杀|轻生|跳楼)",  # 准备去死 (not 要弄死我: that is a threat, see collection entries)
    r"跳下去",                  # 从楼上跳下去
    r"死了.{0,3}(算了|好了|解脱)",
    r"(结束|了结).{0,2}(生命|自己|一切)",
)


class CrisisDetector:
    """Say whether normalized text expresses suicidal thoughts or crisis."""

    def __init__(self, extra_terms: Iterable[str] = ()):
        terms = sorted(set(DEFAULT_TERMS) | {t for t in extra_terms if t}, key=len, reverse=True)
        self.terms = tuple(terms)
        self._re = re.compile("|".join([*(re.escape(t) for t in terms), *PATTERNS]))

    def __call__(self, text: str) -> bool:
        return bool(text) and self._re.search(text) is not None
