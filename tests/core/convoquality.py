"""Score the labeled set through the conversation path: alone, and after an unrelated earlier answer."""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.conversation import State, converse
from bot.core.engine import Engine
from bot.core.lpr import Lpr
from bot.core.model import Outcome, Reply
from bot.editor.evaluate import EvalItem

# earlier questions a real user might have asked before the labeled one (each answered on the real KB)
PRIOR_QUESTIONS = ("信用卡逾期会上征信吗", "催收爆通讯录怎么办", "借给朋友的钱不还怎么办")


@dataclass(frozen=True)
class Score:
    """Answer accuracy, wrong-answer rate and helpful rate over one pass of the labeled set."""

    accuracy: float
    wrong_rate: float
    helpful: float
    changed: int  # items whose shown ids differ from the standalone engine's


def shown(reply: Reply) -> tuple[str, tuple[str, ...]]:
    """(decision, ids the user sees): a computed cost counts as an answer linking its entries."""
    if reply.calc is not None:
        return "answer", tuple(e.id for e in reply.related)
    if reply.kind is Outcome.ANSWER and reply.entry is not None:
        return "answer", (reply.entry.id,)
    if reply.kind is Outcome.SUGGEST:
        return "suggest", tuple(e.id for e in reply.suggestions)
    return reply.kind.value, ()


def score(items: list[EvalItem], replies: list[Reply], baseline: list[Reply]) -> Score:
    in_scope = [i for i in items if i.expect] or items
    right = wrong = helpful = changed = 0
    for item, reply, base in zip(items, replies, baseline):
        decision, ids = shown(reply)
        changed += shown(base) != (decision, ids)
        if decision == "answer":
            if item.expect and ids[0] in item.expect or (reply.calc is not None and set(ids) & set(item.expect)):
                right += 1
            else:
                wrong += 1
        if item.expect and set(ids) & set(item.expect):
            helpful += 1
    answers = max(sum(1 for r in replies if shown(r)[0] == "answer"), 1)
    return Score(right / len(in_scope), wrong / answers, helpful / len(in_scope), changed)


def passes(engine: Engine, items: list[EvalItem], lpr: Lpr | None) -> dict[str, Score]:
    """The standalone engine, the conversation path with no context, and after each prior question."""
    baseline = [engine.respond(i.q) for i in items]
    out = {"engine": score(items, baseline, baseline),
           "no context": score(items, [converse(engine, State(), i.q, lpr).reply for i in items], baseline)}
    for prior in PRIOR_QUESTIONS:
        state = converse(engine, State(), prior, lpr).state
        out[f"after {prior}"] = score(items, [converse(engine, state, i.q, lpr).reply for i in items], baseline)
    return out
