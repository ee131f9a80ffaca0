"""Expose the library as the `xinzhi` command: a thin layer that parses flags and calls the API."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence, TextIO

from bot.config import ConfigError, Settings, load_settings

logger = logging.getLogger(__name__)

EPILOG_HEADER = "Example:"


def _examples(*lines: str) -> str:
    return EPILOG_HEADER + "\n" + "\n".join(f"  {line}" for line in lines)


def _parser(sub: argparse._SubParsersAction, name: str, help_text: str, *examples: str) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=_examples(*examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--kb", metavar="PATH", type=Path, help="knowledge base folder (default: $XINZHI_KB or the bundled one)")
    return p


def _positive_int(raw: str) -> int:
    """Parse a whole number ≥ 1 for argparse (0 and negatives are rejected, not silently changed)."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# --- one function per command group; each adds its parsers and sets `func` -------------------

def _add_ask(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "ask", "Answer one question and exit.",
                'xinzhi ask "催收爆通讯录怎么办"', 'xinzhi ask "逾期多久上征信" --json', 'xinzhi ask "正信花了" --explain')
    p.add_argument("question", help="the question, in Chinese")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    p.add_argument("--explain", action="store_true", help="also print tokens and candidate scores")
    p.set_defaults(func=_run_ask)


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "eval", "Measure answer quality on a labeled YAML file of {q, expect} items.",
                "xinzhi eval tests/data/eval.yaml", "xinzhi eval tests/data/eval.yaml --json > report.json")
    p.add_argument("file", type=Path, help="YAML list of {q: question, expect: id | [ids] | null}")
    p.add_argument("--json", action="store_true", help="print one JSON object with metrics and per-question results")
    p.add_argument("--failures", type=int, default=40, metavar="N", help="show at most N failures in text mode (default 40)")
    p.set_defaults(func=_run_eval)


def _add_chat(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "chat", "Chat in the terminal (no token, no network); piped input answers each line.",
                "xinzhi chat", 'echo "上门催收合法吗" | xinzhi chat', "xinzhi chat < questions.txt",
                "xinzhi chat --json < session.txt")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per input line: kind, entry, suggestions, text (and calc)")
    p.set_defaults(func=_lazy("bot.console.chat", "main"))


def _add_telegram(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "telegram", "Run the Telegram bot (token from $TELEGRAM_BOT_TOKEN or --token-file).",
                "TELEGRAM_BOT_TOKEN=123456:ABC... xinzhi telegram",
                "xinzhi telegram --token-file /run/secrets/tg_token",
                "TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot xinzhi telegram   # self-hosted Bot API server",
                "xinzhi telegram --webhook-url https://bot.example.org/tg --listen 0.0.0.0 --port 8443")
    p.add_argument("--token-file", metavar="FILE", help="read the bot token from FILE instead of the environment")
    p.add_argument("--webhook-url", metavar="URL", help="use a webhook at this public URL instead of long polling")
    p.add_argument("--listen", metavar="ADDR", help="webhook listen address (default 0.0.0.0)")
    p.add_argument("--port", type=int, metavar="PORT", help="webhook listen port (default 8443)")
    p.set_defaults(func=_lazy("bot.tg.run", "main"))


def _add_serve(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "serve", "Serve the web chat page and the HTTP API (uvicorn).",
                "xinzhi serve", "xinzhi serve --host 0.0.0.0 --port 8080",
                "XINZHI_DB=postgresql://xinzhi@db/xinzhi XINZHI_WEB_SECRET=… xinzhi serve   # one of several replicas")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="listen port (default 8080)")
    p.set_defaults(func=_lazy("bot.web.run", "main"))


