"""Start the Telegram bot: build the python-telegram-bot Application and serve it by long polling or webhook."""
from __future__ import annotations

import argparse
from datetime import timedelta
import logging
import re
import secrets
from typing import Any, TYPE_CHECKING, Sequence
from urllib.parse import urlparse

import asyncio

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, Defaults
from telegram.request import HTTPXRequest

from bot.core import texts
from bot.app import EventLog, ReloadResult, XinZhi
from bot.config import ConfigError, Settings, read_token_file, require_token
from bot.notice import announce_training
from bot.storage import open_event_log
from bot.tg.delivery import Delivery
from bot.tg.handlers import Deps, register
from bot.tg.intake import FETCH_LIMIT, XinZhiBot
from bot.tg.logfilter import install_privacy_filter
from bot.tg.ordering import ChatOrderedProcessor
from bot.tg.preflight import check_reachable
from bot.tg.ratelimit import UserRateLimiter
from bot.tg.webhook import GuardedUpdater

if TYPE_CHECKING:
    from bot.watch import KBWatcher

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10.0  # seconds for one Bot API call before giving up on it
CONCURRENCY = 64  # updates handled at once (one at a time per chat)
POLL_TIMEOUT = 10.0  # seconds one getUpdates long poll may wait
BOOTSTRAP_RETRIES = 5  # getMe / deleteWebhook / setWebhook attempts at start-up
FLOOD_RETRIES = 3  # resends after Telegram answers 429 retry_after
TELEGRAM_API = "https://api.telegram.org/bot"
ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY)
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a webhook secret_token
# httpx logs request URLs, which carry the token; telegram's DEBUG lines carry message text and user ids.
QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}


def quiet_library_loggers() -> None:
    """Keep tokens, message text and user ids out of the logs, whatever the root level is."""
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    install_privacy_filter()


class RedactToken(logging.Filter):
    """Last line of defence: replace the token wherever a log line would contain it."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        if self.token in record.getMessage():
            record.msg, record.args = record.getMessage().replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:  # PTB's InvalidToken message quotes the token
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def protect_logs(token: str) -> None:
    quiet_library_loggers()
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))


def bot_api_base_url(url: str) -> str:
    """PTB appends the token to base_url; accept "http://host:port" as well as "http://host:port/bot"."""
    url = url.strip().rstrip("/")
    if "{token}" in url or url.endswith("/bot"):
        return url
    return url + "/bot"


async def register_commands(application: Application) -> None:
    """Fill Telegram's command menu (/start, /topics …); a failure only costs the menu."""
    try:
        await application.bot.set_my_commands([BotCommand(name, text) for name, text in texts.COMMAND_MENU])
    except TelegramError as exc:
        logger.warning("could not register the command menu: %s", type(exc).__name__)


