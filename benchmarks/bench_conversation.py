"""Print the conversation path's quality and cost on the labeled set: alone, and after an earlier answer.

Run: python benchmarks/bench_conversation.py   (numbers only; nothing is asserted)
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.conversation import State, converse  # noqa: E402
from bot.core.engine import build_engine  # noqa: E402
from bot.core.lpr import load_lpr  # noqa: E402
from bot.editor.evaluate import load_eval_file  # noqa: E402
from tests.core.convoquality import passes  # noqa: E402


def main() -> None:
    kb = ROOT / "knowledge"
    engine, lpr = build_engine(kb), load_lpr(kb)
    items = load_eval_file(ROOT / "tests" / "data" / "eval.yaml")
    for mode, s in passes(engine, items, lpr).items():
        print(f"{mode:28} accuracy {s.accuracy:.4f}  wrong-answer rate {s.wrong_rate:.4f}  "
              f"helpful {s.helpful:.4f}  changed vs engine {s.changed}")
    state = converse(engine, State(), "信用卡逾期会上征信吗", lpr).state
    for label, run in (("engine.respond", lambda q: engine.respond(q)),
                       ("converse, no context", lambda q: converse(engine, State(), q, lpr)),
                       ("converse, with context", lambda q: converse(engine, state, q, lpr))):
        times = []
        for item in items:
            start = time.perf_counter()
            run(item.q)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"{label:28} p50 {statistics.median(times):.2f} ms  p95 {times[int(len(times) * 0.95)]:.2f} ms")


if __name__ == "__main__":
    main()
