"""The question log: schema, writing in the background, idempotency, purge, pseudonyms."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import bot.questionlog
from bot.config import StorageSettings
from bot.engine.answers import Answer, Language, Status
from bot.questionlog import connections
from bot.questionlog.log import QuestionLog
from bot.questionlog.migrations import MIGRATION_NAMES, MIGRATIONS, Migration, StoreError
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.records import Channel, QuestionRecord
from tests.store.conftest import NO_AUTOMATIC_FLUSH, SALT, count_rows, make_record

SCHEMA = Path(bot.questionlog.__file__).parent / "schema"


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> bool:
    """Poll ``condition()`` until true or ``within`` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return bool(condition())


async def test_open_creates_folder_schema_and_records_migrations(db_path: Path) -> None:
    """Opening creates storage.path's folder, the tables, and one ledger row per migration."""
    async with QuestionLog(db_path) as log:
        applied = await log.applied_migrations()
    assert await asyncio.to_thread(db_path.is_file)
    assert [name for name, _ in applied] == [m.name for m in MIGRATIONS]
    assert all(datetime.fromisoformat(at).tzinfo is not None for _, at in applied)
    with sqlite3.connect(db_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"questions", "migrations", "questions_by_time"} <= tables


def test_every_schema_script_is_a_listed_migration_numbered_in_order() -> None:
    """schema/*.sql and MIGRATION_NAMES name the same migrations, numbered 0001, 0002, …"""
    scripts = sorted(path.stem for path in SCHEMA.glob("*.sql"))
    assert list(MIGRATION_NAMES) == scripts
    assert [int(name[:4]) for name in MIGRATION_NAMES] == list(range(1, len(MIGRATION_NAMES) + 1))
    assert [m.name for m in MIGRATIONS] == list(MIGRATION_NAMES)
    assert all(m.sql.strip() for m in MIGRATIONS)


async def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    """A second open leaves the ledger (names and times) and the data as they were."""
    async with QuestionLog(db_path) as log:
        log.record(make_record())
        first = await log.applied_migrations()
    async with QuestionLog(db_path) as log:
        assert await log.applied_migrations() == first
        assert await log.count() == 1


async def test_new_migration_is_applied_once_on_next_open(db_path: Path) -> None:
    """Appending a migration (say an audit table) applies just it, once, and records it."""
    async with QuestionLog(db_path) as log:
        log.record(make_record())
    audit = Migration(
        "9999_knowledge_audit",
        "CREATE TABLE knowledge_audit (version TEXT NOT NULL, applied_by TEXT NOT NULL)",
    )
    for _ in range(2):
        async with QuestionLog(db_path, migrations=(*MIGRATIONS, audit)) as log:
            names = [name for name, _ in await log.applied_migrations()]
            assert names == [*(m.name for m in MIGRATIONS), audit.name]
            assert await log.count() == 1
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT count(*) FROM knowledge_audit").fetchone() == (0,)


