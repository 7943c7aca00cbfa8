"""Migration 0006: the bot's answers in chats (for follow-ups) and questions to the editors,
remembered across restarts, sent once, routed back once, and purged with the retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine.answers import Language, Status
from bot.questionlog.conversations import (
    DELIVERED,
    UNDELIVERED,
    AnswerContext,
    Conversations,
    EditorCounts,
)
from bot.questionlog.log import QuestionLog
from bot.questionlog.migrations import MIGRATIONS
from bot.questionlog.pseudonyms import hash_user
from tests.store.conftest import SALT, make_record

CHAT = hash_user(5005, SALT)
ADMIN = hash_user(9009, SALT)
CONTEXT = AnswerContext("华韶智算中心的算力有多少", Language.SIMPLIFIED, Status.NO_ANSWER)
NOW = datetime(2023, 8, 20, 12, 0, tzinfo=UTC)


def test_the_editor_tables_are_migration_0006() -> None:
    """The new tables come in one migration, 0006_editor_requests, after 0005."""
    (migration,) = [m for m in MIGRATIONS if "CREATE TABLE editor_requests" in m.sql]
    assert migration.name == "0006_editor_requests"


async def test_an_answer_is_found_again_after_a_restart(db_path: Path) -> None:
    """Every part of an answer leads back to its question, in a new process as well."""
    async with QuestionLog(db_path) as log:
        await Conversations(log).remember_answer(CHAT, [7, 8], CONTEXT)
    async with QuestionLog(db_path) as log:
        conversations = Conversations(log)
        assert await conversations.answer_context(CHAT, 7) == CONTEXT
        assert await conversations.answer_context(CHAT, 8) == CONTEXT
        assert await conversations.answer_context(CHAT, 9) is None
        assert await conversations.answer_context(hash_user(1, SALT), 7) is None


async def test_a_second_request_under_the_same_reply_is_not_opened(log: QuestionLog) -> None:
    """One request per bot reply: the second tap finds it open and opens nothing."""
    conversations = Conversations(log)
    first = await conversations.open_request(
        CHAT, 7, CONTEXT, user_hash=CHAT, reply_chat_id=5005, requested_at=NOW
    )
    assert first is not None
    assert first.question == CONTEXT.question
    again = await conversations.open_request(
        CHAT, 7, CONTEXT, user_hash=CHAT, reply_chat_id=5005, requested_at=NOW
    )
    assert again is None
    assert [r.id for r in await conversations.requests()] == [first.id]


async def test_a_reply_is_routed_once_and_then_the_route_is_gone(log: QuestionLog) -> None:
    """The notice finds its request; the route is taken once; a delivered reply is logged."""
    conversations = Conversations(log)
    request = await conversations.open_request(
        CHAT, 7, CONTEXT, user_hash=CHAT, reply_chat_id=5005, requested_at=NOW
    )
    assert request is not None
    await conversations.add_notice(request.id, ADMIN, 31)
    found = await conversations.request_for_notice(ADMIN, 31)
    assert found is not None
    assert found.id == request.id
    assert await conversations.request_for_notice(ADMIN, 32) is None
    assert await conversations.take_route(request.id) == 5005
    assert await conversations.take_route(request.id) is None
    await conversations.record_reply(
        request.id, admin_hash=ADMIN, reply="还没有公布。", delivered=True, at=NOW
    )
    [logged] = await conversations.requests()
    assert (logged.outcome, logged.answered_at) == (DELIVERED, NOW)
    assert await conversations.counts() == EditorCounts(requests=1, answered=1)
    assert await conversations.counts(NOW + timedelta(seconds=1)) == EditorCounts(0, 0)


async def test_an_undelivered_reply_gives_the_route_back(log: QuestionLog) -> None:
    """A user who blocked the bot: the reply is logged undelivered and may be tried again."""
    conversations = Conversations(log)
    request = await conversations.open_request(
        CHAT, 7, CONTEXT, user_hash=CHAT, reply_chat_id=5005
    )
    assert request is not None
    route = await conversations.take_route(request.id)
    await conversations.record_reply(
        request.id, admin_hash=ADMIN, reply="…", delivered=False, route=route
    )
    [logged] = await conversations.requests()
    assert (logged.outcome, logged.answered_at) == (UNDELIVERED, None)
    assert await conversations.take_route(request.id) == 5005
    assert await conversations.counts() == EditorCounts(requests=1, answered=0)


async def test_the_retention_purge_drops_routes_after_a_week_and_rows_with_the_questions(
    log: QuestionLog,
) -> None:
    """Routes go after 7 days even when the rows stay; rows go after the retention, with the
    questions (the one purge the bot runs daily)."""
    conversations = Conversations(log)
    old = NOW - timedelta(days=8)
    await conversations.remember_answer(CHAT, [1], CONTEXT, sent_at=old)
    await conversations.remember_answer(CHAT, [2], CONTEXT, sent_at=NOW)
    week_old = await conversations.open_request(
        CHAT, 1, CONTEXT, user_hash=CHAT, reply_chat_id=5005, requested_at=old
    )
    fresh = await conversations.open_request(
        CHAT, 2, CONTEXT, user_hash=CHAT, reply_chat_id=5005, requested_at=NOW
    )
    assert week_old is not None
    assert fresh is not None
    await conversations.add_notice(week_old.id, ADMIN, 31)
    log.record(make_record(asked_at=old))
    await log.flush()
    assert await log.purge_older_than(30, now=NOW) == 0
    assert await conversations.take_route(week_old.id) is None
    assert await conversations.answer_context(CHAT, 1) == CONTEXT
    assert await conversations.request_for_notice(ADMIN, 31) is not None
    assert await log.purge_older_than(5, now=NOW) == 1
    assert await conversations.answer_context(CHAT, 1) is None
    assert await conversations.request_for_notice(ADMIN, 31) is None
    assert [r.id for r in await conversations.requests()] == [fresh.id]
    assert await conversations.answer_context(CHAT, 2) == CONTEXT
    assert await conversations.take_route(fresh.id) == 5005


def file_bytes(db_path: Path) -> bytes:
    """The database and its WAL, as they are on disk."""
    return b"".join(path.read_bytes() for path in sorted(db_path.parent.glob(db_path.name + "*")))


@pytest.mark.parametrize("ending", ["reply delivered", "a week passed"])
async def test_the_raw_id_lives_only_in_the_route_and_is_gone_after_the_purge(
    db_path: Path, ending: str
) -> None:
    """While a request is open the user's raw id is in the files (its route, nowhere else in
    these tables); once delivered or a week old, the purge leaves no trace of it."""
    user_id = 987_654_321_012
    # SQLite stores an integer this size in 6 big-endian bytes; as text it would be decimal.
    decimal, binary = str(user_id).encode(), user_id.to_bytes(6, "big")
    pseudonym = hash_user(user_id, SALT)
    async with QuestionLog(db_path) as log:
        conversations = Conversations(log)
        log.record(make_record(user_hash=pseudonym, asked_at=NOW))
        await log.flush()
        await conversations.remember_answer(pseudonym, [7], CONTEXT, sent_at=NOW)
        request = await conversations.open_request(
            pseudonym, 7, CONTEXT, user_hash=pseudonym, reply_chat_id=user_id, requested_at=NOW
        )
        assert request is not None
        await conversations.add_notice(request.id, ADMIN, 31)
        assert binary in file_bytes(db_path)
        routes = await log.read("SELECT reply_chat_id FROM editor_requests")
        assert routes == [(user_id,)]
        for table in ("answer_messages", "editor_notices", "questions"):
            for row in await log.read(f"SELECT * FROM {table}"):
                assert user_id not in row, table
                assert not any(str(user_id) in str(value) for value in row), table
        if ending == "reply delivered":
            assert await conversations.take_route(request.id) == user_id
            await conversations.record_reply(
                request.id, admin_hash=ADMIN, reply="好的", delivered=True
            )
            await log.purge_older_than(30, now=NOW)
        else:
            await log.purge_older_than(30, now=NOW + timedelta(days=8))
        content = file_bytes(db_path)
        assert pseudonym.encode() in content
        assert binary not in content
        assert decimal not in content


async def test_purged_rows_are_zeroed_in_the_file(db_path: Path) -> None:
    """A request the retention purge deleted leaves neither its question nor its reply in
    the files (secure_delete, then a checkpoint), not only out of the tables."""
    question, reply = "独一无二的问题文字甲乙丙", "独一无二的回复文字丁戊己"
    context = AnswerContext(question, Language.SIMPLIFIED, Status.NO_ANSWER)
    async with QuestionLog(db_path) as log:
        conversations = Conversations(log)
        old = NOW - timedelta(days=40)
        # Fresh rows beside it keep its page in use, so only zeroing removes its bytes.
        await conversations.remember_answer(CHAT, list(range(50)), CONTEXT, sent_at=NOW)
        for message_id in range(100, 110):
            await conversations.open_request(
                CHAT, message_id, CONTEXT, user_hash=CHAT, reply_chat_id=5005, requested_at=NOW
            )
        request = await conversations.open_request(
            CHAT, 1000, context, user_hash=CHAT, reply_chat_id=5005, requested_at=old
        )
        assert request is not None
        await conversations.record_reply(
            request.id, admin_hash=ADMIN, reply=reply, delivered=True, at=old
        )
        assert question.encode() in file_bytes(db_path)
        await log.purge_older_than(30, now=NOW)
        assert request.id not in [r.id for r in await conversations.requests()]
        content = file_bytes(db_path)
    assert question.encode() not in content
    assert reply.encode() not in content
