"""The question log in Telegram, for admins: ``/stats``, ``/top``, ``/export``, and the daily
retention purge.

``StatsCommands`` holds the log and the admins; its methods are the handlers, registered behind
the admin filter by ``bot.telegram.registration`` (which also refuses everyone else). The
commands answer in private chats only, so figures and the export never land in a group; there
they are left to the bot's handling of commands it does not know.

The numbers come from ``analytics`` and are worded by ``report``, like
``python -m bot report``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Job, JobQueue

from bot.engine.answers import Language
from bot.engine.render import CAPTION_LIMIT, cut_text
from bot.messages import say
from bot.questionlog.analytics import export_csv, stats_summary, top_entries, window_start
from bot.questionlog.chart import chart_language, render_stats_chart
from bot.questionlog.feedback import unhelpful_answers, unhelpful_cards
from bot.questionlog.log import QuestionLog
from bot.questionlog.report import (
    chart_labels,
    export_filename,
    format_stats,
    format_top,
    format_unhelpful,
)
from bot.telegram.admins import Admins
from bot.telegram.editors import requests_line
from bot.telegram.language import period_words
from bot.telegram.ptb import Context
from bot.telegram.sending import reply_html

logger = logging.getLogger(__name__)

# The same default period as ``python -m bot report``.
DEFAULT_DAYS = 30
# Ten years: more than any retention worth having, and far from datetime's limits.
MAX_DAYS = 3650
DEFAULT_TOP = 10
# Fifty lines of /top still fit one message.
MAX_TOP = 50
# Words meaning "the whole log" where a number of days is expected.
WHOLE_LOG_WORDS = frozenset({"all", "全部"})
# Telegram's limit for a file a bot sends.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# Uploading a large export, and Telegram storing it, takes longer than a message.
UPLOAD_READ_TIMEOUT_SECONDS = 60.0

RETENTION_PURGE_INTERVAL = timedelta(days=1)
# Soon after start, so a bot restarted more often than daily still purges; not at once, so the
# first purge does not compete with the burst of updates that waited while the bot was down.
RETENTION_PURGE_FIRST_RUN = timedelta(minutes=1)
RETENTION_PURGE_JOB = "question-log-retention"


class UsageError(ValueError):
    """A command's arguments do not parse; the reply is the command's usage."""


@dataclass(frozen=True, slots=True)
class TopArguments:
    """``/top [n] [days]``."""

    count: int
    days: int | None


def parse_count(word: str, maximum: int) -> int:
    """A whole number from 1 to ``maximum`` (any script's digits); ``UsageError`` otherwise."""
    # isdecimal() refuses signs, points, spaces and superscripts; the length check keeps int()
    # from ever parsing an absurdly long number.
    if not word.isdecimal() or len(word) > len(str(maximum)):
        raise UsageError(word)
    value = int(word)
    if not 1 <= value <= maximum:
        raise UsageError(word)
    return value


def parse_days(word: str) -> int | None:
    """A number of days, or None for the whole log ("all")."""
    if word.lower() in WHOLE_LOG_WORDS:
        return None
    return parse_count(word, MAX_DAYS)


def parse_days_argument(args: Sequence[str]) -> int | None:
    """``[days]``: the default period when absent."""
    if len(args) > 1:
        raise UsageError(" ".join(args))
    return parse_days(args[0]) if args else DEFAULT_DAYS


def parse_top_arguments(args: Sequence[str]) -> TopArguments:
    """``[n] [days]``: a lone number is n."""
    if len(args) > 2:
        raise UsageError(" ".join(args))
    count = parse_count(args[0], MAX_TOP) if args else DEFAULT_TOP
    days = parse_days(args[1]) if len(args) == 2 else DEFAULT_DAYS
    return TopArguments(count, days)


class StatsCommands:
    """The admins' question-log commands; the methods are the handlers."""

    def __init__(self, log: QuestionLog, *, admins: Admins) -> None:
        self.log = log
        self.admins = admins

    async def on_stats(self, update: Update, context: Context) -> None:
        """``/stats [days]``: the summary in words, then the chart."""
        request = await self._days_request(update, context, "stats")
        if request is None:
            return
        message, language, days = request
        summary = await stats_summary(self.log, days)
        editors_line = await requests_line(self.log, summary.since, language)
        await reply_html(
            message, format_stats(summary, html=True, language=language) + editors_line
        )
        if summary.total == 0:
            # A chart of nothing says no more than the line above.
            return
        # Drawing takes a good fraction of a second: not on the event loop.
        labels = chart_labels(summary, chart_language(language))
        png = await asyncio.to_thread(render_stats_chart, summary, labels)
        caption = say("tg_stats_caption", language, period=period_words(days, language))
        await _send_or_explain(
            message,
            lambda: message.reply_photo(
                png,
                caption=escape(cut_text(caption, CAPTION_LIMIT)),
                filename="stats.png",
                do_quote=False,
                read_timeout=UPLOAD_READ_TIMEOUT_SECONDS,
            ),
            "tg_stats_chart_failed",
            language,
        )

    async def on_top(self, update: Update, context: Context) -> None:
        """``/top [n] [days]``: the entries that answered most questions, with counts."""
        admitted = self._admitted(update, "top")
        if admitted is None:
            return
        message, language = admitted
        try:
            arguments = parse_top_arguments(context.args or ())
        except UsageError:
            await self._usage(message, "tg_top_usage", language)
            return
        entries = await top_entries(self.log, arguments.count, arguments.days)
        await reply_html(
            message, format_top(entries, arguments.days, html=True, language=language)
        )

    async def on_unhelpful(self, update: Update, context: Context) -> None:
        """``/unhelpful [n] [days]``: the answers voted 👎, newest first, then the entries whose
        shared cards were voted 👎, most 👎 first (n of each)."""
        admitted = self._admitted(update, "unhelpful")
        if admitted is None:
            return
        message, language = admitted
        try:
            arguments = parse_top_arguments(context.args or ())
        except UsageError:
            await self._usage(message, "tg_unhelpful_usage", language)
            return
        since = window_start(arguments.days)
        answers = await unhelpful_answers(self.log, arguments.count, since)
        cards = await unhelpful_cards(self.log, arguments.count, since)
        text = format_unhelpful(answers, arguments.days, cards=cards, html=True, language=language)
        await reply_html(message, text)

    async def on_export(self, update: Update, context: Context) -> None:
        """``/export [days]``: the log as a CSV document (UTF-8 with a BOM, for Excel)."""
        request = await self._days_request(update, context, "export")
        if request is None:
            return
        message, language, days = request
        content = await export_csv(self.log, days)
        if len(content) > MAX_DOCUMENT_BYTES:
            text = say(
                "tg_export_too_large",
                language,
                megabytes=f"{len(content) / 1024 / 1024:.0f}",
                limit=str(MAX_DOCUMENT_BYTES // 1024 // 1024),
            )
            await reply_html(message, escape(text))
            return
        caption = say("tg_export_caption", language, period=period_words(days, language))
        await _send_or_explain(
            message,
            lambda: message.reply_document(
                content,
                filename=export_filename(days),
                caption=escape(cut_text(caption, CAPTION_LIMIT)),
                do_quote=False,
                read_timeout=UPLOAD_READ_TIMEOUT_SECONDS,
            ),
            "tg_export_failed",
            language,
        )

    async def _days_request(
        self, update: Update, context: Context, command: str
    ) -> tuple[Message, Language, int | None] | None:
        """An admin's ``/command [days]``: message, language and days; None once refused or
        answered with the command's usage."""
        admitted = self._admitted(update, command)
        if admitted is None:
            return None
        message, language = admitted
        try:
            return message, language, parse_days_argument(context.args or ())
        except UsageError:
            await self._usage(message, f"tg_{command}_usage", language)
            return None

    def _admitted(self, update: Update, command: str) -> tuple[Message, Language] | None:
        """The admin's message and language (the registration let no one else through)."""
        request = self.admins.request(update)
        if request is None:
            return None
        message, _, language = request
        return message, language

    @staticmethod
    async def _usage(message: Message, key: str, language: Language) -> None:
        text = say(
            key,
            language,
            max_days=str(MAX_DAYS),
            default_days=str(DEFAULT_DAYS),
            max_count=str(MAX_TOP),
            default_count=str(DEFAULT_TOP),
        )
        await reply_html(message, escape(text))


async def _send_or_explain(
    message: Message,
    send: Callable[[], Awaitable[object]],
    key: str,
    language: Language,
) -> None:
    """Send a file; when Telegram refuses it (after the rate limiter's retries), log why and
    tell the admin in one line (``key``, with Telegram's reason)."""
    try:
        await send()
    except TelegramError as error:
        logger.warning("could not send a file to admin chat %s: %s", message.chat.id, error)
        try:
            await reply_html(message, escape(say(key, language, reason=str(error))))
        except TelegramError as second:
            # Telegram or the network is down for this chat: the log line above is all.
            logger.warning("could not tell chat %s why: %s", message.chat.id, second)


class RetentionPurge:
    """Deletes questions older than the retention period, daily while the bot runs."""

    def __init__(self, log: QuestionLog, retention_days: int) -> None:
        if retention_days < 0:
            raise ValueError("storage.retention_days must not be negative")
        self.log = log
        self.retention_days = retention_days

    def schedule(self, job_queue: JobQueue[Any]) -> Job[Any]:
        """Run ``purge`` every day, the first time shortly after start."""
        return job_queue.run_repeating(
            self.purge,
            interval=RETENTION_PURGE_INTERVAL,
            first=RETENTION_PURGE_FIRST_RUN,
            name=RETENTION_PURGE_JOB,
        )

    async def purge(self, context: Context) -> None:
        """The job: delete the old rows and say how many went."""
        deleted = await self.log.purge_older_than(self.retention_days)
        logger.info(
            "question log: deleted %d questions older than %d days", deleted, self.retention_days
        )
