"""Follow-ups and "ask the editors" in Telegram, over ``bot.questionlog.conversations``.

- **Follow-ups.** Each answer the bot sends is remembered (chat pseudonym, message id → the
  question a reply to it follows). A message replying to one of them is read in that
  question's context (``bot.engine.followup.ask_follow_up``), in private chats and groups;
  restart-safe, since the note is in the question log's file.
- **Ask the editors.** A reply that is no answer carries a "问问编辑" button
  (``keyboards.with_ask_editors``). One tap sends the question to every admin (a notice with
  the question and the tapper's display name, escaped) and tells the user; a second tap sends
  nothing again. An admin's Telegram reply to the notice goes to the chat as "编辑回复：…",
  under the bot's reply, and the admin is told whether it was delivered. Requests and replies
  are in the question log; ``/stats`` counts them (``requests_line``).

Noting an answer never makes a reply fail: a note that cannot be written is logged, and the
answer still goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from html import escape
from typing import Any

from telegram import Message, ReplyParameters, Update, User
from telegram.error import TelegramError

from bot.engine.answers import Answer, Language, Status
from bot.engine.followup import ask_follow_up
from bot.engine.pipeline import Engine
from bot.messages import say
from bot.questionlog.conversations import EDITOR_ROUTING_DAYS, AnswerContext, Conversations
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.telegram.admins import Admins
from bot.telegram.errors import is_unreachable
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.keyboards import Action, parse_callback
from bot.telegram.language import user_language
from bot.telegram.ptb import Context
from bot.telegram.sending import acknowledge, reply_html

logger = logging.getLogger(__name__)

# The pattern of the "ask the editors" button's data (registered before the catch-all for taps).
ASK_EDITORS_BUTTON = f"^{Action.ASK_EDITORS.value}:"
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def display_name(user: User | None, language: Language) -> str:
    """The name a notice shows: the user's full name and @username, or "a reader"."""
    if user is None:
        return say("tg_ed_reader", language)
    name = " ".join(user.full_name.split())
    if user.username:
        name = f"{name} (@{user.username})" if name else f"@{user.username}"
    return name or say("tg_ed_reader", language)


async def requests_line(log: QuestionLog, since: datetime | None, language: Language) -> str:
    """``/stats``'s line on questions sent to the editors since ``since``, after a line break;
    empty when there were none."""
    counts = await Conversations(log).counts(since)
    if not counts.requests:
        return ""
    text = say(
        "tg_ed_stats",
        language,
        requests=f"{counts.requests:,}",
        answered=f"{counts.answered:,}",
    )
    return f"\n{escape(text)}"


