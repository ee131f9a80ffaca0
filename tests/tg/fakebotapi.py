"""Stand in for api.telegram.org on 127.0.0.1 so the real python-telegram-bot stack can be tested end to end.

It speaks the Bot API over HTTP (form-encoded requests, JSON answers), keeps a queue of updates for
getUpdates long polling, records every call, checks what Telegram would reject (bad HTML, messages over
4096 characters, callback data over 64 bytes) and can inject faults: an HTTP error, a 429 with
retry_after (per chat with `when=`), a request that hangs, a dropped connection, an update the
library cannot parse (`push_poisoned`) and a repeated update_id (`repeat`). `confirmed` is the
highest offset the bot confirmed, so a test can tell fetched-and-lost from never-fetched.
"""
from __future__ import annotations

import copy
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

JSON_FIELDS = {"reply_markup", "results", "commands", "allowed_updates", "link_preview_options", "scope",
               "reply_parameters", "button", "entities", "input_message_content"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id", "cache_time"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                "span", "blockquote", "tg-emoji"}
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Parse like Telegram's HTML mode: known tags only, balanced, entities escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.error = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f"Unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = self.error or f"Unmatched end tag \"{tag}\""

    def handle_data(self, data: str) -> None:
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.error = self.error or f"Unsupported HTML entity \"&{name};\""
        self.visible.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.visible.append(html.unescape(f"&#{name};"))


def check_html(text: str) -> tuple[str, int]:
    """(error or "", visible length in UTF-16 units) of an HTML parse-mode text."""
    if re.search(r"<(?![a-zA-Z/])", text):
        return "Can't find end of the entity: unescaped \"<\"", 0
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        return "Can't parse entities: unescaped \"&\"", 0
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if not parser.error and parser.stack:
        parser.error = f"Can't find end tag corresponding to start tag \"{parser.stack[-1]}\""
    return parser.error, utf16_len("".join(parser.visible))


def _entities(text: str) -> list[dict]:
    """The entities Telegram would attach: a leading /command and @mentions (offsets in UTF-16)."""
    found = []
    if m := re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text):
        found.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group())})
    for m in re.finditer(r"@[A-Za-z][A-Za-z0-9_]{4,31}", text):
        if m.start() == 0 or text[m.start() - 1] not in "/abcdefghijklmnopqrstuvwxyz0123456789_":
            found.append({"type": "mention", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())})
    return found


@dataclass
class Call:
    """One Bot API request the bot made."""

    seq: int
    method: str
    params: dict[str, Any]
    token: str
    status: int | str = "pending"  # HTTP status, "hang", "drop" or "pending"
    result: Any = None


@dataclass
class Fault:
    """Make the next `times` matching calls fail: status 500/429/…, "drop" the connection, or hang until the server stops."""

    method: str
    status: int | str
    times: int = 1
    retry_after: int | None = None
    when: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class Event:
    """One line of the conversation, for transcripts."""

    who: str  # "user", "bot", "edit" (bot edited a message) or "toast" (callback answer)
    chat_id: int
    text: str
    buttons: list[list[str]] = field(default_factory=list)


