"""Measure how well the engine answers a labeled question set, so editors and CI can see regressions."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.engine import Engine
from bot.core.model import Outcome


class EvalFileError(ValueError):
    """The evaluation file is not a list of {q, expect} items."""


@dataclass(frozen=True)
class EvalItem:
    q: str
    expect: tuple[str, ...]  # empty = out of scope


@dataclass(frozen=True)
class EvalResult:
    item: EvalItem
    decision: str
    top: tuple[tuple[str, float], ...]
    shown: tuple[str, ...]  # ids the user would see: the answer or the suggestions
    latency_ms: float

    @property
    def in_scope(self) -> bool:
        return bool(self.item.expect)

    @property
    def answered_right(self) -> bool:
        return self.in_scope and self.decision == "answer" and self.top[0][0] in self.item.expect

    @property
    def answered_wrong(self) -> bool:
        return self.decision == "answer" and (not self.in_scope or self.top[0][0] not in self.item.expect)

    @property
    def helpful(self) -> bool:
        return self.in_scope and any(i in self.item.expect for i in self.shown)


@dataclass(frozen=True)
class EvalReport:
    results: tuple[EvalResult, ...]
    metrics: dict[str, float] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    per_category: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "metrics": self.metrics,
            "latency_ms": self.latency_ms,
            "per_category": {k: {"right": r, "total": t, "accuracy": round(r / t, 4) if t else 0.0}
                             for k, (r, t) in self.per_category.items()},
            "results": [
                {"q": r.item.q, "expect": (list(r.item.expect) if len(r.item.expect) > 1 else
                                          (r.item.expect[0] if r.item.expect else None)),
                 "decision": r.decision, "top": [{"id": i, "score": s} for i, s in r.top]}
                for r in self.results
            ],
        }

    @property
    def failures(self) -> tuple[EvalResult, ...]:
        return tuple(r for r in self.results
                     if r.answered_wrong or (r.in_scope and not r.answered_right))


def load_eval_file(path: str | Path) -> list[EvalItem]:
    """Read a YAML list of {q, expect}; expect is an id, a list of ids, or null. Other keys are ignored."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"{mark.line + 1}" if mark else "1"
        column = f", column {mark.column + 1}" if mark else ""
        raise EvalFileError(f"{path}:{where}: YAML syntax error{column}: {reason}") from None
    if not isinstance(data, list):
        raise EvalFileError(f"{path}:1: expected a YAML list of {{q, expect}} items, got {type(data).__name__}")
    items = []
    for n, raw in enumerate(data, start=1):
        if not isinstance(raw, dict) or "q" not in raw:
            raise EvalFileError(f"{path}: item {n} has no 'q'")
        expect = raw.get("expect")
        if expect is None:
            ids: tuple[str, ...] = ()
        elif isinstance(expect, list):
            ids = tuple(str(x) for x in expect)
        else:
            ids = (str(expect),)
        items.append(EvalItem("" if raw["q"] is None else str(raw["q"]), ids))
    return items


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return round(ordered[k], 3)


def evaluate(engine: Engine, items: list[EvalItem]) -> EvalReport:
    """Run every question through the engine and compute the quality metrics."""
    results = []
    for item in items:
        start = time.perf_counter()
        reply = engine.respond(item.q)
        elapsed = (time.perf_counter() - start) * 1000
        match = reply.match
        decision = reply.kind.value
        top = tuple((c.id, c.score) for c in (match.candidates[:3] if match else ()))
        if reply.kind is Outcome.ANSWER and reply.entry:
            shown: tuple[str, ...] = (reply.entry.id,)
        elif reply.kind is Outcome.SUGGEST:
            shown = tuple(e.id for e in reply.suggestions)
        else:
            shown = ()
        results.append(EvalResult(item, decision, top, shown, elapsed))
    scored = [r for r in results if r.decision != Outcome.EMPTY.value]  # nothing to match: not a quality event
    in_scope = [r for r in scored if r.in_scope]
    oos = [r for r in scored if not r.in_scope]
    total = len(results) or 1
    metrics = {
        "questions": len(results),
        "in_scope": len(in_scope),
        "out_of_scope": len(oos),
        "answer_accuracy": round(sum(r.answered_right for r in in_scope) / max(len(in_scope), 1), 4),
        "helpful_rate": round(sum(r.helpful for r in in_scope) / max(len(in_scope), 1), 4),
        "wrong_answer_rate": round(sum(r.answered_wrong for r in results) / total, 4),
        "out_of_scope_rejection": round(sum(r.decision == "fallback" for r in oos) / max(len(oos), 1), 4),
    }
    lat = [r.latency_ms for r in results]
    latency = {"p50": _percentile(lat, 50), "p95": _percentile(lat, 95), "p99": _percentile(lat, 99)}
    per_category: dict[str, tuple[int, int]] = {}
    for r in in_scope:
        entry = engine.kb.get(r.item.expect[0])
        cat = entry.category if entry else "(unknown id)"
        right, count = per_category.get(cat, (0, 0))
        per_category[cat] = (right + r.answered_right, count + 1)
    return EvalReport(tuple(results), metrics, latency, per_category)


def format_report(report: EvalReport, max_failures: int = 40) -> str:
    """Human-readable summary: metrics, latency, per-category accuracy and failures."""
    m = report.metrics
    lines = [
        f"questions: {m['questions']} ({m['in_scope']} in scope, {m['out_of_scope']} out of scope)",
        f"answer accuracy:        {m['answer_accuracy']:.3f}",
        f"helpful rate:           {m['helpful_rate']:.3f}",
        f"wrong-answer rate:      {m['wrong_answer_rate']:.3f}",
        f"out-of-scope rejection: {m['out_of_scope_rejection']:.3f}",
        "latency ms: p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}".format(**report.latency_ms),
        "per category:",
    ]
    for cat, (right, count) in sorted(report.per_category.items()):
        lines.append(f"  {cat}: {right}/{count} = {right / count:.2f}")
    failures = report.failures
    lines.append(f"failures: {len(failures)}")
    for r in failures[:max_failures]:
        expect = "/".join(r.item.expect) or "(out of scope)"
        got = ", ".join(f"{i} {s:.2f}" for i, s in r.top) or "-"
        lines.append(f"  [{r.decision}] {r.item.q!r} expect {expect}; got {got}")
    if len(failures) > max_failures:
        lines.append(f"  … {len(failures) - max_failures} more (use --failures N or --json)")
    return "\n".join(lines)
