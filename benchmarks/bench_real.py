"""Measure the real KB: build time (cache miss, hit, answer edit), p50/p95 per message, and `xinzhi ask` cold start.

Usage: python benchmarks/bench_real.py [--kb DIR] [--eval tests/data/eval.yaml]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import best_of, latencies_ms, p50, p95  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kb", default=str(Path(__file__).resolve().parent.parent / "knowledge"))
    p.add_argument("--eval", default=str(Path(__file__).resolve().parent.parent / "tests" / "data" / "eval.yaml"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XINZHI_CACHE_DIR"] = tmp
        from bot.core.analyzer import _base_tokenizer
        from bot.core.engine import build_engine
        from bot.editor.evaluate import load_eval_file

        _base_tokenizer()
        t0 = time.perf_counter()
        build_engine(args.kb)
        miss = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine = build_engine(args.kb)
        hit = time.perf_counter() - t0
        edited = Path(tmp) / "kb"  # an editor's most common change: one answer's wording, no phrasing
        shutil.copytree(args.kb, edited)
        entry = engine.kb.entries[0]
        path = edited / Path(entry.file).name
        first_line = entry.answer.splitlines()[0]
        text = path.read_text(encoding="utf-8")
        if first_line not in text:
            raise SystemExit(f"cannot find the first answer line of {entry.id} in {path}")
        path.write_text(text.replace(first_line, first_line + "。", 1), encoding="utf-8")
        t0 = time.perf_counter()
        build_engine(edited)  # parses the edited files again; the trained model is the cached one
        reload_s = time.perf_counter() - t0
        qs = [it.q for it in load_eval_file(args.eval)]
        lat = latencies_ms(engine.respond, qs)
        print(f"build: cache miss {miss:.2f} s (trains + cross-validates), cache hit {hit:.2f} s")
        print(f"reload after an answer edit: {reload_s:.2f} s (the trained model is reused)")
        print(f"latency over {len(qs)} messages: p50 {p50(lat):.2f} ms, p95 {p95(lat):.2f} ms")
        env = dict(os.environ)
        subprocess.run([sys.executable, "-m", "bot", "ask", "催收爆通讯录怎么办", "--kb", args.kb], check=True,
                       capture_output=True, env=env)  # warm the cache
        jieba_s = best_of([sys.executable, "-c", "import jieba; jieba.initialize()"], env)
        ask_s = best_of([sys.executable, "-m", "bot", "ask", "催收爆通讯录怎么办", "--kb", args.kb], env)
        print(f"cold start: jieba.initialize {jieba_s:.3f} s, xinzhi ask {ask_s:.3f} s, ratio {ask_s / jieba_s:.2f}")


if __name__ == "__main__":
    main()
