"""Read every setting in one place, from the environment and CLI flags, failing fast."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from bot.core.settings import MatchSettings

PACKAGE_DIR = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


def bundled_kb_path() -> Path:
    """Find the knowledge base shipped with the package (wheel) or beside the source tree."""
    for candidate in (PACKAGE_DIR / "_kb", PACKAGE_DIR.parent / "knowledge"):
        if candidate.is_dir():
            return candidate
    return PACKAGE_DIR.parent / "knowledge"


def resolve_kb(flag: Path | None, env: Mapping[str, str], cwd: Path | None = None) -> tuple[Path, str]:
    """Choose the KB folder: --kb, then XINZHI_KB, then ./knowledge in the current directory, then the bundled one.

    Returns (path, source) so every command can say which one it uses. An editor working in a checkout
    therefore always checks the folder they edit, never the copy installed in site-packages.
    """
    if flag is not None:
        return Path(flag).expanduser(), "--kb"
    if env.get("XINZHI_KB"):
        return Path(env["XINZHI_KB"]).expanduser(), "XINZHI_KB"
    local = (cwd or Path.cwd()) / "knowledge"
    if local.is_dir() and any(local.glob("*.yaml")):
        return local, "./knowledge"
    return bundled_kb_path(), "bundled"


def default_kb_path() -> tuple[Path, str]:
    """The KB folder chosen without a flag or environment variable (./knowledge, else the bundled one)."""
    return resolve_kb(None, {})


def default_db_path() -> Path:
    """Put the log in the user's data directory (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "xinzhi" / "xinzhi.db"


@dataclass(frozen=True)
class StorageSettings:
    """Where and how long the privacy-safe event log keeps its rows."""

    log_enabled: bool = True
    db_path: Path = field(default_factory=default_db_path)
    log_days: int = 90
    hash_secret: str = ""  # key for hashing anything per-user
    db_url: str = ""  # XINZHI_DB=postgresql://…: the shared PostgreSQL log instead of the SQLite file


@dataclass(frozen=True)
class TelegramSettings:
    """What the Telegram adapter needs: token, API server, webhook, admins and limits."""

    token: str = ""
    base_url: str = ""
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str = ""
    rate_limit_per_minute: int = 20


@dataclass(frozen=True)
class WebSettings:
    """What the web channel (`xinzhi serve`) needs: signing secret, API token, CORS, limits."""

    secret: str = ""  # signs context tokens and keys the address hash; random per process when empty
    api_token: str = ""  # when set, /api/v1/* requires "Authorization: Bearer <token>"
    cors_origins: tuple[str, ...] = ()  # CORS is off unless origins are listed
    rate_limit_per_minute: int = 30
    max_body_bytes: int = 8192
    max_text_chars: int = 500
    context_max_age: int = 3600  # seconds a signed context token stays valid


_STORAGE_FIELDS = {"log_enabled", "db_path", "log_days", "hash_secret", "db_url"}
_TELEGRAM_FIELDS = {"telegram_token": "token", "telegram_base_url": "base_url", "admin_ids": "admin_ids",
                    "webhook_url": "webhook_url", "webhook_listen": "webhook_listen", "webhook_port": "webhook_port",
                    "webhook_secret": "webhook_secret", "rate_limit_per_minute": "rate_limit_per_minute"}


