"""Build the Starlette ASGI app: the JSON API, the chat page, limits, bearer token and security headers."""
from __future__ import annotations

import dataclasses

import hmac
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import XinZhi
from bot.core import texts
from bot.core.calc import Figures
from bot.core.conversation import State
from bot.core.model import Reply
from bot.web import render
from bot.web.limits import ClientRateLimiter
from bot.web.openapi import OPENAPI
from bot.web.tokens import ContextSigner, ForgedContext

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("bot.web.access")

STATIC_DIR = Path(__file__).resolve().parent / "static"
CHANNEL = "web"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
KNOWN_PATHS = ("/api/v1/ask", "/api/v1/feedback", "/api/v1/topics", "/api/v1/entries/", "/healthz",
               "/openapi.json", "/static/", "/")


class BodyTooLarge(Exception):
    """The request body is over the cap."""


def converse(app: XinZhi, context: dict[str, Any], text: str) -> tuple[Reply, dict[str, Any]]:
    """Turn (context, text) into (reply, new context): the ONE place the web channel touches conversation state.

    The core's conversation State travels inside the signed token, so the server keeps nothing per user.
    A context that does not fit the State (an older release) quietly starts a fresh conversation.
    """
    reply, state = app.reply(state_from_context(context), text, CHANNEL)
    return reply, state_to_context(state)


def state_to_context(state: State) -> dict[str, Any]:
    """The JSON-able form of a conversation State (it goes into the signed token)."""
    data = dataclasses.asdict(state)
    data["choices"] = list(state.choices)
    return {k: v for k, v in data.items() if v not in (None, "", [], False)}  # small tokens: defaults left out


def state_from_context(context: dict[str, Any]) -> State:
    """Rebuild a State from a verified token's payload; anything malformed gives a fresh State."""
    try:
        pending = context.get("pending")
        return State(
            entry=context.get("entry") if isinstance(context.get("entry"), str) else None,
            topic=str(context.get("topic") or ""),
            choices=tuple(str(c) for c in context.get("choices") or ()),
            picks=context.get("picks") is True,
            query=str(context.get("query") or ""),
            pending=Figures(**pending) if isinstance(pending, dict) else None,
        )
    except (TypeError, ValueError, AttributeError):
        return State()


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _log_path(path: str) -> str:
    """The path as logged: known routes only (an unknown path could carry user text)."""
    if path.startswith("/api/v1/entries/"):
        return "/api/v1/entries/{id}"
    if path.startswith("/static/"):
        return path if path.isascii() and len(path) < 64 else "/static/…"
    return path if path in KNOWN_PATHS else "(other)"


class Guard:
    """Pure ASGI middleware: security headers, body cap, bearer token, rate limit and a body-free access log."""

    def __init__(self, app: ASGIApp, *, max_body: int, limiter: ClientRateLimiter, api_token: str):
        self.app = app
        self.max_body = max_body
        self.limiter = limiter
        self.api_token = api_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        try:
            response = self._refuse(scope)
            if response is not None:
                await response(scope, receive, send_with_headers)
            else:
                await self.app(scope, self._capped(receive), send_with_headers)
        finally:
            access_logger.info("%s %s %s %.1fms", scope.get("method"), _log_path(scope.get("path", "")),
                               status["code"], (time.perf_counter() - started) * 1000)

    def _refuse(self, scope: Scope) -> Response | None:
        path: str = scope.get("path", "")
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_body:
            return _error(413, "too_large", f"请求太大了(上限 {self.max_body} 字节)。")
        if not path.startswith("/api/") or scope.get("method") == "OPTIONS":
            return None
        if self.api_token:
            given = headers.get(b"authorization", b"").decode("latin-1")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.api_token}".encode()):
                return _error(401, "unauthorized", "需要有效的 API 令牌。", {"WWW-Authenticate": "Bearer"})
        client = scope.get("client")
        allowed, wait = self.limiter.allow(client[0] if client else "")
        if not allowed:
            return _error(429, "rate_limited", texts.RATE_LIMITED, {"Retry-After": str(wait)})
        return None

    def _capped(self, receive: Receive) -> Receive:
        seen = {"bytes": 0}

        async def capped() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > self.max_body:
                    raise BodyTooLarge()
            return message

        return capped


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.body()
    except BodyTooLarge:
        raise _Reject(_error(413, "too_large", "请求太大了。"))
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _Reject(_error(400, "bad_json", "请求不是有效的 JSON。"))
    if not isinstance(data, dict):
        raise _Reject(_error(400, "bad_json", "请求应是一个 JSON 对象。"))
    return data


