"""The question log's two SQLite connections, and the statements the write connection commits.

One connection writes (the flusher, purges, migrations, the inbox, the audit trail); a second,
query-only one serves the analytics, so a long export never holds up a flush. Each function
here that writes rolls back when it fails or is cancelled; holding the write lock around it is
the caller's (``QuestionLog``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.questionlog.migrations import Migration, StoreError, migrate
from bot.questionlog.records import COLUMNS, QuestionRecord, row_values

BUSY_TIMEOUT_MS = 5000

# A whole batch is one statement over one JSON parameter: SQLite steps once, so the writer
# thread takes the GIL a handful of times per batch instead of once per row. Per-row
# executemany starved that thread whenever the event loop was busy (the convoy effect), and
# nothing reached the disk until the load stopped. "WHERE true" lets SQLite parse the upsert.
_INSERT_ROW = (
    f"INSERT INTO questions ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)}) "
    "ON CONFLICT (record_id) DO NOTHING"
)
_JSON_FIELDS = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(COLUMNS)))
_INSERT = (
    f"INSERT INTO questions ({', '.join(COLUMNS)}) "
    f"SELECT {_JSON_FIELDS} FROM json_each(?) WHERE true "
    "ON CONFLICT (record_id) DO NOTHING"
)


async def open_connections(
    path: Path, migrations: Sequence[Migration]
) -> tuple[aiosqlite.Connection, aiosqlite.Connection]:
    """(writer, reader) on the database at ``path``, in WAL mode and migrated."""
    # Implicit transactions begin IMMEDIATE so a batch takes the write lock up front rather
    # than failing half-way when another process (python -m bot report) holds it.
    writer = await aiosqlite.connect(path, isolation_level="IMMEDIATE")
    try:
        await writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        async with writer.execute("PRAGMA journal_mode = WAL") as cursor:
            mode = await cursor.fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise StoreError(f"{path}: cannot switch to WAL mode (got {mode})")
        # With WAL, NORMAL loses no committed transaction when the process dies; only a
        # power cut can lose the last ones.
        await writer.execute("PRAGMA synchronous = NORMAL")
        # What is deleted or overwritten is zeroed, not left in free space: the routes of
        # answered questions to the editors (raw chat ids) and purged rows are gone from the file.
        await writer.execute("PRAGMA secure_delete = ON")
        if await migrate(writer, path, migrations):
            # What a migration dropped is zeroed in the WAL (secure_delete); copied into the
            # file now, not at some later checkpoint (0007 drops rows holding raw chat ids).
            await writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        reader = await aiosqlite.connect(path)
    except BaseException:
        await writer.close()
        raise
    await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await reader.execute("PRAGMA query_only = ON")
    return writer, reader


async def insert_batch(writer: aiosqlite.Connection, batch: list[QuestionRecord]) -> int:
    """Insert ``batch`` and commit (with whatever the transaction holds); return new rows."""
    try:
        values = [row_values(row) for row in batch]
        if any("\0" in v[4] or "\0" in v[5] for v in values):
            # SQLite's JSON functions end a string at NUL: the rare batch holding one is
            # written row by row, so its text is stored exactly as written, in order.
            cursor = await writer.executemany(_INSERT_ROW, values)
        else:
            payload = json.dumps(values, ensure_ascii=False)
            cursor = await writer.execute(_INSERT, (payload,))
        inserted = cursor.rowcount
        await writer.commit()
    except BaseException:
        # The connection's thread runs calls in order, so this undoes the statement above
        # even when we were cancelled while it ran, and (the write lock being held) before
        # any other write is queued.
        await writer.rollback()
        raise
    return inserted


async def execute_committed(writer: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> None:
    """Run one statement in its own transaction."""
    try:
        await writer.execute(sql, params)
        await writer.commit()
    except BaseException:
        await writer.rollback()
        raise


async def delete_committed(writer: aiosqlite.Connection, statement: str, cutoff: str) -> int:
    """Run one DELETE in its own transaction; return how many rows it removed."""
    try:
        async with writer.execute(statement, [cutoff]) as cursor:
            deleted = cursor.rowcount
        await writer.commit()
    except BaseException:
        await writer.rollback()
        raise
    return deleted
