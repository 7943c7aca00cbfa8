"""Load: 10,000 questions from 500 concurrent users through handler, engine and log."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bot.engine.evaluation import load_questions
from bot.engine.pipeline import Engine, load_engine
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.records import Channel, QuestionRecord
from tests.store.conftest import SALT

REPO = Path(__file__).resolve().parents[2]
USERS = 500
QUESTIONS_PER_USER = 20
CHANNELS = (Channel.PRIVATE, Channel.GROUP, Channel.SUPERGROUP)


def labelled_questions() -> list[str]:
    """The questions of knowledge/questions.yaml: real wordings in every language and typo."""
    return [item.question for item in load_questions(REPO / "knowledge" / "questions.yaml")]


async def test_every_question_is_logged_exactly_once(db_path: Path) -> None:
    """10,000 questions from 500 concurrent users leave 10,000 rows, one per question."""
    engine: Engine = load_engine(REPO / "knowledge")
    questions = labelled_questions()
    sent: dict[str, tuple[str, str]] = {}

    # A short flush interval: the run lasts about a second, and the flusher must write during
    # it, not only at close.
    async with QuestionLog(db_path, flush_interval_seconds=0.05) as log:

        async def handle(user_id: int, text: str) -> None:
            """What the Telegram handler does: ask the engine, reply, log."""
            started = time.perf_counter()
            answer = engine.ask(text)
            row = QuestionRecord.from_answer(
                answer,
                channel=CHANNELS[user_id % len(CHANNELS)],
                user_hash=hash_user(user_id, SALT),
                latency_ms=(time.perf_counter() - started) * 1000,
            )
            log.record(row)
            sent[row.record_id] = (row.user_hash, text)

        async def user(user_id: int) -> None:
            for turn in range(QUESTIONS_PER_USER):
                await handle(
                    user_id, questions[(user_id * QUESTIONS_PER_USER + turn) % len(questions)]
                )
                await asyncio.sleep(0)  # another user's update gets its turn

        await asyncio.gather(*(user(user_id) for user_id in range(USERS)))
        # The background flusher wrote during the run rather than leaving it all to close.
        assert log.written > 0

    with sqlite3.connect(db_path) as connection:
        stored = connection.execute("SELECT record_id, user_hash, text FROM questions").fetchall()
    assert len(sent) == USERS * QUESTIONS_PER_USER
    assert len(stored) == len(sent)
    assert {record_id: (user, text) for record_id, user, text in stored} == sent
    per_user = Counter(user for _, user, _ in stored)
    assert len(per_user) == USERS
    assert set(per_user.values()) == {QUESTIONS_PER_USER}
