"""The question log: every question asked, kept in SQLite and written in the background.

``QuestionLog.record`` only appends to an in-memory queue, so a reply never waits for the disk.
A background task writes the whole queue in one transaction at least every flush interval
(sooner when many rows wait), and ``close`` writes what is left. With the WAL journal a killed
process (even SIGKILL) loses at most the rows not yet written and never leaves a corrupt file.

One connection writes (the flusher, purges, migrations); a second, query-only connection serves
the analytics, so a long export never holds up a flush.

The same file holds the Telegram bot's inbox: every update the bot took from Telegram, written
before Telegram is told it arrived, and marked answered in the same transaction as the questions
it logged. A killed bot answers at its next start what the inbox still holds; the rows of an
update answered again get the same ids (``answering``), so nothing is logged twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import itertools
import json
import logging
import math
import os
import re
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import aiosqlite

from bot.config import StorageSettings
from bot.engine.answers import Answer, Language, Status

logger = logging.getLogger(__name__)

USER_HASH_HEX_CHARS = 16
DEFAULT_BATCH_ROWS = 1000
# When the disk keeps failing, the queue would otherwise grow without bound; beyond this many
# unwritten rows new questions are counted and dropped rather than exhausting memory. It also
# bounds one transaction: a flush writes the whole queue.
DEFAULT_MAX_PENDING_ROWS = 100_000
BUSY_TIMEOUT_MS = 5000
# Log a persistent write failure on its first occurrence and then once a minute, not every tick.
_FAILURE_LOG_EVERY = 60
_DROP_LOG_EVERY = 1000
# Telegram keeps an update it was not told arrived for 24 hours and may send it again within
# them; the inbox remembers answered updates a little longer, so a second copy is recognised.
INBOX_REMEMBERS = timedelta(hours=25)
_INBOX_PURGE_EVERY_SECONDS = 3600.0


class StoreError(RuntimeError):
    """The database cannot be used by this version of the code."""


class Channel(StrEnum):
    """Where a question was asked: Telegram chat types, inline queries, or the terminal chat."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"
    INLINE = "inline"
    TERMINAL = "terminal"


@functools.lru_cache(maxsize=4096)
def hash_user(user_id: int, salt: str) -> str:
    """The user's pseudonym: HMAC-SHA256 of the id keyed with ``salt``, truncated to 64 bits.

    Telegram ids are small enough to enumerate, so an unsalted hash would be no protection;
    an empty salt is refused. Cached, as most users ask more than once (the cache lives in
    memory only, like the update the id came in).
    """
    if not salt:
        raise ValueError("a salt is required to hash user ids (set BOT_USER_HASH_SALT)")
    keyed = _keyed_hmac(salt).copy()
    keyed.update(str(user_id).encode("ascii"))
    return keyed.hexdigest()[:USER_HASH_HEX_CHARS]


@functools.lru_cache(maxsize=8)
def _keyed_hmac(salt: str) -> hmac.HMAC:
    # Keying HMAC is most of its cost; copying a keyed one halves the time of each reply's hash.
    return hmac.new(salt.encode("utf-8"), digestmod=hashlib.sha256)


def _start_record_ids() -> None:
    """A fresh random prefix (and count) for this process's record ids; again after a fork."""
    global _record_id_prefix, _record_id_count
    _record_id_prefix = os.urandom(8).hex()
    _record_id_count = itertools.count()


_record_id_prefix = ""
_record_id_count = itertools.count()
_start_record_ids()
os.register_at_fork(after_in_child=_start_record_ids)


# The inbox entry being answered in this context, and a count of the rows logged for it.
_answering: ContextVar[tuple[str, itertools.count[int]] | None] = ContextVar(
    "answering", default=None
)


