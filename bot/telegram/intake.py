"""Receiving updates so that none is lost: the inbox, a bounded backlog, polling, the webhook.

An update is confirmed to Telegram (polling: the next getUpdates' ``offset``; webhook: HTTP 200)
only once it is in the inbox, a table of the question log, committed. Workers answer updates
from an in-memory backlog of at most ``capacity`` updates; when it is full the poller stops
fetching (Telegram keeps unconfirmed updates for 24 hours) instead of growing. An answered
update is marked so in the same transaction that writes the questions it logged. At start the
inbox's unanswered updates are answered first. So a ``kill -9`` at any moment loses nothing:
what was confirmed is in the inbox, what was not is still at Telegram. The price is at most one
repeated answer per update in flight at the kill (answered, but its mark not yet written); its
logged row is not repeated (``store.answering``). When the inbox cannot be written (a
failing disk, a closed log) updates are still answered, and confirmed only once answered.

Why not python-telegram-bot's ``Updater``: it confirms an update with the getUpdates after the
one that fetched it, as soon as the update is in ``Application.update_queue``, and with
concurrent updates the Application empties that queue into one task per update at once: after
a crash every fetched update was confirmed and lost, and a burst held tens of thousands of
tasks in memory. Its retry loop also gives up for good on the first 401 *or 404* (both are
``InvalidToken`` to PTB), leaving the process up and deaf. Its webhook server answers 200
before anything is stored. Fixing that from outside means replacing its fetch loop, its queue
consumer and its webhook handler, which is what this module is, and it is short: a getUpdates
loop with our own retry policy, an aiohttp webhook handler, and workers that hand each update
to ``Application.process_update`` (handlers, error handler and job queue stay PTB's).

Retries: 404, 409, 5xx, timeouts and dropped connections are retried for ever with a capped
backoff (a reverse proxy or a self-hosted Bot API server restarting says 404 for a while); 429
waits its ``retry_after``. 401 (the token was revoked) is retried a few times and then ends the
bot with ``TokenRefused``, so that the service manager restarts it and someone notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.heartbeat import Heartbeat
from bot.questionlog.inbox import InboxEntry, answering
from bot.questionlog.log import QuestionLog
from bot.telegram.backlog import Backlog, Taken
from bot.telegram.http import StatusRecordingRequest
from bot.telegram.ptb import App
from bot.telegram.ratelimit import retry_after_seconds

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Updates held in memory (waiting or being answered). At about 10 KB each this is a few MB; at
# Telegram's 30 messages a second it is over 15 s of work, so the workers never starve.
MAX_BACKLOG = 500
# Telegram's own maximum per getUpdates.
GET_UPDATES_LIMIT = 100
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# 401 on this many getUpdates in a row (about 8 s with the backoff) ends the bot.
UNAUTHORIZED_GIVE_UP = 5
# Setting or deleting the webhook at start: attempts before the start fails.
BOOTSTRAP_ATTEMPTS = 4
# At stop, how long updates being answered may take to finish; the rest stay in the inbox.
FINISH_SECONDS = 20.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TokenRefused(RuntimeError):
    """Telegram answered 401 Unauthorized to every recent getUpdates: the token is no good."""


class _Stopped:
    """What ``_unless_stopped`` returns when the stop came first."""


STOPPED = _Stopped()


async def _unless_stopped(stop: asyncio.Event, awaitable: Awaitable[T]) -> T | _Stopped:
    """``awaitable``'s result, or ``STOPPED`` (it cancelled) once ``stop`` is set."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopper), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        return STOPPED
    return task.result()


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds``; False when ``stop`` was set first."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
    return not stop.is_set()