class _Reject(Exception):
    def __init__(self, response: Response):
        self.response = response


def build_app(xz: XinZhi) -> Starlette:
    """Wire routes and middleware around one XinZhi facade (the only thing the web channel calls)."""
    web = xz.settings.web
    secret = web.secret or os.urandom(32).hex()  # unset: tokens only survive this process (fine for one replica)
    signer = ContextSigner(secret, web.context_max_age)
    limiter = ClientRateLimiter(web.rate_limit_per_minute, secret)
    page = _page()

    async def ask(request: Request) -> Response:
        try:
            data = await _json_body(request)
            try:
                context = signer.loads(data.get("context"))
            except ForgedContext:
                return _error(400, "bad_context", "对话状态无效,请刷新页面后重新提问。")
            entry_id, text = data.get("entry"), data.get("text")
            if entry_id is not None:
                if not isinstance(entry_id, str):
                    return _error(422, "bad_entry", "entry 应是问题编号。")
                reply = await run_in_threadpool(xz.open, entry_id, CHANNEL, data.get("picked") is True)
                if reply is None:
                    return _error(404, "not_found", texts.ENTRY_GONE)
            else:
                if not isinstance(text, str):
                    return _error(422, "bad_text", "请用 text 字段发送文字问题。")
                if len(text) > web.max_text_chars:
                    return _error(422, "text_too_long", f"问题太长了,请用 {web.max_text_chars} 字以内描述。")
                # the core is quick, but a log write (PostgreSQL) must not stall the event loop
                reply, context = await run_in_threadpool(converse, xz, context, text)
        except _Reject as rej:
            return rej.response
        if reply is None:
            return _error(404, "not_found", texts.ENTRY_GONE)
        body = render.reply_json(reply)
        body["context"] = signer.dumps(context)
        return JSONResponse(body)

    async def feedback(request: Request) -> Response:
        try:
            data = await _json_body(request)
        except _Reject as rej:
            return rej.response
        entry_id, helpful = data.get("entry"), data.get("helpful")
        if not isinstance(entry_id, str) or not isinstance(helpful, bool):
            return _error(422, "bad_feedback", "需要 entry(问题编号)和 helpful(true/false)。")
        if not await run_in_threadpool(xz.feedback, entry_id, helpful, CHANNEL):
            return _error(404, "not_found", texts.ENTRY_GONE)
        return JSONResponse({"ok": True, "message": texts.FEEDBACK_THANKS})

    async def topics(request: Request) -> Response:
        return JSONResponse(render.topics_json(xz.kb))

    async def entry(request: Request) -> Response:
        found = xz.kb.get(request.path_params["entry_id"])
        if found is None:
            return _error(404, "not_found", texts.ENTRY_GONE)
        body = render.entry_json(found)
        body["related"] = [render.link(e) for e in (xz.kb.get(r) for r in found.related) if e is not None]
        return JSONResponse(body)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "entries": len(xz.kb.entries)})

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/api/v1/ask", ask, methods=["POST"]),
        Route("/api/v1/feedback", feedback, methods=["POST"]),
        Route("/api/v1/topics", topics, methods=["GET"]),
        Route("/api/v1/entries/{entry_id}", entry, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [Middleware(Guard, max_body=web.max_body_bytes, limiter=limiter, api_token=web.api_token)]
    if web.cors_origins:  # off by default: only listed origins may call the API from a browser
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(web.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]))
    return Starlette(routes=routes, middleware=middleware)


def _page() -> str:
    """The chat page with the disclaimer and help lines filled in (escaped) once at start-up."""
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    help_line = texts.HELP.strip().splitlines()[-1]
    return (template.replace("{{DISCLAIMER}}", render.esc(texts.DISCLAIMER))
            .replace("{{HELP_LINE}}", render.esc(help_line)))
