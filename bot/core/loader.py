"""Load and validate the knowledge base, reporting every problem as file:line: message."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core import kbcache
from bot.core.acceptable import ACCEPTABLE_FILE, check_ids, load_acceptable
from bot.core.cache import files_digest
from bot.core.kbfiles import Gone as _Gone, is_ignored_name, read_kb_text
from bot.core.model import Entry, KnowledgeBase
from bot.core.negatives import NEGATIVES_FILE, bundled_negatives, load_negatives
from bot.core.problem import Problem

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# read by their own loaders (lpr.yaml by bot.core.lpr), not as category files
RESOURCE_FILES = {"synonyms.yaml", "synonyms.yml", "lpr.yaml", "out_of_scope.yaml", ACCEPTABLE_FILE}
REQUIRED_FIELDS = ("id", "question", "answer", "sources", "updated")
KNOWN_FIELDS = {"id", "question", "summary", "alternates", "answer", "sources", "related", "tags", "updated", "lint_ignore"}
TOP_LEVEL_FIELDS = {"category", "order", "entries"}
MAX_SUMMARY_CHARS = 60


KBError = Problem  # the loader's problems: file:line: message


class KBValidationError(Exception):
    """The KB has problems; `errors` lists every one of them."""

    def __init__(self, errors: list[Problem]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that leaves dates as text, so a bad date becomes a located error, not a crash."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class _Collector:
    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.unparsed: set[str] = set()  # files that could not be parsed: other errors may be follow-ons

    def add(self, file: Path | str, line: int, message: str) -> None:
        self.errors.append(Problem(str(file), line, message))


def _mark_line(mark: Any) -> int:
    return mark.line + 1 if mark is not None else 1


def _refuse_aliases(path: Path, text: str, errors: _Collector) -> bool:
    """The KB needs no anchors or aliases, and an alias bomb expands to gigabytes: refuse them outright.

    Every alias needs an anchor, and every anchor an '&': files without one skip the event scan.
    """
    if "&" not in text:
        return True
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            errors.add(path, _mark_line(event.start_mark),
                       "YAML anchors and aliases (&name, *name) are not allowed in the knowledge base; "
                       "write the text out")
            return False
    return True


def _duplicate_keys(path: Path, root: yaml.Node, errors: _Collector) -> bool:
    """Report every mapping that names a key twice (the later one would silently replace the first)."""
    ok = True
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = _mark_line(key.start_mark)
                    if key.value in first:
                        errors.add(path, line, f"duplicate key '{key.value}' (first at line {first[key.value]}); "
                                               "the later one would silently replace the first")
                        ok = False
                    else:
                        first[key.value] = line
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return ok


def _compose(path: Path, errors: _Collector) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML file into (data, node); record any problem with its line.

    A file that cannot be parsed is marked, so errors that only follow from it (dangling `related`) are not listed.
    """
    before = len(errors.errors)
    data, node = _compose_text(path, errors)
    if data is None and node is None and len(errors.errors) > before:
        errors.unparsed.add(str(path))
    return data, node


def _compose_text(path: Path, errors: _Collector) -> tuple[Any, yaml.Node | None]:
    text = read_kb_text(path, errors.add)
    if text is None:
        return None, None
    loader = None
    try:
        if not _refuse_aliases(path, text, errors):
            return None, None
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None and not _duplicate_keys(path, node, errors):
            return None, None
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:  # includes scanner and parser errors
        mark = exc.problem_mark or exc.context_mark
        column = f", column {mark.column + 1}" if mark else ""
        errors.add(path, _mark_line(mark), f"YAML syntax error{column}: {exc.problem or exc.context}")
        return None, None
    except yaml.YAMLError as exc:  # reader errors and anything else the parser refuses
        errors.add(path, _mark_line(getattr(exc, "problem_mark", None)), f"YAML error: {exc}".splitlines()[0])
        return None, None
    except RecursionError:
        errors.add(path, 1, "YAML nested too deeply")
        return None, None
    finally:
        if loader is not None:
            loader.dispose()
    return data, node


