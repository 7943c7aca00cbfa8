"""Question-log fixtures: a log in a temporary folder and a record factory."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.engine.answers import Language, Status
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.records import Channel, QuestionRecord

SALT = "test-salt"
# Long enough that only an explicit flush() (or close) writes, unless a test says otherwise.
NO_AUTOMATIC_FLUSH = 3600.0


def make_record(**overrides: Any) -> QuestionRecord:
    """A plausible record; keyword arguments replace fields."""
    values: dict[str, Any] = {
        "asked_at": datetime(2023, 8, 20, 12, 0, tzinfo=UTC),
        "channel": Channel.PRIVATE,
        "user_hash": hash_user(1001, SALT),
        "text": "重庆小面今年的营收目标是多少？",
        "normalized": "重庆小面今年的营收目标是多少?",
        "language": Language.SIMPLIFIED,
        "status": Status.ANSWERED,
        "entry_id": "noodle-target-2023",
        "confidence": 0.93,
        "latency_ms": 0.4,
        "knowledge_version": "92a5bc919f69",
    }
    values.update(overrides)
    return QuestionRecord(**values)


def count_rows(path: Path) -> int:
    """Rows in the questions table, read through a connection of its own."""
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM questions").fetchone()[0])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database goes (its folder does not exist yet)."""
    return tmp_path / "data" / "questions.sqlite3"


@pytest.fixture
async def log(db_path: Path) -> AsyncIterator[QuestionLog]:
    """An open log that writes only when flushed."""
    question_log = QuestionLog(db_path, flush_interval_seconds=NO_AUTOMATIC_FLUSH)
    await question_log.open()
    yield question_log
    await question_log.close()
