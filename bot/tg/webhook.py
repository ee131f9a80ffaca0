"""Receive webhook updates: check the secret header before reading a byte of body, cap the body, skip poisoned updates.

PTB's own webhook server buffers bodies of up to 100 MB before it checks the secret, and logs a
whole update at CRITICAL when it cannot parse it. `GuardedUpdater` keeps PTB's run_webhook (signals,
stop_running, setWebhook bootstrap) and swaps in this server.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from types import TracebackType
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from telegram.ext import ExtBot, Updater

from bot.tg.dedupe import RecentIds
from bot.tg.intake import FETCH_LIMIT, Backlog, screen

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # bytes; Telegram updates are a few KB (a 4096-character message is under 20 KB)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POST one update: 403 without the right secret, 413 past MAX_BODY, 200 otherwise (a bad update is skipped)."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: ExtBot, queue: asyncio.Queue, secret: str, seen: RecentIds,
                   backlog: Backlog | None, max_body: int) -> None:
        self.bot, self.queue, self.secret, self.seen = bot, queue, secret, seen
        self.backlog, self.max_body = backlog, max_body
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        """Runs once the headers are in, before the body is read."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if self.secret and not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.request.connection.set_max_body_size(self.max_body)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_body:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.chunks.append(chunk)

    async def post(self) -> None:
        self.set_status(HTTPStatus.OK)
        try:
            data: Any = json.loads(b"".join(self.chunks))
        except ValueError:
            logger.warning("skipped a webhook body that is not JSON")
            return
        update = screen(data, self.bot, self.seen)
        if update is None:
            return
        if self.backlog is not None:  # Telegram waits for our answer: natural backpressure
            await self.backlog.wait_below(FETCH_LIMIT)
        self.bot.insert_callback_data(update)
        await self.queue.put(update)

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None,
                      tb: TracebackType | None) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            logger.error("webhook request failed: %s", typ.__name__ if typ else "?")


class QuietApplication(tornado.web.Application):
    """A tornado app that writes no access log (request lines are not ours to keep)."""

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Log nothing."""


class GuardedWebhookServer:
    """What PTB's Updater expects of its webhook server (serve_forever, shutdown), with body limits."""

    def __init__(self, listen: str, port: int, app: tornado.web.Application, max_body: int):
        self._server = HTTPServer(app, max_body_size=max_body, max_buffer_size=max_body * 4)
        self.listen, self.port = listen, port
        self.is_running = False

    async def serve_forever(self, ready: asyncio.Event | None = None) -> None:
        self._server.listen(self.port, address=self.listen)
        self.is_running = True
        if ready is not None:
            ready.set()

    async def shutdown(self) -> None:
        if not self.is_running:
            return
        self.is_running = False
        self._server.stop()
        await self._server.close_all_connections()


class GuardedUpdater(Updater):
    """PTB's Updater with the guarded webhook server; polling is unchanged."""

    def __init__(self, bot: ExtBot, update_queue: asyncio.Queue, *, max_body: int = MAX_BODY):
        super().__init__(bot, update_queue)
        self.max_body = max_body
        self.backlog: Backlog | None = None
        self.seen: RecentIds = getattr(bot, "seen", None) or RecentIds()

    async def _start_webhook(self, listen: str, port: int, url_path: str, bootstrap_retries: int,
                             allowed_updates: Any, cert: Any = None, key: Any = None,
                             drop_pending_updates: bool | None = None, webhook_url: str | None = None,
                             ready: asyncio.Event | None = None, ip_address: str | None = None,
                             max_connections: int = 40, secret_token: str | None = None, unix: Any = None) -> None:
        if cert is not None or key is not None or unix is not None:
            raise ValueError("the guarded webhook server serves plain HTTP on a TCP port (terminate TLS in front)")
        path = "/" + url_path.lstrip("/")
        app = QuietApplication([(rf"{path}/?", UpdateHandler, {
            "bot": self.bot, "queue": self.update_queue, "secret": secret_token or "", "seen": self.seen,
            "backlog": self.backlog, "max_body": self.max_body})])
        server = GuardedWebhookServer(str(listen), int(port), app, self.max_body)
        self._httpd = server  # type: ignore[assignment]  # PTB's stop() calls shutdown() on it
        await self._bootstrap(max_retries=bootstrap_retries, drop_pending_updates=drop_pending_updates,
                              webhook_url=webhook_url, allowed_updates=allowed_updates, ip_address=ip_address,
                              max_connections=max_connections, secret_token=secret_token)
        await server.serve_forever(ready=ready)