def _new_record_id() -> str:
    answering = _answering.get()
    if answering is not None:
        # Answering an inbox entry: the ids follow from the entry, so answering it again after
        # a crash writes the same ids, which the unique record_id turns into no new rows.
        key, count = answering
        return f"{key}.{next(count)}"
    # 64 random bits per process, then a counter: 32 hex digits like uuid4().hex, unique
    # without a system call for random bytes in every reply (uuid4 is a third of record()'s
    # cost on a busy event loop).
    return f"{_record_id_prefix}{next(_record_id_count):016x}"


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One question as logged. ``record_id`` is unique, so writing a row twice keeps one."""

    asked_at: datetime
    channel: Channel
    user_hash: str
    text: str
    normalized: str
    language: Language
    status: Status
    entry_id: str | None
    confidence: float
    latency_ms: float
    knowledge_version: str
    record_id: str = field(default_factory=_new_record_id)

    def __post_init__(self) -> None:
        # Checked here, where the caller sees the error: a row that failed only at write time
        # would fail its whole batch at every retry. Kept cheap: this runs in every reply.
        if self.asked_at.tzinfo is None or self.asked_at.utcoffset() is None:
            raise ValueError("asked_at must be timezone-aware")
        # Plain strings are accepted and turned into the enums (an unknown one is refused).
        if type(self.channel) is not Channel:
            object.__setattr__(self, "channel", Channel(self.channel))
        if type(self.language) is not Language:
            object.__setattr__(self, "language", Language(self.language))
        if type(self.status) is not Status:
            object.__setattr__(self, "status", Status(self.status))
        if not (math.isfinite(self.confidence) and math.isfinite(self.latency_ms)):
            raise ValueError("confidence and latency_ms must be finite numbers")

    @classmethod
    def from_answer(
        cls,
        answer: Answer,
        *,
        channel: Channel,
        user_hash: str,
        latency_ms: float,
        asked_at: datetime | None = None,
    ) -> QuestionRecord:
        """The record of the question ``answer`` replied to."""
        return cls(
            asked_at=asked_at if asked_at is not None else datetime.now(UTC),
            channel=channel,
            user_hash=user_hash,
            text=answer.question,
            normalized=answer.normalized,
            language=answer.language,
            status=answer.status,
            entry_id=answer.entry_id,
            confidence=answer.confidence,
            latency_ms=latency_ms,
            knowledge_version=answer.knowledge_version,
        )


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema change. Applied once, in list order, and recorded in ``migrations``."""

    name: str
    sql: str


_MIGRATION_NAME = re.compile(r"^[0-9]{4}_[a-z0-9_]+$")

# Append only: a database records the names it has applied, and opening one whose record is not
# a prefix of this list is refused. A new table is one more entry here.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_questions",
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL UNIQUE,
            asked_at TEXT NOT NULL,
            channel TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            text TEXT NOT NULL,
            normalized TEXT NOT NULL,
            language TEXT NOT NULL,
            status TEXT NOT NULL,
            entry_id TEXT,
            confidence REAL NOT NULL,
            latency_ms REAL NOT NULL,
            knowledge_version TEXT NOT NULL
        ) STRICT;
        CREATE INDEX questions_by_time ON questions (asked_at);
        """,
    ),
    Migration(
        "0002_admin_audit",
        """
        CREATE TABLE knowledge_versions (
            id INTEGER PRIMARY KEY,
            version TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            applied_by TEXT NOT NULL,
            action TEXT NOT NULL,
            previous TEXT
        ) STRICT;
        CREATE TABLE dismissed_questions (
            normalized TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            dismissed_at TEXT NOT NULL,
            dismissed_by TEXT NOT NULL,
            resolution TEXT NOT NULL
        ) STRICT;
        """,
    ),
    # body: the update as Telegram sent it (JSON), until it is answered; then NULL, and the row
    # stays as long as Telegram might send the update again (INBOX_REMEMBERS).
    Migration(
        "0003_inbox",
        """
        CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            received_at TEXT NOT NULL,
            body TEXT,
            answered_at TEXT
        ) STRICT;
        """,
    ),
    # The history folder is the record of knowledge versions and this
    # table its copy: each row names its snapshot, so copying it again adds nothing.
    Migration(
        "0004_knowledge_version_snapshots",
        """
        ALTER TABLE knowledge_versions ADD COLUMN snapshot TEXT;
        CREATE UNIQUE INDEX knowledge_versions_by_snapshot ON knowledge_versions (snapshot);
        """,
    ),
    # Users' feedback (bot.questionlog.feedback). replies: which logged question each message
    # the bot sent answers, so a reaction or a tap on it finds the question. votes: one 👍 (1)
    # or 👎 (-1) per user per answer. suggestion_taps: the did-you-mean choice a user tapped
    # under an unsure reply, one per user per question.
    Migration(
        "0005_feedback",
        """
        CREATE TABLE replies (
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            record_id TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        ) STRICT;
        CREATE INDEX replies_by_time ON replies (sent_at);
        CREATE TABLE votes (
            record_id TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            voted_at TEXT NOT NULL,
            PRIMARY KEY (record_id, user_hash)
        ) STRICT;
        CREATE TABLE suggestion_taps (
            record_id TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            tapped_at TEXT NOT NULL,
            PRIMARY KEY (record_id, user_hash)
        ) STRICT;
        """,
    ),
)

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
) STRICT
"""

