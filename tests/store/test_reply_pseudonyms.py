"""Replies are keyed by the chat's pseudonym (migration 0007): no raw chat id in the log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.engine.answers import Language, Status
from bot.questionlog.feedback import (
    Vote,
    VoteKeyboard,
    question_of_reply,
    record_suggestion_tap,
    record_vote,
    vote_keyboard,
    votes_on,
)
from bot.questionlog.log import QuestionLog
from bot.questionlog.migrations import MIGRATIONS
from bot.questionlog.pseudonyms import hash_user
from tests.store.conftest import NO_AUTOMATIC_FLUSH, SALT, make_record

# A supergroup's id: six bytes in SQLite's record format, distinctive enough to find in a file.
CHAT_ID = -1_001_987_654_321
CHAT = hash_user(CHAT_ID, SALT)
USER = hash_user(77, SALT)


def file_bytes(db_path: Path) -> bytes:
    """The database and its WAL (and shared memory), as they are on disk now."""
    return b"".join(path.read_bytes() for path in sorted(db_path.parent.glob(db_path.name + "*")))


def holds_raw_id(content: bytes, chat_id: int = CHAT_ID) -> bool:
    """Whether ``content`` has ``chat_id`` in decimal or as SQLite stores the integer."""
    forms = [str(chat_id).encode(), chat_id.to_bytes(6, "big", signed=True)]
    forms.append(chat_id.to_bytes(8, "big", signed=True))
    return any(form in content for form in forms)


def rows_with(db_path: Path, chat_id: int = CHAT_ID) -> list[tuple[str, str]]:
    """(table, column) of every value in the database equal to ``chat_id`` or holding it."""
    found = []
    with sqlite3.connect(db_path) as connection:
        tables = [
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    text = value if isinstance(value, str) else ""
                    if value == chat_id or str(abs(chat_id)) in text:
                        found.append((table, column))
    return found


async def test_a_raw_chat_id_is_refused_as_a_reply_key(log: QuestionLog) -> None:
    """Passing a chat's id where its pseudonym belongs fails loudly instead of storing it."""
    with pytest.raises(TypeError, match="pseudonym"):
        log.record_reply(CHAT_ID, 7, "r1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pseudonym"):
        await question_of_reply(log, CHAT_ID, 7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pseudonym"):
        await record_suggestion_tap(log, CHAT_ID, 7, USER, "x")  # type: ignore[arg-type]


async def test_replies_votes_and_taps_leave_no_raw_chat_id(db_path: Path) -> None:
    """Replies noted, reactions' lookups, votes and taps: found by the chat's pseudonym, and
    no row nor any byte of the files holds the chat's id."""
    answered = make_record()
    unsure = make_record(status=Status.AMBIGUOUS, entry_id=None)
    async with QuestionLog(db_path, flush_interval_seconds=NO_AUTOMATIC_FLUSH) as log:
        for message_id, row in ((1, answered), (2, unsure)):
            log.record(row)
            log.record_reply(CHAT, message_id, row.record_id)
        record_id = await question_of_reply(log, CHAT, 1)
        assert record_id == answered.record_id
        await record_vote(log, record_id, USER, Vote.HELPFUL)
        assert (await votes_on(log, record_id)).helpful == 1
        assert await record_suggestion_tap(log, CHAT, 2, USER, "noodle-why")
        content = file_bytes(db_path)
        assert CHAT.encode() in content
        assert not holds_raw_id(content)
    assert rows_with(db_path) == []


async def test_an_0006_database_drops_its_raw_replies_on_upgrade(db_path: Path) -> None:
    """A log written before 0007 (replies keyed by raw chat id) opens with those rows gone,
    from the table and from the files; questions and votes stay, and new replies work."""
    answer = make_record()
    async with QuestionLog(db_path, migrations=MIGRATIONS[:6]) as old:
        old.record(answer)
        await old.flush()
        await record_vote(old, answer.record_id, USER, Vote.UNHELPFUL)
        await old.write(
            "INSERT INTO replies (chat_id, message_id, record_id, sent_at) VALUES (?, 1, ?, ?)",
            [CHAT_ID, answer.record_id, "2023-08-20T12:00:01.000Z"],
        )
    assert holds_raw_id(file_bytes(db_path))  # the control: the old layout does hold it
    assert rows_with(db_path) == [("replies", "chat_id")]
    async with QuestionLog(db_path, flush_interval_seconds=NO_AUTOMATIC_FLUSH) as log:
        assert [name for name, _ in await log.applied_migrations()][-1] == "0007_reply_pseudonyms"
        # Gone from the files as soon as the upgrade opened them, not at some later checkpoint.
        assert not holds_raw_id(file_bytes(db_path))
        assert await log.read("SELECT count(*) FROM replies") == [(0,)]
        assert await question_of_reply(log, CHAT, 1) is None
        assert (await votes_on(log, answer.record_id)).unhelpful == 1
        assert await log.count_users() == 1
        log.record_reply(CHAT, 1, answer.record_id)
        assert await question_of_reply(log, CHAT, 1) == answer.record_id
    assert rows_with(db_path) == []


async def test_the_part_carrying_the_vote_row_is_the_one_to_redraw(log: QuestionLog) -> None:
    """Of a long answer's parts, the one noted with the keyboard is found from any part;
    an answer noted without one (an unsure reply) has nothing to redraw."""
    answer, unsure = make_record(), make_record(status=Status.AMBIGUOUS, entry_id=None)
    keyboard = '{"inline_keyboard": [[{"text": "👍", "callback_data": "v:+e:r"}]]}'
    log.record_reply(CHAT, 1, answer.record_id)
    log.record_reply(CHAT, 2, answer.record_id, keyboard=keyboard, language=Language.ENGLISH)
    log.record_reply(CHAT, 3, unsure.record_id)
    assert await vote_keyboard(log, CHAT, answer.record_id) == VoteKeyboard(
        2, keyboard, Language.ENGLISH
    )
    assert await vote_keyboard(log, hash_user(CHAT_ID + 1, SALT), answer.record_id) is None
    assert await vote_keyboard(log, CHAT, unsure.record_id) is None