def build_application(app: XinZhi, settings: Settings, *, rate_limiter: BaseRateLimiter | None = None,
                      request_timeout: float = REQUEST_TIMEOUT, concurrency: int = CONCURRENCY,
                      fetch_limit: int = FETCH_LIMIT) -> Application:
    """Wire the XinZhi app into a python-telegram-bot Application (not started).

    The bot takes in at most `fetch_limit` unanswered updates (polling waits for room; the webhook
    answers Telegram only once there is room), so a forced stop loses no more than it can drain.
    """
    quiet_library_loggers()
    def request(pool: int) -> HTTPXRequest:
        return HTTPXRequest(connection_pool_size=pool, connect_timeout=request_timeout, read_timeout=request_timeout,
                            write_timeout=request_timeout, pool_timeout=request_timeout)

    bot = XinZhiBot(
        settings.telegram.token,
        base_url=bot_api_base_url(settings.telegram.base_url) if settings.telegram.base_url else TELEGRAM_API,
        request=request(max(8, concurrency * 2)),
        get_updates_request=request(1),
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        rate_limiter=rate_limiter or Delivery(flood_retries=FLOOD_RETRIES),
        fetch_limit=fetch_limit,
    )
    processor = ChatOrderedProcessor(concurrency)
    bot.attach_backlog(processor)
    updater = GuardedUpdater(bot, asyncio.Queue())
    updater.backlog = processor
    application = (
        ApplicationBuilder().updater(updater).concurrent_updates(processor).post_init(register_commands).build()
    )
    limiter = UserRateLimiter(settings.telegram.rate_limit_per_minute, settings.storage.hash_secret)
    register(application, Deps(app, settings, limiter))
    return application


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram must send with every webhook request (random when not configured)."""
    if not settings.telegram.webhook_secret:
        return secrets.token_urlsafe(32)
    if not SECRET_RE.match(settings.telegram.webhook_secret):
        raise ConfigError("XINZHI_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1 to 256 characters)")
    return settings.telegram.webhook_secret


OS_SIGNALS = object()  # serve(): stop on SIGINT/SIGTERM (PTB's default)


def serve(application: Application, settings: Settings, *, stop_signals: Sequence[int] | None | object = OS_SIGNALS,
          poll_timeout: float = POLL_TIMEOUT) -> None:
    """Run until stopped: long polling, or a webhook when settings.telegram.webhook_url is set.

    Tests pass stop_signals=None to run it in a thread and stop it with `application.stop_running()`.
    """
    extra: dict[str, Any] = {} if stop_signals is OS_SIGNALS else {"stop_signals": stop_signals}
    if settings.telegram.webhook_url:
        application.run_webhook(
            listen=settings.telegram.webhook_listen, port=settings.telegram.webhook_port,
            url_path=urlparse(settings.telegram.webhook_url).path.lstrip("/"), webhook_url=settings.telegram.webhook_url,
            secret_token=webhook_secret(settings), allowed_updates=list(ALLOWED_UPDATES),
            bootstrap_retries=BOOTSTRAP_RETRIES, **extra,
        )
    else:
        application.run_polling(timeout=timedelta(seconds=poll_timeout), allowed_updates=list(ALLOWED_UPDATES),
                                bootstrap_retries=BOOTSTRAP_RETRIES, **extra)


def start_watcher(app: XinZhi) -> "KBWatcher":
    """Reload the KB when an editor saves a file (bot/watch.py); a broken KB keeps the old one serving."""
    from bot.watch import watch_app

    def report(result: ReloadResult) -> None:
        if result.ok:
            logger.info("KB changed on disk: reloaded, %s entries", result.entries)
        else:
            logger.warning("KB changed on disk but has %s error(s); still serving the old one. First: %s",
                           len(result.errors), result.errors[0] if result.errors else "?")

    return watch_app(app, report).start()


def _settings_from_args(args: argparse.Namespace, settings: Settings) -> Settings:
    token = require_token(read_token_file(args.token_file) if args.token_file else settings.telegram.token)
    settings = settings.with_overrides(telegram_token=token, webhook_url=args.webhook_url,
                                       webhook_listen=args.listen, webhook_port=args.port)
    if not settings.telegram.webhook_url and (args.listen or args.port):
        raise ConfigError("--listen and --port need --webhook-url (without it the bot uses long polling)")
    if not 0 < settings.telegram.webhook_port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535, got {settings.telegram.webhook_port}")
    if settings.telegram.webhook_url:
        webhook_secret(settings)  # fail fast on a malformed secret
    return settings


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`xinzhi telegram`: check the settings, open the log, start the watcher, serve until stopped."""
    settings = _settings_from_args(args, settings)
    protect_logs(settings.telegram.token)
    log = open_event_log(settings)  # local configuration first: a bad XINZHI_DB needs no network to report
    try:
        check_reachable(settings.telegram.base_url or TELEGRAM_API)  # one line on stderr, then fail fast
    except BaseException:
        if log is not None:
            log.close()
        raise
    app = XinZhi(settings, log=log, on_train=announce_training)
    watcher = start_watcher(app)
    try:
        serve(build_application(app, settings), settings)
    except InvalidToken:
        raise ConfigError("Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)") from None
    except NetworkError as exc:
        raise ConfigError(f"cannot reach the Telegram Bot API ({type(exc).__name__}); "
                          "check the network or TELEGRAM_BASE_URL") from None
    finally:
        watcher.stop()
        if log is not None:
            log.close()
    return 0
