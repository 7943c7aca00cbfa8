"""Users' feedback in Telegram: 👍/👎 under answers, reactions on them, did-you-mean taps as
evidence, and the admins' digest.

Every answer gets a 👍/👎 row (``with_feedback``, the one change to an answer's keyboard). A
button's callback data carries the logged question's record id and the answer's language, so
a tap needs nothing held in memory. A tap is acknowledged, recorded once per user per answer
(``bot.questionlog.feedback``: tapping again changes the vote) and the row is redrawn with the
counts. A 👍 or 👎 reaction on an answer (``message_reaction`` updates: private chats, and
groups where the bot is an admin) counts the same; taking the reaction back takes the vote back.

A reaction carries no keyboard, and editing a message's buttons replaces them all, so the
message of a reply that carries the 👍/👎 row is noted with its whole keyboard as Telegram
echoed it (the bot's own buttons, JSON, in ``replies``). A reaction rebuilds that keyboard
with the new counts (the suggestion and other rows kept) and edits that one message, by the
chat id the reaction update carries: nothing raw is stored for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import Job, JobQueue

from bot.config import DigestSettings
from bot.digest import digest_schedule, format_digest, gather_digest
from bot.engine.answers import Language
from bot.messages import say
from bot.questionlog.feedback import (
    Helpfulness,
    Vote,
    question_of_reply,
    record_suggestion_tap,
    record_vote,
    vote_keyboard,
    votes_on,
)
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.keyboards import MAX_CALLBACK_BYTES
from bot.telegram.ptb import Context

logger = logging.getLogger(__name__)


VOTE_PREFIX = "v"
# The pattern of the vote buttons' data (bot.telegram.registration puts their handler before the
# catch-all one for taps).
VOTE_BUTTONS = f"^{VOTE_PREFIX}:"
HELPFUL_EMOJI, UNHELPFUL_EMOJI = "👍", "👎"
_SIGNS = {Vote.HELPFUL: "+", Vote.UNHELPFUL: "-"}
_SIGN_VOTES = {sign: vote for vote, sign in _SIGNS.items()}
_LANGUAGE_CODES = {Language.SIMPLIFIED: "s", Language.TRADITIONAL: "t", Language.ENGLISH: "e"}
_CODE_LANGUAGES = {code: language for language, code in _LANGUAGE_CODES.items()}
DIGEST_JOB = "admin-digest"
NO_VOTES = Helpfulness()


def vote_callback(
    record_id: str, vote: Vote, language: Language, *, prefix: str = VOTE_PREFIX
) -> str:
    """The callback data of a 👍 or 👎 button under the answer to ``record_id`` (``prefix``
    and an entry's key instead: a card's, ``bot.telegram.card_votes``)."""
    return f"{prefix}:{_SIGNS[vote]}{_LANGUAGE_CODES[language]}:{record_id}"


def parse_vote_callback(
    data: str | None, *, prefix: str = VOTE_PREFIX
) -> tuple[Vote, Language, str] | None:
    """(vote, language, record id) of a vote button's data; None for anything else."""
    parts = (data or "").split(":", 2)
    if len(parts) != 3 or parts[0] != prefix or len(parts[1]) != 2 or not parts[2]:
        return None
    vote, language = _SIGN_VOTES.get(parts[1][0]), _CODE_LANGUAGES.get(parts[1][1])
    if vote is None or language is None:
        return None
    return vote, language, parts[2]


