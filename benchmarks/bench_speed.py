"""Print index build time, query latency and peak memory for synthetic KBs of 1k, 10k and 100k questions.

Usage: python benchmarks/bench_speed.py [--sizes 1000 10000 100000] [--queries 500]
Each size runs in its own process so peak memory (ru_maxrss) is per size.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run_one(size: int, n_queries: int) -> dict:
    from synthetic import queries, write_synthetic_kb
    from timing import latencies_ms, p50, p95

    from bot.core.analyzer import _base_tokenizer
    from bot.core.engine import Engine
    from bot.core.loader import load_kb

    _base_tokenizer()  # jieba's own dictionary load is start-up cost, measured separately below
    with tempfile.TemporaryDirectory() as tmp:
        root = write_synthetic_kb(Path(tmp) / "kb", size)
        t0 = time.perf_counter()
        kb = load_kb(root)
        t1 = time.perf_counter()
        engine = Engine(kb)
        t2 = time.perf_counter()
    lat = latencies_ms(engine.match, queries(n_queries))
    return {
        "questions": sum(1 + len(e.alternates) for e in kb.entries),
        "load_s": round(t1 - t0, 3), "index_build_s": round(t2 - t1, 3),
        "p50_ms": round(p50(lat), 3), "p95_ms": round(p95(lat), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def cold_start() -> dict:
    from timing import best_of

    jieba_s = best_of([sys.executable, "-c", "import jieba; jieba.initialize()"])
    ask_s = best_of([sys.executable, "-m", "bot", "ask", "催收爆通讯录怎么办"])
    return {"jieba_initialize_s": round(jieba_s, 3), "xinzhi_ask_s": round(ask_s, 3), "ratio": round(ask_s / jieba_s, 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.queries)))
        return
    print(f"{'questions':>10} {'load s':>8} {'build s':>8} {'p50 ms':>8} {'p95 ms':>8} {'peak MB':>8}")
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{r['questions']:>10} {r['load_s']:>8} {r['index_build_s']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['peak_rss_mb']:>8}")
    c = cold_start()
    print(f"cold start: python -c 'import jieba; jieba.initialize()' {c['jieba_initialize_s']} s; "
          f"xinzhi ask {c['xinzhi_ask_s']} s; ratio {c['ratio']}")


if __name__ == "__main__":
    main()
