"""Find what KB editors should fix next: colliding alternates, thin or stale entries, duplicates, missing topics."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from rapidfuzz import fuzz, process

from bot.core import markup
from bot.config import ConfigError
from bot.core.engine import Engine
from bot.core.model import Entry, KnowledgeBase, Outcome
from bot.core.problem import Problem
from bot.core.normalize import normalize, to_simplified

MIN_ALTERNATES = 8
MIN_ANSWER_CHARS = 100
MAX_ANSWER_CHARS = 600
STALE_MONTHS = 12
DUPLICATE_QUESTION_RATIO = 85.0  # rapidfuzz ratio of normalized canonical questions
DUPLICATE_ANSWER_RATIO = 70.0
AMBIGUOUS_SHARE = 0.5  # "ambiguous": the runner-up scores at least this share of the top (a real near-tie)  # … of normalized plain answers (distinct real entries stay below ~40)


def LintWarning(file: str, line: int, kind: str, message: str) -> Problem:  # noqa: N802 (reads like a type)
    """Build one lint warning: a Problem with the name of the check that found it."""
    return Problem(file, line, message, kind)


# --- where things are in the YAML (the loader records every field's line) -----------------------

def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _field(node: yaml.Node, name: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if _scalar(key) == name:
                return value
    return None


def field_line(entry: Entry, name: str) -> int:
    """The line of one field of an entry, or the entry's first line."""
    return int(entry.lines.get(name, entry.line))


def alternate_line(entry: Entry, index: int) -> int:
    """The line of one alternate, or the line of the `alternates` field."""
    lines = entry.alternate_lines
    return lines[index] if index < len(lines) else field_line(entry, "alternates")


# --- required topics -----------------------------------------------------------------------------