@dataclass(frozen=True, init=False)
class Settings:
    """All runtime settings of one XinZhi process, grouped by who uses them."""

    kb_path: Path
    kb_source: str  # which rule chose kb_path: --kb, XINZHI_KB, ./knowledge or bundled
    match: MatchSettings
    storage: StorageSettings
    telegram: TelegramSettings
    watch_interval: float
    web: WebSettings

    def __init__(self, kb_path: Path | None = None, kb_source: str = "", match: MatchSettings | None = None,
                 storage: StorageSettings | None = None, telegram: TelegramSettings | None = None,
                 watch_interval: float = 2.0, web: WebSettings | None = None, **flat: object) -> None:
        """Build settings; flat keywords (db_path=…, telegram_token=…) fill the groups, for tests and flags."""
        if kb_path is None:
            kb_path, kb_source = default_kb_path()
        unknown = set(flat) - _STORAGE_FIELDS - set(_TELEGRAM_FIELDS)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        storage_changes: dict[str, Any] = {k: v for k, v in flat.items() if k in _STORAGE_FIELDS}
        telegram_changes: dict[str, Any] = {_TELEGRAM_FIELDS[k]: v for k, v in flat.items() if k in _TELEGRAM_FIELDS}
        storage = replace(storage or StorageSettings(), **storage_changes)
        telegram = replace(telegram or TelegramSettings(), **telegram_changes)
        for name, value in (("kb_path", Path(kb_path)), ("kb_source", kb_source or "given"),
                            ("match", match or MatchSettings()), ("storage", storage), ("telegram", telegram),
                            ("watch_interval", watch_interval), ("web", web or WebSettings())):
            object.__setattr__(self, name, value)

    def with_overrides(self, **changes: object) -> "Settings":
        """Return a copy with the non-None values replaced (CLI flags win)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self
        base: dict[str, object] = dict(kb_path=self.kb_path, kb_source=self.kb_source, match=self.match,
                                       storage=self.storage, telegram=self.telegram,
                                       watch_interval=self.watch_interval, web=self.web)
        if "kb_path" in changes and "kb_source" not in changes:
            changes["kb_source"] = "--kb"
        base.update({k: changes.pop(k) for k in list(changes) if k in base})
        return Settings(**base, **changes)  # type: ignore[arg-type]


TOKEN_RE = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,}$")


def _float(env: Mapping[str, str], name: str, default: float, maximum: float = 1.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not 0.0 <= value <= maximum:
        raise ConfigError(f"{name} must be between 0 and {maximum:g}, got {raw!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def parse_admin_ids(raw: str) -> frozenset[int]:
    """Parse XINZHI_ADMIN_IDS: numbers separated by commas or spaces."""
    ids = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(f"XINZHI_ADMIN_IDS must list numeric Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def load_settings(env: Mapping[str, str] | None = None, kb_flag: Path | None = None) -> Settings:
    """Build Settings from environment variables (os.environ by default) and the --kb flag."""
    env = os.environ if env is None else env
    match = MatchSettings(
        min_answer_score=_float(env, "XINZHI_MIN_ANSWER_SCORE", MatchSettings.min_answer_score),
        min_suggest_score=_float(env, "XINZHI_MIN_SUGGEST_SCORE", MatchSettings.min_suggest_score),
        min_margin=_float(env, "XINZHI_MIN_MARGIN", MatchSettings.min_margin),
        min_answer_words=_int(env, "XINZHI_MIN_ANSWER_WORDS", MatchSettings.min_answer_words),
        min_suggest_coverage=_float(env, "XINZHI_MIN_SUGGEST_COVERAGE", MatchSettings.min_suggest_coverage),
    )
    log_flag = env.get("XINZHI_LOG", "on").strip().lower()
    if log_flag not in {"on", "off", "1", "0", "true", "false", "yes", "no", ""}:
        raise ConfigError(f"XINZHI_LOG must be 'on' or 'off', got {log_flag!r}")
    storage = StorageSettings(
        log_enabled=log_flag not in {"off", "0", "false", "no"},
        db_path=(Path(env["XINZHI_DB"]).expanduser() if env.get("XINZHI_DB") and not is_postgres_url(env["XINZHI_DB"])
                 else default_db_path()),
        db_url=env["XINZHI_DB"].strip() if is_postgres_url(env.get("XINZHI_DB", "")) else "",
        log_days=_int(env, "XINZHI_LOG_DAYS", 90, minimum=1),
        hash_secret=env.get("XINZHI_HASH_SECRET", ""),
    )
    telegram = TelegramSettings(
        token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        base_url=env.get("TELEGRAM_BASE_URL", "").strip(),
        admin_ids=parse_admin_ids(env.get("XINZHI_ADMIN_IDS", "")),
        webhook_secret=env.get("XINZHI_WEBHOOK_SECRET", ""),
        rate_limit_per_minute=_int(env, "XINZHI_RATE_LIMIT", 20, minimum=1),
    )
    kb_path, kb_source = resolve_kb(kb_flag, env)
    return Settings(kb_path=kb_path, kb_source=kb_source, match=match, storage=storage, telegram=telegram,
                    web=load_web_settings(env))


def is_postgres_url(value: str) -> bool:
    """True when XINZHI_DB names a PostgreSQL server rather than a SQLite file."""
    return value.strip().startswith(("postgresql://", "postgres://"))


def load_web_settings(env: Mapping[str, str]) -> WebSettings:
    """Read the web channel's XINZHI_WEB_* / XINZHI_API_TOKEN / XINZHI_CORS_ORIGINS variables."""
    origins = tuple(o for o in re.split(r"[,\s]+", env.get("XINZHI_CORS_ORIGINS", "").strip()) if o)
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ConfigError(f"XINZHI_CORS_ORIGINS must list origins like https://example.org, got {origin!r}")
    secret = env.get("XINZHI_WEB_SECRET", "")
    if secret and len(secret) < 16:
        raise ConfigError("XINZHI_WEB_SECRET must be at least 16 characters (try: openssl rand -hex 32)")
    return WebSettings(secret=secret, api_token=env.get("XINZHI_API_TOKEN", "").strip(), cors_origins=origins,
                       rate_limit_per_minute=_int(env, "XINZHI_WEB_RATE_LIMIT", 30, minimum=1),
                       max_body_bytes=_int(env, "XINZHI_WEB_MAX_BODY", 8192, minimum=256),
                       context_max_age=_int(env, "XINZHI_WEB_CONTEXT_MAX_AGE", 3600, minimum=60))


def read_token_file(path: str | Path) -> str:
    """Read a bot token from a file (first non-empty line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--token-file {path}: cannot read ({exc.strerror})") from None
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def require_token(token: str) -> str:
    """Fail fast when the Telegram token is missing or malformed (never echo it)."""
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (or use --token-file FILE)")
    if not TOKEN_RE.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN is malformed (expected digits:secret from @BotFather)")
    return token
