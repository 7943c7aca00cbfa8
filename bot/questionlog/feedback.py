"""What users tell the bot about its answers: 👍/👎 votes and tapped did-you-mean choices.

A vote is about one logged question (its ``record_id``), one per user: voting again replaces
the vote, so it never counts twice. A vote arrives as a tap on the answer's 👍/👎 buttons
(whose callback data carries the record id) or as a reaction on the answer; a reaction names
only the message, which ``replies`` (written by ``QuestionLog.record_reply``) maps to its
question. ``replies`` knows a chat by its pseudonym (``chat_hash``, ``pseudonyms.hash_user`` of
the chat id, as ``answer_messages``), never by its id: the caller hashes, this module refuses
anything but a pseudonym. A did-you-mean choice tapped under an unsure reply is evidence that
the question means that entry: ``phrasing_evidence`` offers it to admins as a new phrasing.

A vote on an inline or guest card belongs to no one asker's question (Telegram shows a cached
card to anyone): it is one per user per entry (``record_card_vote``), and per-entry
helpfulness adds these in. With no question to show, /unhelpful lists the entries whose cards
were voted 👎 (``unhelpful_cards``).

Votes and taps are rare and awaited (a user waits for the acknowledgement anyway), unlike the
questions. Queries read questions and feedback together, so they flush the log first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import aiosqlite

from bot.engine.answers import Language, Status
from bot.questionlog.records import format_timestamp, parse_timestamp

if TYPE_CHECKING:
    # QuestionLog writes the replies with its flush (insert_replies), so it imports this.
    from bot.questionlog.log import QuestionLog

# Only a question the bot did not answer makes a tapped choice evidence of a new phrasing.
_UNSURE_STATUSES = (Status.AMBIGUOUS.value, Status.NO_ANSWER.value)
# The retention purge's statements for feedback (each takes the cutoff timestamp).
PURGE_OLDER_THAN = (
    "DELETE FROM votes WHERE voted_at < ?",
    "DELETE FROM suggestion_taps WHERE tapped_at < ?",
    "DELETE FROM replies WHERE sent_at < ?",
    "DELETE FROM card_votes WHERE voted_at < ?",
)


class Vote(IntEnum):
    """A user's verdict on an answer, as stored."""

    HELPFUL = 1
    UNHELPFUL = -1


@dataclass(frozen=True, slots=True)
class Helpfulness:
    """The votes on one entry's answers."""

    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True, slots=True)
class VoteKeyboard:
    """The message of a reply that carries its 👍/👎 row, with the reply's keyboard as it was
    sent (JSON) and the answer's language: what redrawing the counts needs."""

    message_id: int
    keyboard: str
    language: Language


@dataclass(frozen=True, slots=True)
class UnhelpfulAnswer:
    """An answer someone voted 👎: the question, the entry that answered it, when."""

    text: str
    entry_id: str | None
    asked_at: datetime
    voted_at: datetime


@dataclass(frozen=True, slots=True)
class UnhelpfulCard:
    """An entry whose shared cards were voted 👎: the votes on them, the latest one's time."""

    entry_id: str
    unhelpful: int
    helpful: int
    last_voted_at: datetime


@dataclass(frozen=True, slots=True)
class PhrasingEvidence:
    """Unsure questions whose askers tapped the same entry: a phrasing waiting to be added."""

    normalized: str
    text: str
    entry_id: str
    taps: int


# (chat pseudonym, message id, record id, keyboard JSON or None, language or None): one
# message of a reply, as QuestionLog.record_reply queues it for ``replies``.
ReplyRow = tuple[str, int, str, str | None, str | None]


def check_chat_hash(chat_hash: object) -> str:
    """``chat_hash``, when it is a pseudonym; TypeError for anything else (a raw chat id)."""
    if not isinstance(chat_hash, str) or not chat_hash:
        raise TypeError("replies are keyed by the chat's pseudonym (hash_user), never its id")
    return chat_hash


async def insert_replies(writer: aiosqlite.Connection, replies: Sequence[ReplyRow]) -> None:
    """Insert ``replies`` rows, uncommitted (the flush commits them with its batch); rolled
    back if that fails."""
    try:
        await writer.execute(
            "INSERT INTO replies (chat_hash, message_id, record_id, keyboard, language, sent_at) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
            "json_extract(value, '$[4]'), ? FROM json_each(?) WHERE true "
            "ON CONFLICT (chat_hash, message_id) DO UPDATE SET record_id = excluded.record_id, "
            "keyboard = excluded.keyboard, language = excluded.language",
            (format_timestamp(datetime.now(UTC)), json.dumps(list(replies), ensure_ascii=False)),
        )
    except BaseException:
        await writer.rollback()
        raise


async def _read(log: QuestionLog, sql: str, params: Sequence[Any]) -> list[Any]:
    # The log's query-only connection; this module is the log's, like queries and audit.
    return list(await log._require(log._reader).execute_fetchall(sql, params))