def load_topics(path: str | Path) -> tuple[tuple[str, int], ...]:
    """Read a topics file (a YAML list of {id: …}) into (id, line) pairs; ConfigError if malformed."""
    path = Path(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as exc:
        raise ConfigError(f"--topics {path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--topics {path}: not valid YAML ({exc})") from None
    if not isinstance(root, yaml.SequenceNode):
        raise ConfigError(f"--topics {path}: expected a YAML list of {{id: ...}} items")
    topics = []
    for item in root.value:
        topic_id = _scalar(_field(item, "id"))
        if not topic_id:
            raise ConfigError(f"--topics {path}:{item.start_mark.line + 1}: item has no 'id'")
        topics.append((topic_id, item.start_mark.line + 1))
    return tuple(topics)


# --- the checks ----------------------------------------------------------------------------------

def twelve_months_before(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - STALE_MONTHS // 12)
    except ValueError:  # 29 February
        return today.replace(year=today.year - STALE_MONTHS // 12, day=28)


def check_collisions(engine: Engine) -> Iterable[Problem]:
    """Each question and alternate must bring the engine back to its own entry, with a clear answer.

    Alternates are indexed themselves, so a collision means another entry has (nearly) the same words:
    a repeated alternate, words that synonyms/stopwords make identical, or crisis words.
    """
    for entry in engine.kb.entries:
        for index, text in enumerate((entry.question, *entry.alternates)):
            line = field_line(entry, "question") if index == 0 else alternate_line(entry, index - 1)
            what = "question" if index == 0 else "alternate"
            match = engine.match(text)
            top = match.top
            if top is None:
                yield LintWarning(entry.file, line, "unmatchable",
                                  f"{what} {text!r} of '{entry.id}' has no words the matcher uses "
                                  "(only stopwords or punctuation): it can never match")
                continue
            if top.id == entry.id:
                rival = match.candidates[1] if len(match.candidates) > 1 else None
                if match.decision is Outcome.SUGGEST and rival is not None and rival.score >= AMBIGUOUS_SHARE * top.score:
                    yield LintWarning(entry.file, line, "ambiguous",
                                      f"{what} {text!r} of '{entry.id}' ({top.score:.2f}) is too close to "
                                      f"'{rival.id}' ({rival.score:.2f}): users typing it get \"did you mean\"")
                elif match.decision is Outcome.FALLBACK:
                    yield LintWarning(entry.file, line, "weak-alternate",
                                      f"{what} {text!r} of '{entry.id}' ranks its entry first ({top.score:.2f}) "
                                      "but too weakly to be answered: use words that name the topic")
                continue
            own = next((c.score for c in match.candidates if c.id == entry.id), None)
            own_text = f"{own:.2f}" if own is not None else "not in the top 10"
            why = " (crisis words send it to the crisis answer)" if match.crisis else ""
            yield LintWarning(entry.file, line, "collision",
                              f"{what} {text!r} of '{entry.id}' matches '{top.id}' ({top.score:.2f}) better than "
                              f"its own entry ({own_text}){why}")


def check_entry(entry: Entry, today: dt.date) -> Iterable[Problem]:
    """Per-entry checks: alternates, answer length, sources, date, repeated alternates."""
    if len(entry.alternates) < MIN_ALTERNATES:
        yield LintWarning(entry.file, field_line(entry, "alternates"), "few-alternates",
                          f"'{entry.id}' has {len(entry.alternates)} alternates (at least {MIN_ALTERNATES} "
                          "help users find it)")
    length = len(markup.plain(entry.answer).strip())
    if length < MIN_ANSWER_CHARS:
        yield LintWarning(entry.file, field_line(entry, "answer"), "short-answer",
                          f"'{entry.id}' answer has {length} characters (under {MIN_ANSWER_CHARS})")
    elif length > MAX_ANSWER_CHARS:
        yield LintWarning(entry.file, field_line(entry, "answer"), "long-answer",
                          f"'{entry.id}' answer has {length} characters (over {MAX_ANSWER_CHARS}; "
                          "phones show long answers as walls of text)")
    if not entry.summary and not entry.id.startswith("meta-"):
        yield LintWarning(entry.file, field_line(entry, "question"), "no-summary",
                          f"'{entry.id}' has no summary (one line, at most 60 characters: what to do first)")
    if not entry.sources:
        yield LintWarning(entry.file, field_line(entry, "sources"), "no-sources",
                          f"'{entry.id}' cites no sources")
    if entry.updated < twelve_months_before(today):
        yield LintWarning(entry.file, field_line(entry, "updated"), "stale",
                          f"'{entry.id}' was last updated {entry.updated.isoformat()}, more than "
                          f"{STALE_MONTHS} months ago: check it against the current law")
    seen: dict[str, int] = {normalize(entry.question).replace(" ", ""): -1}
    for index, alt in enumerate(entry.alternates):
        key = normalize(alt).replace(" ", "")
        if key in seen and to_simplified(alt) == alt:  # a Traditional twin documents Traditional coverage: keep it
            first = "the question" if seen[key] < 0 else repr(entry.alternates[seen[key]])
            yield LintWarning(entry.file, alternate_line(entry, index), "duplicate-alternate",
                              f"alternate {alt!r} of '{entry.id}' repeats {first} once normalized "
                              "(Traditional→Simplified, width, case, punctuation), so it adds nothing")
        else:
            seen[key] = index


def check_near_duplicates(entries: tuple[Entry, ...]) -> Iterable[Problem]:
    """Pairs of entries whose questions or answers are almost the same text."""
    if len(entries) < 2:
        return
    questions = [normalize(e.question).replace(" ", "") for e in entries]
    answers = [normalize(markup.plain(e.answer)).replace(" ", "") for e in entries]
    q_sim = process.cdist(questions, questions, scorer=fuzz.ratio, workers=1)
    a_sim = process.cdist(answers, answers, scorer=fuzz.ratio, workers=1)
    for i in range(len(entries)):
        for j in range(i + 1, len(entries)):
            q, a = float(q_sim[i, j]), float(a_sim[i, j])
            if q < DUPLICATE_QUESTION_RATIO and a < DUPLICATE_ANSWER_RATIO:
                continue
            first, second = entries[i], entries[j]
            what = f"questions {q:.0f}% alike" if q >= DUPLICATE_QUESTION_RATIO else f"answers {a:.0f}% alike"
            yield LintWarning(second.file, second.line, "near-duplicate",
                              f"'{second.id}' and '{first.id}' ({first.file}:{first.line}) look like the same "
                              f"entry ({what}): merge them or make them clearly different")


def check_topics(engine: Engine, topics: tuple[tuple[str, int], ...], topics_file: str) -> Iterable[Problem]:
    for topic_id, line in topics:
        if topic_id not in engine.kb:
            yield LintWarning(topics_file, line, "missing-topic", f"required topic '{topic_id}' has no entry")


def check_acceptable(kb: KnowledgeBase) -> Iterable[Problem]:
    """Warn about acceptable.yaml lines that name no phrasing (an alternate was reworded) or the owner itself."""
    owners: dict[str, set[str]] = {}
    for entry in kb.entries:
        for text in (entry.question, *entry.alternates):
            owners.setdefault(text, set()).add(entry.id)
    for item in kb.acceptable:
        if item.text not in owners:
            yield LintWarning(item.file, item.line, "acceptable-stale",
                              f"{item.text!r} is no question or alternate of any entry: update or remove the line")
        elif own := sorted(owners[item.text] & set(item.ids)):
            yield LintWarning(item.file, item.line, "acceptable-stale",
                              f"{item.text!r} lists its own entry ({', '.join(own)})")


from bot.editor.crossval import check_cross_validation  # noqa: E402  (needs LintWarning above)


def lint(engine: Engine, today: dt.date, topics: tuple[tuple[str, int], ...] = (),
         topics_file: str = "", cross_validation: bool = False) -> tuple[Problem, ...]:
    """Every warning for a loaded KB, sorted by file and line."""
    found: list[Problem] = list(check_collisions(engine))
    for entry in engine.kb.entries:
        found += check_entry(entry, today)
    found += check_near_duplicates(engine.kb.entries)
    found += check_topics(engine, topics, topics_file)
    found += check_acceptable(engine.kb)
    if cross_validation:
        found += check_cross_validation(engine)
    found = list(_suppressed(engine.kb.entries, found))
    return tuple(sorted(found, key=lambda w: (w.file, w.line, w.kind, w.message)))


CHECK_KINDS = frozenset({
    "unmatchable", "ambiguous", "weak-alternate", "collision", "few-alternates", "short-answer", "long-answer",
    "no-summary", "no-sources", "stale", "duplicate-alternate", "near-duplicate", "cv-stolen",
})


def _suppressed(entries: tuple[Entry, ...], found: list[Problem]) -> Iterable[Problem]:
    """Drop the warnings an entry suppresses with `lint_ignore: [kind, …]`; flag unknown kinds there."""
    ignored: dict[tuple[str, int], frozenset[str]] = {}
    for entry in entries:
        unknown = [k for k in entry.lint_ignore if k not in CHECK_KINDS]
        if unknown:
            yield LintWarning(entry.file, field_line(entry, "lint_ignore"), "bad-lint-ignore",
                              f"'{entry.id}' ignores unknown check(s) {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(CHECK_KINDS))})")
        first = entry.line
        last = max([first, *entry.lines.values(), *entry.alternate_lines])
        for line in range(first, last + 1):
            ignored[(entry.file, line)] = frozenset(entry.lint_ignore)
    for warning in found:
        if warning.kind not in ignored.get((warning.file, warning.line), frozenset()):
            yield warning
