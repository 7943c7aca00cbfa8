"""Settings: a YAML file for everything but secrets, the environment for secrets.

The loader takes the environment as a parameter, so tests pass a dict instead of patching
``os.environ``. Every setting is documented in ``config.example.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
USER_HASH_SALT_ENV = "BOT_USER_HASH_SALT"
DEFAULT_CONFIG_PATH = Path("config.yaml")


class ConfigError(ValueError):
    """The configuration file is malformed or names an unknown setting."""


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Webhook mode: Telegram posts updates to ``url``; we listen on ``listen:port``."""

    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "telegram"


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """How the bot reaches Telegram."""

    mode: Literal["polling", "webhook"] = "polling"
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    poll_interval: float = 0.0
    webhook: WebhookSettings = field(default_factory=WebhookSettings)


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """Flood control and input bounds."""

    questions_per_minute: int = 20
    max_question_chars: int = 500
    max_upload_bytes: int = 1_000_000


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """The question log."""

    path: str = "data/questions.sqlite3"
    retention_days: int = 365
    flush_interval_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class KnowledgeSettings:
    """Where the knowledge lives and how edits reach the bot."""

    path: str = "knowledge"
    history_path: str = "data/knowledge-history"
    watch_interval_seconds: float = 2.0


@dataclass(frozen=True, slots=True)
class SemanticSettings:
    """The semantic signal's encoder (bot.engine.semantic)."""

    # Where the encoder's load caches and the phrasings' vectors are kept.
    cache_path: str = "data/semantic-cache"


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """What ``python -m bot health`` accepts of a running bot."""

    # A running bot whose last successful receipt from Telegram (getUpdates, a webhook post,
    # a check of its webhook) or answered update is older than this is unhealthy. 0: not
    # checked. Keep it well above the 10 s long poll plus telegram.poll_interval.
    max_heartbeat_age_seconds: float = 120.0


DIGEST_SCHEDULES = ("off", "daily", "weekly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """The admins' summary of the question log, sent by the bot (bot.digest)."""

    # off, daily (the last day) or weekly (the last seven days).
    schedule: str = "off"
    # When to send it, HH:MM in China time (UTC+8), like every report.
    time: str = "09:00"
    # The day a weekly digest goes out.
    weekday: str = "mon"

    @property
    def hour_minute(self) -> tuple[int, int]:
        """``time`` as (hour, minute)."""
        hour, _, minute = self.time.partition(":")
        return int(hour), int(minute)


def _check_digest(digest: DigestSettings) -> None:
    if digest.schedule not in DIGEST_SCHEDULES:
        raise ConfigError("config.digest.schedule: expected 'off', 'daily' or 'weekly'")
    hour, colon, minute = digest.time.partition(":")
    well_formed = colon and len(hour) == len(minute) == 2 and (hour + minute).isdigit()
    if not well_formed or int(hour) > 23 or int(minute) > 59:
        raise ConfigError(f"config.digest.time: expected HH:MM (00:00-23:59), got {digest.time!r}")
    if digest.weekday not in WEEKDAYS:
        raise ConfigError(f"config.digest.weekday: expected one of {', '.join(WEEKDAYS)}")


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings, plus the secrets read from the environment."""

    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    semantic: SemanticSettings = field(default_factory=SemanticSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    admins: tuple[int, ...] = ()
    log_level: str = "INFO"
    # Secrets: never in the file, only from the environment.
    token: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    user_hash_salt: str = field(default="", repr=False)


def _build(cls: type[Any], raw: Any, where: str) -> Any:
    """Build dataclass ``cls`` from a mapping, refusing unknown keys and wrong types."""
    if raw is None:
        return cls()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)
        if name not in known or name in {"token", "webhook_secret", "user_hash_salt"}:
            hint = " (secrets come from the environment)" if name == "token" else ""
            raise ConfigError(f"{where}.{name}: unknown setting{hint}")
        default = getattr(cls(), name)
        if is_dataclass(default):
            values[name] = _build(type(default), value, f"{where}.{name}")
        elif isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
                raise ConfigError(f"{where}.{name}: expected a list of integers")
            values[name] = tuple(value)
        else:
            expected = type(default)
            if expected is float and type(value) is int:
                value = float(value)
            if type(value) is not expected:
                raise ConfigError(
                    f"{where}.{name}: expected {expected.__name__}, got {type(value).__name__}"
                )
            values[name] = value
    return cls(**values)


def _off_as_word(raw: Any) -> Any:
    """``raw`` with ``digest.schedule: off`` kept as the word: YAML 1.1 reads a bare off as
    false, and the setting is written as the word."""
    digest = raw.get("digest") if isinstance(raw, Mapping) else None
    if isinstance(digest, Mapping) and digest.get("schedule") is False:
        return {**raw, "digest": {**digest, "schedule": "off"}}
    return raw


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """Read settings from ``path`` (or defaults when None) and secrets from ``environ``."""
    raw: Any = None
    if path is not None:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"{path}: {error}") from error
    settings = _build(Settings, _off_as_word(raw), "config")
    if settings.telegram.mode not in ("polling", "webhook"):
        raise ConfigError("config.telegram.mode: expected 'polling' or 'webhook'")
    if settings.telegram.mode == "webhook" and not settings.telegram.webhook.url:
        raise ConfigError("config.telegram.webhook.url: required in webhook mode")
    if settings.health.max_heartbeat_age_seconds < 0:
        raise ConfigError("config.health.max_heartbeat_age_seconds: must not be negative")
    _check_digest(settings.digest)
    return Settings(
        knowledge=settings.knowledge,
        telegram=settings.telegram,
        storage=settings.storage,
        limits=settings.limits,
        semantic=settings.semantic,
        health=settings.health,
        digest=settings.digest,
        admins=settings.admins,
        log_level=settings.log_level,
        token=environ.get(TOKEN_ENV) or None,
        webhook_secret=environ.get(WEBHOOK_SECRET_ENV) or None,
        user_hash_salt=environ.get(USER_HASH_SALT_ENV, ""),
    )


def default_config_path(explicit: str | None) -> Path | None:
    """The file to read: the one given, else ``config.yaml`` when present, else none."""
    if explicit:
        return Path(explicit)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None
