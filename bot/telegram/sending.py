"""Sending to Telegram, the one way every handler does it: HTML in as many messages as
Telegram's limit needs, a list fitted to one message ("… and N more"), a tapped button
answered without ever failing the handler, and its buttons taken off.

Nothing a Bot API call can fail with stops a reply that could still go out: a failed answer to
a tap is logged and the tap goes on; text over Telegram's limits (``bot.engine.render``, in
UTF-16 units as Telegram counts) is split between lines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.engine.answers import Language
from bot.engine.render import (
    CALLBACK_ANSWER_LIMIT,
    MESSAGE_LIMIT,
    cut_text,
    split_html,
    telegram_length,
)
from bot.messages import say

logger = logging.getLogger(__name__)

# Room left under Telegram's message limit for the frame around a list.
TEXT_BUDGET = MESSAGE_LIMIT - 200


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


async def reply_in_chat(
    message: Message,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    quote: bool | None = None,
) -> list[Message]:
    """Send ``html`` to the message's chat (and topic); in groups, unless ``quote`` says
    otherwise, as a reply to it."""
    if quote is None:
        quote = message.chat.type != ChatType.PRIVATE
    return await reply_html(message, html, markup, quote=quote)


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


def fit_lines(lines: Sequence[str], language: Language, budget: int = TEXT_BUDGET) -> list[str]:
    """As many of ``lines`` as fit in ``budget`` (as Telegram counts), then "… and N more"."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        more = say("tg_more", language, count=str(len(lines) - index))
        if used + telegram_length(line) + 1 + telegram_length(more) + 1 > budget:
            kept.append(more)
            break
        kept.append(line)
        used += telegram_length(line) + 1
    return kept


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the tapped message, so it cannot be tapped again."""
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramError as error:
            # The buttons already do nothing (their key was taken): the action goes on.
            logger.info("could not take the buttons off message %s: %s", message.id, error)


async def answer_under(query: CallbackQuery, html: str) -> None:
    """Reply under the tapped message, or to the user directly when it is out of reach."""
    message = query.message
    if isinstance(message, Message):
        await reply_html(message, html)
    else:
        await send_html(query.get_bot(), query.from_user.id, html)