def _since(since: datetime | None, column: str) -> tuple[str, list[str]]:
    if since is None:
        return "1", []
    return f"{column} >= ?", [format_timestamp(since)]


async def record_vote(
    log: QuestionLog,
    record_id: str,
    user_hash: str,
    vote: Vote | None,
    *,
    voted_at: datetime | None = None,
) -> None:
    """Set ``user_hash``'s vote on the answer to ``record_id``; None takes it back."""
    await _set_vote(log, _ANSWER_VOTES, record_id, user_hash, vote, voted_at)


async def record_card_vote(
    log: QuestionLog,
    entry_id: str,
    user_hash: str,
    vote: Vote | None,
    *,
    voted_at: datetime | None = None,
) -> None:
    """Set ``user_hash``'s vote on the inline or guest card of ``entry_id``; None takes it
    back. One per user per entry, whoever asked (a card is cached and shown to anyone)."""
    await _set_vote(log, _CARD_VOTES, entry_id, user_hash, vote, voted_at)


# (table, the column a vote is about): the two kinds of vote, set the same way.
_ANSWER_VOTES = ("votes", "record_id")
_CARD_VOTES = ("card_votes", "entry_id")


async def _set_vote(
    log: QuestionLog,
    kind: tuple[str, str],
    about: str,
    user_hash: str,
    vote: Vote | None,
    voted_at: datetime | None,
) -> None:
    table, column = kind  # one of the two constants above, never user input
    if vote is None:
        await log._write(
            f"DELETE FROM {table} WHERE {column} = ? AND user_hash = ?", [about, user_hash]
        )
        return
    moment = voted_at if voted_at is not None else datetime.now(UTC)
    await log._write(
        f"INSERT INTO {table} ({column}, user_hash, vote, voted_at) VALUES (?, ?, ?, ?) "
        f"ON CONFLICT ({column}, user_hash) DO UPDATE SET vote = excluded.vote, "
        "voted_at = excluded.voted_at",
        [about, user_hash, int(vote), format_timestamp(moment)],
    )


async def card_votes_on(log: QuestionLog, entry_id: str) -> Helpfulness:
    """The votes on the cards of ``entry_id`` (what a card's buttons show)."""
    return await _votes_about(log, _CARD_VOTES, entry_id)


async def votes_on(log: QuestionLog, record_id: str) -> Helpfulness:
    """The votes on the answer to ``record_id`` (what its buttons show)."""
    return await _votes_about(log, _ANSWER_VOTES, record_id)


async def _votes_about(log: QuestionLog, kind: tuple[str, str], about: str) -> Helpfulness:
    table, column = kind  # one of the two constants above, never user input
    rows = await _read(
        log,
        f"SELECT coalesce(sum(vote > 0), 0), coalesce(sum(vote < 0), 0) FROM {table} "
        f"WHERE {column} = ?",
        [about],
    )
    return Helpfulness(int(rows[0][0]), int(rows[0][1]))


async def question_of_reply(log: QuestionLog, chat_hash: str, message_id: int) -> str | None:
    """The record id of the question that message ``message_id`` answered in the chat whose
    pseudonym is ``chat_hash``."""
    await log.flush()
    rows = await _read(
        log,
        "SELECT record_id FROM replies WHERE chat_hash = ? AND message_id = ?",
        [check_chat_hash(chat_hash), message_id],
    )
    return str(rows[0][0]) if rows else None


async def vote_keyboard(log: QuestionLog, chat_hash: str, record_id: str) -> VoteKeyboard | None:
    """The message carrying the 👍/👎 row of the answer to ``record_id`` in the chat
    ``chat_hash`` (a reaction may be on another part of a long answer); None when none does."""
    await log.flush()
    rows = await _read(
        log,
        "SELECT message_id, keyboard, language FROM replies WHERE chat_hash = ? "
        "AND record_id = ? AND keyboard IS NOT NULL AND language IS NOT NULL "
        "ORDER BY message_id DESC LIMIT 1",
        [check_chat_hash(chat_hash), record_id],
    )
    if not rows:
        return None
    message_id, keyboard, language = rows[0]
    return VoteKeyboard(int(message_id), str(keyboard), Language(language))


async def record_suggestion_tap(
    log: QuestionLog,
    chat_hash: str,
    message_id: int,
    user_hash: str,
    entry_id: str,
    *,
    tapped_at: datetime | None = None,
) -> bool:
    """Note that ``user_hash`` chose ``entry_id`` under the reply ``message_id`` in the chat
    ``chat_hash``; True when
    that reply was an unsure one (so the tap is evidence), False when it was not noted.

    One choice per user per question: a later tap replaces the earlier one.
    """
    await log.flush()
    rows = await _read(
        log,
        "SELECT r.record_id FROM replies AS r JOIN questions AS q ON q.record_id = r.record_id "
        "WHERE r.chat_hash = ? AND r.message_id = ? AND q.status IN (?, ?)",
        [check_chat_hash(chat_hash), message_id, *_UNSURE_STATUSES],
    )
    if not rows:
        return False
    moment = tapped_at if tapped_at is not None else datetime.now(UTC)
    await log._write(
        "INSERT INTO suggestion_taps (record_id, user_hash, entry_id, tapped_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (record_id, user_hash) DO UPDATE SET "
        "entry_id = excluded.entry_id, tapped_at = excluded.tapped_at",
        [str(rows[0][0]), user_hash, entry_id, format_timestamp(moment)],
    )
    return True