def feedback_row(
    record_id: str,
    language: Language,
    votes: Helpfulness = NO_VOTES,
    *,
    prefix: str = VOTE_PREFIX,
) -> list[InlineKeyboardButton] | None:
    """The 👍/👎 buttons, with their counts once there are votes; None when the record id is
    too long for callback data (never, for the ids the question log makes)."""
    helpful = vote_callback(record_id, Vote.HELPFUL, language, prefix=prefix)
    if len(helpful.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    unhelpful = vote_callback(record_id, Vote.UNHELPFUL, language, prefix=prefix)
    return [
        InlineKeyboardButton(_counted(HELPFUL_EMOJI, votes.helpful), callback_data=helpful),
        InlineKeyboardButton(_counted(UNHELPFUL_EMOJI, votes.unhelpful), callback_data=unhelpful),
    ]


def _counted(emoji: str, count: int) -> str:
    return f"{emoji} {count}" if count else emoji


def with_feedback(
    markup: InlineKeyboardMarkup | None, record_id: str | None, language: Language
) -> InlineKeyboardMarkup | None:
    """An answer's keyboard with the 👍/👎 row added at the bottom (``markup`` when there is
    no logged question to vote on)."""
    row = feedback_row(record_id, language) if record_id is not None else None
    if row is None:
        return markup
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup([*rows, row])


def _is_vote_row(row: Sequence[InlineKeyboardButton]) -> bool:
    return any(
        isinstance(button.callback_data, str) and parse_vote_callback(button.callback_data)
        for button in row
    )


def with_counts(
    markup: InlineKeyboardMarkup | None, record_id: str, language: Language, votes: Helpfulness
) -> InlineKeyboardMarkup:
    """``markup`` with its 👍/👎 row showing ``votes``; the other rows as they were."""
    rows = [row for row in (markup.inline_keyboard if markup else ()) if not _is_vote_row(row)]
    row = feedback_row(record_id, language, votes)
    return InlineKeyboardMarkup([*rows, row] if row else rows)


def vote_row_language(markup: InlineKeyboardMarkup | None) -> Language | None:
    """The language of the 👍/👎 row in ``markup``; None when it has no such row."""
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            data = button.callback_data
            parsed = parse_vote_callback(data) if isinstance(data, str) else None
            if parsed is not None:
                return parsed[1]
    return None


async def redraw(edit: Awaitable[object]) -> None:
    """Await an edit of the vote buttons; the BadRequests it may meet are no failure."""
    try:
        await edit
    except BadRequest as error:
        # "not modified": the same counts again. Gone or too old: the vote still counts.
        if "not modified" not in error.message.lower():
            logger.info("could not redraw the vote buttons: %s", error)


def reaction_vote(emojis: Iterable[str]) -> Vote | None:
    """The vote a set of reactions expresses: 👍 or 👎 alone; None for neither or both."""
    chosen = set(emojis) & {HELPFUL_EMOJI, UNHELPFUL_EMOJI}
    if chosen == {HELPFUL_EMOJI}:
        return Vote.HELPFUL
    if chosen == {UNHELPFUL_EMOJI}:
        return Vote.UNHELPFUL
    return None


class FeedbackHandlers:
    """Votes by button and by reaction, replies noted, did-you-mean taps noted."""

    def __init__(
        self, log: QuestionLog, *, user_hash_salt: str, limiter: QuestionLimiter | None = None
    ) -> None:
        if not user_hash_salt:
            raise ValueError("feedback needs a user hash salt (BOT_USER_HASH_SALT)")
        self.log = log
        self._user_hash_salt = user_hash_salt
        self._limiter = limiter

    def pseudonym(self, telegram_id: int) -> str:
        """A user's or chat's pseudonym in the question log (as ``EditorDesk.pseudonym``): the
        log keys replies by the chat's, never by its id."""
        return hash_user(telegram_id, self._user_hash_salt)

    def note_reply(self, messages: Iterable[Message], record_id: str | None) -> None:
        """Remember that ``messages`` (the parts of one reply) answer ``record_id``, so a
        reaction on any of them or a tap under them finds the question, and the keyboard of
        the one carrying the 👍/👎 row, so a reaction can redraw it. Never raises."""
        if record_id is None:
            return
        try:
            for message in messages:
                markup = message.reply_markup
                language = vote_row_language(markup)
                # Only the part carrying the 👍/👎 row is noted with the keyboard, to redraw.
                keyboard = None
                if markup is not None and language is not None:
                    keyboard = markup.to_json()
                self.log.record_reply(
                    self.pseudonym(message.chat.id),
                    message.message_id,
                    record_id,
                    keyboard=keyboard,
                    language=language,
                )
        except Exception:
            logger.exception("could not note a reply to question %s", record_id)

    async def note_suggestion_tap(self, message: Message, user_id: int, entry_id: str) -> None:
        """A did-you-mean choice tapped under ``message``: evidence when that reply was unsure.
        Never raises: the tap is answered whatever becomes of the evidence."""
        try:
            await record_suggestion_tap(
                self.log,
                self.pseudonym(message.chat.id),
                message.message_id,
                hash_user(user_id, self._user_hash_salt),
                entry_id,
            )
        except Exception:
            logger.exception("could not note a tapped choice of %s", entry_id)

    async def on_vote(self, update: Update, context: Context) -> None:
        """👍 or 👎 tapped: record, thank, redraw the row with the counts."""
        query = update.callback_query
        if query is None:
            return
        parsed = parse_vote_callback(query.data)
        if parsed is None:
            return
        vote, language, record_id = parsed
        limiter = self._limiter
        if limiter is not None and limiter.admit(query.from_user.id) is not Admission.ALLOWED:
            await _acknowledge(query, say("tg_flood", language))
            return
        user_hash = hash_user(query.from_user.id, self._user_hash_salt)
        await record_vote(self.log, record_id, user_hash, vote)
        await _acknowledge(query, say("tg_feedback_thanks", language))
        votes = await votes_on(self.log, record_id)
        message = query.message
        markup = message.reply_markup if isinstance(message, Message) else None
        await redraw(
            query.edit_message_reply_markup(with_counts(markup, record_id, language, votes))
        )

    async def on_reaction(self, update: Update, context: Context) -> None:
        """A reaction on a message: a vote when it is 👍/👎 on one of the bot's answers."""
        reaction = update.message_reaction
        if reaction is None or reaction.user is None:
            # Anonymous reactions (a channel, an anonymous admin) have no user to count once.
            return
        new = [r.emoji for r in reaction.new_reaction if isinstance(r, ReactionTypeEmoji)]
        old = [r.emoji for r in reaction.old_reaction if isinstance(r, ReactionTypeEmoji)]
        vote = reaction_vote(new)
        if vote is None and reaction_vote(old) is None:
            return
        chat_hash = self.pseudonym(reaction.chat.id)
        record_id = await question_of_reply(self.log, chat_hash, reaction.message_id)
        if record_id is None:
            return
        user_hash = hash_user(reaction.user.id, self._user_hash_salt)
        await record_vote(self.log, record_id, user_hash, vote)
        await self._redraw_counts(context.bot, reaction.chat.id, chat_hash, record_id)

    async def _redraw_counts(self, bot: Bot, chat_id: int, chat_hash: str, record_id: str) -> None:
        """Show the counts under the answer to ``record_id``: its noted keyboard, rebuilt."""
        noted = await vote_keyboard(self.log, chat_hash, record_id)
        if noted is None:
            return  # an unsure reply (no 👍/👎 row), or one sent before keyboards were noted
        try:
            markup = InlineKeyboardMarkup.de_json(json.loads(noted.keyboard), bot)
        except (ValueError, TypeError, KeyError):
            logger.warning("the noted keyboard of answer %s cannot be read", record_id)
            return
        votes = await votes_on(self.log, record_id)
        rebuilt = with_counts(markup, record_id, noted.language, votes)
        await redraw(
            bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=noted.message_id, reply_markup=rebuilt
            )
        )


