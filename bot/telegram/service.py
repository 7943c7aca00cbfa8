"""The Telegram front end: handlers, the python-telegram-bot Application, polling or webhook.

``TelegramBot`` holds the state (engine provider, flood limiter, question log, settings) and its
methods are the handlers. They stay thin: decide whether to answer, call the engine, log the
question, render, send. The wording lives in ``bot.messages``, the keyboards in
``bot.telegram.keyboards``, and everything is wired in ``bot.app``.

Every question the engine answers is logged: messages in private chats and groups, ``/ask``,
inline queries and tapped suggestion buttons, with a salted hash of the user id (never the id).
Logging is an in-memory enqueue; if it fails the failure is logged and the reply still goes out.

Bot API calls go over ``AiohttpRequest`` (PTB's request interface on aiohttp, for CPU; it
also replaces lone surrogates, which UTF-8 cannot carry) and through ``PatientRateLimiter``:
Telegram's own limits (about 30 messages a second overall, 20 a minute per group), 429
``retry_after`` honoured for the chat it was given for only, plus a few retries of transient
failures (5xx, timeouts, dropped connections, malformed replies), so a reply is not lost to one
bad response. A retried send whose first response was lost may arrive twice; for a
question-answering bot a duplicate answer is the lesser evil.

Nothing a Bot API call can fail with stops a reply that could still go out: a failed answer to
a tap (``acknowledge``) is logged and the tap goes on; an edit that cannot be made becomes a new
message; text over Telegram's limits (``bot.engine.render``, in UTF-16 units as Telegram counts) is
split between lines. A user who blocked the bot or is gone is an INFO line, not an error.
Flood control covers every update that makes the bot work: questions, taps, inline queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import warnings
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

import aiohttp

# python-telegram-bot's own rate limiter is built on aiolimiter (its rate-limiter extra).
from aiolimiter import AsyncLimiter
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    BaseHandler,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBDeprecationWarning

from bot.config import LimitSettings, TelegramSettings
from bot.engine.answers import Answer, Language, Status
from bot.engine.pipeline import Engine
from bot.engine.render import (
    CALLBACK_ANSWER_LIMIT,
    answer_html,
    cut_text,
    fit_html,
    replace_lone_surrogates,
    split_html,
    telegram_length,
)
from bot.engine.textnorm import detect_language
from bot.heartbeat import WRITE_EVERY_SECONDS, Heartbeat
from bot.messages import say
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.records import Channel, QuestionRecord
from bot.telegram.feedback import FeedbackHandlers, with_feedback
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.intake import MAX_BACKLOG, Intake, StatusRecordingRequest, with_retries
from bot.telegram.keyboards import (
    Action,
    Callback,
    entries_keyboard,
    id_hash,
    localised,
    parse_callback,
    resolve,
    suggestions_keyboard,
    topics_keyboard,
)

logger = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE
Handler = BaseHandler[Any, Any, Any]

# Long polling: how long one getUpdates may wait on Telegram's side.
LONG_POLL_SECONDS = 10
# Only what the bot handles; edited messages are deliberately not requested (answered with
# silence), so Telegram need not send them. Reactions (👍/👎 on answers count as votes) come
# only when named here.
ALLOWED_UPDATES = ("message", "callback_query", "inline_query", "message_reaction")
# Updates handled at once, and HTTP connections to the Bot API for them. More buys nothing
# when the engine answers in well under a millisecond; it only costs memory and scheduling.
CONCURRENT_UPDATES = 16
MAX_INLINE_CARDS = 3
# Telegram sends an inline query at each pause in typing, so one question typed inline is a few
# queries: the inline budget per user is this many times the questions-per-minute limit.
INLINE_QUERIES_PER_QUESTION = 3
INLINE_CACHE_SECONDS = 60
MAX_CARD_DESCRIPTION = 120
# Requests that Telegram answers only once and only within seconds: a retry after a lost
# response fails ("query is too old") instead of helping.
_NOT_RETRIED = frozenset({"answerCallbackQuery", "answerInlineQuery"})
# Past this many chats' budgets or flood waits held, those no longer needed are forgotten.
_MAX_TRACKED_CHATS = 512
_COMMANDS = ("start", "help", "topics", "source", "ask")
# What Telegram says when a user cannot be reached (blocked the bot, deleted their account, left
# or removed the chat) or a tap or inline query is too old to answer: routine, not a fault.
_UNREACHABLE = (
    "bot was blocked by the user",
    "user is deactivated",
    "chat not found",
    "bot was kicked",
    "bot is not a member",
    "bot can't initiate conversation",
    "query is too old",
)
# The question log's channel for each chat type a message can come from.
_CHANNELS: dict[str, Channel] = {
    ChatType.PRIVATE: Channel.PRIVATE,
    ChatType.GROUP: Channel.GROUP,
    ChatType.SUPERGROUP: Channel.SUPERGROUP,
    ChatType.CHANNEL: Channel.CHANNEL,
}


def user_language(language_code: str | None) -> Language:
    """The language to greet a user in, from Telegram's ``language_code``.

    Chinese by default (no code); traditional for zh-Hant/TW/HK/MO; English for English and
    for every other language, whose speakers are more likely to read English than Chinese.
    """
    if not language_code:
        return Language.SIMPLIFIED
    code = language_code.lower().replace("_", "-")
    if code.startswith("zh"):
        traditional = any(tag in code.split("-") for tag in ("hant", "tw", "hk", "mo"))
        return Language.TRADITIONAL if traditional else Language.SIMPLIFIED
    return Language.ENGLISH


def describe_update(update: object) -> str:
    """One line naming an update for the log: id, kind, chat, user and a cut of the text."""
    if not isinstance(update, Update):
        return f"no update ({type(update).__name__})"
    kind = next(
        (
            name
            for name in ("message", "edited_message", "callback_query", "inline_query")
            if getattr(update, name) is not None
        ),
        "other",
    )
    parts = [f"update {update.update_id} ({kind})"]
    if update.effective_chat is not None:
        parts.append(f"chat {update.effective_chat.id} ({update.effective_chat.type})")
    if update.effective_user is not None:
        parts.append(f"user {update.effective_user.id}")
    text = ""
    if update.effective_message is not None:
        text = update.effective_message.text or ""
    elif update.callback_query is not None:
        text = update.callback_query.data or ""
    elif update.inline_query is not None:
        text = update.inline_query.query
    if text:
        parts.append(f"text {text[:100]!r}")
    return ", ".join(parts)


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's HTTP client interface, on aiohttp.

    PTB's default, ``HTTPXRequest``, spends about 1.9 ms of CPU per Bot API call here
    (pure-Python HTTP parsing and connection-pool bookkeeping); aiohttp, with its C parser,
    about 0.5 ms. At a few hundred updates a second that is most of a core. Timeouts keep
    PTB's meaning, except that aiohttp has no separate write timeout.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int,
        read_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        pool_timeout: float = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll time to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the connection pool."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Honour HTTPS_PROXY / NO_PROXY as PTB's default client does.
                trust_env=True,
            )

    async def shutdown(self) -> None:
        """Close the connection pool."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One request: the status and the body; PTB turns both into results or errors."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's connect timeout includes waiting for a free connection.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            body = _wire_parameters(request_data)
            if request_data.contains_files:
                form = aiohttp.FormData(body)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                body = form
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as reply:
                return reply.status, await reply.read()
        except TimeoutError as error:
            raise TimedOut(f"aiohttp: {type(error).__name__}") from error
        except aiohttp.ClientError as error:
            # The URL holds the token: keep it out of the message.
            detail = str(error).replace(url, "<Bot API URL>")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {detail}") from error

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The Bot API's JSON answer; a body that is not one is a transient ``MalformedReply``.

        A proxy's error page or a cut-off body with status 200 says nothing about the request;
        as a network failure it is retried like a dropped connection (PTB's default raises a
        plain ``TelegramError``, which nothing retries, and logs the body at ERROR).
        """
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as error:
            raise MalformedReply(f"not JSON: {payload[:80]!r}") from error
        if not isinstance(data, dict) or ("result" not in data and data.get("ok") is not False):
            raise MalformedReply(f"not a Bot API answer: {payload[:80]!r}")
        return data


class MalformedReply(NetworkError):
    """The Bot API answered with a body that is not its JSON envelope."""


def _wire_parameters(request_data: RequestData) -> dict[str, str]:
    """The request's parameters as sent: strings as they are, the rest JSON-encoded, with any
    lone surrogate replaced (a user's name may carry one; UTF-8 cannot encode it)."""
    return {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in _without_lone_surrogates(request_data.parameters).items()
    }


def _without_lone_surrogates(value: Any) -> Any:
    """``value`` (JSON-like: str, list, dict, scalars) with every string made encodable."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _seconds(value: object, default: float) -> float | None:
    """A timeout PTB passed (seconds, or None for none), or ``default`` when it passed none."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return default


class PatientRateLimiter(BaseRateLimiter[int]):
    """Telegram's send limits, flood waits per chat, and bounded retries of transient failures.

    The budgets are ``AIORateLimiter``'s: ``overall_max_rate`` messages per
    ``overall_time_period`` across all chats and ``group_max_rate`` per ``group_time_period`` in
    each group. Unlike ``AIORateLimiter``, which stops every request while any one waits out a
    429, a ``retry_after`` holds back only the chat it was given for (Telegram's flood waits
    are per chat): one busy group must not delay another user's answer. Requests that name no
    chat (answering a tap or an inline query) wait only for themselves.

    Transient failures (5xx, timeouts, dropped connections, a malformed reply) are retried with
    backoff, except for the requests Telegram answers only once (``_NOT_RETRIED``).
    """

    def __init__(
        self,
        *,
        overall_max_rate: float = 30,
        overall_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
        max_retries: int = 3,
        transient_retries: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self._overall = (
            AsyncLimiter(overall_max_rate, overall_time_period)
            if overall_max_rate and overall_time_period
            else None
        )
        self._group_rate = (group_max_rate, group_time_period)
        self._groups: dict[int | str, AsyncLimiter] = {}
        # When each chat's flood wait ends, on the event loop's clock.
        self._flood_until: dict[int | str, float] = {}
        self.max_retries = max_retries
        self.transient_retries = transient_retries
        self.backoff_seconds = backoff_seconds

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send within the budgets; wait out 429s for this chat; retry transient failures."""
        chat = _chat_key(data.get("chat_id"))
        max_retries = rate_limit_args or self.max_retries
        floods = transient = 0
        own_flood_until = 0.0
        while True:
            await self._wait_for_chat(chat, own_flood_until)
            try:
                return await self._send(chat, callback, args, kwargs)
            except RetryAfter as error:
                if floods >= max_retries:
                    logger.warning("%s: still flood-limited after %d waits", endpoint, floods)
                    raise
                floods += 1
                seconds = _retry_after_seconds(error) + 0.1
                own_flood_until = asyncio.get_running_loop().time() + seconds
                if chat is not None:
                    if len(self._flood_until) > _MAX_TRACKED_CHATS:
                        self._forget_idle_chats()
                    held = self._flood_until.get(chat, 0.0)
                    self._flood_until[chat] = max(held, own_flood_until)
                logger.info(
                    "%s: flood wait of %.1fs for chat %s (retry %d of %d)",
                    endpoint,
                    seconds,
                    chat if chat is not None else "(none)",
                    floods,
                    max_retries,
                )
            except BadRequest:
                # A BadRequest is a NetworkError to PTB, but retrying it fails the same way.
                raise
            except NetworkError as error:
                if transient >= self.transient_retries or endpoint in _NOT_RETRIED:
                    raise
                delay = self.backoff_seconds * 2**transient
                transient += 1
                logger.warning(
                    "%s failed (%s); retry %d of %d in %.1fs",
                    endpoint,
                    error,
                    transient,
                    self.transient_retries,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _wait_for_chat(self, chat: int | str | None, own_until: float) -> None:
        """Sleep until the chat's flood wait (and this request's own) is over."""
        loop = asyncio.get_running_loop()
        while True:
            until = max(own_until, self._flood_until.get(chat, 0.0) if chat is not None else 0.0)
            remaining = until - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(remaining)

    async def _send(
        self,
        chat: int | str | None,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """One attempt, within the group's and the overall budget (both only for chats)."""
        group = self._group_limiter(chat)
        overall = self._overall if chat is not None else None
        async with group or contextlib.nullcontext(), overall or contextlib.nullcontext():
            return await callback(*args, **kwargs)

    def _group_limiter(self, chat: int | str | None) -> AsyncLimiter | None:
        """The budget of a group or channel (negative ids, @usernames); None for other chats."""
        rate, period = self._group_rate
        is_group = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        if not (rate and period and is_group):
            return None
        assert chat is not None
        if len(self._groups) > _MAX_TRACKED_CHATS:
            self._forget_idle_chats()
        limiter = self._groups.get(chat)
        if limiter is None:
            limiter = self._groups[chat] = AsyncLimiter(rate, period)
        return limiter

    def _forget_idle_chats(self) -> None:
        """Drop the state of groups whose budget is full again and of flood waits that are over."""
        now = asyncio.get_running_loop().time()
        for key in [
            k for k, limiter in self._groups.items() if limiter.has_capacity(limiter.max_rate)
        ]:
            del self._groups[key]
        for key in [k for k, until in self._flood_until.items() if until <= now]:
            del self._flood_until[key]


def _chat_key(chat_id: object) -> int | str | None:
    """The chat a request goes to, as one key whether PTB passed the id as int or string."""
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    try:
        return int(text)
    except ValueError:
        return text


def _retry_after_seconds(error: RetryAfter) -> float:
    """``error.retry_after`` in seconds (PTB is changing its type from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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
        inline_limiter: QuestionLimiter | None = None,
    ) -> None:
        if not user_hash_salt:
            # Refused here rather than at the first question, where it would fail every row.
            raise ValueError("the Telegram bot needs a user hash salt (BOT_USER_HASH_SALT)")
        # A provider, not an engine: a knowledge reload swaps what it returns, and each
        # update is answered from the one engine it fetched first.
        self._engine = engine
        self.limits = limits
        self.question_log = question_log
        self._user_hash_salt = user_hash_salt
        # Questions and taps (answers and browsing) share one budget per user; inline queries,
        # several to a question, have their own.
        self.question_limiter = question_limiter or QuestionLimiter(limits.questions_per_minute)
        self.inline_limiter = inline_limiter or QuestionLimiter(
            limits.questions_per_minute * INLINE_QUERIES_PER_QUESTION
        )
        # Votes share the questions' budget: each tap writes and redraws.
        self.feedback = FeedbackHandlers(
            question_log, user_hash_salt=user_hash_salt, limiter=self.question_limiter
        )

    # --- wiring ------------------------------------------------------------------------------

    def register(self, application: App) -> None:
        """Add the handlers and the error handler to ``application``."""
        new = filters.UpdateType.MESSAGE
        private = filters.ChatType.PRIVATE
        groups = filters.ChatType.GROUPS
        application.add_handlers(
            [
                CommandHandler("start", self.on_start, filters=new),
                CommandHandler("help", self.on_help, filters=new),
                CommandHandler("topics", self.on_topics, filters=new),
                CommandHandler("source", self.on_source, filters=new),
                CommandHandler("ask", self.on_ask, filters=new),
                MessageHandler(new & filters.COMMAND, self.on_unknown_command),
                MessageHandler(new & private & filters.TEXT, self.on_private_text),
                MessageHandler(new & groups & filters.TEXT, self.on_group_text),
                MessageHandler(new & private & ~filters.StatusUpdate.ALL, self.on_not_text),
                CallbackQueryHandler(self.on_button),
                InlineQueryHandler(self.on_inline_query),
            ]
        )
        self.feedback.register(application)
        application.add_error_handler(self.on_error)

    async def set_commands(self, bot: Bot) -> None:
        """The command menu, in Chinese (the default) and English. Failure is not fatal."""
        try:
            for language, code in ((Language.SIMPLIFIED, None), (Language.ENGLISH, "en")):
                commands = [BotCommand(c, say(f"tg_command_{c}", language)) for c in _COMMANDS]
                await bot.set_my_commands(commands, language_code=code)
        except TelegramError as error:
            logger.warning("could not set the command menu: %s", error)

    # --- commands ----------------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        """Greet, say what the bot knows, offer example questions."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        engine = self._engine()
        source = engine.knowledge.primary_source
        text = say(
            "tg_start",
            language,
            name=user.first_name if user else "",
            newspaper=source.newspaper,
            newspaper_en=source.newspaper_en,
            date=source.date,
            title=source.title,
            title_en=source.title_en,
        )
        markup = suggestions_keyboard(engine.examples(language), language)
        await self._reply(message, escape(text), markup)

    async def on_help(self, update: Update, context: Context) -> None:
        """How to use the bot, in private chats, groups and inline."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        text = say("tg_help", language, username=context.bot.username)
        await self._reply(message, escape(text))

    async def on_topics(self, update: Update, context: Context) -> None:
        """The article's topics as buttons."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        markup = topics_keyboard(self._engine().topics(), language)
        await self._reply(message, escape(say("tg_topics", language)), markup)

    async def on_source(self, update: Update, context: Context) -> None:
        """The article and the knowledge version."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        knowledge = self._engine().knowledge
        source = knowledge.primary_source
        text = say(
            "tg_source",
            language,
            newspaper=source.newspaper,
            newspaper_en=source.newspaper_en,
            date=source.date,
            title=source.title,
            title_en=source.title_en,
            version=knowledge.version,
        )
        await self._reply(message, escape(text))

    async def on_ask(self, update: Update, context: Context) -> None:
        """``/ask question``, anywhere."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        question = " ".join(context.args or ())
        if not question.strip():
            await self._usage(message, user, "tg_ask_usage", context)
            return
        await self._answer_question(message, user, question)

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        """Private chats: say so. Groups: only for a command addressed to this bot."""
        message, user = update.effective_message, update.effective_user
        if message is None or message.text is None:
            return
        command = message.text.split(maxsplit=1)[0]
        addressed = command.lower().endswith(f"@{context.bot.username}".lower())
        if message.chat.type != ChatType.PRIVATE and not addressed:
            return
        language = user_language(user.language_code if user else None)
        await self._reply(message, escape(say("tg_unknown_command", language)))

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

    async def on_not_text(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, documents … in a private chat: ask for text."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        await self._reply(message, escape(say("tg_not_text", language)))

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
            await self._browse(query, callback)

    async def _answer_button(self, query: CallbackQuery, callback: Callback) -> None:
        language = callback.language
        engine = self._engine()
        entry_id = resolve(callback, engine.knowledge.entries)
        started = time.perf_counter()
        answer = engine.answer_entry(entry_id, language) if entry_id is not None else None
        latency_ms = (time.perf_counter() - started) * 1000
        message = query.message
        record_id = None
        if answer is not None:
            # A button under an inline result has no message; under any other it has its chat.
            channel = _CHANNELS.get(message.chat.type) if message is not None else Channel.INLINE
            record_id = self._log_question(answer, query.from_user, channel, latency_ms)
        if not isinstance(message, Message):
            # The message is gone or too old to reach: the answer fits in an alert.
            text = answer.text if answer is not None else say("tg_entry_gone", language)
            await acknowledge(query, text, alert=True)
            return
        await acknowledge(query)
        if answer is None:
            text = escape(say("tg_entry_gone", language))
            markup = suggestions_keyboard(engine.examples(language), language)
            await self._reply(message, text, markup, quote=False)
            return
        await self._send_answer(message, answer, engine, record_id, quote=False)
        if entry_id is not None:
            # Chosen under an unsure reply, it is evidence of what that question meant.
            await self.feedback.note_suggestion_tap(message, query.from_user.id, entry_id)

    async def _browse(self, query: CallbackQuery, callback: Callback) -> None:
        message = query.message
        if not isinstance(message, Message):
            return
        language = callback.language
        engine = self._engine()
        topics = engine.topics()
        if callback.action is Action.TOPICS:
            text, markup = say("tg_topics", language), topics_keyboard(topics, language)
        else:
            topic = next((t for t in topics if callback.matches(t.id)), None)
            if topic is None:
                text = say("tg_topic_gone", language)
                markup = topics_keyboard(topics, language)
            else:
                name = localised(topic.zh, topic.en, language)
                text = say("tg_topic_entries", language, topic=name)
                markup = entries_keyboard(engine.entries_in(topic.id), language)
        try:
            await message.edit_text(escape(text), reply_markup=markup)
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return  # a double tap: the message already shows this list
            # The message is gone or too old to edit: the tap still gets its list, anew.
            logger.info(
                "could not edit message %s for a tap (%s): sending anew", message.id, error
            )
            await self._reply(message, escape(text), markup, quote=False)

    # --- inline mode -------------------------------------------------------------------------

    async def on_inline_query(self, update: Update, context: Context) -> None:
        """``@bot question`` in any chat: up to a few cited answer cards."""
        query = update.inline_query
        if query is None:
            return
        if self.inline_limiter.admit(query.from_user.id) is not Admission.ALLOWED:
            # Nothing, personal and uncached: Telegram must not show it to anyone else, nor
            # keep it for this text once the user may ask again.
            await query.answer([], cache_time=0, is_personal=True)
            return
        text = query.query.strip()
        engine = self._engine()
        if not text:
            language = user_language(query.from_user.language_code)
            ids = [s.id for s in engine.examples(language)]
        elif telegram_length(text) > self.limits.max_question_chars:
            await query.answer([], cache_time=INLINE_CACHE_SECONDS)
            return
        else:
            started = time.perf_counter()
            answer = engine.ask(text)
            latency_ms = (time.perf_counter() - started) * 1000
            self._log_question(answer, query.from_user, Channel.INLINE, latency_ms)
            language = answer.language
            ids = [answer.entry_id] if answer.status is Status.ANSWERED and answer.entry_id else []
            ids += [s.id for s in answer.suggestions if s.id not in ids]
        cards = [engine.answer_entry(i, language) for i in ids]
        answered = [c for c in cards if c is not None and c.status is Status.ANSWERED]
        results = [self._card(card, engine) for card in answered[:MAX_INLINE_CARDS]]
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS)

    def _card(self, answer: Answer, engine: Engine) -> InlineQueryResultArticle:
        """An inline result: the question in bold, then the cited answer."""
        html = answer_html(answer, engine.knowledge.primary_source)
        return InlineQueryResultArticle(
            id=id_hash(answer.entry_id or answer.question),
            title=" ".join(answer.question.split()),
            description=cut_text(answer.text, MAX_CARD_DESCRIPTION),
            input_message_content=InputTextMessageContent(
                fit_html(f"<b>{escape(answer.question)}</b>\n{html}"),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
        )

    # --- errors ------------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log every failure with its update; apologise in private chats for our own bugs."""
        error = context.error
        if is_unreachable(error):
            logger.info("could not reach the user of %s: %s", describe_update(update), error)
            return
        logger.error("handling %s failed", describe_update(update), exc_info=error)
        if not isinstance(update, Update) or isinstance(error, TelegramError):
            # Telegram or the network failed (after retries): an apology would fail alike.
            return
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        language = user_language(user.language_code if user else None)
        try:
            await context.bot.send_message(chat.id, escape(say("tg_error", language)))
        except Exception:
            # The last net: nothing may escape the error handler itself.
            logger.exception("could not apologise in chat %s", chat.id)

    # --- helpers -----------------------------------------------------------------------------

    async def _answer_question(self, message: Message, user: User, question: str) -> None:
        """Flood control, length check, the engine, the reply."""
        admission = self.question_limiter.admit(user.id)
        if admission is Admission.REFUSED:
            return
        if admission is Admission.NOTIFY:
            await self._reply(message, escape(say("tg_flood", detect_language(question))))
            return
        if telegram_length(question) > self.limits.max_question_chars:
            limit = str(self.limits.max_question_chars)
            text = say("question_too_long", detect_language(question), limit=limit)
            await self._reply(message, escape(text))
            return
        engine = self._engine()
        started = time.perf_counter()
        answer = engine.ask(question)
        latency_ms = (time.perf_counter() - started) * 1000
        record_id = self._log_question(answer, user, _CHANNELS.get(message.chat.type), latency_ms)
        await self._send_answer(message, answer, engine, record_id)

    def _log_question(
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
    ) -> None:
        """The answer, its citation, buttons for its suggestions, and 👍/👎 under an answer."""
        html = answer_html(answer, engine.knowledge.primary_source)
        markup = suggestions_keyboard(answer.suggestions, answer.language)
        if answer.status is Status.ANSWERED:
            markup = with_feedback(markup, record_id, answer.language)
        sent = await self._reply(message, html, markup, quote=quote)
        self.feedback.note_reply(sent, record_id)

    async def _usage(self, message: Message, user: User, key: str, context: Context) -> None:
        language = user_language(user.language_code)
        examples = self._engine().examples(language)
        example = examples[0].question if examples else ""
        text = say(key, language, example=example, username=context.bot.username)
        await self._reply(message, escape(text))

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

    @staticmethod
    async def _reply(
        message: Message,
        html: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        quote: bool | None = None,
    ) -> list[Message]:
        """Send ``html`` to the message's chat (and topic); in groups, as a reply to it."""
        if quote is None:
            quote = message.chat.type != ChatType.PRIVATE
        return await reply_html(message, html, markup, quote=quote)


async def reply_html(
    message: Message,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    quote: bool = False,
) -> list[Message]:
    """Send ``html`` to the message's chat, in as many messages as Telegram's limit needs;
    the messages sent.

    The parts break between lines (``bot.engine.render.split_html``); the first part quotes the
    message when ``quote``, and ``markup`` goes under the last, below the whole text.
    """
    parts = split_html(html)
    sent = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent.append(
            await message.reply_html(
                part, reply_markup=markup if last else None, do_quote=quote and index == 0
            )
        )
    return sent


async def send_html(bot: Bot, chat_id: int, html: str) -> None:
    """Send ``html`` to ``chat_id``, in as many messages as Telegram's limit needs."""
    for part in split_html(html):
        await bot.send_message(chat_id, part)


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a tapped button, ``text`` cut to Telegram's limit. Never fails the handler.

    Telegram answers a callback query only once and only within seconds, so it is not retried;
    a failed answer costs the user a spinner, and the tap still does what it asked for.
    """
    if text is not None:
        text = cut_text(text, CALLBACK_ANSWER_LIMIT)
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        # Late (the user waited) or repeated: routine.
        logger.info("could not answer tap %s: %s", query.id, error)
    except TelegramError as error:
        logger.warning("could not answer tap %s: %s", query.id, error)


def is_unreachable(error: object) -> bool:
    """Whether ``error`` is Telegram saying the user cannot be reached (blocked the bot, gone)
    or the tap or query is too old: routine, worth an INFO line, not an ERROR."""
    if not isinstance(error, Forbidden | BadRequest):
        return False
    message = str(error).lower()
    return any(phrase in message for phrase in _UNREACHABLE)


@dataclass
class TelegramService:
    """The Application around a ``TelegramBot``, and how it receives updates.

    ``run`` opens the bot's question log before the first update and closes it (writing what is
    queued) after the last update in flight was answered. Updates are received by
    ``bot.telegram.intake`` (its docstring says why not by PTB's ``Updater``): each is in the
    inbox before Telegram is told it arrived, and the inbox is answered first at the next
    start. The heartbeat file says the bot still receives (``python -m bot health``).
    """

    bot: TelegramBot
    application: App
    telegram: TelegramSettings
    webhook_secret: str | None
    updates_request: StatusRecordingRequest | None = None
    heartbeat_path: Path | None = None
    heartbeat_interval: float = WRITE_EVERY_SECONDS
    # Updates held in memory at most; when full, the bot stops fetching until there is room.
    max_backlog: int = MAX_BACKLOG
    # Set once updates are being received (polling started, or webhook set and listening).
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # While running: what receives and answers the updates.
    intake: Intake | None = None

    @classmethod
    def build(
        cls,
        bot: TelegramBot,
        *,
        token: str,
        telegram: TelegramSettings,
        webhook_secret: str | None,
        telegram_send_limits: bool = True,
        extra_handlers: Sequence[Handler] = (),
        heartbeat_path: Path | None = None,
        heartbeat_interval: float = WRITE_EVERY_SECONDS,
    ) -> TelegramService:
        """The PTB Application for ``bot``.

        ``extra_handlers`` (admin commands) are added before the bot's own handlers, whose
        catch-all for unknown commands would otherwise take their commands.
        ``telegram_send_limits=False`` lifts the overall and per-group send rates (429s are
        still honoured); only for a benchmark against a local server that has no such limits.
        ``heartbeat_path``: where the running bot writes its heartbeat (None: nowhere).
        """
        limiter = (
            PatientRateLimiter()
            if telegram_send_limits
            else PatientRateLimiter(overall_max_rate=0, group_max_rate=0)
        )
        updates_request = StatusRecordingRequest(AiohttpRequest(connection_pool_size=1))
        application = (
            Application.builder()
            .token(token)
            .base_url(telegram.base_url)
            .base_file_url(telegram.base_file_url)
            .rate_limiter(limiter)
            .defaults(
                Defaults(
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    allow_sending_without_reply=True,
                )
            )
            # One connection per update in flight, one for long polling.
            .request(AiohttpRequest(connection_pool_size=CONCURRENT_UPDATES))
            .get_updates_request(updates_request)
            # Updates are received and handed to the handlers by bot.telegram.intake.
            .updater(None)
            .build()
        )
        application.add_handlers(list(extra_handlers))
        bot.register(application)
        return cls(
            bot,
            application,
            telegram,
            webhook_secret,
            updates_request=updates_request,
            heartbeat_path=heartbeat_path,
            heartbeat_interval=heartbeat_interval,
        )

    @property
    def job_queue(self) -> JobQueue[Any]:
        """The application's job queue (its jobs run while the service runs)."""
        job_queue = self.application.job_queue
        if job_queue is None:
            raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
        return job_queue

    async def run(self, stop: asyncio.Event) -> None:
        """Receive and answer updates until ``stop`` is set; then shut down cleanly.

        Raises ``TokenRefused`` (after the same clean shutdown) when Telegram keeps refusing
        the token, and whatever else ended receiving.
        """
        application = self.application
        mode = self.telegram.mode
        heartbeat = Heartbeat(self.heartbeat_path, mode)
        ended: BaseException | None = None
        # Entered in order, left in reverse: the log is open before the first update and is
        # closed only once the application has stopped, after the updates in flight.
        async with self.bot.question_log, application:
            await self.bot.set_commands(application.bot)
            await application.start()
            intake = Intake(
                application,
                self.bot.question_log,
                heartbeat,
                capacity=self.max_backlog,
                workers=CONCURRENT_UPDATES,
                updates_request=self.updates_request,
            )
            self.intake = intake
            tasks: list[asyncio.Task[None]] = []
            receiving_stop = asyncio.Event()
            try:
                tasks.append(asyncio.create_task(heartbeat.keep_writing(self.heartbeat_interval)))
                await intake.start()
                receiving = await self._start_receiving(intake, receiving_stop)
                tasks.extend(receiving)
                logger.info("bot @%s is up (%s)", application.bot.username, mode)
                self.ready.set()
                stopped = asyncio.create_task(stop.wait())
                await asyncio.wait([stopped, *receiving], return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                for task in receiving:
                    if task.done():
                        # Receiving ended by itself: TokenRefused, or a bug.
                        task.result()
                logger.info("stopping")
            except BaseException as error:
                ended = error
                raise
            finally:
                self.ready.clear()
                receiving_stop.set()
                await intake.stop_webhook()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await intake.stop()
                if application.running:
                    await application.stop()
                # A clean stop leaves no heartbeat; a failure leaves its reason for health.
                if ended is None:
                    heartbeat.remove()
                else:
                    heartbeat.stopped(f"{type(ended).__name__}: {ended}")
                self.intake = None
        logger.info("stopped")

    async def _start_receiving(
        self, intake: Intake, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """Start polling, or the webhook and its watch; the tasks that receive."""
        bot = self.application.bot
        if self.telegram.mode == "webhook":
            webhook = self.telegram.webhook
            await intake.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                path=webhook.path,
                secret=self.webhook_secret,
            )
            await with_retries(
                "setting the webhook",
                lambda: bot.set_webhook(
                    url=webhook.url,
                    allowed_updates=list(ALLOWED_UPDATES),
                    secret_token=self.webhook_secret,
                ),
            )
            return [
                asyncio.create_task(
                    intake.watch_webhook(stop, webhook.url, self.heartbeat_interval)
                )
            ]
        # A webhook left from an earlier run in webhook mode would make getUpdates fail.
        await with_retries("deleting the webhook", bot.delete_webhook)
        return [
            asyncio.create_task(
                intake.poll(
                    stop,
                    long_poll_seconds=LONG_POLL_SECONDS,
                    allowed_updates=ALLOWED_UPDATES,
                    poll_interval=self.telegram.poll_interval,
                ),
                name="polling",
            )
        ]
