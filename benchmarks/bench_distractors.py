"""Add synthetic distractor phrasings (benchmarks/synthetic.py) to a real KB; print build time, p50/p95, accuracy.

Usage: python benchmarks/bench_distractors.py [--kb DIR] [--size 100000] [--per-entry 10] [--eval FILE ...]
[--coherent]
(--eval defaults to tests/data/dev.yaml and tests/data/eval.yaml)

By default a distractor entry's phrasings are unrelated word salad; --coherent makes each distractor entry one
topic worded ten ways, like a real large KB (see synthetic.write_synthetic_kb). --per-entry sets how many
phrasings each distractor entry has (10: 10,000 entries for 100k phrasings; 100: 1,000 entries).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kb", default=str(Path(__file__).resolve().parent.parent / "knowledge"))
    p.add_argument("--size", type=int, default=100_000)
    data = Path(__file__).resolve().parent.parent / "tests" / "data"
    p.add_argument("--eval", nargs="+", default=[str(data / "dev.yaml"), str(data / "eval.yaml")])
    p.add_argument("--per-entry", type=int, default=10, help="phrasings per distractor entry (default 10)")
    p.add_argument("--coherent", action="store_true", help="each distractor entry is one topic worded --per-entry ways")
    args = p.parse_args()
    from synthetic import write_synthetic_kb

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("XINZHI_CACHE_DIR", str(Path(tmp) / "cache"))
        root = Path(tmp) / "kb"
        shutil.copytree(args.kb, root)
        syn = write_synthetic_kb(Path(tmp) / "syn", args.size, args.per_entry, coherent=args.coherent)
        for f in syn.glob("c*.yaml"):
            text = f.read_text(encoding="utf-8").replace("id: support-mental-health", "id: synthetic-support")
            (root / f"zz-{f.name}").write_text(text, encoding="utf-8")
        from bot.core.engine import build_engine
        from bot.editor.evaluate import evaluate, load_eval_file

        t0 = time.perf_counter()
        engine = build_engine(root)
        build = time.perf_counter() - t0
        print(f"{sum(1 + len(e.alternates) for e in engine.kb.entries)} phrasings, model {engine.model.kind}; "
              f"build {build:.1f} s; {int(engine.hidden.sum())} incoherent entries left out")
        for path in args.eval:
            report = evaluate(engine, load_eval_file(path))
            lat = sorted(r.latency_ms for r in report.results)
            m = report.metrics
            print(f"{Path(path).name}: p50 {statistics.median(lat):.2f} ms p95 {lat[int(0.95 * (len(lat) - 1))]:.2f} ms; "
                  f"accuracy {m['answer_accuracy']:.3f} helpful {m['helpful_rate']:.3f} "
                  f"wrong {m['wrong_answer_rate']:.3f} oos {m['out_of_scope_rejection']:.3f}")


if __name__ == "__main__":
    main()