async def _acknowledge(query: Any, text: str) -> None:
    try:
        await query.answer(text)
    except TelegramError as error:
        logger.info("could not answer tap %s: %s", query.id, error)


class DigestJob:
    """Sends every admin the digest, in their language, on the configured schedule."""

    def __init__(
        self,
        log: QuestionLog,
        settings: DigestSettings,
        *,
        admins: Iterable[int],
        language_of: Callable[[int], Language] = lambda admin: Language.SIMPLIFIED,
    ) -> None:
        self.log = log
        self.settings = settings
        self.admins = tuple(sorted(set(admins)))
        self._language_of = language_of

    def schedule(self, job_queue: JobQueue[Any]) -> Job[Any] | None:
        """Add the job; None when the digest is off or there is no admin to send it to."""
        schedule = digest_schedule(self.settings)
        if schedule is None or not self.admins:
            return None
        return job_queue.run_daily(self.send, schedule.at, days=schedule.days, name=DIGEST_JOB)

    async def send(self, context: Context) -> None:
        """The job: gather once, word it per admin's language, send."""
        await self.send_now(context.bot)

    async def send_now(self, bot: Bot, *, now: datetime | None = None) -> int:
        """Send the digest of the period ending ``now``; return how many admins got it."""
        schedule = digest_schedule(self.settings)
        days = schedule.period_days if schedule is not None else 1
        moment = now if now is not None else datetime.now(UTC)
        digest = await gather_digest(self.log, days, now=moment)
        sent = 0
        for admin in self.admins:
            try:
                await bot.send_message(admin, format_digest(digest, self._language_of(admin)))
            except TelegramError as error:
                logger.warning("could not send the digest to admin %s: %s", admin, error)
                continue
            sent += 1
        logger.info("digest of the last %d days sent to %d admins", days, sent)
        return sent
