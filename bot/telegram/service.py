"""The service: the python-telegram-bot Application, and receiving updates by polling or webhook.

The Application's Bot API calls go over ``bot.telegram.http.AiohttpRequest`` and through
``bot.telegram.ratelimit.PatientRateLimiter``; its handlers are added by
``bot.telegram.registration`` (``bot.app`` composes it all). Updates are received by
``bot.telegram.polling`` or ``bot.telegram.webhook`` into ``bot.telegram.intake``, so that none
is lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults, JobQueue

from bot.config import TelegramSettings
from bot.heartbeat import WRITE_EVERY_SECONDS, Heartbeat
from bot.telegram.http import AiohttpRequest, StatusRecordingRequest
from bot.telegram.intake import MAX_BACKLOG, Intake
from bot.telegram.polling import poll_updates
from bot.telegram.ptb import App
from bot.telegram.questions import TelegramBot
from bot.telegram.ratelimit import PatientRateLimiter
from bot.telegram.registration import set_command_menu
from bot.telegram.waiting import with_retries
from bot.telegram.webhook import WebhookReceiver

logger = logging.getLogger(__name__)

# Long polling: how long one getUpdates may wait on Telegram's side.
LONG_POLL_SECONDS = 10
# Only what the bot handles; edited messages are deliberately not requested (answered with
# silence), so Telegram need not send them.
ALLOWED_UPDATES = (
    "message",
    "callback_query",
    "inline_query",
    "message_reaction",
    "guest_message",
)
# Updates handled at once, and HTTP connections to the Bot API for them. More buys nothing
# when the engine answers in well under a millisecond; it only costs memory and scheduling.
CONCURRENT_UPDATES = 16


@dataclass
class TelegramService:
    """The Application around a ``TelegramBot``, and how it receives updates.

    ``run`` opens the bot's question log before the first update and closes it (writing what is
    queued) after the last update in flight was answered. Updates are received by
    ``bot.telegram.intake`` (its docstring says why not by PTB's ``Updater``): each is in the
    inbox before Telegram is told it arrived, and the inbox is answered first at the next
    start. The heartbeat file says the bot still receives (``python -m bot health``).
    """

    bot: TelegramBot
    application: App
    telegram: TelegramSettings
    webhook_secret: str | None
    updates_request: StatusRecordingRequest | None = None
    heartbeat_path: Path | None = None
    heartbeat_interval: float = WRITE_EVERY_SECONDS
    # Updates held in memory at most; when full, the bot stops fetching until there is room.
    max_backlog: int = MAX_BACKLOG
    # Set once updates are being received (polling started, or webhook set and listening).
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # While running: what receives and answers the updates.
    intake: Intake | None = None

    @classmethod
    def build(
        cls,
        bot: TelegramBot,
        *,
        token: str,
        telegram: TelegramSettings,
        webhook_secret: str | None,
        telegram_send_limits: bool = True,
        heartbeat_path: Path | None = None,
        heartbeat_interval: float = WRITE_EVERY_SECONDS,
    ) -> TelegramService:
        """The PTB Application for ``bot``, without handlers (``register_handlers`` adds them).

        ``telegram_send_limits=False`` lifts the overall and per-group send rates (429s are
        still honoured); only for a benchmark against a local server that has no such limits.
        ``heartbeat_path``: where the running bot writes its heartbeat (None: nowhere).
        """
        limiter = (
            PatientRateLimiter()
            if telegram_send_limits
            else PatientRateLimiter(overall_max_rate=0, group_max_rate=0)
        )
        updates_request = StatusRecordingRequest(AiohttpRequest(connection_pool_size=1))
        application = (
            Application.builder()
            .token(token)
            .base_url(telegram.base_url)
            .base_file_url(telegram.base_file_url)
            .rate_limiter(limiter)
            .defaults(
                Defaults(
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    allow_sending_without_reply=True,
                )
            )
            # One connection per update in flight, one for long polling.
            .request(AiohttpRequest(connection_pool_size=CONCURRENT_UPDATES))
            .get_updates_request(updates_request)
            # Updates are received and handed to the handlers by bot.telegram.intake.
            .updater(None)
            .build()
        )
        return cls(
            bot,
            application,
            telegram,
            webhook_secret,
            updates_request=updates_request,
            heartbeat_path=heartbeat_path,
            heartbeat_interval=heartbeat_interval,
        )

    @property
    def job_queue(self) -> JobQueue[Any]:
        """The application's job queue (its jobs run while the service runs)."""
        job_queue = self.application.job_queue
        if job_queue is None:
            raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
        return job_queue

    async def run(self, stop: asyncio.Event) -> None:
        """Receive and answer updates until ``stop`` is set; then shut down cleanly.

        Raises ``TokenRefused`` (after the same clean shutdown) when Telegram keeps refusing
        the token, and whatever else ended receiving.
        """
        application = self.application
        mode = self.telegram.mode
        heartbeat = Heartbeat(self.heartbeat_path, mode)
        ended: BaseException | None = None
        # Entered in order, left in reverse: the log is open before the first update and is
        # closed only once the application has stopped, after the updates in flight.
        async with self.bot.question_log, application:
            await set_command_menu(application.bot)
            await application.start()
            intake = Intake(
                application,
                self.bot.question_log,
                heartbeat,
                capacity=self.max_backlog,
                workers=CONCURRENT_UPDATES,
            )
            receiver = WebhookReceiver(intake)
            self.intake = intake
            tasks: list[asyncio.Task[None]] = []
            receiving_stop = asyncio.Event()
            try:
                tasks.append(asyncio.create_task(heartbeat.keep_writing(self.heartbeat_interval)))
                await intake.start()
                receiving = await self._start_receiving(intake, receiver, receiving_stop)
                tasks.extend(receiving)
                logger.info("bot @%s is up (%s)", application.bot.username, mode)
                self.ready.set()
                stopped = asyncio.create_task(stop.wait())
                await asyncio.wait([stopped, *receiving], return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                for task in receiving:
                    if task.done():
                        # Receiving ended by itself: TokenRefused, or a bug.
                        task.result()
                logger.info("stopping")
            except BaseException as error:
                ended = error
                raise
            finally:
                self.ready.clear()
                receiving_stop.set()
                await receiver.stop()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await intake.stop()
                if application.running:
                    await application.stop()
                # A clean stop leaves no heartbeat; a failure leaves its reason for health.
                if ended is None:
                    heartbeat.remove()
                else:
                    heartbeat.stopped(f"{type(ended).__name__}: {ended}")
                self.intake = None
        logger.info("stopped")

    async def _start_receiving(
        self, intake: Intake, receiver: WebhookReceiver, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """Start polling, or the webhook and its watch; the tasks that receive."""
        bot = self.application.bot
        if self.telegram.mode == "webhook":
            webhook = self.telegram.webhook
            await receiver.start(
                listen=webhook.listen,
                port=webhook.port,
                path=webhook.path,
                secret=self.webhook_secret,
            )
            await with_retries(
                "setting the webhook",
                lambda: bot.set_webhook(
                    url=webhook.url,
                    allowed_updates=list(ALLOWED_UPDATES),
                    secret_token=self.webhook_secret,
                ),
            )
            return [
                asyncio.create_task(receiver.watch(stop, webhook.url, self.heartbeat_interval))
            ]
        # A webhook left from an earlier run in webhook mode would make getUpdates fail.
        await with_retries("deleting the webhook", bot.delete_webhook)
        return [
            asyncio.create_task(
                poll_updates(
                    intake,
                    stop,
                    long_poll_seconds=LONG_POLL_SECONDS,
                    allowed_updates=ALLOWED_UPDATES,
                    poll_interval=self.telegram.poll_interval,
                    updates_request=self.updates_request,
                ),
                name="polling",
            )
        ]
