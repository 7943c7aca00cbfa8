"""The question log: every question asked, kept in SQLite and written in the background.

``QuestionLog.record`` only appends to an in-memory queue, so a reply never waits for the disk.
A background task writes the whole queue in one transaction at least every flush interval
(sooner when many rows wait), and ``close`` writes what is left. With the WAL journal a killed
process (even SIGKILL) loses at most the rows not yet written and never leaves a corrupt file.

One connection writes (the flusher, purges, migrations, the inbox, the audit trail); a second,
query-only connection serves the analytics, so a long export never holds up a flush.
``QuestionLog`` is the one interface; the SQL lives by concern in ``migrations``, ``queries``
(its methods in ``reading.LogQueries``, a base class), ``audit`` (its methods in
``auditing.LogAudit``, another), ``inbox``, ``feedback`` and ``conversations``, and each method
hands it the connection it may use.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from bot.config import StorageSettings
from bot.engine.answers import Language
from bot.questionlog import connections, conversations, feedback, inbox
from bot.questionlog.auditing import LogAudit
from bot.questionlog.inbox import INBOX_REMEMBERS, InboxEntry
from bot.questionlog.migrations import MIGRATIONS, Migration, applied_migrations, check_names
from bot.questionlog.reading import LogQueries
from bot.questionlog.records import QuestionRecord, format_timestamp

logger = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 1000
# When the disk keeps failing, the queue would otherwise grow without bound; beyond this many
# unwritten rows new questions are counted and dropped rather than exhausting memory. It also
# bounds one transaction: a flush writes the whole queue.
DEFAULT_MAX_PENDING_ROWS = 100_000
# Log a persistent write failure on its first occurrence and then once a minute, not every tick.
_FAILURE_LOG_EVERY = 60
_DROP_LOG_EVERY = 1000
_INBOX_PURGE_EVERY_SECONDS = 3600.0


class QuestionLog(LogQueries, LogAudit):
    """The question log. ``open`` before use, ``close`` at shutdown (it writes what is queued).

    The queue is written every ``flush_interval_seconds``, or as soon as ``batch_rows`` rows
    wait. ``record`` must be called from the event loop's thread.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        flush_interval_seconds: float = 1.0,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        max_pending_rows: int = DEFAULT_MAX_PENDING_ROWS,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        if flush_interval_seconds <= 0:
            raise ValueError("flush_interval_seconds must be positive")
        if batch_rows < 1 or max_pending_rows < batch_rows:
            raise ValueError("need 1 <= batch_rows <= max_pending_rows")
        check_names(migrations)
        self.path = Path(path)
        self.flush_interval_seconds = flush_interval_seconds
        self._batch_rows = batch_rows
        self._max_pending_rows = max_pending_rows
        self._migrations = tuple(migrations)
        self._pending: deque[QuestionRecord] = deque()
        # Inbox entries answered, to be marked so with the next flush of the rows.
        self._answered: deque[int] = deque()
        # The messages of replies sent, for ``replies`` (bot.questionlog.feedback).
        self._replies: deque[feedback.ReplyRow] = deque()
        self._inbox_purged_at = -math.inf
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._closing = False
        self._written = 0
        self._dropped = 0
        self._failed_flushes = 0

    @classmethod
    def from_settings(cls, storage: StorageSettings) -> QuestionLog:
        """The log configured by ``storage`` (``storage.path``, flush interval)."""
        return cls(storage.path, flush_interval_seconds=storage.flush_interval_seconds)

    @property
    def pending(self) -> int:
        """Rows recorded but not yet written."""
        return len(self._pending)

    @property
    def written(self) -> int:
        """Rows this instance has inserted."""
        return self._written

    @property
    def dropped(self) -> int:
        """Rows refused because too many were waiting for a failing disk."""
        return self._dropped

    async def __aenter__(self) -> QuestionLog:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Create the file and its folder if needed, migrate, and start the flusher."""
        if self._writer is not None:
            raise RuntimeError("the question log is already open")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writer, reader = await connections.open_connections(self.path, self._migrations)
        self._writer, self._reader = writer, reader
        self._closing = False
        # Fresh for this event loop, in case the log is reopened under another one.
        self._wake = asyncio.Event()
        self._write_lock = asyncio.Lock()
        self._flusher = asyncio.create_task(self._flush_periodically(), name="question-log")

    async def close(self) -> None:
        """Stop the flusher, write every queued row, and close the connections."""
        if self._writer is None:
            return
        self._closing = True
        self._wake.set()
        if self._flusher is not None:
            # wait() rather than await: a flusher cancelled by a shutting-down loop must not
            # stop the final flush below.
            await asyncio.wait([self._flusher])
            self._flusher = None
        try:
            await self.flush()
        except Exception:
            logger.exception("question log: %d rows could not be written at close", self.pending)
            raise
        finally:
            writer, reader = self._writer, self._reader
            self._writer = self._reader = None
            if reader is not None:
                await reader.close()
            await writer.close()

    def record(self, row: QuestionRecord) -> None:
        """Queue ``row`` for writing. Never touches the disk, never waits."""
        if self._writer is None or self._closing:
            raise RuntimeError("the question log is not open")
        if len(self._pending) >= self._max_pending_rows:
            self._dropped += 1
            if self._dropped % _DROP_LOG_EVERY == 1:
                logger.error(
                    "question log: %d rows waiting for the disk; %d questions dropped so far",
                    len(self._pending),
                    self._dropped,
                )
            return
        self._pending.append(row)
        if len(self._pending) == self._batch_rows:
            self._wake.set()

    def record_reply(
        self,
        chat_hash: str,
        message_id: int,
        record_id: str,
        *,
        keyboard: str | None = None,
        language: Language | None = None,
    ) -> None:
        """Queue the note that message ``message_id`` answers ``record_id`` in the chat whose
        pseudonym is ``chat_hash`` (never its id: TypeError). ``keyboard`` (JSON) and
        ``language``: for the message carrying the reply's 👍/👎 row, to redraw it."""
        feedback.check_chat_hash(chat_hash)
        if self._writer is None or self._closing:
            raise RuntimeError("the question log is not open")
        if len(self._replies) < self._max_pending_rows:
            code = language.value if language is not None else None
            self._replies.append((chat_hash, message_id, record_id, keyboard, code))

    async def flush(self) -> int:
        """Write every queued row, reply and answered mark, in one transaction; return new
        rows."""
        writer = self._require(self._writer)
        async with self._write_lock:
            if not self._pending and not self._answered and not self._replies:
                return 0
            # The whole queue in one transaction: two round trips to the connection's thread
            # however many rows, which is what keeps up when the event loop is busy. An
            # update's answered mark is queued after its rows, so it never reaches the disk
            # before them: a crash before this commit leaves the update to be answered again.
            batch = list(self._pending)
            self._pending.clear()
            answered = list(self._answered)
            self._answered.clear()
            replies = list(self._replies)
            self._replies.clear()
            try:
                if answered:
                    # Begins the transaction that insert_batch commits (or rolls back).
                    await inbox.mark_answered(writer, answered)
                if replies:
                    await feedback.insert_replies(writer, replies)
                inserted = await connections.insert_batch(writer, batch)
            except BaseException:
                # Failed or cancelled: the rows go back to the front of the queue. A cancelled
                # write may still have committed on the connection's thread; the unique
                # record_id then makes the retry insert nothing.
                self._pending.extendleft(reversed(batch))
                self._answered.extendleft(reversed(answered))
                self._replies.extendleft(reversed(replies))
                raise
            self._written += inserted
        await self._purge_inbox_now_and_then()
        return inserted

    # The Telegram bot's inbox.

    async def inbox_add(
        self, updates: Sequence[tuple[int, str]], *, received_at: datetime | None = None
    ) -> list[InboxEntry]:
        """Write ``(update_id, JSON)`` pairs to the inbox and commit; return the new entries.

        An update already in the inbox (waiting, or answered within ``INBOX_REMEMBERS``) is
        not new: Telegram sent it again, and it is not to be answered twice.
        """
        if not updates:
            return []
        writer = self._require(self._writer)
        if self._closing:
            raise RuntimeError("the question log is closing")
        moment = received_at if received_at is not None else datetime.now(UTC)
        async with self._write_lock:
            return await inbox.add(writer, updates, moment)

    def inbox_answered(self, update_id: int) -> None:
        """Mark an inbox entry answered, with the next flush (after the rows it logged)."""
        if self._writer is None:
            raise RuntimeError("the question log is not open")
        self._answered.append(update_id)

    async def inbox_waiting(self) -> list[InboxEntry]:
        """Every inbox entry not yet answered, oldest update first."""
        return await inbox.waiting(self._require(self._reader))

    async def purge_inbox(self, *, now: datetime | None = None) -> int:
        """Forget answered updates Telegram can no longer send again; return how many."""
        cutoff = (now if now is not None else datetime.now(UTC)) - INBOX_REMEMBERS
        writer = self._require(self._writer)
        async with self._write_lock:
            return await connections.delete_committed(
                writer, inbox.PURGE_ANSWERED, format_timestamp(cutoff)
            )

    async def _purge_inbox_now_and_then(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._inbox_purged_at < _INBOX_PURGE_EVERY_SECONDS:
            return
        self._inbox_purged_at = now
        await self.purge_inbox()

    async def purge_older_than(self, days: int, *, now: datetime | None = None) -> int:
        """Delete rows asked more than ``days`` days before ``now``; return how many."""
        if days < 0:
            raise ValueError("days must not be negative")
        moment = now if now is not None else datetime.now(UTC)
        writer = self._require(self._writer)
        stamp = format_timestamp(moment - timedelta(days=days))
        routing_days = min(days, conversations.EDITOR_ROUTING_DAYS)
        route_stamp = format_timestamp(moment - timedelta(days=routing_days))
        async with self._write_lock:
            # Feedback, answers noted for follow-ups and questions to the editors go with the
            # questions; a reply's route (a raw chat id) after a week at most.
            for statement in (*feedback.PURGE_OLDER_THAN, *conversations.PURGE_OLDER_THAN):
                await connections.delete_committed(writer, statement, stamp)
            await connections.delete_committed(writer, conversations.CLEAR_OLD_ROUTES, route_stamp)
            deleted = await connections.delete_committed(
                writer, "DELETE FROM questions WHERE asked_at < ?", stamp
            )
            # What was deleted is zeroed (secure_delete): out of the WAL too, into the file.
            await writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    async def applied_migrations(self) -> list[tuple[str, str]]:
        """(name, applied_at) of every migration applied to this database, in order."""
        return await applied_migrations(self._require(self._reader))

    # Small tables of other modules (bot.questionlog.conversations): rare statements, awaited.

    async def write(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement on the write connection, committed; the rows it returned."""
        writer = self._require(self._writer)
        async with self._write_lock:
            try:
                rows = list(await writer.execute_fetchall(sql, params))
                await writer.commit()
            except BaseException:
                await writer.rollback()
                raise
        return rows

    async def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one query on the query-only connection."""
        return list(await self._require(self._reader).execute_fetchall(sql, params))

    # Internals.

    @staticmethod
    def _require(connection: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if connection is None:
            raise RuntimeError("the question log is not open")
        return connection

    async def _write(self, sql: str, params: Sequence[Any]) -> None:
        """One statement on the write connection, committed (between the flusher's batches)."""
        writer = self._require(self._writer)
        async with self._write_lock:
            await connections.execute_committed(writer, sql, params)

    async def _flush_periodically(self) -> None:
        loop = asyncio.get_running_loop()
        last_start = loop.time()
        while True:
            await self._wait_for_next_flush(last_start + self.flush_interval_seconds)
            if self._closing:
                return
            last_start = loop.time()
            try:
                await self.flush()
            except Exception:
                self._failed_flushes += 1
                if self._failed_flushes % _FAILURE_LOG_EVERY == 1:
                    logger.exception(
                        "question log: write failed (%d in a row); %d rows kept for retry",
                        self._failed_flushes,
                        self.pending,
                    )
            else:
                if self._failed_flushes:
                    logger.warning(
                        "question log: writing again after %d failed attempts",
                        self._failed_flushes,
                    )
                self._failed_flushes = 0

    async def _wait_for_next_flush(self, deadline: float) -> None:
        """Wait until ``deadline``, a full batch, or close, whichever comes first.

        The deadline is one interval after the previous flush started, so a row waits at most
        an interval (plus the write) however long that write took. After a failed write the
        whole interval is waited, full batch or not: retrying a failing disk at once would spin.
        """
        loop = asyncio.get_running_loop()
        while not self._closing and loop.time() < deadline:
            if not self._failed_flushes and len(self._pending) >= self._batch_rows:
                return
            self._wake.clear()
            try:
                async with asyncio.timeout_at(deadline):
                    await self._wake.wait()
            except TimeoutError:
                return
