"""Receiving by webhook: an aiohttp handler that answers 200 only once an update is stored.

Telegram counts an update delivered at HTTP 200, so the handler answers 200 only once the
update is in the inbox, committed (or, when the inbox cannot be written, answered); while the
backlog is full it waits, and at shutdown it answers 503 so that Telegram posts again later.
(PTB's own webhook server answers 200 before anything is stored.)
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot.telegram.intake import Intake
from bot.telegram.waiting import Stopped, sleep_unless_stopped, unless_stopped

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookReceiver:
    """Listens for Telegram's posts and hands each update to ``intake``."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self._runner: web.AppRunner | None = None

    async def start(self, *, listen: str, port: int, path: str, secret: str | None) -> None:
        """Listen for Telegram's posts on ``listen:port/path``."""
        app = web.Application()
        app.router.add_post(f"/{path.strip('/')}", self._receive_post(secret))
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening; posts still waiting for room are answered 503 (Telegram retries).

        This is the intake closing too: its workers take no new update from the backlog.
        """
        self.intake.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _receive_post(
        self, secret: str | None
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        intake = self.intake

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if secret is not None and not hmac.compare_digest(given, secret):
                return web.Response(status=403)
            try:
                body = await request.text()
                data = json.loads(body)
                update = Update.de_json(data, intake.application.bot)
                update_id = int(data["update_id"])
            except (ValueError, KeyError, TypeError):
                return web.Response(status=400)
            intake.heartbeat.beat()
            waited = await unless_stopped(intake.closing, intake.backlog.wait_for_room())
            if isinstance(waited, Stopped):
                return web.Response(status=503)
            unstored = await intake.take([(update_id, body, update)])
            if unstored and isinstance(
                await unless_stopped(intake.closing, asyncio.gather(*unstored)), Stopped
            ):
                return web.Response(status=503)
            # Only now: the update is in the inbox, committed (or, failing that, answered).
            return web.Response(status=200)

        return receive

    async def watch(self, stop: asyncio.Event, url: str, interval: float) -> None:
        """Every ``interval``, check that Telegram still posts to ``url``; beat when it does.

        A webhook bot may receive nothing for hours; this is what tells health that it could.
        """
        bot = self.intake.application.bot
        heartbeat = self.intake.heartbeat
        while not stop.is_set():
            try:
                info = await bot.get_webhook_info()
            except TelegramError as error:
                heartbeat.failed(f"getWebhookInfo: {error}")
            else:
                last_error = info.last_error_date
                if info.url != url:
                    heartbeat.failed(f"the webhook is not set (Telegram has {info.url!r})")
                elif (
                    last_error is not None
                    and info.pending_update_count
                    and last_error > heartbeat.last_beat_at
                ):
                    heartbeat.failed(
                        f"Telegram cannot deliver {info.pending_update_count} updates: "
                        f"{info.last_error_message}"
                    )
                else:
                    heartbeat.beat()
            if not await sleep_unless_stopped(stop, interval):
                return
