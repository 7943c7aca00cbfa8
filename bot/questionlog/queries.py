"""The analytics' read queries over the questions table, each on the query-only connection.

``since`` None means the whole log. Rows still queued in ``QuestionLog`` are not seen until
flushed; ``analytics`` flushes first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from typing import Any, Literal

import aiosqlite

from bot.engine.answers import Status
from bot.questionlog.records import COLUMNS, QuestionRecord, format_timestamp, record_from_values

GroupColumn = Literal["status", "language", "channel"]

_SELECT_RECORDS = f"SELECT {', '.join(COLUMNS)} FROM questions"


def _since_clause(since: datetime | None) -> tuple[str, list[Any]]:
    if since is None:
        return "1", []
    return "asked_at >= ?", [format_timestamp(since)]


def _offset_modifier(utc_offset: timedelta) -> str:
    """SQLite's date modifier shifting UTC to a local time ``utc_offset`` ahead."""
    return f"{round(utc_offset.total_seconds() / 60):+d} minutes"


async def _number(reader: aiosqlite.Connection, sql: str, params: list[Any]) -> int:
    """The one value of a query that returns one row of one number."""
    rows = list(await reader.execute_fetchall(sql, params))
    return int(rows[0][0])


async def count(reader: aiosqlite.Connection, since: datetime | None) -> int:
    """Questions asked since ``since``."""
    where, params = _since_clause(since)
    return await _number(reader, f"SELECT count(*) FROM questions WHERE {where}", params)


async def count_users(reader: aiosqlite.Connection, since: datetime | None) -> int:
    """Distinct users who asked since ``since``."""
    where, params = _since_clause(since)
    sql = f"SELECT count(DISTINCT user_hash) FROM questions WHERE {where}"
    return await _number(reader, sql, params)


async def counts_by(
    reader: aiosqlite.Connection, column: GroupColumn, since: datetime | None
) -> dict[str, int]:
    """Questions per status, language or channel."""
    if column not in ("status", "language", "channel"):
        raise ValueError(f"cannot group by {column!r}")
    where, params = _since_clause(since)
    sql = f"SELECT {column}, count(*) FROM questions WHERE {where} GROUP BY {column}"
    return {str(key): int(n) for key, n in await reader.execute_fetchall(sql, params)}


async def counts_by_hour(
    reader: aiosqlite.Connection, since: datetime | None, utc_offset: timedelta
) -> dict[int, int]:
    """Questions per hour of the day (0-23) in the time zone ``utc_offset`` ahead of UTC."""
    where, params = _since_clause(since)
    sql = (
        "SELECT CAST(strftime('%H', asked_at, ?) AS INTEGER) AS hour, count(*) "
        f"FROM questions WHERE {where} GROUP BY hour"
    )
    rows = await reader.execute_fetchall(sql, [_offset_modifier(utc_offset), *params])
    return {int(hour): int(n) for hour, n in rows}


async def counts_by_day_and_status(
    reader: aiosqlite.Connection, since: datetime | None, utc_offset: timedelta
) -> list[tuple[str, str, int]]:
    """(local date ``YYYY-MM-DD``, status, questions), oldest day first."""
    where, params = _since_clause(since)
    sql = (
        "SELECT date(asked_at, ?) AS day, status, count(*) "
        f"FROM questions WHERE {where} GROUP BY day, status ORDER BY day, status"
    )
    rows = await reader.execute_fetchall(sql, [_offset_modifier(utc_offset), *params])
    return [(str(day), str(status), int(n)) for day, status, n in rows]


async def entry_counts(
    reader: aiosqlite.Connection,
    limit: int,
    since: datetime | None,
    statuses: Iterable[Status],
) -> list[tuple[str, int]]:
    """The ``limit`` entries matched most often by questions with ``statuses``."""
    where, params = _since_clause(since)
    wanted = [status.value for status in statuses]
    marks = ", ".join("?" for _ in wanted)
    sql = (
        "SELECT entry_id, count(*) AS n FROM questions "
        f"WHERE {where} AND entry_id IS NOT NULL AND status IN ({marks}) "
        "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?"
    )
    rows = await reader.execute_fetchall(sql, [*params, *wanted, limit])
    return [(str(entry), int(n)) for entry, n in rows]


async def question_texts(
    reader: aiosqlite.Connection, statuses: Iterable[Status], since: datetime | None
) -> list[tuple[str, str, Status]]:
    """(normalized, text, status) of the questions with ``statuses``, oldest first."""
    where, params = _since_clause(since)
    wanted = [status.value for status in statuses]
    marks = ", ".join("?" for _ in wanted)
    sql = (
        "SELECT normalized, text, status FROM questions "
        f"WHERE {where} AND status IN ({marks}) ORDER BY asked_at, id"
    )
    rows = await reader.execute_fetchall(sql, [*params, *wanted])
    return [(str(normalized), str(text), Status(status)) for normalized, text, status in rows]


async def records(
    reader: aiosqlite.Connection, since: datetime | None
) -> AsyncIterator[QuestionRecord]:
    """Every logged question since ``since``, oldest first, streamed."""
    where, params = _since_clause(since)
    sql = f"{_SELECT_RECORDS} WHERE {where} ORDER BY asked_at, id"
    async with reader.execute(sql, params) as cursor:
        async for values in cursor:
            yield record_from_values(tuple(values))
