"""Start several threads at the same instant, as several processes would, and collect what they raise."""
from __future__ import annotations

import threading
from typing import Callable


def run_together(n: int, work: Callable[[int], object]) -> list[BaseException]:
    """Run work(0) … work(n-1) in n threads released by one barrier; return the exceptions raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