class EditorDesk:
    """The Telegram side of follow-ups and questions to the editors."""

    def __init__(
        self,
        log: QuestionLog,
        *,
        admins: Admins,
        user_hash_salt: str,
        limiter: QuestionLimiter | None = None,
    ) -> None:
        if not user_hash_salt:
            raise ValueError("the editors' desk needs a user hash salt (BOT_USER_HASH_SALT)")
        self.conversations = Conversations(log)
        self.admins = admins
        self._salt = user_hash_salt
        # Taps share the questions' budget (one notice per admin each).
        self._limiter = limiter

    def pseudonym(self, telegram_id: int) -> str:
        """A user's or chat's pseudonym in the question log."""
        return hash_user(telegram_id, self._salt)

    # --- follow-ups --------------------------------------------------------------------------

    async def previous_question(self, message: Message) -> str | None:
        """The question a reply to the bot's message that ``message`` replies to follows, if
        that message is one of the bot's answers. Never raises."""
        replied = message.reply_to_message
        bot = message.get_bot()
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            return None
        try:
            context = await self.conversations.answer_context(
                self.pseudonym(message.chat.id), replied.message_id
            )
        except Exception:
            logger.exception("could not look up the question a reply follows")
            return None
        return context.question if context is not None else None

    @staticmethod
    def ask(engine: Engine, question: str, previous: str | None) -> Answer:
        """The engine's answer to ``question``, read as a follow-up of ``previous`` if any."""
        if previous is None:
            return engine.ask(question)
        return ask_follow_up(engine, question, previous)

    async def remember(
        self, sent: Sequence[Message], answer: Answer, engine: Engine, previous: str | None
    ) -> None:
        """Note the messages of one reply, with what a reply to them follows. Never raises."""
        if not sent:
            return
        question = _followed_question(answer, engine, previous)
        context = AnswerContext(question, answer.language, answer.status)
        try:
            await self.conversations.remember_answer(
                self.pseudonym(sent[0].chat.id), [m.message_id for m in sent], context
            )
        except Exception:
            logger.exception("could not note an answer for follow-ups")

    # --- asking the editors ------------------------------------------------------------------

    def offers_editors(self, answer: Answer) -> bool:
        """Whether a reply to ``answer`` carries the "ask the editors" button: it is no
        answer (declined or unsure, not small talk), and there are editors to ask."""
        return bool(self.admins.ids) and answer.status in (Status.NO_ANSWER, Status.AMBIGUOUS)

    async def on_ask_editors(self, update: Update, context: Context) -> None:
        """A tap on "ask the editors": the question to every admin, once; the user told."""
        query = update.callback_query
        callback = parse_callback(query.data if query is not None else None)
        if query is None or callback is None:
            return
        language = callback.language
        limiter = self._limiter
        if limiter is not None and limiter.admit(query.from_user.id) is not Admission.ALLOWED:
            await acknowledge(query, say("tg_flood", language))
            return
        await acknowledge(query, await self._send_to_editors(query.message, query.from_user))

    async def _send_to_editors(self, message: object, user: User) -> str:
        """Open the request under ``message`` and notify the admins; what to tell ``user``."""
        language = user_language(user.language_code)
        if not isinstance(message, Message) or not self.admins.ids:
            return say("tg_ed_unavailable", language)
        chat_hash = self.pseudonym(message.chat.id)
        answered = await self.conversations.answer_context(chat_hash, message.message_id)
        if answered is None:
            return say("tg_ed_unavailable", language)
        language = answered.language
        request = await self.conversations.open_request(
            chat_hash,
            message.message_id,
            answered,
            user_hash=self.pseudonym(user.id),
            reply_chat_id=message.chat.id,
        )
        if request is None:
            return say("tg_ed_already_sent", language)
        reached = 0
        for admin in sorted(self.admins.ids):
            admin_language = self.admins.language_of(admin)
            notice = say(
                "tg_ed_notice",
                admin_language,
                name=display_name(user, admin_language),
                question=answered.question,
            )
            try:
                sent = await message.get_bot().send_message(admin, escape(notice))
            except TelegramError as error:
                logger.warning("could not tell admin %s of a question: %s", admin, error)
                continue
            await self.conversations.add_notice(request.id, self.pseudonym(admin), sent.message_id)
            reached += 1
        return say("tg_ed_sent" if reached else "tg_ed_unavailable", language)

    def admin_reply_or(self, otherwise: Handler) -> Handler:
        """The handler of an admin's reply in a private chat: passed on to the user when it
        replies to a notice, else handled by ``otherwise`` (a question like any other)."""

        async def on_admin_reply(update: Update, context: Context) -> None:
            message, user = update.effective_message, update.effective_user
            if message is None or user is None or not await self._relay(message, user):
                await otherwise(update, context)

        return on_admin_reply

    async def _relay(self, message: Message, user: User) -> bool:
        """Pass an admin's reply to a notice on to the user; False when it replies to none."""
        replied = message.reply_to_message
        if replied is None or message.text is None or not self.admins.is_admin(user):
            return False
        admin_hash = self.pseudonym(user.id)
        request = await self.conversations.request_for_notice(admin_hash, replied.message_id)
        if request is None:
            return False
        admin_language = self.admins.language(user)
        route = await self.conversations.take_route(request.id)
        if route is None:
            text = say("tg_ed_closed", admin_language, days=str(EDITOR_ROUTING_DAYS))
            await reply_html(message, escape(text), quote=True)
            return True
        reply = say("tg_ed_reply", request.language, reply=message.text)
        try:
            await message.get_bot().send_message(
                route,
                escape(reply),
                reply_parameters=ReplyParameters(
                    request.message_id, allow_sending_without_reply=True
                ),
            )
        except TelegramError as error:
            await self.conversations.record_reply(
                request.id, admin_hash=admin_hash, reply=message.text, delivered=False, route=route
            )
            if not is_unreachable(error):
                raise
            logger.info("could not pass an editor's reply on: %s", error)
            await reply_html(message, escape(say("tg_ed_blocked", admin_language)), quote=True)
            return True
        await self.conversations.record_reply(
            request.id, admin_hash=admin_hash, reply=message.text, delivered=True
        )
        await reply_html(message, escape(say("tg_ed_delivered", admin_language)), quote=True)
        return True


def _followed_question(answer: Answer, engine: Engine, previous: str | None) -> str:
    """What a reply to ``answer`` follows up, and what the editors are asked: the entry it
    answered (its own question, so a chain of follow-ups stays on the subject); for a
    follow-up, the reading with the borrowed subject; else the question as asked."""
    if answer.status is Status.ANSWERED and answer.entry_id is not None and not answer.parts:
        entry = engine.answer_entry(answer.entry_id, answer.language)
        if entry is not None:
            return entry.question
    if previous is not None and answer.normalized:
        return answer.normalized
    return answer.question