class Intake:
    """Takes updates from Telegram into the inbox and the backlog, and answers them."""

    def __init__(
        self,
        application: App,
        log: QuestionLog,
        heartbeat: Heartbeat,
        *,
        capacity: int = MAX_BACKLOG,
        workers: int = 16,
        updates_request: StatusRecordingRequest | None = None,
    ) -> None:
        self.application = application
        self.log = log
        self.heartbeat = heartbeat
        self.backlog = Backlog(capacity)
        self._worker_count = workers
        self._updates_request = updates_request
        self._workers: list[asyncio.Task[None]] = []
        self._idle: set[asyncio.Task[None]] = set()
        self._closing = asyncio.Event()
        self._webhook_runner: web.AppRunner | None = None
        self._inbox_failing = False

    # --- answering -----------------------------------------------------------------------

    async def start(self) -> None:
        """Put the inbox's unanswered updates (a previous run's) first, start the workers."""
        waiting = await self.log.inbox_waiting()
        for entry in waiting:
            try:
                update = Update.de_json(json.loads(entry.body), self.application.bot)
            except Exception:
                # Unreadable: it can never be answered, and must not block every start.
                logger.exception("inbox: update %s cannot be read; dropped", entry.update_id)
                self.log.inbox_answered(entry.update_id)
                continue
            self.backlog.put(Taken(entry, update))
        if waiting:
            logger.info("inbox: answering %d updates the last run had not answered", len(waiting))
        self._workers = [
            asyncio.create_task(self._work(), name=f"answer-{number}")
            for number in range(self._worker_count)
        ]

    async def take(self, updates: Sequence[tuple[int, str, Update]]) -> list[asyncio.Future[None]]:
        """Write ``(update_id, JSON, update)`` to the inbox, then queue the new ones.

        When the inbox cannot be written the updates are queued all the same (a failing disk
        must not make the bot deaf), and the futures returned are set once each is answered:
        the caller confirms them to Telegram only then.
        """
        try:
            entries = await self.log.inbox_add([(u_id, body) for u_id, body, _ in updates])
        except Exception as error:
            self.heartbeat.failed(f"inbox: {error}")
            if not self._inbox_failing:
                logger.exception("inbox: cannot store updates; answering them before confirming")
            self._inbox_failing = True
            now = datetime.now(UTC)
            loop = asyncio.get_running_loop()
            taken = [
                Taken(InboxEntry(u_id, now, body), update, loop.create_future())
                for u_id, body, update in updates
            ]
        else:
            if self._inbox_failing:
                logger.info("inbox: storing updates again")
            self._inbox_failing = False
            parsed = {update_id: update for update_id, _, update in updates}
            taken = [Taken(entry, parsed[entry.update_id]) for entry in entries]
        for item in taken:
            self.backlog.put(item)
        return [item.answered for item in taken if item.answered is not None]

    async def _work(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        while not self._closing.is_set():
            self._idle.add(task)
            try:
                taken = await self.backlog.get()
            finally:
                self._idle.discard(task)
            try:
                with answering(taken.entry):
                    await self.application.process_update(taken.update)
            except Exception:
                # PTB hands handler errors to the error handler; this is anything else. The
                # update counts as answered: answering it again would fail again.
                logger.exception("answering update %s failed", taken.entry.update_id)
            # Only after the handlers returned: an answer cut short by a kill or by shutdown
            # leaves the update in the inbox, to be answered at the next start.
            if taken.answered is None:
                try:
                    self.log.inbox_answered(taken.entry.update_id)
                except RuntimeError:
                    # The log closed under us: the update is answered again at next start.
                    logger.exception(
                        "inbox: cannot mark update %s answered", taken.entry.update_id
                    )
            elif not taken.answered.done():
                taken.answered.set_result(None)
            self.backlog.done()
            self.heartbeat.beat()

    async def stop(self) -> None:
        """Let the updates being answered finish (bounded); the rest stay in the inbox."""
        self._closing.set()
        for task in list(self._idle):
            task.cancel()
        if not self._workers:
            return
        _, late = await asyncio.wait(self._workers, timeout=FINISH_SECONDS)
        for task in late:
            logger.warning(
                "stopping: an update took over %.0fs; it is answered at the next start",
                FINISH_SECONDS,
            )
            task.cancel()
        results = await asyncio.gather(*self._workers, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                logger.error("an answering task failed", exc_info=result)
        self._workers = []

    # --- polling ---------------------------------------------------------------------------

    async def poll(
        self,
        stop: asyncio.Event,
        *,
        long_poll_seconds: int,
        allowed_updates: Sequence[str],
        poll_interval: float = 0.0,
    ) -> None:
        """Long-poll getUpdates until ``stop``; ``TokenRefused`` after persistent 401s."""
        bot = self.application.bot
        offset: int | None = None
        failures = 0
        refused = 0
        while not stop.is_set():
            if isinstance(await _unless_stopped(stop, self.backlog.wait_for_room()), _Stopped):
                return
            limit = min(GET_UPDATES_LIMIT, self.backlog.room)
            delay = 0.0
            # A long poll after a successful one is a bot listening, however long it waits.
            self.heartbeat.listening = failures == 0
            try:
                result = await _unless_stopped(
                    stop,
                    bot.get_updates(
                        offset=offset,
                        limit=limit,
                        timeout=long_poll_seconds,
                        allowed_updates=list(allowed_updates),
                    ),
                )
                if isinstance(result, _Stopped):
                    return
                updates = result
            except RetryAfter as error:
                delay = retry_after_seconds(error)
                failures += 1
                self.heartbeat.failed(f"getUpdates: {error}")
                logger.warning("getting updates failed: %s; waiting %.0fs", error, delay)
            except InvalidToken as error:
                failures += 1
                status = self._updates_request.last_status if self._updates_request else 401
                self.heartbeat.failed(f"getUpdates: HTTP {status or '?'}: {error}")
                if status == 401:
                    refused += 1
                    if refused >= UNAUTHORIZED_GIVE_UP:
                        raise TokenRefused(
                            f"Telegram refused the bot's token {refused} times in a row "
                            f"(401 Unauthorized: {error}): TELEGRAM_BOT_TOKEN is wrong or was "
                            "revoked"
                        ) from error
                else:
                    refused = 0
                delay = self._backoff(failures)
                logger.warning(
                    "getting updates failed: HTTP %s %s; retry in %.1fs%s",
                    status or "?",
                    error,
                    delay,
                    f" (401 {refused} of {UNAUTHORIZED_GIVE_UP})" if refused else "",
                )
            except TimedOut as error:
                # The long poll's answer did not come in time: ask again at once, the first
                # time (a timeout that comes at once, again and again, must not spin).
                failures += 1
                delay = 0.0 if failures == 1 else self._backoff(failures - 1)
                self.heartbeat.failed(f"getUpdates: {error}")
                logger.warning("getting updates failed: %s; retry in %.1fs", error, delay)
            except TelegramError as error:
                failures += 1
                refused = 0
                delay = self._backoff(failures)
                self.heartbeat.failed(f"getUpdates: {error}")
                logger.warning("getting updates failed: %s; retry in %.1fs", error, delay)
            else:
                self.heartbeat.listening = False
                self.heartbeat.beat()
                if failures:
                    logger.info("getting updates works again after %d failures", failures)
                failures = refused = 0
                if updates:
                    unstored = await self.take([(u.update_id, u.to_json(), u) for u in updates])
                    if unstored and isinstance(
                        await _unless_stopped(stop, asyncio.gather(*unstored)), _Stopped
                    ):
                        # Not confirmed: Telegram sends them again to the next run.
                        return
                    offset = updates[-1].update_id + 1
                delay = max(delay, poll_interval)
            if delay and not await _sleep_unless_stopped(stop, delay):
                return

    @staticmethod
    def _backoff(failures: int) -> float:
        return float(min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (failures - 1)))

    # --- the webhook -----------------------------------------------------------------------

    async def start_webhook(
        self, *, listen: str, port: int, path: str, secret: str | None
    ) -> None:
        """Listen for Telegram's posts on ``listen:port/path``."""
        app = web.Application()
        app.router.add_post(f"/{path.strip('/')}", self._receive_post(secret))
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        await web.TCPSite(runner, listen, port).start()
        self._webhook_runner = runner

    async def stop_webhook(self) -> None:
        """Stop listening; posts still waiting for room are answered 503 (Telegram retries)."""
        self._closing.set()
        if self._webhook_runner is not None:
            await self._webhook_runner.cleanup()
            self._webhook_runner = None

    def _receive_post(self, secret: str | None) -> Any:
        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if secret is not None and not hmac.compare_digest(given, secret):
                return web.Response(status=403)
            try:
                body = await request.text()
                data = json.loads(body)
                update = Update.de_json(data, self.application.bot)
                update_id = int(data["update_id"])
            except (ValueError, KeyError, TypeError):
                return web.Response(status=400)
            self.heartbeat.beat()
            waited = await _unless_stopped(self._closing, self.backlog.wait_for_room())
            if isinstance(waited, _Stopped):
                return web.Response(status=503)
            unstored = await self.take([(update_id, body, update)])
            if unstored and isinstance(
                await _unless_stopped(self._closing, asyncio.gather(*unstored)), _Stopped
            ):
                return web.Response(status=503)
            # Only now: the update is in the inbox, committed (or, failing that, answered).
            return web.Response(status=200)

        return receive

    async def watch_webhook(self, stop: asyncio.Event, url: str, interval: float) -> None:
        """Every ``interval``, check that Telegram still posts to ``url``; beat when it does.

        A webhook bot may receive nothing for hours; this is what tells health that it could.
        """
        bot = self.application.bot
        while not stop.is_set():
            try:
                info = await bot.get_webhook_info()
            except TelegramError as error:
                self.heartbeat.failed(f"getWebhookInfo: {error}")
            else:
                last_error = info.last_error_date
                if info.url != url:
                    self.heartbeat.failed(f"the webhook is not set (Telegram has {info.url!r})")
                elif (
                    last_error is not None
                    and info.pending_update_count
                    and last_error > self.heartbeat.last_beat_at
                ):
                    self.heartbeat.failed(
                        f"Telegram cannot deliver {info.pending_update_count} updates: "
                        f"{info.last_error_message}"
                    )
                else:
                    self.heartbeat.beat()
            if not await _sleep_unless_stopped(stop, interval):
                return


async def with_retries(
    description: str,
    action: Callable[[], Awaitable[object]],
    attempts: int = BOOTSTRAP_ATTEMPTS,
) -> None:
    """Run ``action`` (setting or deleting the webhook at start), retrying Telegram errors."""
    for attempt in range(1, attempts + 1):
        try:
            await action()
            return
        except TelegramError as error:
            if attempt == attempts:
                raise
            delay = (
                retry_after_seconds(error)
                if isinstance(error, RetryAfter)
                else Intake._backoff(attempt)
            )
            logger.warning(
                "%s failed: %s; retry %d of %d in %.1fs",
                description,
                error,
                attempt,
                attempts - 1,
                delay,
            )
            await asyncio.sleep(delay)
