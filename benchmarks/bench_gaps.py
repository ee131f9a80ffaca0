"""Print how long `kb gaps` grouping takes for 1k–50k stored rows: the old extractOne loop vs cdist."""
from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process  # noqa: E402

from bot.core.normalize import normalize  # noqa: E402
from bot.editor.tools import group_questions  # noqa: E402

WORDS = list("附近有什么好吃的猫咪不吃饭怎么办今天天气逾期催收网贷信用卡协商还款征信银行利息房贷车贷工资")


def old_grouping(texts: list[str], threshold: float = 75.0) -> int:
    """The pre-fix algorithm: each distinct wording compared with every head so far (quadratic)."""
    by_key: Counter[str] = Counter(normalize(t).replace(" ", "") or t for t in texts)
    heads: list[str] = []
    for key in sorted(by_key, key=lambda k: (-by_key[k], k)):
        found = process.extractOne(key, heads, scorer=fuzz.ratio, score_cutoff=threshold) if heads else None
        if not found:
            heads.append(key)
    return len(heads)


def rows(n: int, rng: random.Random) -> list[str]:
    return ["".join(rng.choices(WORDS, k=rng.randint(6, 16))) for _ in range(n)]


def main() -> None:
    rng = random.Random(7)
    print(f"{'rows':>7}  {'old s':>8}  {'new s':>8}  groups(new)")
    for n in (1_000, 8_000, 20_000, 50_000):
        texts = rows(n, rng)
        start = time.perf_counter()
        old = old_grouping(texts) if n <= 20_000 else None
        old_s = time.perf_counter() - start
        start = time.perf_counter()
        groups = group_questions(texts)
        new_s = time.perf_counter() - start
        print(f"{n:7d}  {old_s if old is not None else float('nan'):8.2f}  {new_s:8.2f}  {len(groups)}")


if __name__ == "__main__":
    main()