async def helpfulness_by_entry(
    log: QuestionLog, since: datetime | None = None
) -> dict[str, Helpfulness]:
    """Votes per entry: on the answers to questions asked since ``since``, and on the
    entry's inline and guest cards since ``since`` (a card vote has no question of its own)."""
    await log.flush()
    asked, asked_params = _since(since, "q.asked_at")
    voted, voted_params = _since(since, "voted_at")
    rows = await _read(
        log,
        "SELECT entry, sum(up), sum(down) FROM ("
        "SELECT q.entry_id AS entry, v.vote > 0 AS up, v.vote < 0 AS down FROM votes AS v "
        "JOIN questions AS q ON q.record_id = v.record_id "
        f"WHERE {asked} AND q.entry_id IS NOT NULL "
        "UNION ALL SELECT entry_id, vote > 0, vote < 0 FROM card_votes "
        f"WHERE {voted}) GROUP BY entry ORDER BY entry",
        [*asked_params, *voted_params],
    )
    return {str(entry): Helpfulness(int(up), int(down)) for entry, up, down in rows}


async def unhelpful_answers(
    log: QuestionLog, limit: int, since: datetime | None = None
) -> list[UnhelpfulAnswer]:
    """The ``limit`` latest answers voted 👎 (to questions asked since ``since``)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    await log.flush()
    where, params = _since(since, "q.asked_at")
    rows = await _read(
        log,
        "SELECT q.text, q.entry_id, q.asked_at, max(v.voted_at) FROM votes AS v "
        "JOIN questions AS q ON q.record_id = v.record_id "
        f"WHERE {where} AND v.vote < 0 GROUP BY q.record_id "
        "ORDER BY max(v.voted_at) DESC, q.id DESC LIMIT ?",
        [*params, limit],
    )
    return [
        UnhelpfulAnswer(
            str(text),
            None if entry is None else str(entry),
            parse_timestamp(asked_at),
            parse_timestamp(voted_at),
        )
        for text, entry, asked_at, voted_at in rows
    ]


async def unhelpful_cards(
    log: QuestionLog, limit: int, since: datetime | None = None
) -> list[UnhelpfulCard]:
    """The ``limit`` entries whose inline or guest cards were voted 👎 since ``since``, most 👎
    first; 👍 and the latest time count the votes cast since then too."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    where, params = _since(since, "voted_at")
    rows = await _read(
        log,
        "SELECT entry_id, sum(vote < 0) AS down, sum(vote > 0), max(voted_at) FROM card_votes "
        f"WHERE {where} GROUP BY entry_id HAVING down > 0 "
        "ORDER BY down DESC, max(voted_at) DESC, entry_id LIMIT ?",
        [*params, limit],
    )
    return [
        UnhelpfulCard(str(entry), int(down), int(up), parse_timestamp(last))
        for entry, down, up, last in rows
    ]


async def phrasing_evidence(
    log: QuestionLog,
    limit: int,
    since: datetime | None = None,
    *,
    hide_dismissed: bool = True,
) -> list[PhrasingEvidence]:
    """Unsure questions and the entry their askers tapped, most taps first.

    Questions with the same normalized form count together; their commonest wording is the
    phrasing offered. Forms an admin dismissed or already added are left out with
    ``hide_dismissed``.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    await log.flush()
    where, params = _since(since, "t.tapped_at")
    dismissed = (
        "AND q.normalized NOT IN (SELECT normalized FROM dismissed_questions)"
        if hide_dismissed
        else ""
    )
    rows = await _read(
        log,
        "WITH taps AS (SELECT q.normalized, q.text, t.entry_id FROM suggestion_taps AS t "
        "JOIN questions AS q ON q.record_id = t.record_id "
        f"WHERE {where} {dismissed}), "
        "wordings AS (SELECT normalized, entry_id, text, count(*) AS n FROM taps "
        "GROUP BY normalized, entry_id, text) "
        "SELECT normalized, entry_id, "
        "(SELECT w.text FROM wordings AS w WHERE w.normalized = g.normalized "
        "AND w.entry_id = g.entry_id ORDER BY w.n DESC, w.text LIMIT 1), sum(n) AS taps "
        "FROM wordings AS g GROUP BY normalized, entry_id "
        "ORDER BY taps DESC, normalized, entry_id LIMIT ?",
        [*params, limit],
    )
    return [
        PhrasingEvidence(str(normalized), str(text), str(entry), int(taps))
        for normalized, entry, text, taps in rows
    ]
