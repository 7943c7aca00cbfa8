"""The user-facing handlers: questions in private chats and groups, ``/ask``, and tapped
answer and topic buttons.

``TelegramBot`` holds the state (engine provider, flood limiter, question log, settings) and its
methods are the handlers. They stay thin: decide whether to answer, call the engine, log the
question, render, send. The wording lives in ``bot.messages``, the keyboards in
``bot.telegram.keyboards``; ``bot.telegram.registration`` registers the handlers in order. What
the bot says without a question (``/start``, ``/help``, ``/topics``, ``/source``, browsing the
topics) is ``bot.telegram.guide``'s.

Every question the engine answers is logged, with a salted hash of the user id (never the id).
Logging is an in-memory enqueue; if it fails the failure is logged and the reply still goes out.
An edit that cannot be made becomes a new message. Flood control covers every update that
makes the bot work: questions, taps, inline queries (``bot.telegram.inline``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from html import escape

from telegram import (
    Bot,
    CallbackQuery,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatType

from bot.config import LimitSettings
from bot.engine.answers import Answer, Status
from bot.engine.pipeline import Engine
from bot.engine.render import answer_html, telegram_length
from bot.engine.textnorm import detect_language
from bot.messages import say
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.records import Channel, QuestionRecord
from bot.telegram.card_votes import CardVotes
from bot.telegram.editors import EditorDesk
from bot.telegram.feedback import FeedbackHandlers, with_feedback
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.guide import Guide
from bot.telegram.keyboards import (
    Action,
    Callback,
    parse_callback,
    resolve,
    suggestions_keyboard,
    with_ask_editors,
)
from bot.telegram.language import user_language
from bot.telegram.ptb import Context
from bot.telegram.sending import acknowledge, reply_in_chat

logger = logging.getLogger(__name__)

# The question log's channel for each chat type a message can come from.
_CHANNELS: dict[str, Channel] = {
    ChatType.PRIVATE: Channel.PRIVATE,
    ChatType.GROUP: Channel.GROUP,
    ChatType.SUPERGROUP: Channel.SUPERGROUP,
    ChatType.CHANNEL: Channel.CHANNEL,
}


# The command word that starts a command message: "/ask", "/ask@dadukou_bot".
_COMMAND = re.compile(r"^/\S+")


class TelegramBot:
    """The handlers, and the state they share."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        *,
        limits: LimitSettings,
        question_log: QuestionLog,
        user_hash_salt: str,
        question_limiter: QuestionLimiter | None = None,
    ) -> None:
        if not user_hash_salt:
            # Refused here rather than at the first question, where it would fail every row.
            raise ValueError("the Telegram bot needs a user hash salt (BOT_USER_HASH_SALT)")
        # A provider, not an engine: a knowledge reload swaps what it returns, and each
        # update is answered from the one engine it fetched first.
        self.engine = engine
        self.limits = limits
        self.question_log = question_log
        self._user_hash_salt = user_hash_salt
        # Questions and taps (answers and browsing) share one budget per user; inline queries,
        # several to a question, have their own (bot.telegram.inline).
        self.question_limiter = question_limiter or QuestionLimiter(limits.questions_per_minute)
        # Votes share the questions' budget: each tap writes and redraws.
        self.feedback = FeedbackHandlers(
            question_log, user_hash_salt=user_hash_salt, limiter=self.question_limiter
        )
        # 👍/👎 on inline and guest cards: per entry, resolved against the current knowledge.
        self.card_votes = CardVotes(
            question_log,
            user_hash_salt=user_hash_salt,
            entry_ids=lambda: self.engine().knowledge.entries,
            limiter=self.question_limiter,
        )
        # Follow-ups (replies to answers) and the "ask the editors" button; None: neither.
        self.editors: EditorDesk | None = None
        # /start, /help, /topics, /source, topic browsing: what the bot knows, no question.
        self.guide = Guide(engine)

    # --- questions ---------------------------------------------------------------------------

    async def on_ask(self, update: Update, context: Context) -> None:
        """``/ask question``, anywhere."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        question = _after_the_command(message.text or "")
        if not question.strip():
            await self._usage(message, user, "tg_ask_usage", context)
            return
        await self._answer_question(message, user, question)

    # --- messages ----------------------------------------------------------------------------

    async def on_private_text(self, update: Update, context: Context) -> None:
        """In a private chat any text is a question."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        question = self._without_own_mentions(message, context.bot)
        await self._answer_question(message, user, question)

    async def on_group_text(self, update: Update, context: Context) -> None:
        """In groups: answer mentions of the bot and replies to it; stay silent otherwise."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        replied = message.reply_to_message
        replies_to_bot = (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == context.bot.id
        )
        question = self._without_own_mentions(message, context.bot)
        mentions_bot = question != message.text
        if not (replies_to_bot or mentions_bot):
            return
        if not question.strip():
            await self._usage(message, user, "tg_mention_usage", context)
            return
        await self._answer_question(message, user, question)

    # --- buttons -----------------------------------------------------------------------------

    async def on_button(self, update: Update, context: Context) -> None:
        """A tapped inline button: answer an entry, or browse topics."""
        query = update.callback_query
        if query is None:
            return
        callback = parse_callback(query.data)
        if callback is None:
            await acknowledge(query)
            return
        # Every tap makes the bot send or edit a message: it counts like a question.
        if self.question_limiter.admit(query.from_user.id) is not Admission.ALLOWED:
            await acknowledge(query, say("tg_flood", callback.language))
            return
        if callback.action in (Action.ANSWER, Action.ANSWER_HASHED):
            await self._answer_button(query, callback)
        else:
            await acknowledge(query)
            await self.guide.browse(query, callback)

    async def _answer_button(self, query: CallbackQuery, callback: Callback) -> None:
        language = callback.language
        engine = self.engine()
        entry_id = resolve(callback, engine.knowledge.entries)
        started = time.perf_counter()
        answer = engine.answer_entry(entry_id, language) if entry_id is not None else None
        latency_ms = (time.perf_counter() - started) * 1000
        message = query.message
        record_id = None
        if answer is not None:
            # A button under an inline result has no message; under any other it has its chat.
            channel = _CHANNELS.get(message.chat.type) if message is not None else Channel.INLINE
            record_id = self.log_question(answer, query.from_user, channel, latency_ms)
        if not isinstance(message, Message):
            # The message is gone or too old to reach: the answer fits in an alert.
            text = answer.text if answer is not None else say("tg_entry_gone", language)
            await acknowledge(query, text, alert=True)
            return
        await acknowledge(query)
        if answer is None:
            text = escape(say("tg_entry_gone", language))
            markup = suggestions_keyboard(engine.examples(language), language)
            await reply_in_chat(message, text, markup, quote=False)
            return
        await self._send_answer(message, answer, engine, record_id, quote=False)
        if entry_id is not None:
            # Chosen under an unsure reply, it is evidence of what that question meant.
            await self.feedback.note_suggestion_tap(message, query.from_user.id, entry_id)

    # --- answering ---------------------------------------------------------------------------

    async def _answer_question(self, message: Message, user: User, question: str) -> None:
        """Flood control, length check, the engine, the reply."""
        admission = self.question_limiter.admit(user.id)
        if admission is Admission.REFUSED:
            return
        if admission is Admission.NOTIFY:
            await reply_in_chat(message, escape(say("tg_flood", detect_language(question))))
            return
        if telegram_length(question) > self.limits.max_question_chars:
            limit = str(self.limits.max_question_chars)
            text = say("question_too_long", detect_language(question), limit=limit)
            await reply_in_chat(message, escape(text))
            return
        engine = self.engine()
        # A reply to one of the bot's answers is read in the context of its question.
        previous = await self.editors.previous_question(message) if self.editors else None
        started = time.perf_counter()
        answer = EditorDesk.ask(engine, question, previous)
        latency_ms = (time.perf_counter() - started) * 1000
        record_id = self.log_question(answer, user, _CHANNELS.get(message.chat.type), latency_ms)
        await self._send_answer(message, answer, engine, record_id, previous=previous)

    def log_question(
        self, answer: Answer, user: User, channel: Channel | None, latency_ms: float
    ) -> str | None:
        """Queue the question ``answer`` replied to for the question log; its record id.

        Never raises: a question that cannot be logged (the log closed, a chat type the log
        has no channel for) is reported in the process log, and the reply still goes out
        (with None for its record id).
        """
        try:
            if channel is None:
                raise ValueError("a chat type the question log has no channel for")
            row = QuestionRecord.from_answer(
                answer,
                channel=channel,
                user_hash=hash_user(user.id, self._user_hash_salt),
                latency_ms=latency_ms,
            )
            self.question_log.record(row)
        except Exception:
            logger.exception("could not log a question (%s)", channel or "unknown chat type")
            return None
        return row.record_id

    async def _send_answer(
        self,
        message: Message,
        answer: Answer,
        engine: Engine,
        record_id: str | None,
        *,
        quote: bool | None = None,
        previous: str | None = None,
    ) -> None:
        """The answer, its citation, buttons for its suggestions, 👍/👎 under an answer and
        "ask the editors" under no answer; noted, so a reply to it is a follow-up."""
        html = answer_html(answer, engine.knowledge.primary_source)
        markup = suggestions_keyboard(answer.suggestions, answer.language)
        if answer.status is Status.ANSWERED:
            markup = with_feedback(markup, record_id, answer.language)
        elif self.editors is not None and self.editors.offers_editors(answer):
            markup = with_ask_editors(markup, answer.language)
        sent = await reply_in_chat(message, html, markup, quote=quote)
        # Every reply, answered or unsure: a reaction or a tapped choice finds its question.
        self.feedback.note_reply(sent, record_id)
        if self.editors is not None:
            await self.editors.remember(sent, answer, engine, previous)

    async def _usage(self, message: Message, user: User, key: str, context: Context) -> None:
        language = user_language(user.language_code)
        examples = self.engine().examples(language)
        example = examples[0].question if examples else ""
        text = say(key, language, example=example, username=context.bot.username)
        await reply_in_chat(message, escape(text))

    @staticmethod
    def _without_own_mentions(message: Message, bot: Bot) -> str:
        """The message text with every mention of this bot taken out."""
        text = message.text or ""
        own = f"@{bot.username}".lower()
        mentions = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
        for entity, mentioned in mentions.items():
            is_own = mentioned.lower() == own or (
                entity.user is not None and entity.user.id == bot.id
            )
            if is_own:
                text = text.replace(mentioned, " ")
        return text


def _after_the_command(text: str) -> str:
    """What follows ``/ask`` (or ``/ask@bot``), line breaks kept: "/ask 小面目标\n明年呢" asks
    two lines, which ``context.args`` would have joined into one."""
    return _COMMAND.sub("", text, count=1).strip()
