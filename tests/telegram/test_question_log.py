"""The question log behind the Telegram bot, against the fake Bot API over loopback: every
question the engine answers leaves exactly one row (private chats, groups, /ask, inline mode,
tapped buttons) under a salted pseudonym; nothing else does; shutdown writes what is queued;
the daily purge deletes old rows.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram.ext import CallbackContext

from bot.app import build_telegram
from bot.config import LimitSettings, StorageSettings
from bot.engine.pipeline import Engine
from bot.questionlog.pseudonyms import hash_user
from bot.telegram.admin_stats import (
    RETENTION_PURGE_FIRST_RUN,
    RETENTION_PURGE_INTERVAL,
    RETENTION_PURGE_JOB,
)
from tests.store.conftest import make_record
from tests.telegram.conftest import (
    TEST_SALT,
    BotFactory,
    group_chat,
    person,
    private_chat,
    running,
    settings_for,
)
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_process import start_bot

Json = dict[str, Any]
# Ten digits, so the id's text cannot turn up in the database by chance.
USER_ID = 7304219561
USER = person(USER_ID)
CHAT = private_chat(USER)
STICKER = {
    "file_id": "s",
    "file_unique_id": "u",
    "width": 1,
    "height": 1,
    "is_animated": False,
    "is_video": False,
    "type": "regular",
}


def logged_rows(log_path: Path) -> list[Json]:
    """Every row of the question log, oldest first, read through a connection of its own."""
    with contextlib.closing(sqlite3.connect(log_path)) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM questions ORDER BY id").fetchall()
    return [dict(row) for row in rows]


def database_bytes(log_path: Path) -> bytes:
    """The bytes of the database and of any journal files beside it."""
    return b"".join(path.read_bytes() for path in log_path.parent.glob(f"{log_path.name}*"))


async def test_private_question_leaves_one_row_under_a_pseudonym(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, engine: Engine, log_path: Path
) -> None:
    """A private question is one row: channel, status, entry, engine time, hashed user only."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "大渡口有多少个市区级重点项目")
        await fake_api.wait_sent(USER_ID)
    (row,) = logged_rows(log_path)
    assert row["channel"] == "private"
    assert row["status"] == "answered"
    assert row["entry_id"] == "key-projects"
    assert row["text"] == "大渡口有多少个市区级重点项目"
    assert row["language"] == "zh-hans"
    assert row["knowledge_version"] == engine.knowledge.version
    assert 0 < row["latency_ms"] < 1000
    assert row["user_hash"] == hash_user(USER_ID, TEST_SALT)
    stored = database_bytes(log_path)
    assert row["user_hash"].encode() in stored
    assert str(USER_ID).encode() not in stored


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_group_questions_are_logged_with_the_chat_type(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path, chat_type: str
) -> None:
    """/ask and a mention in a group are one row each, with the group's chat type; chatter none."""
    group = {**group_chat(), "type": chat_type}
    async with bot_on_fake():
        fake_api.push_message(USER, group, "重庆小面今年营收目标是多少")
        fake_api.push_message(USER, group, "/ask 大渡口有多少个市区级重点项目")
        fake_api.push_message(USER, group, "@dadukou_test_bot 五大产业是什么")
        await fake_api.wait_sent(group["id"], 2)
        await fake_api.wait_fetched()
    rows = logged_rows(log_path)
    assert sorted((r["entry_id"], r["channel"]) for r in rows) == [
        ("five-industries", chat_type),
        ("key-projects", chat_type),
    ]
    assert {r["user_hash"] for r in rows} == {hash_user(USER_ID, TEST_SALT)}


