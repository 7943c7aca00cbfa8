"""Nothing lost: an update is confirmed to Telegram only once it is in the inbox (or answered).

``kill -9`` in the middle of a burst, in polling and in webhook mode, then a restart: every
update is answered (at most twice: answered, but killed before that was written) and every
question has exactly one row in the log. The backlog in memory is bounded: when it is full the
bot stops fetching, and Telegram keeps the rest.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession

from bot.app import build_telegram
from bot.config import LimitSettings
from bot.engine.pipeline import Engine
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from tests.telegram.conftest import (
    TEST_SALT,
    person,
    private_chat,
    running,
    settings_for,
    webhook_settings,
)
from tests.telegram.emulator import free_port
from tests.telegram.fake_bot_api import FakeBotApi, Fault
from tests.telegram.test_process import BotProcess, start_bot

Json = dict[str, Any]
QUESTION = "大渡口有多少个市区级重点项目"
ANSWER_START = "大渡口有80个市区级重点项目。"
# Telegram's 30 messages a second make this about 7 s of answering.
BURST = 200
SECRET = "inbox-tests-webhook-secret"


def crash_config(
    directory: Path, fake_api: FakeBotApi, knowledge_dir: Path, webhook: Json | None = None
) -> Path:
    """Settings for a bot process that logs to ``directory/data``, with no flood limit."""
    telegram: Json = {"base_url": fake_api.base_url, "base_file_url": fake_api.base_file_url}
    if webhook is not None:
        telegram.update(mode="webhook", webhook=webhook)
    config: Json = {
        "knowledge": {"path": str(knowledge_dir)},
        "telegram": telegram,
        "storage": {"path": str(directory / "data" / "questions.sqlite3")},
        "limits": {"questions_per_minute": 0},
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def rows_per_user(log_path: Path) -> Counter[str]:
    """How many logged questions each user pseudonym has."""
    with contextlib.closing(sqlite3.connect(log_path)) as db:
        return Counter(row[0] for row in db.execute("SELECT user_hash FROM questions"))


def answered_in_inbox(log_path: Path) -> int:
    """Updates the inbox has on disk as answered (0 before the bot made its log)."""
    if not log_path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"{log_path.as_uri()}?mode=ro", uri=True)) as db:
        try:
            (count,) = db.execute("SELECT count(answered_at) FROM inbox").fetchone()
        except sqlite3.OperationalError:
            return 0  # not migrated yet
    return int(count)


def replies_per_chat(fake_api: FakeBotApi) -> Counter[int]:
    """How many messages the bot sent to each chat."""
    return Counter(int(message["chat"]["id"]) for message in fake_api.sent)


async def kill_and_restart(bot: BotProcess, config: Path, token: str, cwd: Path) -> BotProcess:
    """SIGKILL ``bot`` (nothing runs on the way out), then start it again."""
    bot.process.kill()
    status, _ = await bot.finish()
    assert status == -signal.SIGKILL
    return await start_bot(config, token, cwd)


def assert_each_answered_and_logged_once(
    fake_api: FakeBotApi, users: list[Json], log_path: Path
) -> None:
    """Every user got one or two answers (two: in flight at a kill) and exactly one row."""
    replies = replies_per_chat(fake_api)
    assert {user["id"] for user in users} == set(replies)
    assert max(replies.values()) <= 2, replies.most_common(3)
    assert all(message["text"].startswith(ANSWER_START) for message in fake_api.sent)
    assert rows_per_user(log_path) == {hash_user(user["id"], TEST_SALT): 1 for user in users}


async def test_kill_9_in_a_polling_burst_loses_no_question(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path
) -> None:
    """200 questions, kill -9 twice while answering them: each answered and logged."""
    config = crash_config(tmp_path, fake_api, knowledge_dir)
    log_path = tmp_path / "data" / "questions.sqlite3"
    users = [person(30_000 + number) for number in range(BURST)]
    bot = await start_bot(config, token, tmp_path)
    try:
        for user in users:
            fake_api.push_message(user, private_chat(user), QUESTION)
        # By the first kill the bot has fetched (and confirmed) the whole burst long ago. Each
        # run writes some answers as such before its kill: the updates in flight at one kill
        # are not in flight again at the next, so none may be answered more than twice.
        for answered in (BURST // 4, BURST // 2):
            await fake_api.wait_until(lambda n=answered: answered_in_inbox(log_path) >= n, 60)
            bot = await kill_and_restart(bot, config, token, tmp_path)
        await fake_api.wait_until(lambda: len(replies_per_chat(fake_api)) == BURST, within=90)
        bot.process.send_signal(signal.SIGTERM)
        status, output = await bot.finish()
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert status == 0, output
    assert fake_api.highest_fetched == fake_api.last_update_id
    assert_each_answered_and_logged_once(fake_api, users, log_path)


async def test_kill_9_after_webhook_200s_loses_no_question(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path
) -> None:
    """Every update the webhook answered 200 to is answered, though the bot was killed."""
    port = free_port()
    webhook = {
        "url": f"http://127.0.0.1:{port}/hook",
        "listen": "127.0.0.1",
        "port": port,
        "path": "hook",
    }
    config = crash_config(tmp_path, fake_api, knowledge_dir, webhook)
    users = [person(31_000 + number) for number in range(60)]
    bot = await start_bot(config, token, tmp_path)
    try:
        await fake_api.wait_until(lambda: fake_api.webhook is not None, within=30)
        # The first answers are slow, so the kill comes before most are sent.
        fake_api.inject("sendMessage", *[Fault.slow(1.0)] * 16)
        for user in users:
            fake_api.push_message(user, private_chat(user), QUESTION)
        assert fake_api.webhook is not None
        deliveries = fake_api.webhook.deliveries
        await fake_api.wait_until(lambda: len(deliveries) == len(users), within=30)
        assert len(fake_api.sent) < len(users)
        bot = await kill_and_restart(bot, config, token, tmp_path)
        await fake_api.wait_until(lambda: len(replies_per_chat(fake_api)) == len(users), within=60)
        bot.process.send_signal(signal.SIGTERM)
        status, output = await bot.finish()
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert status == 0, output
    assert_each_answered_and_logged_once(fake_api, users, tmp_path / "data" / "questions.sqlite3")


async def test_a_full_backlog_stops_fetching(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """With 10 updates held in memory the bot fetches no more; Telegram keeps the other 40."""
    settings = settings_for(
        fake_api.base_url,
        token,
        knowledge_dir,
        log_path=log_path,
        limits=LimitSettings(questions_per_minute=0),
    )
    service = build_telegram(settings, lambda: engine)
    service.max_backlog = 10
    fake_api.inject("sendMessage", *[Fault.held_until_released()] * 10)
    users = [person(32_000 + number) for number in range(50)]
    async with running(service):
        for user in users:
            fake_api.push_message(user, private_chat(user), QUESTION)
        await fake_api.wait_until(lambda: fake_api.held_requests == 10, within=10)
        # Ten answers wait on Telegram and the backlog is full: the poller waits for room.
        assert service.intake is not None
        assert service.intake.backlog.full_waits >= 1
        assert fake_api.highest_fetched == fake_api.last_update_id - 40
        assert fake_api.waiting_updates >= 40
        fake_api.release_held()
        await fake_api.wait_until(lambda: len(replies_per_chat(fake_api)) == 50, within=30)
    assert set(replies_per_chat(fake_api).values()) == {1}


async def test_the_webhook_answers_200_only_once_the_update_is_stored(
    fake_api: FakeBotApi,
    token: str,
    knowledge_dir: Path,
    engine: Engine,
    log_path: Path,
    client_session: ClientSession,
) -> None:
    """When the webhook says 200 the update is committed to the inbox, answered or not."""
    webhook = webhook_settings()
    settings = settings_for(
        fake_api.base_url,
        token,
        knowledge_dir,
        log_path=log_path,
        webhook=webhook,
        webhook_secret=SECRET,
    )
    user = person(33_001)
    fake_api.remember_chat(private_chat(user))
    update = {
        "update_id": 5005,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": private_chat(user),
            "from": user,
            "text": QUESTION,
        },
    }
    fake_api.inject("sendMessage", Fault.held_until_released())
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with running(build_telegram(settings, lambda: engine)):
        async with client_session.post(webhook.url, json=update, headers=headers) as reply:
            status = reply.status
        # Read by another connection, as the next process would: committed.
        with contextlib.closing(sqlite3.connect(log_path)) as db:
            stored = db.execute("SELECT update_id, body FROM inbox").fetchall()
        fake_api.release_held()
        await fake_api.wait_sent(33_001)
        # Telegram sends it again (its 200 was lost, say): it is not answered again.
        async with client_session.post(webhook.url, json=update, headers=headers) as reply:
            again = reply.status
    assert status == again == 200
    assert [(update_id, json.loads(body)) for update_id, body in stored] == [(5005, update)]
    assert len(fake_api.sent_to(33_001)) == 1


async def test_updates_left_in_the_inbox_are_answered_at_start(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """An update a killed run had stored but not answered is answered by the next start."""
    user = person(34_001)
    fake_api.remember_chat(private_chat(user))
    message = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": private_chat(user),
        "from": user,
        "text": QUESTION,
    }
    async with QuestionLog(log_path) as log:
        await log.inbox_add([(77, json.dumps({"update_id": 77, "message": message}))])
    settings = settings_for(fake_api.base_url, token, knowledge_dir, log_path=log_path)
    async with running(build_telegram(settings, lambda: engine)):
        (reply,) = await fake_api.wait_sent(34_001)
    assert reply["text"].startswith(ANSWER_START)
    async with QuestionLog(log_path) as log:
        assert await log.inbox_waiting() == []
    assert rows_per_user(log_path) == {hash_user(34_001, TEST_SALT): 1}
