"""Print redaction cost for hostile inputs and how long answering takes while another process locks the log."""
from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.storage.redact import redact_for_storage  # noqa: E402
from bot.storage.store import Store  # noqa: E402
from bot.storage.writer import BackgroundLog  # noqa: E402

HOSTILE = {
    "10 MB of 'a'": "a" * 10_000_000,
    "10 MB of 'a.'": "a." * 5_000_000,
    "4 KB of 'a'": "a" * 4096,
    "4 KB of 'a.'": "a." * 2048,
    "4 KB of '1 '": "1 " * 2048,
    "4 KB of 'a@'": "a@" * 2048,
    "4 KB of '我叫'": "我叫" * 2048,
    "4 KB ordinary": ("我欠了网贷三万块,催收天天打电话给我家人,电话13812345678,怎么办?" * 100)[:4096],
}


def bench_redaction() -> None:
    print("redact_for_storage(text, 500)")
    for name, text in HOSTILE.items():
        runs = 3 if len(text) > 100_000 else 200
        start = time.perf_counter()
        for _ in range(runs):
            redact_for_storage(text, 500)
        print(f"  {name:18s} {1000 * (time.perf_counter() - start) / runs:8.3f} ms per message")


def bench_locked_log() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.db"
        log = BackgroundLog(Store(path, busy_timeout_ms=1000))
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        waits = []
        for n in range(2000):
            start = time.perf_counter()
            log.record_unanswered(f"附近有什么好吃的 {n}", "telegram")
            waits.append(time.perf_counter() - start)
        time.sleep(3)  # hold the lock past the writer's 1 s busy timeout, so it has to retry
        lock.execute("COMMIT")
        lock.close()
        start = time.perf_counter()
        log.close()
        flushed = time.perf_counter() - start
        rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM unanswered").fetchone()[0]
    print("2,000 events while another connection holds the write lock for 3 s")
    print(f"  record_* call: median {1e6 * statistics.median(waits):.1f} µs, max {1e3 * max(waits):.2f} ms")
    print(f"  rows stored after the lock was released: {rows}, dropped {log.dropped}, retries {log.retries}, "
          f"close() flushed in {flushed:.2f} s")


if __name__ == "__main__":
    bench_redaction()
    bench_locked_log()
