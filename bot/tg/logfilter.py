"""Keep message text and user ids out of every log line that python-telegram-bot or XinZhi writes.

PTB logs whole updates (``%r`` of the received data) at CRITICAL when it cannot parse one, and
its DEBUG lines carry update contents. `PrivacyFilter` rewrites such records before any handler
sees them: the format string stays, every argument becomes a placeholder, and a traceback keeps
its frames but loses the exception *messages* (which may quote the data).
"""
from __future__ import annotations

import logging
import traceback
from types import TracebackType

PLACEHOLDER = "<redacted>"
LIBRARY_PREFIXES = ("telegram", "tornado", "apscheduler")  # loggers whose arguments we never trust
OUR_PREFIX = "bot"
SAFE_TYPES = (bool, float, type(None))  # arguments that cannot carry text or ids


def _safe_arg(value: object) -> object:
    if isinstance(value, SAFE_TYPES):
        return value
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, BaseException):
        return type(value).__name__
    return PLACEHOLDER


def scrub_traceback(exc_type: type[BaseException] | None, exc: BaseException | None,
                    tb: TracebackType | None) -> str:
    """A traceback with its frames and exception types, but without exception messages."""
    lines = ["Traceback (most recent call last):\n", *traceback.format_tb(tb)]
    lines.append(exc_type.__name__ if exc_type is not None else "Exception")
    cause = exc.__cause__ or exc.__context__ if exc is not None else None
    depth = 0
    while cause is not None and depth < 5:
        lines.append(f" (from {type(cause).__name__})")
        cause, depth = cause.__cause__ or cause.__context__, depth + 1
    return "".join(lines)


class PrivacyFilter(logging.Filter):
    """Rewrite a record so it carries no message text or user ids; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        library = record.name.startswith(LIBRARY_PREFIXES)
        if library and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_safe_arg(a) for a in args)
            try:
                record.getMessage()
            except (TypeError, ValueError):  # e.g. %d given a placeholder: keep only the template
                record.msg, record.args = f"{record.msg} [{len(args)} argument(s) redacted]", None
        if library and not isinstance(record.msg, str):
            record.msg = PLACEHOLDER
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub_traceback(*record.exc_info)
            record.exc_info = None
        elif record.exc_text and library:
            record.exc_text = PLACEHOLDER
        return True


_FILTER = PrivacyFilter()


def _loggers(prefixes: tuple[str, ...]) -> list[logging.Logger]:
    names = [n for n in list(logging.Logger.manager.loggerDict) if n.split(".")[0] in prefixes]
    return [logging.getLogger(n) for n in {*names, *prefixes}]


def install_privacy_filter() -> None:
    """Attach the filter to every telegram/tornado logger and ours, and to the root handlers.

    Logger filters only see records logged on that very logger, so each existing logger gets one;
    the root handlers get one too, for loggers created later. Idempotent.
    """
    import telegram.ext  # noqa: F401  (create PTB's loggers first)

    for logger in _loggers((*LIBRARY_PREFIXES, OUR_PREFIX)):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
