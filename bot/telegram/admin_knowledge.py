"""Admins update the knowledge from Telegram: uploads, review, apply, rollback, history, reload,
and the watch of the knowledge folder.

``KnowledgeCommands`` holds the state (the editor, the admins, pending uploads) and its methods
are the handlers. The work itself is ``bot.knowledge_admin`` (validate, diff, regression gate,
the history, and the one way a version goes live, which uploads, rollbacks, ``/reload`` and the
watch of the folder all take); this module only decides who may do what, downloads, renders
and sends. ``/history`` and ``/rollback`` read the same history folder; the question log's audit
table is a copy of it, brought up to date after every change. The handlers are registered,
behind the admin filter, by ``bot.telegram.registration``, before the user-facing ones, so an
admin's document is an upload here and never "please type your question" there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from html import escape

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import JobQueue

from bot.engine.answers import Language
from bot.knowledge_admin.changes import KnowledgeEditor
from bot.knowledge_admin.errors import ChangeError
from bot.knowledge_admin.live import LiveEngine
from bot.knowledge_admin.proposals import Proposal, check_file_name
from bot.messages import say
from bot.questionlog.log import QuestionLog
from bot.telegram.admins import Admins
from bot.telegram.knowledge_html import (
    actor_of,
    diff_html,
    disk_problem_html,
    history_html,
    refusal_html,
    reload_html,
    shorten,
)
from bot.telegram.pending import (
    APPLY,
    CANCEL,
    PROPOSAL_TTL_SECONDS,
    AdminTap,
    Expiring,
    Upload,
    admin_tap,
    callback,
)
from bot.telegram.ptb import Context
from bot.telegram.sending import (
    acknowledge,
    answer_under,
    drop_buttons,
    reply_html,
    send_html,
)

logger = logging.getLogger(__name__)

HISTORY_ROWS = 15


class KnowledgeCommands:
    """The admins' knowledge handlers, and the state they share."""

    def __init__(
        self,
        editor: KnowledgeEditor,
        *,
        admins: Admins,
        log: QuestionLog | None = None,
        proposal_ttl: float = PROPOSAL_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.editor = editor
        self.admins = admins
        self.log = log
        self._uploads: Expiring[Upload] = Expiring(proposal_ttl, clock=clock)
        self._disk_problems_told = False

    @property
    def live(self) -> LiveEngine:
        """The live engine the editor changes."""
        return self.editor.live

    def watch(self, job_queue: JobQueue[Context], interval: float) -> None:
        """Reload the knowledge from disk every ``interval`` seconds when it changed."""
        job_queue.run_repeating(
            self.on_watch, interval=interval, first=interval, name="knowledge-watch"
        )

    # --- hot reload --------------------------------------------------------------------------

    async def on_watch(self, context: Context) -> None:
        """The job: take valid edits on disk; tell the admins, once, why others were not."""
        result = await asyncio.to_thread(self.editor.sync)
        if result.refused or result.failure:
            if self.editor.should_report(result):
                self._disk_problems_told = True
                await self._tell_admins(
                    context.bot, lambda language: disk_problem_html(result, language)
                )
            return
        if result.changed:
            logger.info(
                "knowledge changed on disk: version %s is live (was %s)",
                result.version,
                result.previous,
            )
            await self.copy_history_to_log()
        # Fixed by an edit, or put back as it was (nothing changed, but it is live again); a
        # look that skipped the same broken files again is neither.
        if result.changed or (
            self._disk_problems_told and await asyncio.to_thread(self.editor.disk_is_live)
        ):
            await self._tell_fixed(context.bot, result.version)

    async def on_reload(self, update: Update, context: Context) -> None:
        """``/reload``: load the knowledge folder now (recorded in the history like any change)."""
        request = self.admins.request(update)
        if request is None:
            return
        message, user, language = request
        result = await asyncio.to_thread(self.editor.sync, actor_of(user), "reload", force=True)
        await reply_html(message, reload_html(result, language))
        if result.refused or result.failure:
            # Told here; the watcher need not tell every admin the same thing again, but does
            # tell them all once it is fixed.
            self.editor.should_report(result)
            self._disk_problems_told = True
            return
        if result.changed:
            await self.copy_history_to_log()
        await self._tell_fixed(context.bot, result.version, besides=user.id)

    # --- uploads -----------------------------------------------------------------------------

    async def on_document(self, update: Update, context: Context) -> None:
        """A document from an admin in a private chat: an upload to check and review."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.document is None:
            return
        document = message.document
        name = document.file_name or ""
        language = self.admins.language(user)
        try:
            proposal = await self._propose_upload(
                name, document.file_id, document.file_size, context.bot
            )
        except ChangeError as error:
            logger.info("upload of %r from admin %s refused: %s", name, user.id, error.message)
            await reply_html(message, refusal_html(error, language))
            return
        if proposal.new_version == proposal.base_version:
            text = say(
                "tg_kn_identical", language, file=proposal.file, version=proposal.new_version
            )
            await reply_html(message, escape(text))
            return
        key = self._uploads.put(Upload(proposal, user.id, actor_of(user)))
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say("tg_kn_button_apply", language), callback_data=callback(APPLY, key)
                    ),
                    InlineKeyboardButton(
                        say("tg_kn_button_cancel", language), callback_data=callback(CANCEL, key)
                    ),
                ]
            ]
        )
        await reply_html(message, diff_html(proposal, language), markup)

    async def _propose_upload(
        self, name: str, file_id: str, declared_size: int | None, bot: Bot
    ) -> Proposal:
        """Check the name and size, download, and propose; ``ChangeError`` when refused."""
        if not name:
            raise ChangeError("no_name")
        file = check_file_name(name)  # before anything is downloaded
        self._check_size(file, declared_size)
        try:
            telegram_file = await bot.get_file(file_id)
            self._check_size(file, telegram_file.file_size)
            content = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as error:
            logger.warning("could not download the upload %r: %s", name, error)
            raise ChangeError("download_failed") from error
        self._check_size(file, len(content))
        # Validation, the diff and the regression gate take a while: off the event loop.
        return await asyncio.to_thread(self.editor.propose, file, content)

    def _check_size(self, file: str, size: int | None) -> None:
        if size is not None and size > self.editor.max_bytes:
            raise ChangeError(
                "too_big", file=file, size=f"{size:,}", limit=f"{self.editor.max_bytes:,}"
            )

    # --- rollback and history ----------------------------------------------------------------

    async def on_rollback(self, update: Update, context: Context) -> None:
        """``/rollback``: restore the version live before the current one."""
        request = self.admins.request(update)
        if request is None:
            return
        message, user, language = request
        try:
            restored = await asyncio.to_thread(self.editor.rollback, actor_of(user))
        except ChangeError as error:
            await self.copy_history_to_log()  # an edit on disk may have been recorded first
            await reply_html(message, refusal_html(error, language))
            return
        # What was live: the version before, or an edit on disk recorded just before.
        previous = restored.replaced or ""
        logger.info(
            "admin %s rolled the knowledge back to %s (was %s)",
            user.id,
            restored.version,
            previous,
        )
        await self.copy_history_to_log()
        text = say("tg_kn_rolled_back", language, version=restored.version, previous=previous)
        await reply_html(message, escape(text))

    async def on_history(self, update: Update, context: Context) -> None:
        """``/history``: the versions made live, who by and when, newest first."""
        request = self.admins.request(update)
        if request is None:
            return
        message, _, language = request
        versions = await asyncio.to_thread(self.editor.versions)
        unrecorded = not await asyncio.to_thread(self.editor.live_is_recorded)
        live = self.live
        html = history_html(
            versions[:HISTORY_ROWS],
            live.current.version,
            unrecorded,
            live.since,
            live.origin,
            language,
        )
        await reply_html(message, html)

    # --- the buttons of an upload ------------------------------------------------------------

    async def on_upload_button(self, update: Update, context: Context) -> None:
        """Apply or Cancel, tapped by an admin (the registration lets no one else through)."""
        tap = admin_tap(update, self.admins)
        if tap is not None:
            await self._upload_button(tap)

    async def _upload_button(self, tap: AdminTap) -> None:
        query, verb, key, user, language = tap.query, tap.verb, tap.key, tap.user, tap.language
        upload = self._uploads.peek(key)
        if upload is None:
            await acknowledge(query, say("tg_kn_expired", language), alert=True)
            await drop_buttons(query)
            return
        if upload.uploader_id != user.id:
            # Another admin's buttons: refused, and left for the uploader to use.
            logger.warning(
                "refused admin %s the buttons of an upload of %s by admin %s",
                user.id,
                upload.proposal.file,
                upload.uploader_id,
            )
            text = say("tg_kn_not_uploader", language, uploader=shorten(upload.uploader))
            await acknowledge(query, text, alert=True)
            return
        self._uploads.take(key)
        proposal = upload.proposal
        await acknowledge(query)
        await drop_buttons(query)
        if verb == CANCEL:
            logger.info("admin %s cancelled an upload of %s", user.id, proposal.file)
            await answer_under(query, escape(say("tg_kn_cancelled", language)))
            return
        try:
            applied = await asyncio.to_thread(self.editor.apply, proposal, actor_of(user))
        except ChangeError as error:
            logger.info("admin %s: applying %s refused: %s", user.id, proposal.file, error.message)
            await self.copy_history_to_log()  # an edit on disk may have been recorded first
            await answer_under(query, refusal_html(error, language))
            return
        logger.info(
            "admin %s applied %s: version %s is live", user.id, proposal.file, applied.version
        )
        await self.copy_history_to_log()
        text = say(
            "tg_kn_applied",
            language,
            file=proposal.file,
            version=applied.version,
            previous=proposal.base_version,
        )
        await answer_under(query, escape(text))

    # --- helpers -----------------------------------------------------------------------------

    async def copy_history_to_log(self) -> None:
        """Copy the history versions the audit table lacks into it (when there is a log).

        The history folder is the record; the table is its copy, so a row that could not be
        written (the log's disk was full, say) is written with the next change.
        """
        if self.log is None:
            return
        try:
            versions = await asyncio.to_thread(self.editor.versions)
            copied = await self.log.recorded_snapshots()
            for version in reversed(versions):
                if not version.copied_to_log or version.path.name in copied:
                    continue
                await self.log.record_knowledge_version(
                    version.version,
                    version.applied_by,
                    version.action,
                    version.replaced,
                    applied_at=datetime.fromisoformat(version.applied_at),
                    snapshot=version.path.name,
                )
        except Exception:
            logger.exception("could not copy the knowledge history to the audit table")

    async def _tell_fixed(self, bot: Bot, version: str, *, besides: int | None = None) -> None:
        """Once the admins were told the files on disk are broken: tell them it is live again."""
        if not self._disk_problems_told:
            return
        self._disk_problems_told = False
        logger.info("knowledge on disk is valid again: version %s is live", version)
        await self._tell_admins(
            bot,
            lambda language: escape(say("tg_kn_disk_fixed", language, version=version)),
            besides=besides,
        )

    async def _tell_admins(
        self, bot: Bot, html: Callable[[Language], str], *, besides: int | None = None
    ) -> None:
        """Send every admin (but ``besides``) ``html(their language)``; one unreachable admin
        stops no one."""
        for admin in sorted(self.admins.ids - {besides}):
            language = self.admins.language_of(admin)
            try:
                await send_html(bot, admin, html(language))
            except TelegramError as error:
                logger.warning("could not tell admin %s about the knowledge: %s", admin, error)
