"""The admins' audit trail: knowledge versions made live, and unanswered questions dealt with.

Rare writes: each is one statement that ``QuestionLog`` commits on the write connection (between
the flusher's batches) and awaits, unlike questions. Reads go to the query-only connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.questionlog.records import encodable, format_timestamp, parse_timestamp

# One statement and its parameters, run and committed on the write connection.
Write = Callable[[str, Sequence[Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class KnowledgeVersionRecord:
    """One row of the audit table: a knowledge version made live, by whom, when and how."""

    version: str
    applied_at: datetime
    applied_by: str
    action: str
    previous: str | None


@dataclass(frozen=True, slots=True)
class DismissedQuestion:
    """An unanswered question an admin dealt with, so ``/unanswered`` no longer shows it."""

    normalized: str
    text: str
    dismissed_at: datetime
    dismissed_by: str
    # "dismissed", or "phrasing of <entry id>" when it was added to an entry.
    resolution: str


async def record_knowledge_version(
    write: Write,
    version: str,
    applied_by: str,
    action: str,
    previous: str | None,
    applied_at: datetime,
    snapshot: str | None,
) -> None:
    """Note that ``version`` went live; a ``snapshot`` already noted is not noted twice."""
    await write(
        "INSERT OR IGNORE INTO knowledge_versions "
        "(version, applied_at, applied_by, action, previous, snapshot) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [version, format_timestamp(applied_at), applied_by, action, previous, snapshot],
    )


async def recorded_snapshots(reader: aiosqlite.Connection) -> set[str]:
    """The knowledge history's snapshots the audit table has a row for."""
    rows = await reader.execute_fetchall(
        "SELECT snapshot FROM knowledge_versions WHERE snapshot IS NOT NULL", []
    )
    return {str(snapshot) for (snapshot,) in rows}


async def knowledge_versions(
    reader: aiosqlite.Connection, limit: int
) -> list[KnowledgeVersionRecord]:
    """The ``limit`` latest rows of the audit table, newest first."""
    rows = await reader.execute_fetchall(
        "SELECT version, applied_at, applied_by, action, previous FROM knowledge_versions "
        "ORDER BY applied_at DESC, id DESC LIMIT ?",
        [limit],
    )
    return [
        KnowledgeVersionRecord(
            str(version),
            parse_timestamp(applied_at),
            str(by),
            str(action),
            None if previous is None else str(previous),
        )
        for version, applied_at, by, action, previous in rows
    ]


async def dismiss_question(
    write: Write,
    normalized: str,
    text: str,
    dismissed_by: str,
    resolution: str,
    dismissed_at: datetime,
) -> None:
    """Note ``normalized`` as dealt with (a second dismissal replaces the first)."""
    await write(
        "INSERT INTO dismissed_questions "
        "(normalized, text, dismissed_at, dismissed_by, resolution) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (normalized) DO UPDATE SET text = excluded.text, "
        "dismissed_at = excluded.dismissed_at, dismissed_by = excluded.dismissed_by, "
        "resolution = excluded.resolution",
        [
            encodable(normalized),
            encodable(text),
            format_timestamp(dismissed_at),
            dismissed_by,
            resolution,
        ],
    )


async def dismissed_questions(reader: aiosqlite.Connection) -> list[DismissedQuestion]:
    """Every dismissed question, oldest first."""
    rows = await reader.execute_fetchall(
        "SELECT normalized, text, dismissed_at, dismissed_by, resolution "
        "FROM dismissed_questions ORDER BY dismissed_at, normalized",
        [],
    )
    return [
        DismissedQuestion(str(n), str(t), parse_timestamp(at), str(by), str(resolution))
        for n, t, at, by, resolution in rows
    ]
