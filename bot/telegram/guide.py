"""What the bot says without a question: ``/start``, ``/help``, ``/topics``, ``/source``, an
unknown command, a message that is not text, and browsing the topics by button.

The pages show what the article covers and how to ask; none of them calls the engine to answer,
so none is logged. A tapped topic edits the message it sits under; a message that cannot be
edited gets the list anew. Taps reach ``Guide.browse`` through ``TelegramBot.on_button``, which
flood-controls them with the questions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.engine.pipeline import Engine
from bot.messages import say
from bot.telegram.keyboards import (
    Action,
    Callback,
    entries_keyboard,
    localised,
    suggestions_keyboard,
    topics_keyboard,
)
from bot.telegram.language import user_language
from bot.telegram.ptb import Context
from bot.telegram.sending import reply_in_chat

logger = logging.getLogger(__name__)


class Guide:
    """The handlers that show what the bot knows and how to ask it."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        # A provider: a knowledge reload swaps the engine it returns.
        self.engine = engine

    async def on_start(self, update: Update, context: Context) -> None:
        """Greet, say what the bot knows, offer example questions."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        engine = self.engine()
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
        await reply_in_chat(message, escape(text), markup)

    async def on_help(self, update: Update, context: Context) -> None:
        """How to use the bot, in private chats, groups and inline."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        text = say("tg_help", language, username=context.bot.username)
        await reply_in_chat(message, escape(text))

    async def on_topics(self, update: Update, context: Context) -> None:
        """The article's topics as buttons."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        markup = topics_keyboard(self.engine().topics(), language)
        await reply_in_chat(message, escape(say("tg_topics", language)), markup)

    async def on_source(self, update: Update, context: Context) -> None:
        """The article and the knowledge version."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        knowledge = self.engine().knowledge
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
        await reply_in_chat(message, escape(text))

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
        await reply_in_chat(message, escape(say("tg_unknown_command", language)))

    async def on_not_text(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, documents … in a private chat: ask for text."""
        message, user = update.effective_message, update.effective_user
        if message is None:
            return
        language = user_language(user.language_code if user else None)
        await reply_in_chat(message, escape(say("tg_not_text", language)))

    async def browse(self, query: CallbackQuery, callback: Callback) -> None:
        """A tapped topic button (or « all topics): the list, edited into the tapped message."""
        message = query.message
        if not isinstance(message, Message):
            return
        language = callback.language
        engine = self.engine()
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
            await reply_in_chat(message, escape(text), markup, quote=False)