async def test_failed_migration_leaves_no_trace(db_path: Path) -> None:
    """A migration that fails half-way is rolled back entirely and not recorded."""
    broken = Migration(
        "0002_broken", "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1)"
    )
    with pytest.raises(sqlite3.OperationalError):
        await QuestionLog(db_path, migrations=(*MIGRATIONS, broken)).open()
    with sqlite3.connect(db_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        ledger = [row[0] for row in connection.execute("SELECT name FROM migrations")]
    assert "half_done" not in tables
    assert ledger == [m.name for m in MIGRATIONS]


async def test_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    """A ledger naming a migration this code does not know stops open() with StoreError."""
    newer = Migration("0099_future", "CREATE TABLE future (x INTEGER)")
    async with QuestionLog(db_path, migrations=(*MIGRATIONS, newer)):
        pass
    with pytest.raises(StoreError, match="0099_future"):
        await QuestionLog(db_path).open()


async def test_journal_is_wal(log: QuestionLog, db_path: Path) -> None:
    """The database is in WAL mode, which survives a reopen by any connection."""
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_record_is_a_plain_function() -> None:
    """record() is synchronous: a handler calls it without awaiting anything."""
    assert not inspect.iscoroutinefunction(QuestionLog.record)


async def test_record_never_touches_the_disk(log: QuestionLog, db_path: Path) -> None:
    """record() returns while another process holds the write lock; flush() writes later."""
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for number in range(500):
            log.record(make_record(text=f"question {number}"))
        assert log.pending == 500
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert await log.flush() == 500
    assert log.pending == 0
    assert count_rows(db_path) == 500


async def test_rows_appear_only_after_flush(log: QuestionLog, db_path: Path) -> None:
    """Recorded rows are queued, and one flush writes them all."""
    for number in range(2500):
        log.record(make_record(text=f"q{number}"))
    assert count_rows(db_path) == 0
    assert await log.flush() == 2500
    assert count_rows(db_path) == 2500


async def test_flusher_writes_within_the_interval(db_path: Path) -> None:
    """Without any flush() call, the background task writes a row within the interval."""
    async with QuestionLog(db_path, flush_interval_seconds=0.2) as log:
        log.record(make_record())
        assert await wait_until(lambda: count_rows(db_path) == 1, within=1.0)


async def test_full_batch_is_written_without_waiting_for_the_interval(db_path: Path) -> None:
    """A queue reaching batch_rows wakes the flusher long before its hour-long interval."""
    async with QuestionLog(db_path, flush_interval_seconds=3600, batch_rows=50) as log:
        await asyncio.sleep(0.05)  # the flusher is now waiting out its interval
        for number in range(50):
            log.record(make_record(text=f"q{number}"))
        assert await wait_until(lambda: count_rows(db_path) == 50)


async def test_close_writes_what_is_queued(db_path: Path) -> None:
    """close() writes every queued row before closing."""
    log = QuestionLog(db_path, flush_interval_seconds=NO_AUTOMATIC_FLUSH)
    await log.open()
    for number in range(1234):
        log.record(make_record(text=f"q{number}"))
    await log.close()
    assert count_rows(db_path) == 1234


async def test_record_outside_open_and_close_is_an_error(db_path: Path) -> None:
    """record() before open() or after close() raises instead of silently losing the row."""
    log = QuestionLog(db_path)
    with pytest.raises(RuntimeError):
        log.record(make_record())
    await log.open()
    await log.close()
    with pytest.raises(RuntimeError):
        log.record(make_record())


async def test_same_record_twice_is_one_row(log: QuestionLog, db_path: Path) -> None:
    """A record written twice (a retried batch) is stored once: record_id is unique."""
    row = make_record()
    log.record(row)
    assert await log.flush() == 1
    log.record(row)
    assert await log.flush() == 0
    assert count_rows(db_path) == 1


async def test_cancelled_flush_loses_and_duplicates_nothing(db_path: Path) -> None:
    """A flush cancelled mid-write requeues its batch; the next flush stores each row once."""
    rows = [make_record(text=f"q{number}") for number in range(900)]
    # One batch, below batch_rows so the background flusher stays asleep: the write cancelled
    # is the one started here.
    async with QuestionLog(db_path, flush_interval_seconds=3600, batch_rows=1000) as log:
        for row in rows:
            log.record(row)
        flushing = asyncio.create_task(log.flush())
        await asyncio.sleep(0)  # the flush has taken its batch and awaits the insert
        flushing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await flushing
        assert log.pending == len(rows)
        await log.flush()
        stored = [row.record_id async for row in log.records()]
    assert sorted(stored) == sorted(row.record_id for row in rows)


async def test_rows_round_trip(log: QuestionLog) -> None:
    """Every field comes back as written, the time as the same instant in UTC."""
    row = make_record(
        asked_at=datetime(2023, 8, 16, 4, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8))),
        channel=Channel.SUPERGROUP,
        language=Language.TRADITIONAL,
        status=Status.AMBIGUOUS,
        entry_id=None,
        text="重慶小麵\n營收？",
    )
    log.record(row)
    await log.flush()
    [stored] = [stored async for stored in log.records()]
    assert stored == row
    assert stored.asked_at.utcoffset() == timedelta(0)
    assert stored.asked_at == datetime(2023, 8, 15, 20, 30, 15, 123456, tzinfo=UTC)


