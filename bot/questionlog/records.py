"""What one logged question is, and how its values are stored in SQLite.

A record's id is unique, so writing a row twice keeps one. Ids are random per process, except
while an inbox entry is being answered (``record_ids_from``): then they follow from the entry,
so answering it again after a crash writes the same ids.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.engine.answers import Answer, Language, Status


class Channel(StrEnum):
    """Where a question was asked: Telegram chat types, inline queries, or the terminal chat."""

    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"
    INLINE = "inline"
    # Guest mode: an @-mention in a chat the bot is not a member of.
    GUEST = "guest"
    TERMINAL = "terminal"


def _start_record_ids() -> None:
    """A fresh random prefix (and count) for this process's record ids; again after a fork."""
    global _record_id_prefix, _record_id_count
    _record_id_prefix = os.urandom(8).hex()
    _record_id_count = itertools.count()


_record_id_prefix = ""
_record_id_count = itertools.count()
_start_record_ids()
os.register_at_fork(after_in_child=_start_record_ids)


# The key of the inbox entry being answered in this context, and a count of the rows logged
# for it.
_answering: ContextVar[tuple[str, itertools.count[int]] | None] = ContextVar(
    "answering", default=None
)


@contextlib.contextmanager
def record_ids_from(key: str) -> Iterator[None]:
    """Within this block (and the tasks it starts) new records' ids are ``key.0``, ``key.1``…"""
    token = _answering.set((key, itertools.count()))
    try:
        yield
    finally:
        _answering.reset(token)


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


# The questions table's columns, in the order row_values gives them.
COLUMNS = (
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


def format_timestamp(moment: datetime) -> str:
    """``moment`` as stored, ``2023-08-15T12:00:00.000000Z``: fixed width, so text order is
    time order."""
    # isoformat is several times faster than strftime.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def parse_timestamp(stored: str) -> datetime:
    """A stored timestamp back as an aware UTC datetime."""
    return datetime.fromisoformat(stored)


def encodable(text: str) -> str:
    """``text`` with any lone surrogate (possible in a str decoded from JSON escapes), which
    cannot be encoded as UTF-8 for SQLite, replaced by "?"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def row_values(row: QuestionRecord) -> tuple[Any, ...]:
    """``row`` as the values of one stored row, in column order."""
    return (
        row.record_id,
        format_timestamp(row.asked_at),
        row.channel.value,
        row.user_hash,
        encodable(row.text),
        encodable(row.normalized),
        row.language.value,
        row.status.value,
        row.entry_id,
        float(row.confidence),
        float(row.latency_ms),
        row.knowledge_version,
    )


def record_from_values(values: Sequence[Any]) -> QuestionRecord:
    """A stored row (its values in column order) back as a record."""
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