def _key_lines(node: yaml.Node | None) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _str_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    return None


def _parse_entry(path: Path, category: str, raw: Any, node: yaml.Node, errors: _Collector) -> Entry | None:
    line = node.start_mark.line + 1
    if not isinstance(raw, dict):
        errors.add(path, line, "entry must be a mapping with id, question, answer …")
        return None
    lines = _key_lines(node)
    ok = True
    for name in REQUIRED_FIELDS:
        if name not in raw or raw[name] in (None, "", []):
            what = "empty answer" if name == "answer" and name in raw else f"missing field '{name}'"
            errors.add(path, lines.get(name, line), what)
            ok = False
    for name in raw:
        if name not in KNOWN_FIELDS:
            errors.add(path, lines.get(str(name), line), f"unknown field '{name}'")
    entry_id = raw.get("id")
    if entry_id is not None and (not isinstance(entry_id, str) or not ID_RE.match(entry_id)):
        errors.add(path, lines.get("id", line), f"id {entry_id!r} must be kebab-case (a-z, 0-9, -)")
        ok = False
    for name in ("question", "answer"):
        if name in raw and raw[name] is not None and not isinstance(raw[name], str):
            errors.add(path, lines.get(name, line), f"'{name}' must be text")
            ok = False
    summary = raw.get("summary")
    if summary is not None:
        if not isinstance(summary, str) or "\n" in summary.strip():
            errors.add(path, lines.get("summary", line), "'summary' must be one line of text")
            ok = False
        elif len(summary.strip()) > MAX_SUMMARY_CHARS:
            errors.add(path, lines.get("summary", line),
                       f"summary is {len(summary.strip())} characters (at most {MAX_SUMMARY_CHARS})")
            ok = False
    if isinstance(raw.get("answer"), str) and raw["answer"] and not raw["answer"].strip():
        errors.add(path, lines.get("answer", line), "empty answer")
        ok = False
    lists = {}
    for name in ("alternates", "sources", "related", "tags", "lint_ignore"):
        value = _str_list(raw.get(name))
        if value is None:
            errors.add(path, lines.get(name, line), f"'{name}' must be a list of text")
            ok = False
        else:
            lists[name] = tuple(v.strip() for v in value if v.strip())
    updated = raw.get("updated")
    if "updated" in raw and updated is not None:
        if isinstance(updated, str):
            try:
                updated = dt.date.fromisoformat(updated.strip())
            except ValueError:
                errors.add(path, lines.get("updated", line), f"bad date {raw['updated']!r} (use YYYY-MM-DD)")
                ok = False
        elif isinstance(updated, dt.datetime):
            updated = updated.date()
        elif not isinstance(updated, dt.date):
            errors.add(path, lines.get("updated", line), f"bad date {updated!r} (use YYYY-MM-DD)")
            ok = False
    if not ok or not isinstance(entry_id, str) or not isinstance(updated, dt.date):
        return None
    return Entry(
        id=entry_id, category=category, question=raw["question"].strip(), alternates=lists["alternates"],
        answer=raw["answer"].strip(), summary=str(raw.get("summary") or "").strip(), sources=lists["sources"], related=lists["related"], tags=lists["tags"],
        updated=updated, file=str(path), line=line, lines=MappingProxyType(lines),
        alternate_lines=_item_lines(node, "alternates"), lint_ignore=lists["lint_ignore"],
    )


def _item_lines(node: yaml.Node, name: str) -> tuple[int, ...]:
    """The line of each item of a list field (for lint messages that point at one alternate)."""
    for key, value in node.value if isinstance(node, yaml.MappingNode) else ():
        if getattr(key, "value", None) == name and isinstance(value, yaml.SequenceNode):
            return tuple(v.start_mark.line + 1 for v in value.value)
    return ()


