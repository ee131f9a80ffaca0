"""Write log events from one background thread through a bounded queue, so logging never blocks answering."""
from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from typing import Protocol

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 10_000
FIRST_RETRY_SECONDS = 0.05
MAX_RETRY_SECONDS = 2.0
CLOSE_TIMEOUT_SECONDS = 10.0  # how long close() keeps retrying a locked database before it gives up
WARN_EVERY = 100  # after the first dropped event, warn again every this many


class EventSink(Protocol):
    """What the writer writes to (bot.storage.store.Store)."""

    def record_unanswered(self, text: str, channel: str) -> None: ...
    def record_pick(self, entry_id: str, channel: str) -> None: ...
    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None: ...
    def record_unpicked(self, text: str, channel: str) -> None: ...
    def close(self) -> None: ...


Event = tuple[str, tuple[object, ...]]


class BackgroundLog:
    """Queue events (the bot.app.EventLog protocol) and write them to `sink` from one daemon thread.

    The record_* methods never block: when the queue is full the event is dropped and counted
    (`dropped`), with a warning. A locked or busy database is retried with bounded backoff until the
    write succeeds; close() flushes what is queued (retrying for at most `close_timeout` seconds).
    """

    def __init__(self, sink: EventSink, capacity: int = DEFAULT_CAPACITY,
                 close_timeout: float = CLOSE_TIMEOUT_SECONDS):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.sink = sink
        self.capacity = capacity
        self.close_timeout = close_timeout
        self._queue: queue.Queue[Event | None] = queue.Queue(maxsize=capacity)
        self._counts_lock = threading.Lock()
        self.dropped = 0
        self.written = 0
        self.retries = 0
        self._closing = threading.Event()
        self.retrying = threading.Event()  # set once the writer has had to wait for the database
        self._deadline = float("inf")
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="xinzhi-log-writer", daemon=True)
        self._thread.start()

    # --- EventLog --------------------------------------------------------------------------------
    def record_unanswered(self, text: str, channel: str) -> None:
        """Queue an unanswered question (redacted by the sink before it is stored)."""
        self._put(("record_unanswered", (text, channel)))

    def record_unpicked(self, text: str, channel: str) -> None:
        """Queue a suggestion list nobody picked from (redacted by the sink before it is stored)."""
        self._put(("record_unpicked", (text, channel)))

    def record_pick(self, entry_id: str, channel: str) -> None:
        """Queue a picked suggestion."""
        self._put(("record_pick", (entry_id, channel)))

    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None:
        """Queue a 👍 or 👎."""
        self._put(("record_feedback", (entry_id, positive, channel)))

    def _put(self, event: Event) -> None:
        if self._closing.is_set():
            self._drop("the log is closing")
            return
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self._drop(f"the queue is full ({self.capacity} events)")

    def _drop(self, why: str) -> None:
        with self._counts_lock:
            self.dropped += 1
            dropped = self.dropped
        if dropped == 1 or dropped % WARN_EVERY == 0:
            logger.warning("event log: dropped an event because %s; %s dropped so far", why, dropped)

    # --- the writer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is None:
                    return
                self._write(event)
            finally:
                self._queue.task_done()

    def _write(self, event: Event) -> None:
        method, args = event
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                getattr(self.sink, method)(*args)
            except sqlite3.OperationalError as exc:  # locked, busy, disk full: worth another try
                if time.monotonic() >= self._deadline:
                    logger.warning("event log: gave up on one event at shutdown (%s)", type(exc).__name__)
                    self._drop("the database stayed unavailable")
                    return
                with self._counts_lock:
                    self.retries += 1
                self.retrying.set()
                if self.retries == 1 or self.retries % WARN_EVERY == 0:
                    logger.warning("event log: database unavailable (%s); retrying", exc)
                if self._closing.is_set():
                    time.sleep(min(delay, 0.1))  # shutting down: keep trying until the deadline
                else:
                    self._closing.wait(delay)  # backoff, cut short by close()
                delay = min(delay * 2, MAX_RETRY_SECONDS)
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the writer
                logger.warning("event log: could not store one event (%s)", type(exc).__name__)
                self._drop("it could not be stored")
                return
            else:
                with self._counts_lock:
                    self.written += 1
                return

    # --- lifecycle -------------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is written (or dropped); False if `timeout` ran out first."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = None if end is None else end - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def close(self) -> None:
        """Write what is queued (giving a locked database `close_timeout` seconds), then close the sink."""
        if self._closed:
            return
        self._closed = True
        self._deadline = time.monotonic() + self.close_timeout
        self._closing.set()
        self._queue.put(None)  # the writer drains everything queued before the sentinel
        self._thread.join(self.close_timeout + 5)
        if self._thread.is_alive():
            logger.warning("event log: the writer did not finish; %s events left unwritten", self._queue.qsize())
            return
        self.sink.close()

    def __enter__(self) -> "BackgroundLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
