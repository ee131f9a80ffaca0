"""Chat with XinZhi in a terminal, or answer piped questions line by line, with the same decisions as Telegram."""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import os
import shutil
import sys
import threading
import unicodedata
from dataclasses import dataclass
from typing import Callable, TextIO

from bot.core import markup, texts
from bot.app import ReloadResult, XinZhi
from bot.config import ConfigError, Settings
from bot.core.conversation import State, ordinal
from bot.core.model import Entry, Reply, Outcome
from bot.console.render import render_chat_json, render_reply, reply_kind
from bot.console.termwrap import strip_controls, wrap
from bot.notice import announce_training
from bot.storage import open_event_log

logger = logging.getLogger(__name__)

CHANNEL = "console"
MAX_WIDTH = 100  # long lines of Chinese are hard to read even on a wide terminal
MAX_LINE_CHARS = 4096  # one input line; the core reads far less (`xinzhi chat < /dev/zero` must not eat memory)
SKIP_CHUNK = 65536  # the rest of an over-long line is read and thrown away in pieces this big
QUIT = {"/quit", "/exit", "/q", "/bye"}
QUIT_WORDS = {"退出", "exit", "quit"}  # a whole line of just one of these also ends the chat (no KB question is one word)
GOOD = {"+", "👍", "/good"}
BAD = {"-", "👎", "/bad"}
_SESSIONS = itertools.count(1)  # one conversation state per session, kept in app.conversations (memory)

