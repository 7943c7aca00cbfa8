"""Taking updates in so that none is lost: the inbox, a bounded backlog, the workers.

An update is confirmed to Telegram (polling: the next getUpdates' ``offset``; webhook: HTTP 200)
only once it is in the inbox, a table of the question log, committed: ``Intake.take`` is that
step for both ways of receiving (``bot.telegram.polling``, ``bot.telegram.webhook``). Workers
answer updates from an in-memory backlog of at most ``capacity`` updates; when it is full the
poller stops fetching (Telegram keeps unconfirmed updates for 24 hours) instead of growing. An
answered update is marked so in the same transaction that writes the questions it logged. At
start the inbox's unanswered updates are answered first. So a ``kill -9`` at any moment loses
nothing: what was confirmed is in the inbox, what was not is still at Telegram. The price is at
most one repeated answer per update in flight at the kill (answered, but its mark not yet
written); its logged row is not repeated (``store.answering``). When the inbox cannot be
written (a failing disk, a closed log) updates are still answered, and confirmed only once
answered.

Why not python-telegram-bot's ``Updater``: it confirms an update with the getUpdates after the
one that fetched it, as soon as the update is in ``Application.update_queue``, and with
concurrent updates the Application empties that queue into one task per update at once: after
a crash every fetched update was confirmed and lost, and a burst held tens of thousands of
tasks in memory. Its retry loop also gives up for good on the first 401 *or 404*, and its
webhook server answers 200 before anything is stored. Fixing that from outside means replacing
its fetch loop, its queue consumer and its webhook handler, which is what this module and the
two receiving modules are: a getUpdates loop with our own retry policy, an aiohttp webhook
handler, and workers that hand each update to ``Application.process_update`` (handlers, error
handler and job queue stay PTB's).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from telegram import Update

from bot.heartbeat import Heartbeat
from bot.questionlog.inbox import InboxEntry, answering
from bot.questionlog.log import QuestionLog
from bot.telegram.backlog import Backlog, Taken
from bot.telegram.ptb import App

logger = logging.getLogger(__name__)

# Updates held in memory (waiting or being answered). At about 10 KB each this is a few MB; at
# Telegram's 30 messages a second it is over 15 s of work, so the workers never starve.
MAX_BACKLOG = 500
# At stop, how long updates being answered may take to finish; the rest stay in the inbox.
FINISH_SECONDS = 20.0


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
    ) -> None:
        self.application = application
        self.log = log
        self.heartbeat = heartbeat
        self.backlog = Backlog(capacity)
        self._worker_count = workers
        self._workers: list[asyncio.Task[None]] = []
        self._idle: set[asyncio.Task[None]] = set()
        # Set at stop (or when the webhook stops): workers take no new update, and posts
        # waiting for room are turned away.
        self.closing = asyncio.Event()
        self._inbox_failing = False

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
        while not self.closing.is_set():
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
        self.closing.set()
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
