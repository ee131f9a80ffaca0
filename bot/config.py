"""Read every setting in one place, from the environment and CLI flags, failing fast."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from bot.core.settings import MatchSettings

PACKAGE_DIR = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


def default_kb_path() -> Path:
    """Find the knowledge base shipped with the package (wheel) or the source checkout."""
    for candidate in (PACKAGE_DIR / "_kb", PACKAGE_DIR.parent / "knowledge"):
        if candidate.is_dir():
            return candidate
    return PACKAGE_DIR.parent / "knowledge"


def default_db_path() -> Path:
    """Put the log in the user's data directory (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "xinzhi" / "xinzhi.db"


@dataclass(frozen=True)
class Settings:
    """All runtime settings of one XinZhi process."""

    kb_path: Path = field(default_factory=default_kb_path)
    match: MatchSettings = field(default_factory=MatchSettings)
    log_enabled: bool = True
    db_path: Path = field(default_factory=default_db_path)
    log_days: int = 90
    hash_secret: str = ""
    telegram_token: str = ""
    telegram_base_url: str = ""
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str = ""
    rate_limit_per_minute: int = 20
    watch_interval: float = 2.0

    def with_overrides(self, **changes: object) -> "Settings":
        """Return a copy with the non-None values replaced (CLI flags win)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


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


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (os.environ by default)."""
    env = os.environ if env is None else env
    match = MatchSettings(
        min_answer_score=_float(env, "XINZHI_MIN_ANSWER_SCORE", MatchSettings.min_answer_score),
        min_suggest_score=_float(env, "XINZHI_MIN_SUGGEST_SCORE", MatchSettings.min_suggest_score),
        min_margin=_float(env, "XINZHI_MIN_MARGIN", MatchSettings.min_margin),
        min_suggest_coverage=_float(env, "XINZHI_MIN_SUGGEST_COVERAGE", MatchSettings.min_suggest_coverage),
    )
    log_flag = env.get("XINZHI_LOG", "on").strip().lower()
    if log_flag not in {"on", "off", "1", "0", "true", "false", "yes", "no", ""}:
        raise ConfigError(f"XINZHI_LOG must be 'on' or 'off', got {log_flag!r}")
    kwargs: dict[str, object] = dict(
        match=match,
        log_enabled=log_flag not in {"off", "0", "false", "no"},
        log_days=_int(env, "XINZHI_LOG_DAYS", 90, minimum=1),
        hash_secret=env.get("XINZHI_HASH_SECRET", ""),
        telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_base_url=env.get("TELEGRAM_BASE_URL", "").strip(),
        admin_ids=parse_admin_ids(env.get("XINZHI_ADMIN_IDS", "")),
        webhook_secret=env.get("XINZHI_WEBHOOK_SECRET", ""),
        rate_limit_per_minute=_int(env, "XINZHI_RATE_LIMIT", 20, minimum=1),
    )
    if env.get("XINZHI_KB"):
        kwargs["kb_path"] = Path(env["XINZHI_KB"]).expanduser()
    if env.get("XINZHI_DB"):
        kwargs["db_path"] = Path(env["XINZHI_DB"]).expanduser()
    return Settings(**kwargs)  # type: ignore[arg-type]


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
