"""A hand-moved monotonic clock: tests pass it where the code takes `clock=` (time is an input, never slept)."""
from __future__ import annotations


class ManualClock:
    """Call it for the time; move it with `clock.now += seconds`."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
