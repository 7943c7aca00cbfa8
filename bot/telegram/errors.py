"""The error handler: every failure logged with the update it came with; an apology in a
private chat for our own bugs; a user who blocked the bot or is gone is an INFO line."""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.messages import say
from bot.telegram.language import user_language
from bot.telegram.ptb import Context

logger = logging.getLogger(__name__)

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


def is_unreachable(error: object) -> bool:
    """Whether ``error`` is Telegram saying the user cannot be reached (blocked the bot, gone)
    or the tap or query is too old: routine, worth an INFO line, not an ERROR."""
    if not isinstance(error, Forbidden | BadRequest):
        return False
    message = str(error).lower()
    return any(phrase in message for phrase in _UNREACHABLE)


async def on_error(update: object, context: Context) -> None:
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
