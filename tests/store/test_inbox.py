"""The Telegram bot's inbox in the question log: migration 0003, stored before confirmed,
answered marks written with the rows, second copies recognised, old marks forgotten."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.questionlog import connections
from bot.questionlog.inbox import INBOX_REMEMBERS, answering
from bot.questionlog.log import QuestionLog
from bot.questionlog.migrations import MIGRATIONS
from bot.questionlog.records import QuestionRecord
from tests.store.conftest import NO_AUTOMATIC_FLUSH, count_rows, make_record

BODY = '{"update_id": %d, "message": {"text": "小面营收"}}'


def inbox_rows(path: Path) -> list[tuple[int, bool]]:
    """(update_id, answered) of every inbox row, read through a connection of its own."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT update_id, body IS NULL FROM inbox ORDER BY update_id")
        return [(int(update_id), bool(answered)) for update_id, answered in rows]


def test_the_inbox_is_migration_0003() -> None:
    """The inbox is the third recorded migration (another may follow it, none before it)."""
    assert [m.name for m in MIGRATIONS][:3] == ["0001_questions", "0002_admin_audit", "0003_inbox"]


async def test_added_updates_are_committed_at_once(log: QuestionLog, db_path: Path) -> None:
    """inbox_add returns only once another connection (the next process) sees the updates."""
    entries = await log.inbox_add([(5, BODY % 5), (6, BODY % 6)])
    assert [entry.update_id for entry in entries] == [5, 6]
    assert inbox_rows(db_path) == [(5, False), (6, False)]
    assert [entry.body for entry in await log.inbox_waiting()] == [BODY % 5, BODY % 6]


async def test_an_update_sent_again_is_not_new(log: QuestionLog) -> None:
    """The same update id a second time, waiting or already answered, is not taken again."""
    await log.inbox_add([(5, BODY % 5)])
    again = await log.inbox_add([(5, BODY % 5), (6, BODY % 6)])
    assert [entry.update_id for entry in again] == [6]
    log.inbox_answered(5)
    await log.flush()
    assert await log.inbox_add([(5, BODY % 5)]) == []
    assert [entry.update_id for entry in await log.inbox_waiting()] == [6]


async def test_answered_marks_are_written_with_the_rows(log: QuestionLog, db_path: Path) -> None:
    """An answered mark reaches the disk with the flush that writes the update's row."""
    await log.inbox_add([(9, BODY % 9)])
    log.record(make_record())
    log.inbox_answered(9)
    assert inbox_rows(db_path) == [(9, False)]
    await log.flush()
    assert inbox_rows(db_path) == [(9, True)]
    assert count_rows(db_path) == 1
    assert await log.inbox_waiting() == []


async def test_a_failed_flush_keeps_the_marks_for_the_next(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the write fails, neither the rows nor the answered marks are lost or half-written."""

    async def failing_insert(writer: object, batch: list[QuestionRecord]) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    async with QuestionLog(db_path, flush_interval_seconds=NO_AUTOMATIC_FLUSH) as log:
        await log.inbox_add([(3, BODY % 3)])
        log.record(make_record())
        log.inbox_answered(3)
        working_insert = connections.insert_batch
        monkeypatch.setattr(connections, "insert_batch", failing_insert)
        with pytest.raises(sqlite3.OperationalError):
            await log.flush()
        assert inbox_rows(db_path) == [(3, False)]
        monkeypatch.setattr(connections, "insert_batch", working_insert)
        await log.flush()
    assert inbox_rows(db_path) == [(3, True)]
    assert count_rows(db_path) == 1


async def test_answering_an_entry_again_logs_no_second_row(db_path: Path) -> None:
    """Rows logged while answering an entry get ids from it: answering it twice is one row."""
    async with QuestionLog(db_path) as log:
        (entry,) = await log.inbox_add([(12, BODY % 12)])
    for _ in range(2):  # the first run was killed after writing its row, before its mark
        async with QuestionLog(db_path) as log:
            (waiting,) = await log.inbox_waiting()
            with answering(waiting):
                log.record(make_record())
    assert waiting == entry
    assert count_rows(db_path) == 1
    # Outside an entry, ids are fresh as before.
    assert make_record().record_id != make_record().record_id


async def test_old_answered_marks_are_forgotten(log: QuestionLog, db_path: Path) -> None:
    """Answered updates older than Telegram could send again are deleted; waiting ones stay."""
    received = datetime.now(UTC) - timedelta(hours=3)
    await log.inbox_add([(1, BODY % 1), (2, BODY % 2)], received_at=received)
    await log.inbox_add([(3, BODY % 3)], received_at=received + timedelta(hours=2))
    log.inbox_answered(1)
    log.inbox_answered(3)
    await log.flush()
    later = received + INBOX_REMEMBERS + timedelta(hours=1)
    assert await log.purge_inbox(now=later) == 1
    assert inbox_rows(db_path) == [(2, False), (3, True)]