def test_naive_time_is_refused() -> None:
    """A record without a time zone is refused: the log's times must be unambiguous."""
    with pytest.raises(ValueError, match="timezone-aware"):
        make_record(asked_at=datetime(2023, 8, 20, 12, 0))


def test_record_from_answer_copies_the_engine_fields() -> None:
    """from_answer takes text, normalised form, language, status, entry, confidence, version."""
    answer = Answer(
        question="小面目标？",
        status=Status.ANSWERED,
        text="……",
        language=Language.SIMPLIFIED,
        confidence=0.8,
        entry_id="noodle-target-2023",
        normalized="小面目标?",
        knowledge_version="abc123",
    )
    at = datetime(2023, 8, 20, tzinfo=UTC)
    row = QuestionRecord.from_answer(
        answer, channel=Channel.GROUP, user_hash="h", latency_ms=1.5, asked_at=at
    )
    assert (row.text, row.normalized, row.language, row.status) == (
        "小面目标？",
        "小面目标?",
        Language.SIMPLIFIED,
        Status.ANSWERED,
    )
    assert (row.entry_id, row.confidence, row.knowledge_version) == (
        "noodle-target-2023",
        0.8,
        "abc123",
    )
    assert (row.channel, row.user_hash, row.latency_ms, row.asked_at) == (
        Channel.GROUP,
        "h",
        1.5,
        at,
    )


def test_every_record_gets_its_own_id() -> None:
    """Two records with the same content still get different record ids."""
    assert make_record().record_id != make_record().record_id


async def test_purge_deletes_only_rows_older_than_the_retention(log: QuestionLog) -> None:
    """purge_older_than(days) deletes rows asked before now - days and reports how many."""
    now = datetime(2023, 8, 20, 12, 0, tzinfo=UTC)
    for age in (timedelta(days=400), timedelta(days=366), timedelta(days=364), timedelta(0)):
        log.record(make_record(asked_at=now - age, text=f"{age.days} days old"))
    await log.flush()
    assert await log.purge_older_than(365, now=now) == 2
    assert sorted([row.text async for row in log.records()]) == ["0 days old", "364 days old"]
    assert await log.purge_older_than(365, now=now) == 0


async def test_queue_is_bounded_when_the_disk_fails(db_path: Path) -> None:
    """Beyond max_pending_rows unwritten rows, new ones are counted as dropped, not queued."""
    log = QuestionLog(
        db_path, flush_interval_seconds=NO_AUTOMATIC_FLUSH, batch_rows=10, max_pending_rows=20
    )
    await log.open()
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for number in range(25):
            log.record(make_record(text=f"q{number}"))
        assert (log.pending, log.dropped) == (20, 5)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    await log.close()
    assert count_rows(db_path) == 20


def test_from_settings_uses_storage_path_and_interval() -> None:
    """The log built from settings uses storage.path and storage.flush_interval_seconds."""
    log = QuestionLog.from_settings(
        StorageSettings(path="somewhere/q.sqlite3", flush_interval_seconds=0.5)
    )
    assert (log.path, log.flush_interval_seconds) == (Path("somewhere/q.sqlite3"), 0.5)


def test_user_hash_is_keyed_and_short() -> None:
    """The pseudonym is HMAC-SHA256(salt, id) cut to 16 hex digits: stable, differs by salt."""
    assert hash_user(42, SALT) == hash_user(42, SALT)
    assert hash_user(42, SALT) != hash_user(43, SALT)
    assert hash_user(42, SALT) != hash_user(42, "another salt")
    reference = hmac.new(SALT.encode(), b"42", hashlib.sha256).hexdigest()
    assert hash_user(42, SALT) == reference[:16]


