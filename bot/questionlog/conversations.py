"""What a conversation needs remembered beyond one update: the bot's answers, and the editors.

Two things, in the tables of migration 0006 (in the question log's file):

- **Answers in chats.** Each answer the bot sends is remembered as (chat pseudonym, message id)
  → the question it answered, so that a reply to it ("那今年呢") is read as a follow-up of that
  question, after a restart too. Kept as long as the question log keeps questions.
- **Questions for the editors.** A tap on "ask the editors" under an unanswered reply opens one
  request per reply (a second tap opens none); each admin's notice is remembered as (admin
  pseudonym, message id) → request, so the admin's reply to it finds its way back. Routing the
  reply needs the chat's real id: ``reply_chat_id``, the only column of these tables holding a
  raw Telegram id, cleared as soon as a reply was delivered and at the latest
  ``EDITOR_ROUTING_DAYS`` after the request (by the daily retention purge,
  ``QuestionLog.purge_older_than``). The log's writer runs with ``secure_delete`` and the purge
  checkpoints the WAL, so a cleared id is gone from the files, not only from the table.

Users, chats and admins are otherwise known here by pseudonyms (``pseudonyms.hash_user``).
Everything else goes with the questions, after ``storage.retention_days``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.engine.answers import Language, Status
from bot.questionlog.records import format_timestamp, parse_timestamp

if TYPE_CHECKING:
    # QuestionLog runs the purge statements below with its own, so it imports this module.
    from bot.questionlog.log import QuestionLog

# A reply later than this would come out of the blue; the routing id is not kept longer.
EDITOR_ROUTING_DAYS = 7
DELIVERED = "delivered"
UNDELIVERED = "undelivered"
# The retention purge's statements (each takes the cutoff timestamp), run by
# ``QuestionLog.purge_older_than`` with the questions'.
PURGE_OLDER_THAN = (
    "DELETE FROM answer_messages WHERE sent_at < ?",
    "DELETE FROM editor_notices WHERE request_id IN "
    "(SELECT id FROM editor_requests WHERE requested_at < ?)",
    "DELETE FROM editor_requests WHERE requested_at < ?",
)
# And the routes' (the cutoff is at most EDITOR_ROUTING_DAYS back).
CLEAR_OLD_ROUTES = (
    "UPDATE editor_requests SET reply_chat_id = NULL "
    "WHERE reply_chat_id IS NOT NULL AND requested_at < ?"
)


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """The question one of the bot's messages answered."""

    question: str
    language: Language
    status: Status


@dataclass(frozen=True, slots=True)
class EditorRequest:
    """A question sent to the editors. ``message_id``: the bot's reply it was asked under."""

    id: int
    requested_at: datetime
    user_hash: str
    question: str
    language: Language
    message_id: int
    answered_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class EditorCounts:
    """Requests to the editors in a period, and how many got a reply delivered."""

    requests: int
    answered: int


_REQUEST_COLUMNS = (
    "id, requested_at, user_hash, question, language, message_id, answered_at, outcome"
)


def _request(values: Sequence[Any]) -> EditorRequest:
    ident, requested_at, user_hash, question, language, message_id, answered_at, outcome = values
    return EditorRequest(
        id=int(ident),
        requested_at=parse_timestamp(requested_at),
        user_hash=str(user_hash),
        question=str(question),
        language=Language(language),
        message_id=int(message_id),
        answered_at=None if answered_at is None else parse_timestamp(answered_at),
        outcome=None if outcome is None else str(outcome),
    )


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


