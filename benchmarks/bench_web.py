"""Print requests a second and p50/p95/p99 latency of `xinzhi serve` as concurrent clients grow.

Shapes: one process (SQLite log), one process (PostgreSQL log), two processes sharing PostgreSQL
(the client spreads requests round-robin, as a load balancer would). Loopback only, bounded in
count and time. PostgreSQL is a throwaway cluster (initdb/pg_ctl in a temp dir, as a non-root user).

Usage: python benchmarks/bench_web.py [--levels 1 4 16 64] [--requests 400] [--max-seconds 20]
"""
from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["上门催收合法吗", "逾期多久上征信", "催收爆通讯录怎么办", "信用卡还不上会坐牢吗",
             "协商", "我家猫咪不吃饭怎么办", "网贷逾期能协商吗", "征信怎么查"]  # answers, suggestions, fallbacks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway loopback-only cluster; yields its URL."""
    bindir = next((Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="xinzhi-bench-pg-"))
    if run_as:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = free_port()
    data = root / "data"
    subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "start", "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c max_connections=100"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def servers(count: int, db: str) -> Iterator[list[str]]:
    """Start `count` `xinzhi serve` processes on 127.0.0.1 sharing one log; yield their base URLs."""
    env = {**os.environ, "XINZHI_DB": db, "XINZHI_WEB_SECRET": "bench-secret-0123456789",
           "XINZHI_WEB_RATE_LIMIT": "1000000", "XINZHI_KB": str(ROOT / "knowledge")}
    procs, urls = [], []
    for _ in range(count):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start within 60 s")
                time.sleep(0.1)  # start-up polling in a benchmark, not a test
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


async def load(urls: list[str], concurrency: int, total: int, max_seconds: float) -> dict[str, float]:
    """Send `total` asks from `concurrency` clients (round-robin over urls); stop early at max_seconds."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    stop_at = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client(c: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in counter:
            if time.perf_counter() > stop_at:
                return
            t0 = time.perf_counter()
            r = await c.post(urls[i % len(urls)] + "/api/v1/ask", json={"text": QUESTIONS[i % len(QUESTIONS)]})
            latencies.append((time.perf_counter() - t0) * 1000)
            errors += r.status_code != 200

    async with httpx.AsyncClient(timeout=30, limits=limits) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c) for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50": q[49], "p95": q[94], "p99": q[98]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16, 64])
    ap.add_argument("--requests", type=int, default=400, help="requests per level (bounded)")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="time cap per level")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, postgres() as pg:
        for shape, count, db in (("1 process, SQLite", 1, str(Path(tmp) / "log.db")),
                                 ("1 process, PostgreSQL", 1, pg), ("2 processes, PostgreSQL", 2, pg)):
            with servers(count, db) as urls:
                asyncio.run(load(urls, 4, 40, 10))  # warm-up: jieba, pools, first answers
                for level in args.levels:
                    r = asyncio.run(load(urls, level, args.requests, args.max_seconds))
                    rows.append({"shape": shape, "clients": level, **r})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    print(f"{'shape':<26}{'clients':>8}{'requests':>9}{'errors':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for r in rows:
        print(f"{r['shape']:<26}{r['clients']:>8}{r['requests']:>9}{r['errors']:>7}{r['rps']:>9.0f}"
              f"{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}")
    print(f"(loopback, {os.cpu_count()} CPUs; the Python load client shares the machine)")


if __name__ == "__main__":
    main()
