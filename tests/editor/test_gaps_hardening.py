"""`kb gaps` groups with bounded batch work and never prints stored text raw to the terminal."""
from __future__ import annotations

import argparse
import io
import sqlite3
import time

from bot.config import Settings
from bot.editor.tools import group_questions, run_gaps
from bot.storage.store import Store


def test_wordings_beyond_the_sample_still_join_their_group() -> None:
    texts = ["附近有什么好吃的"] * 5 + ["猫咪不吃饭怎么办"] * 4 + ["今天天气"] * 3 + ["附近有啥好吃的", "猫不吃饭怎么办"]
    groups = group_questions(texts, sample=2)  # only the two most frequent wordings are clustered pairwise
    assert [(g.text, g.count) for g in groups] == [("附近有什么好吃的", 6), ("猫咪不吃饭怎么办", 5), ("今天天气", 3)]
    assert groups[0].variants == ("附近有啥好吃的",) and groups[1].variants == ("猫不吃饭怎么办",)


def test_many_distinct_rows_are_grouped(tmp_path) -> None:
    texts = [f"问题编号{n}号怎么办" for n in range(3000)] + ["猫咪不吃饭怎么办"] * 10  # more than the sample
    groups = group_questions(texts)
    assert [(g.count, g.text) for g in groups[:2]] == [(3000, "问题编号0号怎么办"), (10, "猫咪不吃饭怎么办")]


def test_gaps_strips_control_sequences_from_stored_text(settings: Settings, kb_path) -> None:
    Store(settings.storage.db_path).close()
    conn = sqlite3.connect(settings.storage.db_path)
    with conn:  # rows written before text was normalised on the way in
        conn.execute("INSERT INTO unanswered (ts, channel, text) VALUES (?, 'telegram', ?)",
                     (int(time.time()), "猫\x1b]0;owned\x07咪\x1b[2J不吃饭\x9b怎么办"))
        conn.execute("INSERT INTO feedback (ts, channel, entry_id, positive) VALUES (?, 'telegram', ?, 0)",
                     (int(time.time()), "evil\x1b[31m-id"))
    conn.close()
    out = io.StringIO()
    assert run_gaps(argparse.Namespace(days=30, limit=10), settings, out) == 0
    text = out.getvalue()
    assert "猫咪不吃饭怎么办" in text and "evil-id" in text
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
