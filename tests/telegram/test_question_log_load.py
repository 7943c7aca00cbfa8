"""Load through the Telegram handlers: 10,000 questions from 500 concurrent users, each one
logged exactly once.

The whole production path runs, over real HTTP on 127.0.0.1 (not in-process handler calls).
All 10,000 updates are queued at once on the fake Bot API, the users' questions interleaved
round-robin, and it serves them through getUpdates. The bot, built by
``bot.app.build_telegram`` (PTB's Application, long polling, 16 updates at a time, flood
control at its default), answers each through ``TelegramBot``'s handlers and the engine with
the shipped knowledge, sends each reply with sendMessage, and logs each question; the
background flusher writes while the load runs. Telegram's send rate limits are lifted (as in
scripts/bench_telegram.py), since no local server has them; everything else is as deployed.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bot.app import build_telegram
from bot.config import StorageSettings
from bot.engine.evaluation import load_questions
from bot.questionlog.pseudonyms import hash_user
from tests.telegram.conftest import (
    REPO,
    TEST_SALT,
    group_chat,
    person,
    private_chat,
    running,
    settings_for,
)
from tests.telegram.fake_bot_api import FakeBotApi

USERS = 500
QUESTIONS_PER_USER = 20  # the default flood limit: every question is admitted
FIRST_USER_ID = 5_000_000_000
# Every fifth user asks with /ask in a supergroup, the rest in private chats.
GROUP = group_chat(-1009876543210, "load test group")


def distinct_questions() -> list[str]:
    """The labelled questions' distinct texts: real wordings, every language and typo (less
    any starting with "/" or "@", which a chat would take for a command or a mention)."""
    texts = (item.question for item in load_questions(REPO / "knowledge" / "questions.yaml"))
    return list(dict.fromkeys(t for t in texts if t.strip() and not t.startswith(("/", "@"))))


async def test_ten_thousand_questions_from_500_users_are_each_logged_once(
    fake_api: FakeBotApi, token: str, log_path: Path
) -> None:
    """10,000 questions from 500 concurrent users via the handlers: one row each, none twice."""
    texts = distinct_questions()
    assert len(texts) >= QUESTIONS_PER_USER
    settings = settings_for(
        fake_api.base_url,
        token,
        REPO / "knowledge",
        log_path=log_path,
        # Short, so the flusher writes during the run and not only at close.
        storage=StorageSettings(flush_interval_seconds=0.1),
    )
    service = build_telegram(settings, telegram_send_limits=False)
    asked: Counter[tuple[str, str, str]] = Counter()
    total = USERS * QUESTIONS_PER_USER

    started = time.perf_counter()
    async with running(service, within=30):
        # Round-robin: the users' questions interleave as concurrent users' do.
        for turn in range(QUESTIONS_PER_USER):
            for number in range(USERS):
                user = person(FIRST_USER_ID + number)
                # Twenty consecutive distinct texts: a user never asks the same thing twice.
                text = texts[(number * QUESTIONS_PER_USER + turn) % len(texts)]
                user_hash = hash_user(user["id"], TEST_SALT)
                if number % 5 == 0:
                    fake_api.push_message(user, GROUP, f"/ask {text}")
                    asked[(user_hash, "supergroup", text)] += 1
                else:
                    fake_api.push_message(user, private_chat(user), text)
                    asked[(user_hash, "private", text)] += 1
        # len(sent) rather than wait_sent: it is checked after every request, 10,000 times.
        await fake_api.wait_until(lambda: len(fake_api.sent) >= total, within=120)
        assert service.bot.question_log.written > 0, "nothing was written during the run"
    elapsed = time.perf_counter() - started

    with contextlib.closing(sqlite3.connect(log_path)) as connection:
        rows = connection.execute("SELECT user_hash, channel, text FROM questions").fetchall()
    stored = Counter((user_hash, channel, text) for user_hash, channel, text in rows)
    assert len(fake_api.sent) == total
    assert len(rows) == total
    assert stored == asked
    assert set(stored.values()) == {1}
    per_user = Counter(user_hash for user_hash, _, _ in rows)
    assert len(per_user) == USERS
    assert set(per_user.values()) == {QUESTIONS_PER_USER}
    print(f"\n{total} questions through the handlers in {elapsed:.1f} s")
