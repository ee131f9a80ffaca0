"""Time one call per message and report percentiles, for the benchmarks only (tests never time anything)."""
from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence


def latencies_ms(call: Callable[[str], object], messages: Sequence[str], warm_up: int = 20) -> list[float]:
    """Warm up on the first messages, then time `call` once per message; sorted milliseconds."""
    for m in messages[:warm_up]:
        call(m)
    out = []
    for m in messages:
        start = time.perf_counter()
        call(m)
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def p50(sorted_ms: Sequence[float]) -> float:
    return statistics.median(sorted_ms)


def p95(sorted_ms: Sequence[float]) -> float:
    return sorted_ms[int(0.95 * (len(sorted_ms) - 1))]


def best_of(cmd: list[str], env: dict[str, str] | None = None, n: int = 5) -> float:
    """The fastest of n runs of a command, in seconds (a cold start without the noise of a busy machine)."""
    import subprocess

    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return min(times)