def test_user_hash_needs_a_salt() -> None:
    """An empty salt is refused: unsalted hashes of Telegram ids are easily reversed."""
    with pytest.raises(ValueError, match="BOT_USER_HASH_SALT"):
        hash_user(42, "")


async def test_logged_questions_leave_no_raw_user_id_in_the_file(db_path: Path) -> None:
    """Logged questions put neither the decimal nor the binary form of the asker's Telegram id
    in the database files, only its pseudonym. (Not the whole file's guarantee: a question
    sent to the editors keeps its route until answered or a week old, see
    test_conversations; replies are keyed by the chat's pseudonym, see test_reply_pseudonyms.)"""
    user_id = 987_654_321_012
    async with QuestionLog(db_path) as log:
        for _ in range(3):
            log.record(make_record(user_hash=hash_user(user_id, SALT)))
        await log.flush()
        files = sorted(db_path.parent.glob(db_path.name + "*"))
        content = b"".join(path.read_bytes() for path in files)
    assert len(files) >= 2  # the database and its WAL, read while open
    assert hash_user(user_id, SALT).encode() in content
    assert str(user_id).encode() not in content
    assert user_id.to_bytes(6, "big") not in content


def test_values_are_checked_when_the_record_is_made() -> None:
    """Bad values fail at construction, not later in a batch: enums, finite numbers."""
    assert make_record(channel="group", status="no_answer").channel is Channel.GROUP
    with pytest.raises(ValueError, match="'pigeon'"):
        make_record(channel="pigeon")
    with pytest.raises(ValueError, match="finite"):
        make_record(confidence=float("nan"))


async def test_any_text_survives_the_round_trip(log: QuestionLog) -> None:
    """Emoji, rare CJK, quotes and control characters survive; a lone surrogate becomes "?"."""
    texts = [
        "😀 𠀀 重慶",
        'say "hi" \\ back',
        "tab\tnew\nline\u2028",
        "nul\x00kept",
        "\ud800 lone",
    ]
    for text in texts:
        log.record(make_record(text=text, normalized=text))
    await log.flush()
    stored = [row.text async for row in log.records()]
    assert stored == [*texts[:4], "? lone"]


async def test_failing_disk_is_retried_each_interval_and_nothing_is_lost(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While writes fail the flusher retries once per interval (no spinning), keeping rows."""
    attempts = 0

    async def failing_insert(writer: object, batch: list[QuestionRecord]) -> int:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0)  # like a real write, it yields before failing
        raise sqlite3.OperationalError("disk I/O error")

    async with QuestionLog(db_path, flush_interval_seconds=0.1, batch_rows=10) as log:
        working_insert = connections.insert_batch
        monkeypatch.setattr(connections, "insert_batch", failing_insert)
        for number in range(500):  # 50 full batches' worth: each would wake a naive flusher
            log.record(make_record(text=f"q{number}"))
            if number % 10 == 0:
                await asyncio.sleep(0.001)
        await asyncio.sleep(0.5)
        assert 2 <= attempts <= 10
        assert log.pending == 500
        monkeypatch.setattr(connections, "insert_batch", working_insert)
        assert await wait_until(lambda: log.pending == 0, within=2.0)
    assert count_rows(db_path) == 500


def test_record_ids_stay_unique_in_a_forked_process() -> None:
    """A forked child draws a new id prefix, so parent and child never issue the same id."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(writer, make_record().record_id.encode())
        os._exit(0)
    os.close(writer)
    child_id = os.read(reader, 64).decode()
    os.close(reader)
    os.waitpid(child, 0)
    parent_id = make_record().record_id
    assert len(child_id) == len(parent_id) == 32
    assert child_id[:16] != parent_id[:16]
