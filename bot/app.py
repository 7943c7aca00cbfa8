"""The composition root: every object of the Telegram bot is built and wired here.

``run_telegram`` is what ``python -m bot run`` calls when a token is set; it blocks until
SIGINT or SIGTERM and then shuts down cleanly (updates in flight are answered first).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.config import Settings
from bot.engine import Engine, load_engine
from bot.redaction import redact_secrets_in_logs
from bot.telegram_app import TelegramBot, TelegramService

logger = logging.getLogger(__name__)

# httpx (PTB's default HTTP client; the bot itself talks over aiohttp) logs every request URL
# at INFO, and the token is part of every Bot API URL. Whatever else reaches a log line with a
# secret in it, PTB's DEBUG line of its base URL among it, is redacted by bot.redaction.
QUIET_LOGGERS = ("httpx", "httpcore")


def quiet_http_loggers() -> None:
    """Keep the HTTP client's loggers at WARNING so the token never reaches a log line."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def build_telegram(
    settings: Settings,
    engine: Callable[[], Engine] | None = None,
    *,
    telegram_send_limits: bool = True,
) -> TelegramService:
    """The whole Telegram bot from ``settings``.

    ``engine`` provides the engine to answer from (default: the knowledge folder in the
    settings, loaded once); ``telegram_send_limits=False`` is for the benchmark only.
    """
    token = settings.token
    if not token:
        raise ValueError("the Telegram bot needs a token (TELEGRAM_BOT_TOKEN)")
    quiet_http_loggers()
    if engine is None:
        loaded = load_engine(Path(settings.knowledge.path))
        logger.info("knowledge %s loaded from %s", loaded.version, settings.knowledge.path)

        def engine() -> Engine:
            return loaded

    settings = with_webhook_secret(settings)
    bot = TelegramBot(engine, limits=settings.limits)
    return TelegramService.build(
        bot,
        token=token,
        telegram=settings.telegram,
        webhook_secret=settings.webhook_secret,
        telegram_send_limits=telegram_send_limits,
    )


def with_webhook_secret(settings: Settings) -> Settings:
    """``settings``, with a random webhook secret in webhook mode when none is configured.

    The bot registers its webhook itself, so a fresh secret per start works as well as a
    configured one, and keeps strangers from posting fake updates.
    """
    if settings.telegram.mode != "webhook" or settings.webhook_secret:
        return settings
    logger.info("no TELEGRAM_WEBHOOK_SECRET set: using a random secret for this run")
    return replace(settings, webhook_secret=secrets.token_urlsafe(32))


def run_telegram(settings: Settings) -> None:
    """Run the bot until SIGINT or SIGTERM."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=settings.log_level)
    settings = with_webhook_secret(settings)
    # Before anything is built: PTB logs its base URL, token included, on construction.
    redact_secrets_in_logs([settings.token, settings.webhook_secret])
    service = build_telegram(settings)
    asyncio.run(_run_until_signalled(service))


async def _run_until_signalled(service: TelegramService) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await service.run(stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
