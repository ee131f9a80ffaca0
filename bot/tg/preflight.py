"""Check, before starting PTB, that the Bot API host resolves and accepts a connection; fail fast naming the cause.

PTB's own start-up retries for about 20 seconds in silence when there is no network. Here one
line on stderr says where the bot connects (host and port only, never the token-bearing URL),
and a DNS failure, a refused connection or a timeout becomes a ConfigError within seconds.
"""
from __future__ import annotations

import concurrent.futures
import os
import socket
import sys
from typing import TextIO
from urllib.parse import urlparse

from bot.config import ConfigError

DNS_TIMEOUT = 5.0  # seconds for resolving the host
CONNECT_TIMEOUT = 5.0  # seconds for the TCP connection
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def host_and_port(base_url: str) -> tuple[str, int]:
    """Host and port of a Bot API base URL (the token part is ignored)."""
    parsed = urlparse(base_url.replace("{token}", ""))
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.hostname or "", port


def _resolve(host: str, port: int) -> list[tuple]:
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="xinzhi-dns")
    try:
        return pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(timeout=DNS_TIMEOUT)
    except concurrent.futures.TimeoutError:
        raise ConfigError(f"cannot reach the Telegram Bot API: DNS lookup of {host} timed out "
                          f"after {DNS_TIMEOUT:.0f} s (no network?)") from None
    except socket.gaierror as exc:
        raise ConfigError(f"cannot reach the Telegram Bot API: DNS lookup of {host} failed "
                          f"({exc.strerror or exc}); check the network or TELEGRAM_BASE_URL") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _connect(host: str, port: int, addresses: list[tuple]) -> None:
    last: OSError | None = None
    for family, kind, proto, _, address in addresses[:4]:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(CONNECT_TIMEOUT)
                sock.connect(address)
                return
        except OSError as exc:
            last = exc
    if isinstance(last, ConnectionRefusedError):
        cause = "connection refused"
    elif isinstance(last, (TimeoutError, socket.timeout)):
        cause = f"connection timed out after {CONNECT_TIMEOUT:.0f} s"
    else:
        cause = f"connection failed ({last.strerror if last is not None and last.strerror else type(last).__name__})"
    raise ConfigError(f"cannot reach the Telegram Bot API at {host}:{port}: {cause}; "
                      "check the network or TELEGRAM_BASE_URL")


def check_reachable(base_url: str, out: TextIO | None = None) -> None:
    """Say (one line on stderr) that the bot is connecting, then check DNS and TCP; raise ConfigError naming the cause."""
    host, port = host_and_port(base_url)
    print(f"xinzhi: connecting to the Telegram Bot API at {host}:{port} …", file=out or sys.stderr, flush=True)
    if not host or any(os.environ.get(v) for v in PROXY_VARIABLES):  # behind a proxy, httpx connects for us
        return
    _connect(host, port, _resolve(host, port))
