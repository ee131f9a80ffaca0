"""Tell the person at the terminal why a start takes a while: the matcher is being trained for this KB."""
from __future__ import annotations

import sys
from typing import TextIO

from bot.core.cache import cache_dir


def training_notice(phrasings: int, cached: bool = True) -> str:
    """Return the one-line notice shown before the matcher of a new or edited KB is trained."""
    if not cached:
        return (f"xinzhi: 正在从 {phrasings:,} 条问法训练匹配模型，通常需要半分钟左右"
                "（模型缓存已关闭：XINZHI_CACHE_DIR=off，所以每次启动都要重新训练）。")
    return (f"xinzhi: 第一次使用这个知识库（或它刚被修改过），正在从 {phrasings:,} 条问法训练匹配模型，"
            "通常需要半分钟左右；结果会缓存，以后启动只需约一秒。")


def announce_training(phrasings: int, err: TextIO | None = None) -> None:
    """Write `training_notice` to stderr (stdout stays clean for pipes and --json); Engine's `on_train` hook."""
    stream = err or sys.stderr
    stream.write(training_notice(phrasings, cached=cache_dir() is not None) + "\n")
    stream.flush()