def _load_category_file(path: Path, errors: _Collector, order: dict[str, int]) -> list[tuple[Entry, int]]:
    data, node = _compose(path, errors)
    if node is None and data is None:
        if not errors.errors or errors.errors[-1].file != str(path):
            errors.add(path, 1, "file is empty")
        return []
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        errors.add(path, 1, "top level must be a mapping with 'category' and 'entries'")
        return []
    lines = _key_lines(node)
    category = data.get("category")
    if not isinstance(category, str) or not category.strip():
        errors.add(path, lines.get("category", 1), "missing field 'category'")
        category = ""
    for name in data:
        if name not in TOP_LEVEL_FIELDS:
            errors.add(path, lines.get(str(name), 1), f"unknown top-level field '{name}' (use category, order, entries)")
    if "order" in data:
        if isinstance(data["order"], int) and not isinstance(data["order"], bool):
            order[category.strip()] = data["order"]
        else:
            errors.add(path, lines.get("order", 1), f"'order' must be a whole number, got {data['order']!r}")
    entries_node = next((v for k, v in node.value if getattr(k, "value", None) == "entries"), None)
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not isinstance(entries_node, yaml.SequenceNode):
        errors.add(path, lines.get("entries", 1), "missing field 'entries' (a list)")
        return []
    out = []
    for raw, item_node in zip(raw_entries, entries_node.value):
        entry = _parse_entry(path, category.strip(), raw, item_node, errors)
        if entry is not None:
            out.append((entry, _key_lines(item_node).get("related", entry.line)))
    return out