BOLD, DIM, CYAN, YELLOW, RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[0m"


# --- rendering -----------------------------------------------------------------------------------

def colourize(text: str, reply: Reply | None = None) -> str:
    """Add ANSI styles to plain console text: the title and bold phrases, labels, choice numbers, disclaimer."""
    bold_phrases: list[str] = []
    if reply is not None and reply.entry is not None:
        for para in markup.parse(reply.entry.answer):
            for para_line in para.lines:
                bold_phrases += [t for t, is_bold in markup.spans(para_line.text) if is_bold and t.strip()]
    out: list[str] = []
    in_choices = False
    for row in text.split("\n"):
        line: str = row
        if line in (texts.SUGGEST_INTRO, texts.RELATED_INTRO):
            in_choices = True
            out.append(YELLOW + BOLD + line + RESET)
            continue
        if not line.strip():
            in_choices = False
        if line.startswith("【") and line.endswith("】"):
            line = BOLD + line + RESET
        elif line.startswith(texts.SOURCES_LABEL):
            line = BOLD + texts.SOURCES_LABEL + RESET + DIM + line[len(texts.SOURCES_LABEL):] + RESET
        elif line == texts.DISCLAIMER:
            line = DIM + line + RESET
        elif in_choices and (m := markup.NUMBERED_RE.match(line)):
            line = f"{CYAN}{BOLD}{m.group(1)}.{RESET} {m.group(2)}"
        else:
            for phrase in sorted(set(bold_phrases), key=len, reverse=True):
                if phrase in line:
                    line = line.replace(phrase, BOLD + phrase + RESET)
        out.append(line)
    return "\n".join(out)


def render_console(reply: Reply, width: int | None = None, colour: bool = False) -> str:
    """The reply as the console shows it: the shared plain-text rendering, coloured and wrapped."""
    text = strip_controls(render_reply(reply))  # KB text is checked on load; belt and braces for the terminal
    return wrap(colourize(text, reply) if colour else text, width)


# --- the session ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choices:
    """What the numbers on screen mean for the browser: 'topic' entries or 'category' names.

    Numbers under an answer or a "did you mean" list are the conversation state's (bot.core.conversation).
    """

    kind: str
    items: tuple[object, ...]


class StreamReader:
    """Read lines of at most `limit` characters from a stream; print the prompt only in an interactive session.

    The rest of an over-long line is skipped in bounded chunks, so memory stays bounded whatever comes in.
    """

    def __init__(self, stdin: TextIO, stdout: TextIO, prompt: str | None, limit: int = MAX_LINE_CHARS):
        self.stdin, self.stdout, self.prompt, self.limit = stdin, stdout, prompt, limit

    def __call__(self) -> str:
        if self.prompt:
            self.stdout.write(self.prompt)
            self.stdout.flush()
        line = self.stdin.readline(self.limit)
        if not line:
            raise EOFError
        if len(line) >= self.limit and not line.endswith("\n"):
            while (rest := self.stdin.readline(SKIP_CHUNK)) and not rest.endswith("\n"):
                pass
        return line.rstrip("\r\n")


class ChatSession:
    """One conversation: read a line, answer it, remember what the numbers on screen refer to."""

    def __init__(self, app: XinZhi, stdin: TextIO, stdout: TextIO, interactive: bool = False,
                 width: int | None = None, colour: bool = False,
                 reader: Callable[[], str] | None = None, as_json: bool = False):
        self.app = app
        self.out = stdout
        self.interactive = interactive and not as_json
        self.width = None if as_json else width
        self.colour = colour and not as_json
        self.as_json = as_json
        self.read = reader or StreamReader(stdin, stdout, texts.CONSOLE_PROMPT if self.interactive else None)
        self.choices = Choices("none", ())
        self.last_entry: Entry | None = None  # the answer + and - would rate (None once rated)
        self.last_reply: Reply | None = None
        self.key = ("console", next(_SESSIONS))
        self._said: list[str] = []  # what this line showed, for --json
        self._kind = "info"
        self._rated = False  # the last answer was rated already
        self._write_lock = threading.Lock()  # the watcher thread reports reloads while we answer

    @property
    def state(self) -> State:
        """This session's conversation state (forgotten after the app's TTL, never stored)."""
        return self.app.conversations.get(self.key)

    @state.setter
    def state(self, value: State) -> None:
        self.app.conversations.put(self.key, value)

    # output
    def say(self, text: str) -> None:
        if self.as_json:
            self._said.append(text)
            return
        block = wrap(text, self.width) + "\n\n"
        with self._write_lock:
            self.out.write(block)
            self.out.flush()

    def hint(self, text: str) -> None:
        """Guidance for a person at the keyboard; scripts reading piped output don't get it."""
        if self.interactive:
            self.say(DIM + text + RESET if self.colour else text)

    def notify_reload(self, result: ReloadResult) -> None:
        """Report a hot reload (called from the watcher thread)."""
        self.say("\n" + strip_controls(result.summary()))  # file names come from disk

    # loop
    def run(self) -> int:
        """Answer lines until /quit or end of input; return the exit status."""
        if self.interactive:
            self.say(texts.WELCOME)
            self.hint(texts.CONSOLE_START_HINT)
        while True:
            try:
                line = self.read()
            except EOFError:  # Ctrl-D or end of the piped input
                if self.interactive:
                    self.out.write("\n")
                    self.say(texts.CONSOLE_BYE)
                return 0
            except KeyboardInterrupt:  # Ctrl-C cancels the line being typed
                if not self.interactive:
                    return 130
                self.out.write("\n")
                continue
            try:
                if not self.handle(line[:MAX_LINE_CHARS]):
                    return 0
            except KeyboardInterrupt:
                if not self.interactive:
                    return 130
                self.out.write("\n")
            except BrokenPipeError:
                raise
            except Exception as exc:  # one bad line must not end the conversation
                logger.error("console: could not handle a line (%s)", type(exc).__name__)  # never the text
                self.say(texts.GENERIC_ERROR)

    def handle(self, line: str) -> bool:
        """Act on one line (with --json, print one JSON object for it); False means the user asked to quit."""
        self._said, self._kind, self.last_reply = [], "info", None
        try:
            return self._handle(line)
        finally:
            if self.as_json:
                obj = render_chat_json(self.last_reply, self._kind, "\n\n".join(self._said))
                with self._write_lock:
                    self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
                    self.out.flush()

    def _handle(self, line: str) -> bool:
        text = line.strip()
        if not text:
            self._kind = "empty"
            return True
        folded = unicodedata.normalize("NFKC", text)
        command = folded.split()[0].lower() if folded.startswith("/") else ""
        if command in QUIT or folded.strip("。.!！ ").lower() in QUIT_WORDS:
            self._kind = "quit"
            if self.interactive:
                self.say(texts.CONSOLE_BYE)
            return False
        state = self.state
        if command:
            self._kind = "command"
            self.last_entry, self._rated = None, False  # "+" after /help rates nothing
            self.command(command)
        elif folded in GOOD or folded in BAD:
            self._kind = "feedback"
            self.rate(folded in GOOD)
        elif (number := self._number(folded)) is not None and self.choices.items:
            self.pick(number)
        elif state.picks and state.choices and (folded == texts.NONE_OF_THESE
                                                or self._number(folded) == len(state.choices) + 1):
            self._kind = "none"
            self.last_entry = None
            self.state = self.app.none_of_these(state, CHANNEL)
            self.say(texts.NONE_OF_THESE_REPLY)
        elif (number := ordinal(folded)) is not None and state.choices and not 1 <= number <= len(state.choices):
            self._kind = "info"
            self.say(texts.CONSOLE_NO_CHOICE.format(number=number, n=len(state.choices)))
        else:
            reply, self.state = self.app.reply(state, text, CHANNEL)
            self.answer(reply)
        return True

    @staticmethod
    def _number(text: str) -> int | None:
        digits = text.rstrip(".、)").strip()
        return int(digits) if digits.isdecimal() and len(digits) <= 3 else None

    def command(self, command: str) -> None:
        if command in ("/help", "/h", "/?"):
            self.say(texts.HELP + "\n\n" + texts.CONSOLE_HELP)
        elif command == "/start":
            self.say(texts.WELCOME)
        elif command == "/topics":
            self.show_categories()
        elif command == "/about":
            self.say(texts.ABOUT)
        elif command == "/privacy":
            self.say(texts.PRIVACY)
        elif command == "/reload":
            self.say(strip_controls(self.app.reload().summary()))  # file names come from disk
        else:
            self.say(texts.CONSOLE_UNKNOWN_COMMAND.format(command=strip_controls(command)[:80]))

    def answer(self, reply: Reply) -> None:
        """Show a reply; the numbers on screen now refer to the conversation state's choices."""
        self.last_reply, self._kind = reply, reply_kind(reply)
        self.say(render_console(reply, None, self.colour).rstrip("\n"))
        self.choices = Choices("none", ())
        self._rated = False
        shown = len(reply.followups) + len(reply.related)
        if reply.kind is Outcome.ANSWER and reply.entry is not None:
            self.last_entry = reply.entry
            self.hint(texts.CONSOLE_ANSWER_HINT.format(n=shown) if shown else texts.CONSOLE_RATE_HINT)
        elif reply.kind is Outcome.SUGGEST:
            self.last_entry = None
            self.hint(texts.CONSOLE_PICK_HINT.format(n=len(reply.suggestions)))
        else:
            self.last_entry = None

    def pick(self, number: int) -> None:
        items = self.choices.items
        if not 1 <= number <= len(items):
            self.say(texts.CONSOLE_NO_CHOICE.format(number=number, n=len(items)))
            return
        item = items[number - 1]
        if self.choices.kind == "category":
            self.show_category(str(item))
            return
        entry_id = item.id if isinstance(item, Entry) else str(item)
        # the KB may have been reloaded since the list was shown
        reply = self.app.open(entry_id, CHANNEL)
        if reply is None or reply.entry is None:
            self.say(texts.ENTRY_GONE)
            self.choices = Choices("none", ())
            return
        state = self.state
        self.state = State(reply.entry.id, reply.entry.question, tuple(e.id for e in reply.related),
                           pending=None) if reply.entry else state
        self.answer(reply)

    def rate(self, positive: bool) -> None:
        """Rate the last answer once: a second + or - changes nothing; after 👎 offer related questions and help."""
        rated = self.last_reply
        if self.last_entry is None:
            self.say(texts.ALREADY_RATED if self._rated else texts.CONSOLE_NOTHING_TO_RATE)
            return
        entry = self.last_entry
        if not self.app.feedback(entry.id, positive, CHANNEL):
            self.say(texts.CONSOLE_NOTHING_TO_RATE)
            return
        self.last_entry, self._rated = None, True
        self.last_reply = rated
        if positive:
            self.say(texts.FEEDBACK_THANKS)
            return
        related = [self.app.kb.get(i) for i in self.state.choices]
        lines = [f"{i}. {e.question}" for i, e in enumerate(related, start=1) if e is not None]
        self.say("\n\n".join([texts.FEEDBACK_THANKS + texts.AFTER_DOWN, *(["\n".join(lines)] if lines else []),
                               texts.HELP_LINES]))

    def show_categories(self) -> None:
        kb = self.app.kb
        cats = kb.categories
        lines = [f"{i}. {c}({len(kb.in_category(c))})" for i, c in enumerate(cats, start=1)]
        self._show_list(texts.CONSOLE_TOPICS, lines)
        self.choices = Choices("category", cats)
        self.last_entry = None
        self.hint(texts.CONSOLE_CATEGORY_HINT)

    def show_category(self, category: str) -> None:
        entries = self.app.kb.in_category(category)
        self._show_list(f"{category}:", [f"{i}. {e.question}" for i, e in enumerate(entries, start=1)])
        self.choices = Choices("topic", entries)
        self.last_entry = None
        self.hint(texts.CONSOLE_TOPIC_HINT)

    def _show_list(self, title: str, lines: list[str]) -> None:
        title, lines = strip_controls(title), [strip_controls(ln) for ln in lines]
        if self.colour:
            title = YELLOW + BOLD + title + RESET
            lines = [CYAN + BOLD + ln.replace(". ", "." + RESET + " ", 1) for ln in lines]
        self.say(title + "\n" + "\n".join(lines))


# --- wiring --------------------------------------------------------------------------------------

def terminal_width(stream: TextIO) -> int | None:
    """Wrap to the terminal; piped output is not wrapped unless $COLUMNS asks for it."""
    if stream.isatty():
        return min(shutil.get_terminal_size().columns, MAX_WIDTH)
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def wants_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _prompt_reader(colour: bool) -> Callable[[], str]:
    """Line editing and in-memory history (nothing typed is written to disk)."""
    try:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.formatted_text import ANSI
        from prompt_toolkit.history import InMemoryHistory
    except ImportError:  # fall back to GNU readline through input()
        import readline  # noqa: F401  (importing it enables editing and history for input())

        prompt = f"\001{BOLD}\002{texts.CONSOLE_PROMPT}\001{RESET}\002" if colour else texts.CONSOLE_PROMPT
        return lambda: input(prompt)
    session: PromptSession[str] = PromptSession(history=InMemoryHistory())
    prompt_text = ANSI(BOLD + texts.CONSOLE_PROMPT + RESET if colour else texts.CONSOLE_PROMPT)
    return lambda: session.prompt(prompt_text)


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`xinzhi chat`: interactive when both ends are a terminal, otherwise answer each input line."""
    log = open_event_log(settings)
    try:
        app = XinZhi(settings, log=log, on_train=announce_training)
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        if getattr(args, "json", False) or not interactive:
            return _run_piped(app, as_json=bool(getattr(args, "json", False)))
        return _run_terminal(app)
    finally:
        if log is not None:
            log.close()


def _run_piped(app: XinZhi, as_json: bool = False) -> int:
    session = ChatSession(app, sys.stdin, sys.stdout, interactive=False, width=terminal_width(sys.stdout),
                          colour=wants_colour(sys.stdout), as_json=as_json)
    try:
        return session.run()
    except BrokenPipeError:  # `xinzhi chat < questions.txt | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _stdout_guard() -> contextlib.AbstractContextManager[object]:
    """Let the watcher thread print above prompt_toolkit's prompt instead of through it."""
    try:
        from prompt_toolkit.patch_stdout import patch_stdout
    except ImportError:
        return contextlib.nullcontext()
    return patch_stdout(raw=True)


def _run_terminal(app: XinZhi) -> int:
    from bot.watch import watch_app

    colour = wants_colour(sys.stdout)
    width = terminal_width(sys.stdout)
    reader = _prompt_reader(colour)
    with _stdout_guard():
        session = ChatSession(app, sys.stdin, sys.stdout, interactive=True, width=width, colour=colour, reader=reader)
        watcher = watch_app(app, session.notify_reload).start()
        try:
            return session.run()
        finally:
            watcher.stop()
