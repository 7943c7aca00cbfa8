"""The Telegram bot's inbox, kept in the question log's file.

Every update the bot took from Telegram is written before Telegram is told it arrived, and
marked answered in the same transaction as the questions it logged. A killed bot answers at its
next start what the inbox still holds; the rows of an update answered again get the same ids
(``answering``), so nothing is logged twice. The write lock is the caller's (``QuestionLog``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.questionlog.records import encodable, format_timestamp, parse_timestamp, record_ids_from

# Telegram keeps an update it was not told arrived for 24 hours and may send it again within
# them; the inbox remembers answered updates a little longer, so a second copy is recognised.
INBOX_REMEMBERS = timedelta(hours=25)

# Answered updates that arrived before the parameter (INBOX_REMEMBERS ago).
PURGE_ANSWERED = "DELETE FROM inbox WHERE body IS NULL AND received_at < ?"


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """An update in the inbox: its Telegram id, when it first arrived, its JSON."""

    update_id: int
    received_at: datetime
    body: str

    @property
    def key(self) -> str:
        """What the ids of the rows logged while answering it are made of.

        Update ids restart at random after a week without updates, so the time of arrival is
        part of it: a later update with an old id still gets new row ids.
        """
        return f"u{self.update_id}@{format_timestamp(self.received_at)}"


@contextlib.contextmanager
def answering(entry: InboxEntry) -> Iterator[None]:
    """Within this block (and the tasks it starts) logged rows take their ids from ``entry``."""
    with record_ids_from(entry.key):
        yield


async def add(
    writer: aiosqlite.Connection, updates: Sequence[tuple[int, str]], received_at: datetime
) -> list[InboxEntry]:
    """Insert ``(update_id, JSON)`` pairs and commit; return those not already in the inbox."""
    stamp = format_timestamp(received_at)
    payload = json.dumps(
        [[update_id, stamp, encodable(body)] for update_id, body in updates],
        ensure_ascii=False,
    )
    try:
        rows = await writer.execute_fetchall(
            "INSERT INTO inbox (update_id, received_at, body) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]') FROM json_each(?) WHERE true "
            "ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
            (payload,),
        )
        await writer.commit()
    except BaseException:
        await writer.rollback()
        raise
    new = {int(row[0]) for row in rows}
    return [
        InboxEntry(update_id, received_at, body) for update_id, body in updates if update_id in new
    ]


async def mark_answered(writer: aiosqlite.Connection, update_ids: list[int]) -> None:
    """Mark inbox entries answered, uncommitted; rolled back if that fails."""
    try:
        await writer.execute(
            "UPDATE inbox SET body = NULL, answered_at = ? "
            "WHERE update_id IN (SELECT value FROM json_each(?))",
            (format_timestamp(datetime.now(UTC)), json.dumps(update_ids)),
        )
    except BaseException:
        await writer.rollback()
        raise


async def waiting(reader: aiosqlite.Connection) -> list[InboxEntry]:
    """Every inbox entry not yet answered, oldest update first."""
    rows = await reader.execute_fetchall(
        "SELECT update_id, received_at, body FROM inbox WHERE body IS NOT NULL ORDER BY update_id",
        [],
    )
    return [
        InboxEntry(int(update_id), parse_timestamp(received_at), str(body))
        for update_id, received_at, body in rows
    ]