_COLUMNS = (
    "record_id",
    "asked_at",
    "channel",
    "user_hash",
    "text",
    "normalized",
    "language",
    "status",
    "entry_id",
    "confidence",
    "latency_ms",
    "knowledge_version",
)
# A whole batch is one statement over one JSON parameter: SQLite steps once, so the writer
# thread takes the GIL a handful of times per batch instead of once per row. Per-row
# executemany starved that thread whenever the event loop was busy (the convoy effect), and
# nothing reached the disk until the load stopped. "WHERE true" lets SQLite parse the upsert.
_INSERT_ROW = (
    f"INSERT INTO questions ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    "ON CONFLICT (record_id) DO NOTHING"
)
_JSON_FIELDS = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(_COLUMNS)))
_INSERT = (
    f"INSERT INTO questions ({', '.join(_COLUMNS)}) "
    f"SELECT {_JSON_FIELDS} FROM json_each(?) WHERE true "
    "ON CONFLICT (record_id) DO NOTHING"
)
_SELECT_RECORDS = f"SELECT {', '.join(_COLUMNS)} FROM questions"

GroupColumn = Literal["status", "language", "channel"]


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
    token = _answering.set((entry.key, itertools.count()))
    try:
        yield
    finally:
        _answering.reset(token)


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


def format_timestamp(moment: datetime) -> str:
    """``moment`` as stored, ``2023-08-15T12:00:00.000000Z``: fixed width, so text order is
    time order."""
    # isoformat is several times faster than strftime.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_timestamp(stored: str) -> datetime:
    """A stored timestamp back as an aware UTC datetime."""
    return datetime.fromisoformat(stored)


def _row_values(row: QuestionRecord) -> tuple[Any, ...]:
    """``row`` as the values of one stored row, in column order."""
    return (
        row.record_id,
        format_timestamp(row.asked_at),
        row.channel.value,
        row.user_hash,
        _encodable(row.text),
        _encodable(row.normalized),
        row.language.value,
        row.status.value,
        row.entry_id,
        float(row.confidence),
        float(row.latency_ms),
        row.knowledge_version,
    )


def _encodable(text: str) -> str:
    """``text`` with any lone surrogate (possible in a str decoded from JSON escapes), which
    cannot be encoded as UTF-8 for SQLite, replaced by "?"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _record_from_values(values: Sequence[Any]) -> QuestionRecord:
    (record_id, asked_at, channel, user_hash, text, normalized, language, status, entry_id,
     confidence, latency_ms, knowledge_version) = values  # fmt: skip
    return QuestionRecord(
        asked_at=parse_timestamp(asked_at),
        channel=Channel(channel),
        user_hash=user_hash,
        text=text,
        normalized=normalized,
        language=Language(language),
        status=Status(status),
        entry_id=entry_id,
        confidence=confidence,
        latency_ms=latency_ms,
        knowledge_version=knowledge_version,
        record_id=record_id,
    )


def _since_clause(since: datetime | None) -> tuple[str, list[Any]]:
    if since is None:
        return "1", []
    return "asked_at >= ?", [format_timestamp(since)]


def _offset_modifier(utc_offset: timedelta) -> str:
    """SQLite's date modifier shifting UTC to a local time ``utc_offset`` ahead."""
    return f"{round(utc_offset.total_seconds() / 60):+d} minutes"