class FakeBotAPI:
    """A local Bot API server. Use as a context manager; `base_url` goes to TELEGRAM_BASE_URL."""

    def __init__(self, token: str, *, bot_id: int = 7000001, username: str = "xinzhi_test_bot",
                 long_poll_cap: float = 0.5):
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "信知", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
        self.long_poll_cap = long_poll_cap
        self.calls: list[Call] = []
        self.rejected: list[tuple[Call, str]] = []  # requests real Telegram would refuse (bugs in the bot)
        self.events: list[Event] = []
        self.commands: list[dict] = []
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict] = []
        self._messages: dict[tuple[int, int], dict] = {}
        self._chats: dict[int, dict] = {}
        self._query_chats: dict[str, int] = {}
        self._faults: list[Fault] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self.confirmed = 0
        self.delivered: list[dict] = []  # every update ever queued, for repeat()  # getUpdates offset: every update below it was confirmed by the bot
        self._released = threading.Event()
        self._unhang = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeBotAPI":
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._unhang.set()
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FakeBotAPI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- users' side -----------------------------------------------------------------------------
    def user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}", "language_code": "zh-hans"}

    def _chat(self, chat_id: int, chat_type: str) -> dict:
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": f"用户{chat_id}"} if chat_type == "private" else {"title": "债务互助群"})
        self._chats[chat_id] = chat
        return chat

    def push(self, **payload: Any) -> int:
        """Queue a raw update (e.g. push(message={...})); returns its update_id."""
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **payload})
            self.delivered.append(copy.deepcopy(self._updates[-1]))
            self._cond.notify_all()
        return update_id

    def push_poisoned(self, text: str, *, user: int = 1001) -> int:
        """Queue an update python-telegram-bot cannot parse (a message whose chat is not an object)."""
        return self.push(message={"message_id": next(self._ids), "date": int(time.time()), "chat": "poison",
                                  "from": self.user(user), "text": text})

    def repeat(self, update_id: int) -> int:
        """Deliver an already delivered update again (as a webhook retry would); returns its update_id."""
        with self._cond:
            original = next(u for u in self.delivered if u["update_id"] == update_id)
            self._updates.append(copy.deepcopy(original))
            self._cond.notify_all()
        return update_id

    def send(self, text: str | None = None, *, user: int = 1001, chat: int | None = None,
             chat_type: str = "private", reply_to: dict | None = None, **fields: Any) -> dict:
        """A user writes to the bot (text, or other fields such as sticker=…); returns the message."""
        chat_id = chat if chat is not None else user
        message: dict[str, Any] = {"message_id": next(self._ids), "date": int(time.time()),
                                   "chat": self._chat(chat_id, chat_type), "from": self.user(user), **fields}
        if text is not None:
            message["text"] = text
            if entities := _entities(text):
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        with self._cond:
            self.events.append(Event("user", chat_id, text if text is not None else f"[{next(iter(fields), '?')}]"))
        self.push(message=message)
        return message

    def tap(self, message: dict, data: str, *, user: int | None = None) -> str:
        """A user presses an inline button (by its callback data) under a bot message."""
        chat = message["chat"]
        query_id = f"cq{next(self._ids)}"
        who = user if user is not None else chat["id"]
        with self._cond:
            label = next((b["text"] for row in self.buttons(message) for b in row if b.get("callback_data") == data), data)
            self.events.append(Event("user", chat["id"], f"[按下 {label}]"))
            self._query_chats[query_id] = chat["id"]
        self.push(callback_query={"id": query_id, "from": self.user(who), "message": message,
                                  "chat_instance": f"ci{chat['id']}", "data": data})
        return query_id

    def inline(self, query: str, *, user: int = 1001) -> str:
        """A user types `@bot query` in some chat."""
        query_id = f"iq{next(self._ids)}"
        self.push(inline_query={"id": query_id, "from": self.user(user), "query": query, "offset": "",
                                "chat_type": "sender"})
        return query_id

    # --- faults ----------------------------------------------------------------------------------
    def fail(self, method: str, status: int = 500, *, times: int = 1, retry_after: int | None = None,
             when: Callable[[dict[str, Any]], bool] | None = None) -> None:
        with self._cond:
            self._faults.append(Fault(method, status, times, retry_after, when))

    def hang(self, method: str, *, times: int = 1, when: Callable[[dict[str, Any]], bool] | None = None) -> None:
        with self._cond:
            self._faults.append(Fault(method, "hang", times, None, when))

    def release(self) -> None:
        """End every hanging request now and drop the remaining faults (the network is healthy again)."""
        with self._cond:
            self._faults.clear()
            self._cond.notify_all()
        self._unhang.set()

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.times > 0 and (fault.when is None or fault.when(params)):
                fault.times -= 1
                return fault
        return None

    # --- observing the bot -----------------------------------------------------------------------
    def find(self, method: str | None = None, *, status: int | str | None = None, **where: Any) -> list[Call]:
        """Calls so far of `method` (any if None) with `status` (any if None) and these parameters."""
        with self._cond:
            return [c for c in self.calls
                    if (method is None or c.method == method) and (status is None or c.status == status)
                    and all(c.params.get(k) == v for k, v in where.items())]

    def wait(self, method: str, count: int = 1, *, timeout: float = 10.0, status: int | str | None = 200,
             **where: Any) -> list[Call]:
        """Block until at least `count` matching calls got `status` (None: any, even still pending); return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls
                         if c.method == method and (status is None or c.status == status)
                         and all(c.params.get(k) == v for k, v in where.items())]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {count} × {method} {where}; "
                                         f"saw {[(c.method, c.status) for c in self.calls[-12:]]}")
                self._cond.wait(left)

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Messages the bot successfully sent (as Telegram stored them), oldest first."""
        calls = self.find("sendMessage", status=200) if chat_id is None else \
            self.find("sendMessage", status=200, chat_id=chat_id)
        return [c.result for c in calls]

    def texts(self, chat_id: int) -> list[str]:
        """The HTML text of every message the bot sent to a chat."""
        return [m["html"] for m in self.sent(chat_id)]

    def wait_texts(self, chat_id: int, count: int, timeout: float = 10.0) -> list[str]:
        self.wait("sendMessage", count, chat_id=chat_id, timeout=timeout)
        return self.texts(chat_id)

    def message(self, chat_id: int, message_id: int) -> dict:
        """A snapshot of a bot message as it is now (after edits)."""
        with self._cond:
            return copy.deepcopy(self._messages[(chat_id, message_id)])

    @staticmethod
    def buttons(message: dict) -> list[list[dict]]:
        return (message.get("reply_markup") or {}).get("inline_keyboard", [])

    # --- conversation helpers --------------------------------------------------------------------
    def exchange(self, text: str | None, *, user: int = 1001, chat: int | None = None, expect: int = 1,
                 timeout: float = 10.0, **fields: Any) -> list[dict]:
        """A user sends a message; wait for `expect` new bot messages in that chat and return them."""
        chat_id = chat if chat is not None else user
        before = len(self.sent(chat_id))
        self.send(text, user=user, chat=chat, **fields)
        self.wait("sendMessage", before + expect, chat_id=chat_id, timeout=timeout)
        return self.sent(chat_id)[before:]

    def press(self, message: dict, data: str, *, user: int | None = None) -> str:
        """Press a button under a bot message and wait until the bot answered the callback query."""
        query_id = self.tap(message, data, user=user)
        self.wait("answerCallbackQuery", callback_query_id=query_id)
        return query_id

    def settle(self, *, user: int = 1001, chat: int | None = None, chat_type: str = "private",
               marker: str = "/privacy", marker_text: str | None = None) -> None:
        """Wait until every earlier update of this chat was handled (one chat's updates run in order).

        Sends `marker` and waits for a reply containing `marker_text` beyond those already sent.
        """
        from bot.core import texts

        chat_id = chat if chat is not None else user
        needle = html.escape(marker_text or texts.PRIVACY[:12], quote=False)

        before = sum(needle in m["html"] for m in self.sent(chat_id))
        self.send(marker, user=user, chat=chat, chat_type=chat_type)
        deadline = time.monotonic() + 10
        with self._cond:
            while True:
                if sum(needle in m.result["html"] for m in self.calls
                       if m.method == "sendMessage" and m.status == 200 and m.params.get("chat_id") == chat_id) > before:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("chat did not settle")
                self._cond.wait(left)

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    def transcript(self, chat_id: int) -> str:
        """The conversation as a user would see it, for documentation."""
        lines = []
        with self._cond:
            events = [e for e in self.events if e.chat_id == chat_id]
        for e in events:
            if e.who == "user":
                lines.append(f"👤 {e.text}")
                continue
            if e.who == "toast":
                lines.append(f"   (提示:{e.text})")
                continue
            body = html.unescape(re.sub(r"<[^>]+>", "", e.text))
            lines.append(("🤖 " if e.who == "bot" else "🤖 (修改上一条) ") + body.replace("\n", "\n   "))
            for row in e.buttons:
                lines.append("   " + "  ".join(f"[{label}]" for label in row))
        return "\n".join(lines)

    # --- Bot API ---------------------------------------------------------------------------------
    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int | str, dict]:
        """Answer one request: (HTTP status or "hang", JSON body)."""
        with self._cond:
            call = Call(len(self.calls), method, params, token)
            self.calls.append(call)
            self._cond.notify_all()
        status, body = self._answer(call)
        with self._cond:
            call.status = status
            call.result = body.get("result")
            self._cond.notify_all()
        return status, body

    def _answer(self, call: Call) -> tuple[int | str, dict]:
        if call.token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._cond:
            fault = self._take_fault(call.method, call.params)
        if fault is None and call.method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(call.params)}
        if fault is not None and fault.status == "drop":
            return "drop", {}
        if fault is not None and fault.status == "hang":
            with self._cond:
                call.status = "hang"
                self._cond.notify_all()
            self._unhang.wait(30)
            return "hang", {"ok": False, "error_code": 504, "description": "hung"}
        if fault is not None:
            body: dict[str, Any] = {"ok": False, "error_code": fault.status,
                                    "description": "Internal Server Error" if fault.status >= 500 else "Error"}
            if fault.retry_after is not None:
                body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
                body["parameters"] = {"retry_after": fault.retry_after}
            return int(fault.status), body
        handler = getattr(self, "_api_" + call.method, None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        problem = self._validate(call)
        if problem:
            with self._cond:
                self.rejected.append((call, problem))
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        try:
            return 200, {"ok": True, "result": handler(call.params)}
        except _BadRequest as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}

    def _validate(self, call: Call) -> str:
        p = call.params
        if call.method in ("sendMessage", "editMessageText"):
            text = str(p.get("text", ""))
            if p.get("parse_mode") == "HTML":
                error, length = check_html(text)
                if error:
                    return f"can't parse entities: {error}"
            else:
                length = utf16_len(text)
            if not text.strip():
                return "message text is empty"
            if length > MAX_TEXT:
                return "message is too long"
        for row in (p.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    return "button text is empty"
                if len(str(button.get("callback_data", "")).encode("utf-8")) > MAX_CALLBACK_DATA:
                    return "BUTTON_DATA_INVALID"
        if call.method == "answerInlineQuery":
            results = p.get("results", [])
            if len(results) > 50 or len({r["id"] for r in results}) != len(results):
                return "RESULTS_TOO_MUCH or duplicate result ids"
            for r in results:
                if len(r["id"].encode("utf-8")) > 64:
                    return "RESULT_ID_INVALID"
                content = r.get("input_message_content", {})
                if content.get("parse_mode") == "HTML":
                    error, length = check_html(content.get("message_text", ""))
                    if error or length > MAX_TEXT:
                        return f"can't parse inline message: {error or 'too long'}"
        return ""

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        with self._cond:
            self.confirmed = max(self.confirmed, offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._released.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self._updates[:limit])

    def _store(self, chat_id: int, text: str, markup: Any, html_text: str) -> dict:
        chat = self._chats.get(chat_id) or {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat, "from": self.bot,
                   "text": text, "html": html_text}
        if markup:
            message["reply_markup"] = markup
        with self._cond:
            self._messages[(chat_id, message["message_id"])] = message
            self.events.append(Event("bot", chat_id, html_text, [[b["text"] for b in row] for row in self.buttons(message)]))
        return copy.deepcopy(message)

    @staticmethod
    def _visible(params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        return html.unescape(re.sub(r"<[^>]+>", "", text)) if params.get("parse_mode") == "HTML" else text

    def _api_getMe(self, params: dict) -> dict:
        return self.bot

    def _api_sendMessage(self, params: dict) -> dict:
        return self._store(int(params["chat_id"]), self._visible(params), params.get("reply_markup"), params["text"])

    def _api_editMessageText(self, params: dict) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            message = self._messages.get(key)
            if message is None:
                return True
            if message["html"] == params["text"] and message.get("reply_markup") == params.get("reply_markup"):
                raise _BadRequest("message is not modified")
            message.update(text=self._visible(params), html=params["text"])
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self.events.append(Event("edit", key[0], params["text"],
                                     [[b["text"] for b in row] for row in self.buttons(message)]))
            return copy.deepcopy(message)

    def _api_editMessageReplyMarkup(self, params: dict) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            message = self._messages.get(key)
            if message is None:
                return True
            message.pop("reply_markup", None)
            if params.get("reply_markup") and params["reply_markup"].get("inline_keyboard"):
                message["reply_markup"] = params["reply_markup"]
            return copy.deepcopy(message)

    def _api_setMyCommands(self, params: dict) -> bool:
        self.commands = params.get("commands", [])
        return True

    def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = dict(params)
        return True

    def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = {}
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _api_sendChatAction(self, params: dict) -> bool:
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        with self._cond:
            chat_id = self._query_chats.get(str(params.get("callback_query_id")))
            if params.get("text") and chat_id is not None:
                self.events.append(Event("toast", chat_id, params["text"]))
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        return True


class _BadRequest(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: FakeBotAPI

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self._serve()

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        match = re.fullmatch(r"/bot([^/]*)/(\w+)", self.path.split("?")[0])
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        params = _decode(raw, self.headers.get("Content-Type", ""))
        status, body = self.api.handle(match.group(1), match.group(2), params)
        if status in ("hang", "drop"):
            self.close_connection = True
            return
        self._reply(int(status), body)

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout) before we answered
            self.close_connection = True


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    params: dict[str, Any] = {}
    for key, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items():
        value: Any = values[-1]
        if key in JSON_FIELDS:
            value = json.loads(value)
        elif key in INT_FIELDS and re.fullmatch(r"-?\d+", value):
            value = int(value)
        params[key] = value
    return params
