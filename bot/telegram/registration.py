"""Every handler, registered in one place and in one order.

PTB hands an update to the first handler of a group that matches it, so the order here is the
bot's dispatch table, read top to bottom:

1. The admins' commands, uploads and buttons, behind ``Admins.only`` (private chats only, so
   figures, exports and reviews never land in a group); an admin's reply to a question sent to
   the editors (any other reply of theirs is a question like anyone's).
2. The refusals: an admin command or a knowledge file from anyone else is refused and logged;
   a tap on an admin button from anyone else likewise.
3. The user-facing handlers: commands, unknown commands, questions, other messages, taps
   ("ask the editors" and 👍/👎, under answers and on cards, before the catch-all), inline
   queries, guest mentions.

And the error handler, and the command menu the bot sets at start.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    MessageReactionHandler,
    filters,
)

from bot.engine.answers import Language
from bot.messages import say
from bot.telegram.admin_knowledge import KnowledgeCommands
from bot.telegram.admin_stats import StatsCommands
from bot.telegram.admin_unanswered import UnansweredCommands
from bot.telegram.admins import ADMIN_COMMANDS, Admins
from bot.telegram.card_votes import CARD_VOTE_BUTTONS
from bot.telegram.editors import ASK_EDITORS_BUTTON, EditorDesk
from bot.telegram.errors import on_error
from bot.telegram.feedback import VOTE_BUTTONS
from bot.telegram.guest import GuestAnswers
from bot.telegram.inline import InlineAnswers
from bot.telegram.pending import ANY_ADMIN_BUTTON, GROUP_BUTTONS, UPLOAD_BUTTONS
from bot.telegram.ptb import App, Context, Handler
from bot.telegram.questions import TelegramBot
from bot.telegram.sending import acknowledge

logger = logging.getLogger(__name__)

USER_COMMANDS = ("start", "help", "topics", "source", "ask")
# Knowledge files by name; any other document in a private chat is "please type your question".
_KNOWLEDGE_FILES = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")


class AdminButtonHandler(CallbackQueryHandler[Any, None]):
    """A ``CallbackQueryHandler`` that only admins' taps reach (taps have no PTB filters)."""

    def __init__(self, callback: Any, *, pattern: str, admins: Admins) -> None:
        super().__init__(callback, pattern=pattern)
        self.admins = admins

    def check_update(self, update: object) -> bool | object | None:
        """The pattern's match, for a tap by an admin only."""
        if not isinstance(update, Update) or not self.admins.is_admin(update.effective_user):
            return False
        return super().check_update(update)


def register_handlers(
    application: App,
    *,
    questions: TelegramBot,
    inline: InlineAnswers,
    admins: Admins,
    stats: StatsCommands | None = None,
    knowledge: KnowledgeCommands | None = None,
    unanswered: UnansweredCommands | None = None,
    editors: EditorDesk | None = None,
    guest: GuestAnswers | None = None,
) -> None:
    """Add every handler to ``application``, in the order that decides who handles what."""
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    admin = new & private & admins.only
    handlers: list[Handler] = []
    # 1. The admins'.
    if stats is not None:
        handlers += [
            CommandHandler("stats", stats.on_stats, filters=admin),
            CommandHandler("top", stats.on_top, filters=admin),
            CommandHandler("unhelpful", stats.on_unhelpful, filters=admin),
            CommandHandler("export", stats.on_export, filters=admin),
        ]
    if knowledge is not None:
        handlers += [
            MessageHandler(admin & filters.Document.ALL, knowledge.on_document),
            CommandHandler("reload", knowledge.on_reload, filters=admin),
            CommandHandler("rollback", knowledge.on_rollback, filters=admin),
            CommandHandler("history", knowledge.on_history, filters=admin),
            AdminButtonHandler(knowledge.on_upload_button, pattern=UPLOAD_BUTTONS, admins=admins),
        ]
    if unanswered is not None:
        handlers += [
            CommandHandler("unanswered", unanswered.on_unanswered, filters=admin),
            AdminButtonHandler(unanswered.on_group_button, pattern=GROUP_BUTTONS, admins=admins),
        ]
    if editors is not None:
        replies = admin & filters.REPLY & filters.TEXT & ~filters.COMMAND
        on_reply = editors.admin_reply_or(questions.on_private_text)
        handlers.append(MessageHandler(replies, on_reply))
    # 2. Everyone else's attempts at them.
    handlers += [
        CommandHandler(list(ADMIN_COMMANDS), admins.refuse_command, filters=new & private),
        CallbackQueryHandler(_admin_button_refused(admins), pattern=ANY_ADMIN_BUTTON),
    ]
    if knowledge is not None:
        # Without knowledge administration a file is just not text, for admins too.
        handlers.append(MessageHandler(new & private & _KNOWLEDGE_FILES, admins.refuse_upload))
    # 3. The users'.
    handlers += [
        CommandHandler("start", questions.guide.on_start, filters=new),
        CommandHandler("help", questions.guide.on_help, filters=new),
        CommandHandler("topics", questions.guide.on_topics, filters=new),
        CommandHandler("source", questions.guide.on_source, filters=new),
        CommandHandler("ask", questions.on_ask, filters=new),
        MessageHandler(new & filters.COMMAND, questions.guide.on_unknown_command),
        MessageHandler(new & private & filters.TEXT, questions.on_private_text),
        MessageHandler(new & groups & filters.TEXT, questions.on_group_text),
        MessageHandler(new & private & ~filters.StatusUpdate.ALL, questions.guide.on_not_text),
        # 👍/👎 under answers, before the catch-all for taps; and the same as reactions.
        CallbackQueryHandler(questions.feedback.on_vote, pattern=VOTE_BUTTONS),
        MessageReactionHandler(questions.feedback.on_reaction),
        # 👍/👎 on inline and guest cards (a tap with an inline message id, no message).
        CallbackQueryHandler(questions.card_votes.on_vote, pattern=CARD_VOTE_BUTTONS),
    ]
    if editors is not None:
        handlers.append(CallbackQueryHandler(editors.on_ask_editors, pattern=ASK_EDITORS_BUTTON))
    handlers += [
        CallbackQueryHandler(questions.on_button),
        InlineQueryHandler(inline.on_inline_query),
    ]
    if guest is not None:
        handlers.append(MessageHandler(filters.UpdateType.GUEST_MESSAGE, guest.on_guest_message))
    application.add_handlers(handlers)
    application.add_error_handler(on_error)


def _admin_button_refused(admins: Admins) -> Any:
    """The handler of an admin button that reached no admin handler."""

    async def refused(update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        if admins.is_admin(query.from_user):
            # An admin's tap on data no admin handler knows (a malformed button): nothing to do.
            await acknowledge(query)
            return
        await admins.refuse_button(query)

    return refused


async def set_command_menu(bot: Bot) -> None:
    """The command menu, in Chinese (the default) and English. Failure is not fatal."""
    try:
        for language, code in ((Language.SIMPLIFIED, None), (Language.ENGLISH, "en")):
            commands = [BotCommand(c, say(f"tg_command_{c}", language)) for c in USER_COMMANDS]
            await bot.set_my_commands(commands, language_code=code)
    except TelegramError as error:
        logger.warning("could not set the command menu: %s", error)
