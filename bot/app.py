"""The composition root: every object of the Telegram bot is built and wired here.

``run_telegram`` is what ``python -m bot run`` calls when a token is set; it blocks until
SIGINT or SIGTERM and then shuts down cleanly (updates in flight are answered first, then the
question log is closed, which writes the questions still queued), exit status 0. When
Telegram keeps refusing the token it shuts down the same way and exits 1, so that systemd or
Docker restarts it and the failure shows.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bot.config import USER_HASH_SALT_ENV, Settings
from bot.engine.pipeline import Engine
from bot.engine.semantic import SemanticIndexer
from bot.heartbeat import heartbeat_path, write_interval
from bot.knowledge_admin.changes import KnowledgeEditor
from bot.knowledge_admin.history import finish_interrupted_change
from bot.knowledge_admin.live import LiveEngine
from bot.questionlog.log import QuestionLog
from bot.redaction import redact_secrets_in_logs
from bot.telegram.admin_knowledge import KnowledgeCommands
from bot.telegram.admin_stats import RetentionPurge, StatsCommands
from bot.telegram.admin_unanswered import UnansweredCommands
from bot.telegram.admins import Admins
from bot.telegram.editors import EditorDesk
from bot.telegram.feedback import DigestJob
from bot.telegram.guest import GuestAnswers
from bot.telegram.inline import InlineAnswers
from bot.telegram.polling import TokenRefused
from bot.telegram.questions import TelegramBot
from bot.telegram.registration import register_handlers
from bot.telegram.service import TelegramService

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
    settings, live: reloaded when it changes on disk, and editable by the admins from Telegram;
    so is any ``LiveEngine`` passed in); ``telegram_send_limits=False`` is for the benchmark
    only.
    """
    token = settings.token
    if not token:
        raise ValueError("the Telegram bot needs a token (TELEGRAM_BOT_TOKEN)")
    if not settings.user_hash_salt:
        raise ValueError(missing_salt_message())
    quiet_http_loggers()
    if engine is None:
        directory = Path(settings.knowledge.path)
        # A change a crash interrupted is completed before the folder is loaded.
        finish_interrupted_change(directory, Path(settings.knowledge.history_path))
        engine = LiveEngine.load(directory, SemanticIndexer.from_settings(settings))
        logger.info("knowledge %s loaded from %s", engine.current.version, settings.knowledge.path)
    settings = with_webhook_secret(settings)
    # Opened and closed by the service around the updates it handles.
    question_log = QuestionLog.from_settings(settings.storage)
    bot = TelegramBot(
        engine,
        limits=settings.limits,
        question_log=question_log,
        user_hash_salt=settings.user_hash_salt,
    )
    admins = Admins(settings.admins, user_hash_salt=settings.user_hash_salt)
    # Follow-ups and questions to the editors, in the question log's file.
    bot.editors = EditorDesk(
        question_log,
        admins=admins,
        user_hash_salt=settings.user_hash_salt,
        limiter=bot.question_limiter,
    )
    service = TelegramService.build(
        bot,
        token=token,
        telegram=settings.telegram,
        webhook_secret=settings.webhook_secret,
        telegram_send_limits=telegram_send_limits,
        heartbeat_path=heartbeat_path(settings.storage.path),
        heartbeat_interval=write_interval(settings.health.max_heartbeat_age_seconds),
    )
    RetentionPurge(question_log, settings.storage.retention_days).schedule(service.job_queue)
    DigestJob(
        question_log, settings.digest, admins=admins.ids, language_of=admins.language_of
    ).schedule(service.job_queue)
    knowledge = unanswered = None
    if isinstance(engine, LiveEngine):
        editor = KnowledgeEditor(
            engine,
            Path(settings.knowledge.history_path),
            max_bytes=settings.limits.max_upload_bytes,
        )
        knowledge = KnowledgeCommands(editor, admins=admins, log=question_log)
        unanswered = UnansweredCommands(knowledge)
        if settings.knowledge.watch_interval_seconds > 0:
            knowledge.watch(service.job_queue, settings.knowledge.watch_interval_seconds)
            # APScheduler (the job queue) logs each run of each job at INFO: two lines every
            # few seconds for the watch. A job's failure still reaches the error handler.
            logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    register_handlers(
        service.application,
        questions=bot,
        inline=InlineAnswers(bot),
        admins=admins,
        stats=StatsCommands(question_log, admins=admins),
        knowledge=knowledge,
        unanswered=unanswered,
        editors=bot.editors,
        guest=GuestAnswers(bot, bot.question_limiter),
    )
    return service


def missing_salt_message() -> str:
    """Why the Telegram bot does not start without a salt, in one line."""
    return (
        f"{USER_HASH_SALT_ENV} is not set: the Telegram bot needs it to pseudonymise users in "
        "the question log (any long random string; keep it stable and secret)"
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


def run_telegram(settings: Settings) -> int:
    """Run the bot until SIGINT or SIGTERM; the exit status (1: Telegram refuses the token,
    2: refused to start)."""
    if not settings.user_hash_salt:
        print(missing_salt_message(), file=sys.stderr)
        return 2
    if not logging.getLogger().handlers:
        logging.basicConfig(level=settings.log_level)
    settings = with_webhook_secret(settings)
    # Before anything is built: PTB logs its base URL, token included, on construction.
    redact_secrets_in_logs([settings.token, settings.webhook_secret])
    service = build_telegram(settings)
    try:
        asyncio.run(_run_until_signalled(service))
    except TokenRefused as error:
        logger.critical("%s; exiting with status 1", error)
        return 1
    return 0


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