def _add_kb(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kb", help="Knowledge-base editor tools.", description="Knowledge-base editor tools.",
                       epilog=_examples("xinzhi kb validate", "xinzhi kb lint --topics ../shared/topics.yaml"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    kb = p.add_subparsers(dest="kb_command", metavar="COMMAND", required=True)
    v = _parser(kb, "validate", "Check the KB; exit 0 with a summary, or 1 listing every problem as file:line: message.",
                "xinzhi kb validate", "xinzhi kb validate --kb ./knowledge")
    v.set_defaults(func=_run_validate)
    lint = _parser(kb, "lint", "Warn about colliding alternates, thin entries, answer length, missing sources, "
                   "stale dates, near-duplicates and missing topics, as file:line: kind: message.",
                   "xinzhi kb lint", "xinzhi kb lint --topics ../shared/topics.yaml", "xinzhi kb lint --strict")
    lint.add_argument("--topics", type=Path, metavar="FILE", help="YAML list of required topics ({id: ...}) to check for")
    lint.add_argument("--strict", action="store_true", help="exit 1 when there are warnings (for CI)")
    lint.add_argument("--cross-validation", action="store_true",
                      help="hold each alternate out and report the entries that steal it (kind cv-stolen)")
    lint.set_defaults(func=_lazy("bot.editor.tools", "run_lint"))
    stats = _parser(kb, "stats", "Show entries per category, alternates, sources coverage and the oldest update.",
                    "xinzhi kb stats")
    stats.set_defaults(func=_lazy("bot.editor.tools", "run_stats"))
    show = _parser(kb, "show", "Show one entry as a user sees it (console text, or Telegram HTML).",
                   "xinzhi kb show collection-home-visit-legality", "xinzhi kb show meta-about --telegram")
    show.add_argument("id", help="entry id")
    show.add_argument("--telegram", action="store_true", help="print the Telegram HTML instead")
    show.set_defaults(func=_lazy("bot.editor.tools", "run_show"))
    gaps = _parser(kb, "gaps", "List the most frequent unanswered questions and the most 👎 entries from the log.",
                   "xinzhi kb gaps", "xinzhi kb gaps --days 7")
    gaps.add_argument("--days", type=_positive_int, default=30, metavar="N", help="look back N days, N ≥ 1 (default 30)")
    gaps.add_argument("--limit", type=_positive_int, default=20, metavar="N",
                      help="show at most N rows per list, N ≥ 1 (default 20)")
    gaps.set_defaults(func=_lazy("bot.editor.tools", "run_gaps"))


COMMAND_GROUPS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    _add_ask, _add_eval, _add_chat, _add_telegram, _add_serve, _add_kb,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xinzhi",
        description="XinZhi (信知): a debt-and-credit literacy assistant that answers from a curated knowledge base.",
        epilog=_examples('xinzhi ask "信用卡还不上会坐牢吗"', "xinzhi chat", "xinzhi kb validate"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug information to stderr")
    parser.add_argument("--version", action=_VersionAction, help="show the installed version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMAND_GROUPS:
        add(sub)
    return parser


class _VersionAction(argparse.Action):
    """Print the version only when asked: reading package metadata costs every other command start-up time."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object):
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        sys.stdout.write(f"xinzhi {_version()}\n")  # stdout, like argparse's own "version" action
        parser.exit()


def _version() -> str:
    """The installed package version (or 'unknown' when run from a tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xinzhi")
    except PackageNotFoundError:
        return "unknown"


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace, Settings], int]:
    """Import a command's module only when it runs (keeps `xinzhi ask` start-up fast)."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args, settings)

    run.__name__ = f"{module}.{name}"
    return run


# --- commands implemented here -------------------------------------------------------------------

def _run_ask(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    from bot.core.engine import build_engine
    from bot.console.render import render_ask_json, render_explain, render_reply
    from bot.notice import announce_training

    out = out or sys.stdout
    engine = build_engine(settings.kb_path, settings.match, on_train=announce_training)
    reply = engine.respond(args.question)
    if args.json:
        out.write(json.dumps(render_ask_json(reply), ensure_ascii=False) + "\n")
        return 0
    out.write(render_reply(reply) + "\n")
    if args.explain:
        out.write("\n" + render_explain(reply) + "\n")
    return 0


def _run_eval(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    from bot.core.engine import build_engine
    from bot.editor.evaluate import EvalFileError, evaluate, format_report, load_eval_file
    from bot.notice import announce_training

    out = out or sys.stdout
    try:
        items = load_eval_file(args.file)
    except EvalFileError as exc:
        raise ConfigError(str(exc)) from None
    engine = build_engine(settings.kb_path, settings.match, on_train=announce_training)
    report = evaluate(engine, items)
    if args.json:
        out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        out.write(format_report(report, max_failures=args.failures) + "\n")
    return 0


def _run_validate(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    from bot.core.loader import KBValidationError, load_kb
    from bot.core.lpr import load_lpr

    out = out or sys.stdout
    try:
        kb = load_kb(settings.kb_path)
        load_lpr(settings.kb_path)  # knowledge/lpr.yaml: the calculator's LPR
    except KBValidationError as exc:
        for err in exc.errors:
            out.write(f"{err}\n")
        out.write(f"{len(exc.errors)} problem(s) found in {settings.kb_path}\n")
        return 1
    out.write(f"OK: {len(kb.entries)} entries in {len(kb.categories)} categories, "
              f"{sum(len(e.alternates) for e in kb.entries)} alternates ({settings.kb_path})\n")
    return 0


def _settings_for(args: argparse.Namespace) -> Settings:
    return load_settings(kb_flag=getattr(args, "kb", None))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; the only place that turns failures into exit codes."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.core.loader import KBValidationError

    try:
        settings = _settings_for(args)
        # every command says which knowledge base it reads (on stderr, so stdout stays clean for pipes and --json)
        print(f"xinzhi: knowledge base {settings.kb_path} (from {settings.kb_source})", file=sys.stderr)
        return int(args.func(args, settings) or 0)
    except BrokenPipeError:  # `xinzhi kb lint | head -1`: the reader left; stop quietly
        _silence_stdout()
        return 0
    except ConfigError as exc:
        print(f"xinzhi: {exc}", file=sys.stderr)
        return 2
    except KBValidationError as exc:
        print(f"xinzhi: the knowledge base has {len(exc.errors)} problem(s):", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise BrokenPipeError again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def entry_point() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = 0
    sys.exit(code)