class Conversations:
    """The tables of migration 0006, over an open ``QuestionLog``. Every write is awaited."""

    def __init__(self, log: QuestionLog) -> None:
        self.log = log

    # --- answers in chats --------------------------------------------------------------------

    async def remember_answer(
        self,
        chat_hash: str,
        message_ids: Sequence[int],
        context: AnswerContext,
        *,
        sent_at: datetime | None = None,
    ) -> None:
        """Note that the messages ``message_ids`` of a chat answered ``context.question``.

        Every part of a long answer is noted, so a reply to any of them is a follow-up. Noting
        a message again (an update answered again after a crash) replaces the first note.
        """
        stamp = format_timestamp(_now(sent_at))
        for message_id in message_ids:
            await self.log.write(
                "INSERT OR REPLACE INTO answer_messages "
                "(chat_hash, message_id, sent_at, question, language, status) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    chat_hash,
                    message_id,
                    stamp,
                    context.question,
                    context.language.value,
                    context.status.value,
                ],
            )

    async def answer_context(self, chat_hash: str, message_id: int) -> AnswerContext | None:
        """The question the chat's message ``message_id`` answered; None if it is not known."""
        rows = await self.log.read(
            "SELECT question, language, status FROM answer_messages "
            "WHERE chat_hash = ? AND message_id = ?",
            [chat_hash, message_id],
        )
        if not rows:
            return None
        question, language, status = rows[0]
        return AnswerContext(str(question), Language(language), Status(status))

    # --- questions for the editors -----------------------------------------------------------

    async def open_request(
        self,
        chat_hash: str,
        message_id: int,
        context: AnswerContext,
        *,
        user_hash: str,
        reply_chat_id: int,
        requested_at: datetime | None = None,
    ) -> EditorRequest | None:
        """A new request for the question the chat's message answered; None when that message
        already has one (a second tap sends nothing again)."""
        moment = _now(requested_at)
        rows = await self.log.write(
            "INSERT INTO editor_requests "
            "(chat_hash, message_id, requested_at, user_hash, question, language, reply_chat_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_hash, message_id) DO NOTHING "
            "RETURNING id",
            [
                chat_hash,
                message_id,
                format_timestamp(moment),
                user_hash,
                context.question,
                context.language.value,
                reply_chat_id,
            ],
        )
        if not rows:
            return None
        return EditorRequest(
            int(rows[0][0]), moment, user_hash, context.question, context.language, message_id
        )

    async def add_notice(self, request_id: int, admin_hash: str, message_id: int) -> None:
        """Note that the admin's message ``message_id`` is the notice of ``request_id``."""
        await self.log.write(
            "INSERT OR REPLACE INTO editor_notices (admin_hash, message_id, request_id) "
            "VALUES (?, ?, ?)",
            [admin_hash, message_id, request_id],
        )

    async def request_for_notice(self, admin_hash: str, message_id: int) -> EditorRequest | None:
        """The request whose notice is the admin's message ``message_id``, if any."""
        rows = await self.log.read(
            f"SELECT {_REQUEST_COLUMNS} FROM editor_requests WHERE id = "
            "(SELECT request_id FROM editor_notices WHERE admin_hash = ? AND message_id = ?)",
            [admin_hash, message_id],
        )
        return _request(rows[0]) if rows else None

    async def take_route(self, request_id: int) -> int | None:
        """The chat id to reply to, cleared as it is taken; None when it is gone (the request
        was answered, or is too old). Of two admins replying at once, one gets it."""
        rows = await self.log.read(
            "SELECT reply_chat_id FROM editor_requests WHERE id = ?", [request_id]
        )
        if not rows or rows[0][0] is None:
            return None
        route = int(rows[0][0])
        # Cleared only if still this route: the claim, whoever read it too.
        taken = await self.log.write(
            "UPDATE editor_requests SET reply_chat_id = NULL "
            "WHERE id = ? AND reply_chat_id = ? RETURNING id",
            [request_id, route],
        )
        return route if taken else None

    async def record_reply(
        self,
        request_id: int,
        *,
        admin_hash: str,
        reply: str,
        delivered: bool,
        route: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """Log an admin's reply. Undelivered, the route taken is given back (``route``), so a
        later reply can still try; delivered, the request is answered and keeps no route."""
        stamp = format_timestamp(_now(at))
        if delivered:
            await self.log.write(
                "UPDATE editor_requests SET answered_at = ?, answered_by = ?, reply = ?, "
                "outcome = ? WHERE id = ?",
                [stamp, admin_hash, reply, DELIVERED, request_id],
            )
            return
        await self.log.write(
            "UPDATE editor_requests SET answered_by = ?, reply = ?, outcome = ?, "
            "reply_chat_id = coalesce(reply_chat_id, ?) WHERE id = ?",
            [admin_hash, reply, UNDELIVERED, route, request_id],
        )

    async def requests(self, since: datetime | None = None) -> list[EditorRequest]:
        """Every request since ``since``, oldest first."""
        rows = await self.log.read(
            f"SELECT {_REQUEST_COLUMNS} FROM editor_requests "
            "WHERE requested_at >= ? ORDER BY requested_at, id",
            [format_timestamp(since) if since is not None else ""],
        )
        return [_request(row) for row in rows]

    async def counts(self, since: datetime | None = None) -> EditorCounts:
        """Requests since ``since`` and how many of them got a reply delivered."""
        rows = await self.log.read(
            "SELECT count(*), count(answered_at) FROM editor_requests WHERE requested_at >= ?",
            [format_timestamp(since) if since is not None else ""],
        )
        requests, answered = rows[0]
        return EditorCounts(int(requests), int(answered))
