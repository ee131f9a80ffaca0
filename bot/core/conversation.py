"""Reply to a message in the light of the conversation so far: (state, text) → (reply, new state).

The state lives in memory only (adapters keep one per chat in `Conversations`); nothing here is stored.
Context only helps a message that on its own is elliptical ("那网贷呢", "要是还不上呢") or too vague to
decide; a complete new question is answered exactly as it would be without any context.
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, replace
from typing import Callable, Hashable

from cachetools import TTLCache

from bot.core import calc, split
from bot.core.engine import Engine
from bot.core.lpr import Lpr
from bot.core.model import Entry, Outcome, Reply

STATE_TTL_SECONDS = 600.0  # a conversation is forgotten after ten quiet minutes
MAX_CONVERSATIONS = 10_000  # least recently used chats are forgotten first beyond this

CN_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ORDINAL_RE = re.compile(r"^(?:第|选|要|看)?\s*([1-9]|[一二两三四五六七八九])\s*(?:个|条|项|号|题)?(?:问题)?$")
PRODUCTS = ("信用卡", "网贷", "花呗", "借呗", "白条", "金条", "微粒贷", "美团", "京东", "房贷", "车贷", "消费贷",
            "消费金融", "银行贷款", "助学贷款", "民间借贷", "私人借款", "经营贷", "信用贷", "抵押贷", "小额贷款")
LEAD_RE = re.compile(r"^(?:那么|那要是|那如果|那|要是|如果|假如|万一|但是|可是|还有)+")
HYPOTHETICAL_RE = re.compile(r"^(?:那)?(?:要是|如果|假如|万一)")
TAIL_RE = re.compile(r"(?:的话呢|的话|呢|怎么样|咋样)+$")
PUNCT_RE = re.compile(r"[\s??!!。,,、;;:::~…\.]+")
MAX_ELLIPTICAL_CHARS = 12
MAX_VAGUE_CHARS = 6  # "还不上怎么办": longer messages that still fail on their own are new questions


@dataclass(frozen=True)
class State:
    """What a conversation remembers between messages (in memory only, never stored)."""

    entry: str | None = None  # the last answered entry id
    topic: str = ""  # the question that led to it, as typed (or the entry's question when picked)
    choices: tuple[str, ...] = ()  # entry ids the numbers on screen refer to, 1 first
    picks: bool = False  # the choices are "did you mean" suggestions (a pick is recorded for editors)
    query: str = ""  # the message that got those suggestions (for "都不是" and unpicked lists)
    pending: calc.Figures | None = None  # figures we asked the user to confirm


@dataclass(frozen=True)
class Turn:
    """One reply and what the app should record about it."""

    reply: Reply
    state: State
    picked: str | None = None  # an entry chosen from a "did you mean" list
    unpicked: str = ""  # a message whose suggestions nobody picked (the user moved on)


def _fold(text: str) -> str:
    return PUNCT_RE.sub("", unicodedata.normalize("NFKC", text).lower())


def ordinal(text: str | None) -> int | None:
    """1 for "第一个", "1", "一", "第1条" …; None for anything else."""
    m = ORDINAL_RE.match(_fold(text or "").rstrip(".、)"))
    if not m:
        return None
    token = m.group(1)
    return CN_ORDINALS[token] if token in CN_ORDINALS else int(token)


def _product(text: str) -> str | None:
    found = [p for p in PRODUCTS if p in text]
    return max(found, key=len) if found else None


def is_elliptical(text: str) -> bool:
    """A short message that leans on the previous one: "那网贷呢", "要是还不上呢"."""
    folded = _fold(text)
    return folded.endswith("呢") and len(folded) <= MAX_ELLIPTICAL_CHARS


def rewrites(topic: str, text: str) -> tuple[str, ...]:
    """Standalone questions an elliptical message could mean after `topic`, most specific first."""
    folded = _fold(text)
    core = TAIL_RE.sub("", LEAD_RE.sub("", folded))
    if not core or not topic:
        return ()
    old, new = _product(topic), _product(core)
    out: list[str] = []
    if old and new and old != new:
        out.append(topic.replace(old, new))  # 信用卡逾期会上征信吗 + 那网贷呢 → 网贷逾期会上征信吗
    if old and not new:
        if HYPOTHETICAL_RE.match(folded):
            out.append(old + core + "怎么办")  # 网贷 + 要是还不上呢 → 网贷还不上怎么办
        out.append(old + core)  # 信用卡 + 要是还不上呢 → 信用卡还不上
    out.append(f"{topic} {core}")
    return tuple(dict.fromkeys(out))


def _after(reply: Reply, state: State, text: str) -> State:
    """The state after showing `reply` to a message `text`."""
    if reply.calc is not None:
        return State(state.entry, state.topic, tuple(e.id for e in reply.related), False, "",
                     reply.calc.figures if reply.calc.asks else None)
    if reply.kind is Outcome.ANSWER and reply.entry is not None:
        choices = tuple(e.id for e in (*reply.followups, *reply.related))
        return State(reply.entry.id, text or reply.entry.question, choices)
    if reply.kind is Outcome.SUGGEST:
        return State(state.entry, state.topic, tuple(e.id for e in reply.suggestions), True, text)
    if reply.kind is Outcome.EMPTY:
        return state
    return State(state.entry, state.topic)


def _single(engine: Engine, state: State, text: str) -> tuple[Reply, State]:
    """One question: standalone unless it is elliptical or too vague and the context makes it clear."""
    alone = engine.respond(text)
    crisis = alone.match is not None and alone.match.crisis
    elliptical = is_elliptical(text)
    # a short message made of words the KB knows ("还不上怎么办"), not chatter ("讲个笑话", "嗯")
    vague_alone = len(_fold(text)) <= MAX_VAGUE_CHARS and alone.match is not None and (
        alone.kind is Outcome.SUGGEST
        or (alone.kind is Outcome.FALLBACK and alone.match.coverage >= engine.settings.min_suggest_coverage))
    if state.topic and not crisis and (elliptical or vague_alone):
        vague: tuple[Reply, str] | None = None
        for question in rewrites(state.topic, text):
            reply = engine.respond(question)
            if reply.match is not None and reply.match.crisis:
                continue
            if reply.kind is Outcome.ANSWER and reply.entry is not None and (elliptical or reply.entry.id != state.entry):
                return replace(reply, context="followup"), _after(reply, state, question)
            if reply.kind is Outcome.SUGGEST and vague is None:
                vague = reply, question
        if vague is not None and (elliptical or alone.kind is Outcome.FALLBACK):
            reply, _ = vague  # "did you mean" about the topic beats a guess from two words
            return replace(reply, context="followup"), _after(reply, state, text)
    return alone, _after(alone, state, text)


def _calc_reply(engine: Engine, result: calc.Calc) -> Reply:
    related = tuple(e for e in (engine.kb.get(i) for i in calc.entry_ids(result.figures)) if e is not None)
    return Reply(Outcome.ANSWER, None, related=related[:3], calc=result, context="calc")


def converse(engine: Engine, state: State, text: str | None, lpr: Lpr | None = None) -> Turn:
    """Reply to `text` given `state`: a pure function of (KB index, LPR, state, text)."""
    text = (text or "").strip()
    unpicked = state.query if state.picks and state.choices else ""
    if state.pending is not None and (confirmed := calc.confirm(state.pending, text, lpr)) is not None:
        reply = _calc_reply(engine, confirmed)
        return Turn(reply, _after(reply, state, text))
    number = ordinal(text)
    if number is not None and 1 <= number <= len(state.choices):
        chosen = engine.reply_for(state.choices[number - 1])
        if chosen is None or chosen.entry is None:  # removed by a reload since the list was shown
            return Turn(Reply(Outcome.FALLBACK, None, context="gone"), State(state.entry, state.topic))
        reply = replace(chosen, context="pick")
        return Turn(reply, _after(reply, state, chosen.entry.question),
                    picked=chosen.entry.id if state.picks else None)
    if (result := calc.calculate(text, lpr)) is not None:
        alone = engine.respond(text)
        if alone.match is not None and alone.match.crisis:  # the support answer always comes first
            return Turn(alone, _after(alone, state, text), unpicked=unpicked)
        reply = _calc_reply(engine, result)
        return Turn(reply, _after(reply, state, text), unpicked=unpicked)
    parts = split.questions(text)
    if len(parts) >= 2:
        first, after = _single(engine, state, parts[0])
        if first.kind is Outcome.ANSWER and first.entry is not None:
            offers: list[Entry] = []
            context = after
            for part in parts[1:]:
                other, context = _single(engine, context, part)
                offer = other.entry if other.kind is Outcome.ANSWER else (other.suggestions[:1] or (None,))[0]
                if offer is not None and offer.id != first.entry.id and offer not in offers:
                    offers.append(offer)
            if offers:
                related = tuple(e for e in first.related if e not in offers)
                reply = replace(first, followups=tuple(offers), related=related, context="split")
                return Turn(reply, _after(reply, state, parts[0]), unpicked=unpicked)
    reply, new_state = _single(engine, state, text)
    return Turn(reply, new_state, unpicked=unpicked if reply.kind is not Outcome.EMPTY else "")


class Conversations:
    """One State per chat, in memory only: at most `maxsize` chats, each forgotten after `ttl` quiet seconds."""

    def __init__(self, maxsize: int = MAX_CONVERSATIONS, ttl: float = STATE_TTL_SECONDS,
                 timer: Callable[[], float] = time.monotonic):
        self._states: TTLCache[Hashable, State] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> State:
        with self._lock:
            return self._states.get(key, State())

    def put(self, key: Hashable, state: State) -> None:
        with self._lock:
            self._states[key] = state

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._states.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            self._states.expire()
            return len(self._states)
