"""Hold the one explicit piece of mutable state: the current engine, counters and the log."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Protocol

from bot.config import Settings
from bot.core.conversation import Conversations, State, converse
from bot.core.engine import Engine, build_engine
from bot.core.loader import KBError, KBValidationError
from bot.core.lpr import Lpr, load_lpr
from bot.core.model import Entry, KnowledgeBase, Outcome, Reply

logger = logging.getLogger(__name__)


class EventLog(Protocol):
    """Where privacy-safe events go (implemented by bot.store.Store)."""

    def record_unanswered(self, text: str, channel: str) -> None: ...
    def record_pick(self, entry_id: str, channel: str) -> None: ...
    def record_feedback(self, entry_id: str, positive: bool, channel: str) -> None: ...


@dataclass(frozen=True)
class ReloadResult:
    """Outcome of a reload: on failure the old KB keeps serving."""

    ok: bool
    entries: int
    errors: tuple[KBError, ...] = ()

    def summary(self) -> str:
        if self.ok:
            return f"知识库已重新加载:{self.entries} 条。"
        lines = [f"知识库有 {len(self.errors)} 处错误,继续使用原来的版本({self.entries} 条):"]
        lines += [str(e) for e in self.errors[:20]]
        if len(self.errors) > 20:
            lines.append(f"……另有 {len(self.errors) - 20} 处")
        return "\n".join(lines)


STAT_KEYS = ("questions", "answers", "suggestions", "fallbacks", "empty", "feedback_up", "feedback_down", "picks")


class XinZhi:
    """Serve replies from the current engine; swap engines atomically on reload."""

    def __init__(self, settings: Settings, engine: Engine | None = None, log: EventLog | None = None,
                 conversations: Conversations | None = None, on_train: Callable[[int], None] | None = None):
        self.settings = settings
        self._engine = engine if engine is not None else build_engine(settings.kb_path, settings.match, on_train)
        self._lpr = load_lpr(self._engine.kb.root or settings.kb_path)
        self.log = log
        self.conversations = conversations if conversations is not None else Conversations()
        self._lock = threading.Lock()
        self._stats: Counter[str] = Counter({k: 0 for k in STAT_KEYS})

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def kb(self) -> KnowledgeBase:
        return self._engine.kb

    @property
    def lpr(self) -> Lpr | None:
        """The one-year LPR from the KB's lpr.yaml (None when the KB has none)."""
        return self._lpr

    def respond(self, text: str | None, channel: str = "console") -> Reply:
        """Answer one message with no conversation around it (`ask`, inline callers, old adapters)."""
        reply = self._engine.respond(text)
        self._count(reply, text, channel)
        return reply

    def reply(self, state: State, text: str | None, channel: str = "console") -> tuple[Reply, State]:
        """Answer one message of a conversation: follow-ups, ordinal picks, figures, two questions at once.

        A pure function of (state, text) for the decision; the app only counts and logs (redacted by the store).
        """
        turn = converse(self._engine, state, text, self._lpr)
        if turn.unpicked and self.log is not None:
            self._safe_log("record_unpicked" if hasattr(self.log, "record_unpicked") else "record_unanswered",
                           turn.unpicked, channel)
        if turn.picked is not None:
            self._count_pick(turn.picked, channel)
        elif turn.reply.context not in ("pick", "gone"):
            self._count(turn.reply, text, channel)
        return turn.reply, turn.state

    def none_of_these(self, state: State, channel: str = "console") -> State:
        """The user said "都不是" to a suggestion list: record the miss for `kb gaps`; forget the list."""
        if state.query and state.picks:
            with self._lock:
                self._stats["fallbacks"] += 1
            if self.log is not None:
                self._safe_log("record_unanswered", state.query, channel)
        return State(state.entry, state.topic)

    def _count(self, reply: Reply, text: str | None, channel: str) -> None:
        key = {
            Outcome.ANSWER: "answers",
            Outcome.SUGGEST: "suggestions",
            Outcome.FALLBACK: "fallbacks",
            Outcome.EMPTY: "empty",
        }[reply.kind]
        with self._lock:
            self._stats["questions"] += 1
            self._stats[key] += 1
        if reply.kind is Outcome.FALLBACK and self.log is not None and text:
            self._safe_log("record_unanswered", text, channel)

    def _count_pick(self, entry_id: str, channel: str) -> None:
        with self._lock:
            self._stats["picks"] += 1
        if self.log is not None:
            self._safe_log("record_pick", entry_id, channel)

    def feedback(self, entry_id: str, positive: bool, channel: str = "console") -> bool:
        """Record a thumbs up/down for an entry; False if the id is unknown."""
        if entry_id not in self.kb:
            return False
        with self._lock:
            self._stats["feedback_up" if positive else "feedback_down"] += 1
        if self.log is not None:
            self._safe_log("record_feedback", entry_id, positive, channel)
        return True

    def open(self, entry_id: str, channel: str = "console", picked: bool = False) -> Reply | None:
        """Answer with an entry chosen by id (a suggestion, related question or topic); None if it is gone.

        `picked=True` records that the user chose it from a "did you mean" list, for KB editors.
        """
        reply = self._engine.reply_for(entry_id)
        if reply is not None and picked:
            self._count_pick(entry_id, channel)
        return reply

    def inline(self, text: str | None) -> tuple[Entry, ...]:
        """Entries to offer for an inline query; nothing is counted or recorded."""
        return self._engine.inline(text)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    def reload(self) -> ReloadResult:
        """Rebuild the engine from disk; keep serving the old one if the KB is broken."""
        try:
            engine = build_engine(self.settings.kb_path, self.settings.match)
            lpr = load_lpr(engine.kb.root)
        except KBValidationError as exc:
            logger.warning("KB reload failed with %s errors; keeping the old KB", len(exc.errors))
            return ReloadResult(False, len(self.kb.entries), tuple(exc.errors))
        self._engine, self._lpr = engine, lpr
        logger.info("KB reloaded: %s entries", len(engine.kb.entries))
        return ReloadResult(True, len(engine.kb.entries))

    def _safe_log(self, method: str, *args: object) -> None:
        try:
            getattr(self.log, method)(*args)
        except Exception:  # the log must never break serving
            logger.exception("event log %s failed", method)
