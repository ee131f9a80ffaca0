"""Run the real web app under uvicorn in a thread on 127.0.0.1 and talk to it with httpx."""
from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.app import XinZhi
from bot.config import Settings, WebSettings
from bot.storage.store import Store
from bot.web.app import build_app
from tests.kbfactory import write_kb

SECRET = "test-secret-0123456789abcdef"


@dataclass
class Server:
    """A running server: its base URL, the facade behind it and its SQLite log path."""

    url: str
    app: XinZhi
    db: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, **kwargs)  # type: ignore[arg-type]


def serve(xz: XinZhi) -> Iterator[str]:
    """Serve the app on a pre-bound loopback socket (connections queue until uvicorn accepts: no polling)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_app(xz), access_log=False, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def make_server(tmp_path: Path, **web: object) -> Iterator[Server]:
    kb = write_kb(tmp_path / "kb")
    db = tmp_path / "data" / "log.db"
    settings = Settings(kb_path=kb, db_path=db, web=replace(WebSettings(secret=SECRET), **web))  # type: ignore[arg-type]
    with Store(db) as store:
        xz = XinZhi(settings, log=store)
        for url in serve(xz):
            yield Server(url, xz, db)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    yield from make_server(tmp_path)


@pytest.fixture
def web_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog
