"""Who the admins are, the one check of it, and what a non-admin's admin request gets.

Admins are the Telegram user ids of ``settings.admins``. Their handlers are gated by
``Admins.only`` (a PTB ``filters.User`` over the ids); a non-admin's admin command falls
through to ``refuse_command`` (registered after them, see ``bot.telegram.registration``),
which answers ``ADMINS_ONLY_REPLY`` (in both languages: a non-admin has no admin language)
and logs the attempt at WARNING under the user's pseudonym, as the question log names them
(never the raw id).

The admins are answered in their own language (``bot.telegram.language.admin_language``):
English when Telegram says their language is English, else Chinese. The language each admin
last wrote in is remembered for the messages the bot starts itself (a broken knowledge file on
disk, and that it is live again).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from html import escape

from telegram import CallbackQuery, Message, Update, User
from telegram.ext import filters

from bot.engine.answers import Language
from bot.messages import say
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.report import ADMINS_ONLY_REPLY
from bot.telegram.language import admin_language, user_language
from bot.telegram.ptb import Context
from bot.telegram.sending import acknowledge, reply_html

logger = logging.getLogger(__name__)

# The admins' commands, as the refusal fallback and the command menu know them.
ADMIN_COMMANDS = (
    "stats",
    "top",
    "unhelpful",
    "export",
    "unanswered",
    "reload",
    "rollback",
    "history",
)
# Telegram gives a command at most 32 characters; a longer first word is cut in the log.
_LOGGED_COMMAND_CHARS = 40


class Admins:
    """The admin ids, the filter that admits only them, and the refusals for anyone else."""

    def __init__(self, ids: Iterable[int], *, user_hash_salt: str) -> None:
        self.ids = frozenset(ids)
        self._user_hash_salt = user_hash_salt
        # With no ids, filters.User admits nobody (allow_empty=False): everyone is refused.
        self.only = filters.User(user_id=self.ids)
        self._languages: dict[int, Language] = {}
        if not self.ids:
            logger.info("no admins configured: the admin commands are refused to everyone")

    def is_admin(self, user: User | None) -> bool:
        """Whether ``user`` is one of the admins (for taps, which PTB's filters do not see)."""
        return user is not None and user.id in self.ids

    def language(self, user: User) -> Language:
        """The language to answer admin ``user`` in (remembered for messages sent later)."""
        language = admin_language(user.language_code)
        self._languages[user.id] = language
        return language

    def request(self, update: Update) -> tuple[Message, User, Language] | None:
        """An admin's message, the admin and their language; None for an update without them.

        Only for handlers behind ``only``: it does not check that the user is an admin.
        """
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return None
        return message, user, self.language(user)

    def language_of(self, admin_id: int) -> Language:
        """The language admin ``admin_id`` last wrote in; Chinese until they wrote."""
        return self._languages.get(admin_id, Language.SIMPLIFIED)

    def pseudonym(self, user: User) -> str:
        """How a user who is not an admin appears in the process log: as in the question log."""
        if not self._user_hash_salt:
            return "(unsalted: id withheld)"
        return hash_user(user.id, self._user_hash_salt)

    # --- the refusals (handlers registered after the admins' own) ----------------------------

    async def refuse_command(self, update: Update, context: Context) -> None:
        """A non-admin's admin command: refused, and the attempt logged."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        command = (message.text or "").split(maxsplit=1)[0][:_LOGGED_COMMAND_CHARS]
        logger.warning("refused %s to user %s: not an admin", command, self.pseudonym(user))
        await reply_html(message, escape(ADMINS_ONLY_REPLY))

    async def refuse_upload(self, update: Update, context: Context) -> None:
        """A non-admin's knowledge file: refused (with how to ask instead), and logged."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.document is None:
            return
        name = message.document.file_name or ""
        logger.warning(
            "refused an upload of %r to user %s: not an admin", name, self.pseudonym(user)
        )
        language = user_language(user.language_code)
        await reply_html(message, escape(say("tg_kn_not_admin", language)))

    async def refuse_button(self, query: CallbackQuery) -> None:
        """A non-admin's tap on an admin button: refused in an alert, and logged."""
        user = query.from_user
        logger.warning("refused an admin button to user %s: not an admin", self.pseudonym(user))
        await acknowledge(query, ADMINS_ONLY_REPLY, alert=True)