async def test_inline_question_is_logged_as_inline(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """An inline query the engine answers is one row with channel inline; an empty one, none."""
    async with bot_on_fake():
        asked = fake_api.push_inline_query(USER, "How many key projects")
        empty = fake_api.push_inline_query(USER, "")
        await fake_api.wait_until(
            lambda: {asked, empty} <= fake_api.inline_answers.keys(), within=5
        )
    (row,) = logged_rows(log_path)
    assert (row["channel"], row["status"], row["entry_id"]) == (
        "inline",
        "answered",
        "key-projects",
    )
    assert row["text"] == "How many key projects"
    assert row["user_hash"] == hash_user(USER_ID, TEST_SALT)


async def test_tapped_suggestion_is_logged_as_a_question(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """Tapping a suggestion button logs the entry it answers, like a typed question."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "小面营收目标")
        (choice,) = await fake_api.wait_sent(USER_ID)
        fake_api.push_callback(USER, choice, "a:s:noodle-revenue-target")
        await fake_api.wait_sent(USER_ID, 2)
    typed, tapped = logged_rows(log_path)
    assert (typed["status"], typed["entry_id"]) == ("ambiguous", None)
    assert (tapped["channel"], tapped["status"]) == ("private", "answered")
    assert tapped["entry_id"] == "noodle-revenue-target"
    assert tapped["text"] == "重庆小面今年营收目标是多少"
    assert tapped["user_hash"] == typed["user_hash"] == hash_user(USER_ID, TEST_SALT)


async def test_only_questions_the_engine_answered_are_logged(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """Commands, stickers, over-long and flood-refused questions leave no row."""
    limits = LimitSettings(questions_per_minute=2, max_question_chars=50)
    async with bot_on_fake(limits=limits):
        # Each gets a reply; the over-long question takes one of the two questions a minute.
        for text in ("/start", "/help", "/topics", "/weather", "小面" * 100):
            fake_api.push_message(USER, CHAT, text)
        fake_api.push_message(USER, CHAT, sticker=STICKER)
        await fake_api.wait_sent(USER_ID, 6)
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        await fake_api.wait_sent(USER_ID, 7)
        fake_api.push_message(USER, CHAT, "大渡口有多少个市区级重点项目")
        (*_, notice) = await fake_api.wait_sent(USER_ID, 8)
    assert notice["text"] == "您问得太快了，请过一分钟再问。"
    rows = logged_rows(log_path)
    assert [r["entry_id"] for r in rows] == ["five-industries"]


@pytest.mark.error_logs_expected
async def test_a_failing_log_costs_no_reply(
    fake_api: FakeBotApi,
    token: str,
    knowledge_dir: Path,
    engine: Engine,
    log_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the log closed under it, the bot still answers and reports the lost question."""
    settings = settings_for(fake_api.base_url, token, knowledge_dir, log_path=log_path)
    service = build_telegram(settings, lambda: engine)
    async with running(service):
        await service.bot.question_log.close()
        fake_api.push_message(USER, CHAT, "大渡口有多少个市区级重点项目")
        (reply,) = await fake_api.wait_sent(USER_ID)
    assert reply["text"].startswith("大渡口有80个市区级重点项目。")
    failures = [
        r for r in caplog.records if r.getMessage() == "could not log a question (private)"
    ]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert logged_rows(log_path) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_writes_the_questions_asked_just_before(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path, signum: int
) -> None:
    """``python -m bot run`` stopped by a signal writes every queued question before it exits."""
    log_path = tmp_path / "data" / "questions.sqlite3"
    config = tmp_path / "config.yaml"
    settings = {
        "knowledge": {"path": str(knowledge_dir)},
        "telegram": {"base_url": fake_api.base_url, "base_file_url": fake_api.base_file_url},
        # Only closing the log writes: no row can reach the disk before the signal.
        "storage": {"path": str(log_path), "flush_interval_seconds": 3600.0},
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    questions = ["大渡口有多少个市区级重点项目", "五大产业是什么", "小面营收目标", "你好"]
    bot = await start_bot(config, token, tmp_path)
    try:
        for question in questions:
            fake_api.push_message(USER, CHAT, question)
        await fake_api.wait_sent(USER_ID, len(questions), within=30)
        bot.process.send_signal(signum)
        status, output = await bot.finish()
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert status == 0, output
    assert sorted(r["text"] for r in logged_rows(log_path)) == sorted(questions)


async def test_without_a_salt_the_bot_refuses_to_start(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path
) -> None:
    """No BOT_USER_HASH_SALT: exit status 2 with a one-line reason, before any Bot API call."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"knowledge": {"path": str(knowledge_dir)}}), "utf-8")
    bot = await start_bot(config, token, tmp_path, salt=None)
    status, output = await bot.finish()
    assert status == 2
    (line,) = output.splitlines()
    assert line.startswith("BOT_USER_HASH_SALT is not set")
    assert fake_api.calls == []


def test_building_without_a_salt_is_refused(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """build_telegram refuses settings without a salt, naming the variable."""
    settings = settings_for(fake_api.base_url, token, knowledge_dir, log_path=log_path)
    with pytest.raises(ValueError, match="BOT_USER_HASH_SALT"):
        build_telegram(replace(settings, user_hash_salt=""), lambda: engine)


async def test_daily_purge_job_deletes_rows_past_retention(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """The scheduled daily job deletes rows older than retention_days and keeps the rest."""
    settings = settings_for(
        fake_api.base_url,
        token,
        knowledge_dir,
        log_path=log_path,
        storage=StorageSettings(retention_days=30),
    )
    service = build_telegram(settings, lambda: engine)
    (job,) = service.job_queue.get_jobs_by_name(RETENTION_PURGE_JOB)
    trigger = job.job.trigger
    assert trigger.interval == RETENTION_PURGE_INTERVAL
    first_run = trigger.start_date - datetime.now(UTC)
    assert timedelta(0) < first_run <= RETENTION_PURGE_FIRST_RUN

    now = datetime.now(UTC)
    ages = {"old": timedelta(days=31), "older": timedelta(days=400), "recent": timedelta(days=29)}
    log = service.bot.question_log
    async with log:
        for text, age in ages.items():
            log.record(make_record(asked_at=now - age, text=text))
        await log.flush()
        await job.callback(CallbackContext.from_job(job, service.application))
    assert [r["text"] for r in logged_rows(log_path)] == ["recent"]
