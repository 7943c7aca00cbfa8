"""The question log's queries for the analytics: ``QuestionLog``'s read-only methods.

A base class of ``bot.questionlog.log.QuestionLog``, so callers keep asking the log itself
(``log.count(...)``); the SQL is in ``queries``. Each runs on the query-only connection, so a
long export never holds up a flush. ``since`` None means the whole log; rows still queued are
not seen until flushed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta

import aiosqlite

from bot.engine.answers import Status
from bot.questionlog import queries
from bot.questionlog.queries import GroupColumn
from bot.questionlog.records import QuestionRecord


class LogQueries:
    """The analytics' queries over the reader connection ``QuestionLog`` opens."""

    _reader: aiosqlite.Connection | None

    def _query_connection(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("the question log is not open")
        return self._reader

    async def count(self, since: datetime | None = None) -> int:
        """Questions asked since ``since``."""
        return await queries.count(self._query_connection(), since)

    async def count_users(self, since: datetime | None = None) -> int:
        """Distinct users who asked since ``since``."""
        return await queries.count_users(self._query_connection(), since)

    async def counts_by(
        self, column: GroupColumn, since: datetime | None = None
    ) -> dict[str, int]:
        """Questions per status, language or channel."""
        return await queries.counts_by(self._query_connection(), column, since)

    async def counts_by_hour(
        self, since: datetime | None, utc_offset: timedelta
    ) -> dict[int, int]:
        """Questions per hour of the day (0-23) in the time zone ``utc_offset`` ahead of UTC."""
        return await queries.counts_by_hour(self._query_connection(), since, utc_offset)

    async def counts_by_day_and_status(
        self, since: datetime | None, utc_offset: timedelta
    ) -> list[tuple[str, str, int]]:
        """(local date ``YYYY-MM-DD``, status, questions), oldest day first."""
        reader = self._query_connection()
        return await queries.counts_by_day_and_status(reader, since, utc_offset)

    async def entry_counts(
        self,
        limit: int,
        since: datetime | None = None,
        statuses: Iterable[Status] = (Status.ANSWERED,),
    ) -> list[tuple[str, int]]:
        """The ``limit`` entries matched most often by questions with ``statuses``."""
        return await queries.entry_counts(self._query_connection(), limit, since, statuses)

    async def question_texts(
        self, statuses: Iterable[Status], since: datetime | None = None
    ) -> list[tuple[str, str, Status]]:
        """(normalized, text, status) of the questions with ``statuses``, oldest first."""
        return await queries.question_texts(self._query_connection(), statuses, since)

    async def records(self, since: datetime | None = None) -> AsyncIterator[QuestionRecord]:
        """Every logged question since ``since``, oldest first, streamed."""
        async for row in queries.records(self._query_connection(), since):
            yield row
