"""Recognize messages about suicide or crisis, so that support always comes before anything else.

The whole message is checked after normalization (Traditional → Simplified, width, case), once as is and once
with every space and invisible character removed (我 想 自 杀, 自\u200d杀). Distinctive phrases are also found
by sound, so that a homophone typo (自刹, 清生) still counts. Threats from others (催收说要弄死我) and plain
debt stress (压力好大, 我该怎么办) are not crisis statements.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from bot.core.analyzer import char_sound

# phrases are matched on normalized (Simplified, lower-case, punctuation-free) text
DEFAULT_TERMS = (
    "想死", "不想活", "活不下去", "活着没意思", "活着没有意义", "自杀", "轻生", "寻短见", "跳楼", "跳河", "跳江", "跳海",
    "割腕", "烧炭", "上吊", "喝农药", "吃安眠药", "寻死", "一了百了", "结束生命", "结束自己", "了结自己", "自我了断",
    "一死了之", "死了算了", "不如死了", "死了一了百了", "撑不下去了", "离开这个世界", "不想活下去", "自尽", "想不开",
)
PATTERNS = (
    r"不想.{0,3}活",            # 不想再活了, 不想继续活下去
    r"活不.{0,2}下去",          # 活不下去, 活不太下去
    r"(我|俺).{0,4}(想|要|准备|打算)(去)?(死|自杀|轻生|跳楼)",  # 我真的想去死 (not 要弄死我: a threat)
    r"^(想|要|准备|打算)(去)?(死|自杀|轻生|跳楼)",
    r"(想|准备|打算)(去)?(自杀|轻生|跳楼)",
    r"跳下去",                  # 从楼上跳下去
    r"死了.{0,3}(算了|好了|解脱)",
    r"(结束|了结).{0,2}(生命|自己|一切)",
)
# matched by sound too (homophone typos); short common words like 想死 (相似) are left out on purpose
SOUND_TERMS = frozenset({"自杀"})  # by sound only this: 上吊≈删掉, 割腕≈个网, 轻生≈清剩 are everyday text
NOT_CRISIS = re.compile(r"(弄死|打死|整死|搞死|杀了)(我|你|他|她)")  # someone else's threat, not self-harm


def _sounds(text: str) -> list[str]:
    return [char_sound(c) or c for c in text]


class CrisisDetector:
    """Say whether normalized text expresses suicidal thoughts or crisis."""

    def __init__(self, extra_terms: Iterable[str] = (),
                 word_edges: Callable[[str], frozenset[int]] | None = None):
        """`word_edges` gives the offsets where words start or end; a match by sound must begin and end on one."""
        self._word_edges = word_edges
        terms = sorted(set(DEFAULT_TERMS) | {t for t in extra_terms if t}, key=len, reverse=True)
        self.terms = tuple(terms)
        self._re = re.compile("|".join([*(re.escape(t) for t in terms), *PATTERNS]))
        self._sound_terms = tuple(tuple(_sounds(t)) for t in terms if t in SOUND_TERMS)

    def __call__(self, text: str) -> bool:
        if not text:
            return False
        if self._re.search(text) is not None:
            return True
        compact = NOT_CRISIS.sub(" ", text).replace(" ", "")
        if not compact:
            return False
        sounds = _sounds(compact)
        hits = [(i, i + len(t)) for t in self._sound_terms for i in range(len(sounds) - len(t) + 1)
                if tuple(sounds[i:i + len(t)]) == t]
        if not hits or self._word_edges is None:
            return bool(hits)
        edges = self._word_edges(compact)  # 二字 / 厦门 sounds like 字杀 across two words: not a typo of 自杀
        return any(start in edges and end in edges for start, end in hits)
