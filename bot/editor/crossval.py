"""Cross-validate the KB for editors: hold each phrasing out and report the entries that steal it.

Like `rasa test nlu --cross-validation`: every question and alternate is predicted by a model trained on the
other folds (bot.core.calibrate). A held-out phrasing that another entry would answer, or whose own entry is
not even among the suggestions, means two entries overlap or the entry needs more varied alternates.
"""
from __future__ import annotations

import logging
from typing import Iterable

from bot.core.calibrate import cross_validate, served_inputs, without_hidden
from bot.core.engine import Engine
from bot.core.model import Entry, Outcome
from bot.core.problem import Problem

logger = logging.getLogger(__name__)


def cv_steals(engine: Engine) -> list[tuple[Entry, str, Entry, Outcome, bool]]:
    """Return (entry, held-out text, thief, what the thief would get, own entry still suggested) per steal."""
    # what the model learned from: a hidden entry's phrasings are left out (it is reported as cv-untrusted)
    examples = without_hidden(engine.examples, engine.hidden)
    rows = cross_validate(examples, [e.id for e in engine.kb.entries], engine.analyzer.domain_terms,
                          engine.settings.cv_folds)
    entries = engine.kb.entries
    out = []
    for row in rows:
        ex = examples[row.example]
        if ex.negative:
            continue
        ranking, guards = served_inputs(row, ex, engine.lexical_weight, engine.settings, engine.entry_precision)
        ids = [int(e) for e in ranking.entries]
        if not ids or ex.accepts(ids[0]):  # its own entry, or one acceptable.yaml names
            continue
        p_answer, p_in_scope = engine.decider.probabilities(ranking.features)
        decision = engine.decider.decide(p_answer, p_in_scope, guards)
        out.append((entries[ex.label], ex.text, entries[ids[0]], decision, ex.label in ids))
    return out


def check_cross_validation(engine: Engine) -> Iterable[Problem]:
    """Yield lint warnings for entries cross-validation distrusts and for phrasings other entries steal.

    'cv-untrusted': an entry so seldom confirmed that it is left out of matching (or, distrusted only once the
    others were refitted without such entries, only ever suggested); 'cv-stolen': a held-out phrasing another
    entry would answer or bury.
    """
    from bot.editor.lint import LintWarning, alternate_line, field_line

    low = engine.settings.min_entry_precision
    for entry, precision, hidden in zip(engine.kb.entries, engine.entry_precision, engine.hidden):
        if precision < low:
            effect = ("it is left out of matching, and only its own exact phrasings find it" if hidden
                      else "it is offered as \"did you mean\", never answered directly")
            yield LintWarning(entry.file, field_line(entry, "question"), "cv-untrusted",
                              f"'{entry.id}' was right only {precision:.0%} of the times it ranked first for a "
                              f"held-out phrasing (below {low:.0%}): {effect}; give it alternates that name its "
                              "own topic")

    for entry, text, thief, decision, suggested in cv_steals(engine):
        if decision is not Outcome.ANSWER and suggested:
            continue  # "did you mean" still offers the right entry: not worth an editor's time
        phrasings = (entry.question, *entry.alternates)
        index = phrasings.index(text) if text in phrasings else 0
        line = field_line(entry, "question") if index == 0 else alternate_line(entry, index - 1)
        what = "question" if index == 0 else "alternate"
        effect = "would be answered by" if decision is Outcome.ANSWER else "is buried under"
        yield LintWarning(entry.file, line, "cv-stolen",
                          f"held out, {what} {text!r} of '{entry.id}' {effect} '{thief.id}': the entries overlap, "
                          "or this entry needs alternates that name its topic (if the other answer serves it just as "
                          "well, list it in acceptable.yaml)")