def _load_dictionary(path: Path, errors: _Collector) -> tuple[tuple[str, int | None, str | None], ...]:
    words: list[tuple[str, int | None, str | None]] = []
    for n, raw in enumerate((read_kb_text(path, errors.add) or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3:
            errors.add(path, n, f"malformed dictionary line {line!r} (expected: word [freq] [tag])")
            continue
        freq: int | None = None
        tag: str | None = None
        if len(parts) >= 2:
            if parts[1].isdigit():
                freq = int(parts[1])
            elif len(parts) == 2 and re.fullmatch(r"[a-z]+", parts[1]):
                tag = parts[1]
            else:
                errors.add(path, n, f"malformed dictionary line {line!r} (frequency must be a whole number)")
                continue
        if len(parts) == 3:
            if not re.fullmatch(r"[a-z]+", parts[2]):
                errors.add(path, n, f"malformed dictionary line {line!r} (tag must be letters like n, v)")
                continue
            tag = parts[2]
        words.append((parts[0], freq, tag))
    return tuple(words)


def _load_word_list(path: Path, errors: _Collector) -> tuple[str, ...]:
    lines = (read_kb_text(path, errors.add) or "").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.strip().startswith("#"))


def _load_synonyms(path: Path, errors: _Collector) -> dict[str, str]:
    data, node = _compose(path, errors)
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        errors.add(path, 1, "synonyms must map a canonical term to a list of variants")
        return {}
    mapping: dict[str, str] = {}
    for key_node, value_node in node.value:
        canonical = str(key_node.value).strip()
        line = key_node.start_mark.line + 1
        variants = None if not isinstance(value_node, yaml.SequenceNode) else [
            getattr(v, "value", None) for v in value_node.value]
        if not isinstance(value_node, (yaml.SequenceNode, yaml.ScalarNode)) or (
                isinstance(value_node, yaml.ScalarNode) and value_node.value not in ("", "null", "~")):
            errors.add(path, line, f"variants of {canonical!r} must be a list of text")
            continue
        if _str_list(variants) is None:
            errors.add(path, line, f"variants of {canonical!r} must be a list of text")
            continue
        for variant in _str_list(variants) or []:
            variant = variant.strip()
            if variant in mapping and mapping[variant] != canonical:
                errors.add(path, value_node.start_mark.line + 1,
                           f"variant {variant!r} maps to both {mapping[variant]!r} and {canonical!r}")
            elif variant and variant != canonical:
                mapping[variant] = canonical
    return mapping


def _present(path: Path) -> bool:
    """True when a resource file is there to read, including a broken link that must be reported."""
    return path.is_symlink() or path.exists()


def _optional(root: Path, name: str, read: Any, default: Any) -> Any:
    path = root / name
    if not _present(path):
        return default
    try:
        return read(path)
    except _Gone:
        return default


def load_kb(root: str | Path) -> KnowledgeBase:
    """Read every file of a KB folder; raise KBValidationError listing all problems."""
    root = Path(root)
    errors = _Collector()
    if not root.is_dir():
        raise KBValidationError([KBError(str(root), 0, "knowledge base folder not found")])
    negatives_file = root / NEGATIVES_FILE if (root / NEGATIVES_FILE).is_file() else bundled_negatives()
    try:  # hashed before listing: a file added in between is parsed but not hashed, so the KB is not cached
        digest = files_digest(root, negatives_file)
        listed = sorted(root.iterdir())
    except OSError as exc:
        raise KBValidationError([KBError(str(root), 0, f"cannot list the folder ({exc.strerror})")]) from None
    cached = kbcache.load(str(root), digest, negatives_file)
    if cached is not None:
        return cached
    files = [p for p in listed if p.suffix in {".yaml", ".yml"} and p.name not in RESOURCE_FILES
             and not is_ignored_name(p.name)]
    loaded: list[tuple[Entry, int]] = []
    order: dict[str, int] = {}
    for path in files:
        try:
            loaded.extend(_load_category_file(path, errors, order))
        except _Gone:  # deleted while we read: the watcher sees the change and reloads again
            continue
    if not files:
        errors.add(root, 0, "no category files (*.yaml) found")
    seen: dict[str, Entry] = {}
    for entry, _ in loaded:
        if entry.id in seen:
            first = seen[entry.id]
            errors.add(entry.file, entry.line, f"duplicate id '{entry.id}' (first defined at {first.file}:{first.line})")
        else:
            seen[entry.id] = entry
    for entry, related_line in [] if errors.unparsed else loaded:  # a file that failed to parse hides its ids
        for rid in entry.related:
            if rid not in seen:
                errors.add(entry.file, related_line, f"unknown related id '{rid}' in entry '{entry.id}'")
            elif rid == entry.id:
                errors.add(entry.file, related_line, f"entry '{entry.id}' lists itself as related")
    dictionary = _optional(root, "dictionary.txt", lambda p: _load_dictionary(p, errors), ())
    synonyms = _optional(root, "synonyms.yaml", lambda p: _load_synonyms(p, errors), {})
    stopwords = frozenset(_optional(root, "stopwords.txt", lambda p: _load_word_list(p, errors), ()))
    crisis = _optional(root, "crisis.txt", lambda p: _load_word_list(p, errors), ())
    acceptable = _optional(root, ACCEPTABLE_FILE, lambda p: load_acceptable(p, errors.add), ())
    check_ids(acceptable if not errors.unparsed else (), seen, errors.add)
    own_negatives = negatives_file == root / NEGATIVES_FILE
    # another KB borrows the bundled negatives, but not the groups that are only gaps of the bundled KB's coverage
    # nor the harvested ones the bundled KB keeps to itself (`lent: false`)
    negatives = load_negatives(negatives_file, errors.add, for_borrower=not own_negatives) if negatives_file else ()
    if errors.errors:
        # the cause first: files that could not be parsed, then everything else in file order
        raise KBValidationError(sorted(errors.errors, key=lambda e: e.file not in errors.unparsed))
    kb = KnowledgeBase(
        root=str(root), entries=tuple(seen.values()), dictionary=dictionary,
        synonyms=MappingProxyType(synonyms), stopwords=stopwords, crisis_terms=crisis,
        category_order=MappingProxyType(order), negatives=negatives, acceptable=acceptable, files_digest=files_digest(root, negatives_file))
    if kb.files_digest == digest:  # unchanged while we read: what was parsed is what the hash names
        kbcache.save(kb, negatives_file)
    return kb