class QuestionLog:
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
        for migration in migrations:
            if not _MIGRATION_NAME.match(migration.name):
                raise ValueError(f"migration name {migration.name!r} is not NNNN_lower_snake")
        self.path = Path(path)
        self.flush_interval_seconds = flush_interval_seconds
        self._batch_rows = batch_rows
        self._max_pending_rows = max_pending_rows
        self._migrations = tuple(migrations)
        self._pending: deque[QuestionRecord] = deque()
        # Inbox entries answered, to be marked so with the next flush of the rows.
        self._answered: deque[int] = deque()
        # (chat id, message id, record id) of replies sent, written with the next flush.
        self._replies: deque[tuple[int, int, str]] = deque()
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
        # Implicit transactions begin IMMEDIATE so a batch takes the write lock up front rather
        # than failing half-way when another process (python -m bot report) holds it.
        writer = await aiosqlite.connect(self.path, isolation_level="IMMEDIATE")
        try:
            await writer.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            async with writer.execute("PRAGMA journal_mode = WAL") as cursor:
                mode = await cursor.fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
            # With WAL, NORMAL loses no committed transaction when the process dies; only a
            # power cut can lose the last ones.
            await writer.execute("PRAGMA synchronous = NORMAL")
            await self._migrate(writer)
            reader = await aiosqlite.connect(self.path)
        except BaseException:
            await writer.close()
            raise
        await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await reader.execute("PRAGMA query_only = ON")
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

    def record_reply(self, chat_id: int, message_id: int, record_id: str) -> None:
        """Note that message ``message_id`` in ``chat_id`` answers the question ``record_id``;
        written with the next flush. Never touches the disk, never waits."""
        if self._writer is None or self._closing:
            raise RuntimeError("the question log is not open")
        if len(self._replies) < self._max_pending_rows:
            self._replies.append((chat_id, message_id, record_id))

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
                    # Begins the transaction that _insert commits (or rolls back).
                    await self._mark_answered(writer, answered)
                if replies:
                    await self._insert_replies(writer, replies)
                inserted = await self._insert(writer, batch)
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
        stamp = format_timestamp(moment)
        payload = json.dumps(
            [[update_id, stamp, _encodable(body)] for update_id, body in updates],
            ensure_ascii=False,
        )
        async with self._write_lock:
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
            InboxEntry(update_id, moment, body) for update_id, body in updates if update_id in new
        ]

    def inbox_answered(self, update_id: int) -> None:
        """Mark an inbox entry answered, with the next flush (after the rows it logged)."""
        if self._writer is None:
            raise RuntimeError("the question log is not open")
        self._answered.append(update_id)

    async def inbox_waiting(self) -> list[InboxEntry]:
        """Every inbox entry not yet answered, oldest update first."""
        rows = await self._fetch(
            "SELECT update_id, received_at, body FROM inbox WHERE body IS NOT NULL "
            "ORDER BY update_id",
            [],
        )
        return [
            InboxEntry(int(update_id), parse_timestamp(received_at), str(body))
            for update_id, received_at, body in rows
        ]

    async def purge_inbox(self, *, now: datetime | None = None) -> int:
        """Forget answered updates Telegram can no longer send again; return how many."""
        cutoff = (now if now is not None else datetime.now(UTC)) - INBOX_REMEMBERS
        writer = self._require(self._writer)
        async with self._write_lock:
            return await self._delete(
                writer,
                "DELETE FROM inbox WHERE body IS NULL AND received_at < ?",
                format_timestamp(cutoff),
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
        cutoff = (now if now is not None else datetime.now(UTC)) - timedelta(days=days)
        writer = self._require(self._writer)
        stamp = format_timestamp(cutoff)
        async with self._write_lock:
            # Feedback goes with its questions (votes and taps are about a question).
            for statement in (
                "DELETE FROM votes WHERE voted_at < ?",
                "DELETE FROM suggestion_taps WHERE tapped_at < ?",
                "DELETE FROM replies WHERE sent_at < ?",
            ):
                await self._delete(writer, statement, stamp)
            return await self._delete(writer, "DELETE FROM questions WHERE asked_at < ?", stamp)

    # Queries for the analytics. ``since`` None means the whole log; rows still queued are not
    # seen until flushed.

    async def count(self, since: datetime | None = None) -> int:
        """Questions asked since ``since``."""
        where, params = _since_clause(since)
        rows = await self._fetch(f"SELECT count(*) FROM questions WHERE {where}", params)
        return int(rows[0][0])

    async def count_users(self, since: datetime | None = None) -> int:
        """Distinct users who asked since ``since``."""
        where, params = _since_clause(since)
        sql = f"SELECT count(DISTINCT user_hash) FROM questions WHERE {where}"
        return int((await self._fetch(sql, params))[0][0])

    async def counts_by(
        self, column: GroupColumn, since: datetime | None = None
    ) -> dict[str, int]:
        """Questions per status, language or channel."""
        if column not in ("status", "language", "channel"):
            raise ValueError(f"cannot group by {column!r}")
        where, params = _since_clause(since)
        sql = f"SELECT {column}, count(*) FROM questions WHERE {where} GROUP BY {column}"
        return {str(key): int(n) for key, n in await self._fetch(sql, params)}

    async def counts_by_hour(
        self, since: datetime | None, utc_offset: timedelta
    ) -> dict[int, int]:
        """Questions per hour of the day (0-23) in the time zone ``utc_offset`` ahead of UTC."""
        where, params = _since_clause(since)
        sql = (
            "SELECT CAST(strftime('%H', asked_at, ?) AS INTEGER) AS hour, count(*) "
            f"FROM questions WHERE {where} GROUP BY hour"
        )
        rows = await self._fetch(sql, [_offset_modifier(utc_offset), *params])
        return {int(hour): int(n) for hour, n in rows}

    async def counts_by_day_and_status(
        self, since: datetime | None, utc_offset: timedelta
    ) -> list[tuple[str, str, int]]:
        """(local date ``YYYY-MM-DD``, status, questions), oldest day first."""
        where, params = _since_clause(since)
        sql = (
            "SELECT date(asked_at, ?) AS day, status, count(*) "
            f"FROM questions WHERE {where} GROUP BY day, status ORDER BY day, status"
        )
        rows = await self._fetch(sql, [_offset_modifier(utc_offset), *params])
        return [(str(day), str(status), int(n)) for day, status, n in rows]

    async def entry_counts(
        self,
        limit: int,
        since: datetime | None = None,
        statuses: Iterable[Status] = (Status.ANSWERED,),
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
        rows = await self._fetch(sql, [*params, *wanted, limit])
        return [(str(entry), int(n)) for entry, n in rows]

    async def question_texts(
        self, statuses: Iterable[Status], since: datetime | None = None
    ) -> list[tuple[str, str, Status]]:
        """(normalized, text, status) of the questions with ``statuses``, oldest first."""
        where, params = _since_clause(since)
        wanted = [status.value for status in statuses]
        marks = ", ".join("?" for _ in wanted)
        sql = (
            "SELECT normalized, text, status FROM questions "
            f"WHERE {where} AND status IN ({marks}) ORDER BY asked_at, id"
        )
        rows = await self._fetch(sql, [*params, *wanted])
        return [(str(normalized), str(text), Status(status)) for normalized, text, status in rows]

    async def records(self, since: datetime | None = None) -> AsyncIterator[QuestionRecord]:
        """Every logged question since ``since``, oldest first, streamed."""
        reader = self._require(self._reader)
        where, params = _since_clause(since)
        sql = f"{_SELECT_RECORDS} WHERE {where} ORDER BY asked_at, id"
        async with reader.execute(sql, params) as cursor:
            async for values in cursor:
                yield _record_from_values(tuple(values))

    # The admins' audit trail. Rare writes: they go through the write connection and are
    # awaited, unlike questions.

    async def record_knowledge_version(
        self,
        version: str,
        applied_by: str,
        action: str,
        previous: str | None,
        *,
        applied_at: datetime | None = None,
        snapshot: str | None = None,
    ) -> None:
        """Note that ``version`` went live (an apply, a rollback, a reload from disk).

        ``snapshot`` names its folder in the knowledge history; a snapshot already noted is
        not noted twice.
        """
        moment = applied_at if applied_at is not None else datetime.now(UTC)
        await self._write(
            "INSERT OR IGNORE INTO knowledge_versions "
            "(version, applied_at, applied_by, action, previous, snapshot) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [version, format_timestamp(moment), applied_by, action, previous, snapshot],
        )

    async def recorded_snapshots(self) -> set[str]:
        """The knowledge history's snapshots the audit table has a row for."""
        rows = await self._fetch(
            "SELECT snapshot FROM knowledge_versions WHERE snapshot IS NOT NULL", []
        )
        return {str(snapshot) for (snapshot,) in rows}

    async def knowledge_versions(self, limit: int = 20) -> list[KnowledgeVersionRecord]:
        """The ``limit`` latest rows of the audit table, newest first."""
        rows = await self._fetch(
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
        self,
        normalized: str,
        text: str,
        dismissed_by: str,
        resolution: str = "dismissed",
        *,
        dismissed_at: datetime | None = None,
    ) -> None:
        """Hide the unanswered question ``normalized`` (and its group) from ``/unanswered``."""
        moment = dismissed_at if dismissed_at is not None else datetime.now(UTC)
        await self._write(
            "INSERT INTO dismissed_questions "
            "(normalized, text, dismissed_at, dismissed_by, resolution) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (normalized) DO UPDATE SET text = excluded.text, "
            "dismissed_at = excluded.dismissed_at, dismissed_by = excluded.dismissed_by, "
            "resolution = excluded.resolution",
            [
                _encodable(normalized),
                _encodable(text),
                format_timestamp(moment),
                dismissed_by,
                resolution,
            ],
        )

    async def dismissed_questions(self) -> list[DismissedQuestion]:
        """Every dismissed question, oldest first."""
        rows = await self._fetch(
            "SELECT normalized, text, dismissed_at, dismissed_by, resolution "
            "FROM dismissed_questions ORDER BY dismissed_at, normalized",
            [],
        )
        return [
            DismissedQuestion(str(n), str(t), parse_timestamp(at), str(by), str(resolution))
            for n, t, at, by, resolution in rows
        ]

    async def applied_migrations(self) -> list[tuple[str, str]]:
        """(name, applied_at) of every migration applied to this database, in order."""
        return [
            (str(name), str(applied_at))
            for name, applied_at in await self._fetch(
                "SELECT name, applied_at FROM migrations ORDER BY name", []
            )
        ]

    # Internals.

    @staticmethod
    def _require(connection: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if connection is None:
            raise RuntimeError("the question log is not open")
        return connection

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        reader = self._require(self._reader)
        return list(await reader.execute_fetchall(sql, params))

    async def _write(self, sql: str, params: Sequence[Any]) -> None:
        """One statement on the write connection, committed (between the flusher's batches)."""
        writer = self._require(self._writer)
        async with self._write_lock:
            try:
                await writer.execute(sql, params)
                await writer.commit()
            except BaseException:
                await writer.rollback()
                raise

    @staticmethod
    async def _insert(writer: aiosqlite.Connection, batch: list[QuestionRecord]) -> int:
        """Insert ``batch`` in one transaction; return how many rows were new."""
        try:
            values = [_row_values(row) for row in batch]
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

    @staticmethod
    async def _mark_answered(writer: aiosqlite.Connection, update_ids: list[int]) -> None:
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

    @staticmethod
    async def _insert_replies(
        writer: aiosqlite.Connection, replies: list[tuple[int, int, str]]
    ) -> None:
        """Insert reply rows, uncommitted; rolled back if that fails."""
        stamp = format_timestamp(datetime.now(UTC))
        try:
            await writer.execute(
                "INSERT INTO replies (chat_id, message_id, record_id, sent_at) "
                "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
                "json_extract(value, '$[2]'), ? FROM json_each(?) WHERE true "
                "ON CONFLICT (chat_id, message_id) DO UPDATE SET record_id = excluded.record_id",
                (stamp, json.dumps(replies)),
            )
        except BaseException:
            await writer.rollback()
            raise

    @staticmethod
    async def _delete(writer: aiosqlite.Connection, statement: str, cutoff: str) -> int:
        """Run one DELETE in its own transaction; return how many rows it removed."""
        try:
            async with writer.execute(statement, [cutoff]) as cursor:
                deleted = cursor.rowcount
            await writer.commit()
        except BaseException:
            await writer.rollback()
            raise
        return deleted

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

    async def _migrate(self, writer: aiosqlite.Connection) -> None:
        await writer.execute(_CREATE_LEDGER)
        await writer.commit()
        known = [migration.name for migration in self._migrations]
        for migration in self._migrations:
            applied = await _applied_names(writer)
            unknown = [name for name in applied if name not in known]
            if unknown:
                raise StoreError(
                    f"{self.path}: migrated by a newer or different version "
                    f"(unknown migrations: {', '.join(unknown)})"
                )
            if migration.name in applied:
                continue
            # One script, one transaction: the schema change and its ledger row commit
            # together or not at all. The name is checked against _MIGRATION_NAME, so quoting
            # it into the script is safe.
            script = (
                "BEGIN IMMEDIATE;\n"
                f"{migration.sql.strip().rstrip(';')};\n"
                "INSERT INTO migrations (name, applied_at) "
                f"VALUES ('{migration.name}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));\n"
                "COMMIT;"
            )
            try:
                await writer.executescript(script)
            except sqlite3.Error:
                if writer.in_transaction:
                    await writer.rollback()
                # Another process opening the same file may have applied it first.
                if migration.name in await _applied_names(writer):
                    continue
                raise
            logger.info("question log: applied migration %s to %s", migration.name, self.path)


async def _applied_names(connection: aiosqlite.Connection) -> list[str]:
    rows = await connection.execute_fetchall("SELECT name FROM migrations ORDER BY name")
    return [str(row[0]) for row in rows]
