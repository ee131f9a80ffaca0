"""Give KB editors their commands: lint, stats, show an entry as users see it, and the to-do list from the log."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Sequence, TextIO

import numpy as np
from rapidfuzz import fuzz, process

from bot.config import Settings
from bot.console.chat import render_console, terminal_width, wants_colour
from bot.core.engine import Engine, build_engine
from bot.editor.lint import lint, load_topics
from bot.core.loader import KBValidationError, load_kb
from bot.core.normalize import normalize
from bot.notice import announce_training
from bot.console.termwrap import display_width, pad, strip_controls

GROUP_SIMILARITY = 75.0  # rapidfuzz ratio at which two unanswered questions count as the same question
GROUP_SAMPLE = 1000  # most frequent distinct wordings clustered with one cdist matrix (1000² bytes = 1 MB)
MATCH_CHUNK = 4096  # rarer wordings are matched against the groups this many at a time
MAX_VARIANTS_SHOWN = 3


# --- lint ----------------------------------------------------------------------------------------

def run_lint(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """`xinzhi kb lint`: print `file:line: kind: message` per warning; exit 1 only with --strict."""
    out = out or sys.stdout
    topics_file = getattr(args, "topics", None)
    topics = load_topics(topics_file) if topics_file else ()
    engine = build_engine(settings.kb_path, settings.match, on_train=announce_training)
    warnings = lint(engine, dt.date.today(), topics, str(topics_file or ""),
                    cross_validation=getattr(args, "cross_validation", False))
    for warning in warnings:
        out.write(f"{warning}\n")
    entries = len(engine.kb.entries)
    if warnings:
        kinds = Counter(w.kind for w in warnings)
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        out.write(f"{len(warnings)} warning(s) in {entries} entries: {detail}\n")
    else:
        out.write(f"OK: no warnings in {entries} entries ({settings.kb_path})\n")
    return 1 if warnings and getattr(args, "strict", False) else 0


# --- stats ---------------------------------------------------------------------------------------

def _table(rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) if i in right else display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else pad(cell, widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines


def run_stats(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """`xinzhi kb stats`: entries per category, alternates, sources coverage, oldest update."""
    out = out or sys.stdout
    kb = load_kb(settings.kb_path)
    entries = kb.entries
    if not entries:
        out.write(f"Knowledge base: {kb.root}\nEntries: 0\n")
        return 0
    rows = [("category", "entries", "alternates", "with sources", "oldest update")]
    for category in kb.categories:
        es = kb.in_category(category)
        oldest = min(es, key=lambda e: e.updated)
        rows.append((category, str(len(es)), str(sum(len(e.alternates) for e in es)),
                     f"{sum(1 for e in es if e.sources)}/{len(es)}", oldest.updated.isoformat()))
    alternates = [len(e.alternates) for e in entries]
    sourced = sum(1 for e in entries if e.sources)
    oldest = min(entries, key=lambda e: (e.updated, e.id))
    fewest = min(entries, key=lambda e: (len(e.alternates), e.id))
    lines = [
        f"Knowledge base: {kb.root}",
        f"Entries: {len(entries)} in {len(kb.categories)} categories",
        f"Alternates: {sum(alternates)} ({sum(alternates) / len(entries):.1f} per entry; "
        f"fewest {fewest.id} with {len(fewest.alternates)}, most {max(alternates)})",
        f"Sources: {sourced}/{len(entries)} entries cite a source ({100 * sourced / len(entries):.0f}%), "
        f"{sum(len(e.sources) for e in entries)} citations",
        f"Oldest update: {oldest.updated.isoformat()} ({oldest.id})",
        f"Negatives: {len(kb.negatives)} questions to decline; acceptable.yaml: {len(kb.acceptable)} phrasings "
        "with a second right entry",
        "",
        *_table(rows, right={1, 2, 3}),
    ]
    out.write("\n".join(lines) + "\n")
    return 0


# --- show ----------------------------------------------------------------------------------------

def run_show(args: argparse.Namespace, settings: Settings, out: TextIO | None = None,
             err: TextIO | None = None) -> int:
    """`xinzhi kb show ID [--telegram]`: the entry exactly as a user would see it."""
    out, err = out or sys.stdout, err or sys.stderr
    kb = load_kb(settings.kb_path)
    entry = kb.get(args.id)
    if entry is None:
        close = process.extract(args.id, [e.id for e in kb.entries], scorer=fuzz.ratio, limit=3, score_cutoff=50)
        hint = f"; did you mean: {', '.join(c for c, _, _ in close)}" if close else ""
        err.write(f"xinzhi: no entry with id '{args.id}' in {settings.kb_path}{hint}\n")
        return 1
    reply = Engine(kb, settings.match).reply_for(entry.id)
    assert reply is not None
    if not getattr(args, "telegram", False):
        out.write(render_console(reply, terminal_width(out), wants_colour(out)) + "\n")
        return 0
    try:
        from bot.tg import render as tg_render
    except ImportError as exc:
        err.write(f"xinzhi: the Telegram renderer (bot/tg/render.py) is not available in this installation ({exc})\n")
        return 1
    messages = tg_render.render_reply(reply)
    for number, (html_text, keyboard) in enumerate(messages, start=1):
        out.write(f"--- message {number}/{len(messages)} ({tg_render.units(html_text)} of "
                  f"{tg_render.MAX_MESSAGE} UTF-16 units) ---\n{html_text}\n")
        for row in getattr(keyboard, "inline_keyboard", ()) or ():
            out.write("  " + "  ".join(f"[{b.text}]" for b in row) + "\n")
    return 0


# --- gaps ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionGroup:
    """Unanswered questions that are (nearly) the same question."""

    text: str  # the most frequent wording
    count: int
    variants: tuple[str, ...]  # other wordings, most frequent first


def _best_heads(rows: Sequence[str], heads: Sequence[str], threshold: float) -> list[int | None]:
    """For each row, the index of its most similar head (ratio ≥ threshold), in bounded chunks."""
    found: list[int | None] = []
    for start in range(0, len(rows), MATCH_CHUNK):
        scores = process.cdist(rows[start:start + MATCH_CHUNK], heads, scorer=fuzz.ratio,
                               score_cutoff=threshold, dtype=np.uint8, workers=-1)
        best = scores.argmax(axis=1)
        found += [int(b) if scores[i, b] >= threshold and scores[i, b] > 0 else None for i, b in enumerate(best)]
    return found


def group_questions(texts: Sequence[str], threshold: float = GROUP_SIMILARITY,
                    sample: int = GROUP_SAMPLE) -> tuple[QuestionGroup, ...]:
    """Group similar questions (normalized text, rapidfuzz ratio ≥ threshold); biggest group first.

    The `sample` most frequent wordings are clustered with one RapidFuzz cdist matrix (each joins the most
    similar earlier head); rarer wordings are then matched against those heads in chunks, so the cost grows
    linearly with the number of rows rather than with its square.
    """
    by_key: dict[str, Counter[str]] = {}
    for text in texts:
        key = normalize(text).replace(" ", "") or text.strip()
        by_key.setdefault(key, Counter())[text.strip()] += 1
    keys = sorted(by_key, key=lambda k: (-sum(by_key[k].values()), k))
    head_of: dict[str, str] = {}
    sampled = keys[:max(sample, 1)]
    if sampled:
        scores = process.cdist(sampled, sampled, scorer=fuzz.ratio, score_cutoff=threshold,
                               dtype=np.uint8, workers=-1)
        heads: list[int] = []
        for j, key in enumerate(sampled):
            if heads:
                row = scores[j, heads]
                best = int(row.argmax())
                if row[best] >= threshold and row[best] > 0:
                    head_of[key] = sampled[heads[best]]
                    continue
            heads.append(j)
            head_of[key] = key
        head_keys = [sampled[h] for h in heads]
        rest = keys[len(sampled):]
        for key, found in zip(rest, _best_heads(rest, head_keys, threshold) if rest else ()):
            head_of[key] = head_keys[found] if found is not None else key
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(head_of[key], []).append(key)
    groups = []
    for head, keys_of_head in members.items():
        wordings: Counter[str] = Counter()
        for key in keys_of_head:
            wordings.update(by_key[key])
        ranked = [w for w, _ in sorted(wordings.items(), key=lambda kv: (-kv[1], kv[0]))]
        groups.append(QuestionGroup(ranked[0], sum(wordings.values()), tuple(ranked[1:])))
    return tuple(sorted(groups, key=lambda g: (-g.count, g.text)))


def _engine_or_none(settings: Settings) -> Engine | None:
    try:
        return build_engine(settings.kb_path, settings.match)
    except KBValidationError:
        return None


def run_gaps(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    """`xinzhi kb gaps`: the editors' to-do list from the log."""
    from bot.storage.store import Store

    out = out or sys.stdout
    days, limit = args.days, args.limit
    if settings.storage.db_url:  # XINZHI_DB=postgresql://…: the log shared by every replica
        from bot.storage.postgres import PostgresStore

        reader: "Store | PostgresStore" = PostgresStore(settings.storage.db_url, settings.storage.log_days,
                                                         read_only=True)
    elif not settings.storage.db_path.exists():
        why = " (logging is off: XINZHI_LOG=off)" if not settings.storage.log_enabled else ""
        out.write(f"No log at {settings.storage.db_path} yet: nothing has been recorded{why}.\n")
        return 0
    else:
        reader = Store(settings.storage.db_path, settings.storage.log_days, read_only=True)  # deletes nothing
    with reader as store:
        unanswered = store.unanswered(days)
        feedback = store.feedback_counts(days)
        picks = store.pick_counts(days)
        unpicked = store.unpicked(days)
    engine = _engine_or_none(settings)
    kb = engine.kb if engine is not None else None

    def title(entry_id: str) -> str:
        entry = kb.get(entry_id) if kb is not None else None
        shown = strip_controls(entry_id)  # ids come from the log file
        return f"{shown}  {entry.question}" if entry is not None else f"{shown}  (not in the KB)"

    groups = group_questions([strip_controls(u.text) for u in unanswered])  # rows stored before the fix, too
    lines = [f"Unanswered questions, last {days} days: {len(unanswered)} in {len(groups)} group(s)"]
    for group in groups[:limit]:
        lines.append(f"{group.count:5d}  {group.text}")
        if group.variants:
            more = len(group.variants) - MAX_VARIANTS_SHOWN
            shown = " / ".join(group.variants[:MAX_VARIANTS_SHOWN])
            lines.append(f"       ≈ {shown}" + (f" (+{more})" if more > 0 else ""))
        if engine is not None and (top := engine.match(group.text).top) is not None:
            lines.append(f"       closest entry: {top.id} ({top.score:.2f})")
    down = [f for f in feedback if f.down > 0]
    lines += ["", f"Entries with the most 👎, last {days} days:"]
    lines += [f"{f.down:5d} 👎 {f.up:3d} 👍  {title(f.entry_id)}" for f in down[:limit]] or ["    (none)"]
    lines += ["", f"Most picked suggestions, last {days} days (users' wording did not match; add it as alternates):"]
    lines += [f"{n:5d}  {title(entry_id)}" for entry_id, n in picks[:limit]] or ["    (none)"]
    missed = group_questions([strip_controls(u.text) for u in unpicked])
    lines += ["", f"Suggestion lists nobody picked from, last {days} days: {len(unpicked)} "
              "(the KB had something close but not what they meant):"]
    lines += [f"{g.count:5d}  {g.text}" for g in missed[:limit]] or ["    (none)"]
    out.write("\n".join(lines) + "\n")
    return 0
