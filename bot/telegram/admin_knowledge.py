"""Admins update the knowledge from Telegram: uploads, review, apply, rollback, history, reload.

``KnowledgeCommands`` holds the state (the editor, the admins, pending proposals) and its
methods are the handlers. The work itself is ``changes.KnowledgeEditor`` (validate, diff,
regression gate, the history, and the one way a version goes live, which uploads, rollbacks,
``/reload`` and the watch of the folder all take); this module only decides who may do what,
downloads, renders and sends. ``/history`` and ``/rollback`` read the same history folder; the
question log's audit table is a copy of it, brought up to date after every change. Its
handlers run in a handler group before the ``TelegramBot`` ones and stop an update they dealt
with, so an admin's document is an upload here and never "please type your question" there.

Pending proposals and ``/unanswered`` lists live in memory under short random keys that expire:
a button tapped after a restart or after its time is answered with "send it again", never with
someone else's change. An upload's Apply / Cancel belong to the admin who uploaded it: another
admin's tap is refused.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Generic, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.engine.answers import Language, Status
from bot.engine.knowledge import Problem
from bot.engine.pipeline import Engine
from bot.engine.render import MESSAGE_LIMIT, telegram_length
from bot.engine.textnorm import detect_language
from bot.knowledge_admin.changes import KnowledgeEditor, SyncResult
from bot.knowledge_admin.diff import changed_excerpts
from bot.knowledge_admin.errors import ChangeError, StorageError
from bot.knowledge_admin.live import LiveEngine
from bot.knowledge_admin.proposals import Proposal, check_file_name
from bot.messages import say
from bot.questionlog.analytics import REPORT_TIMEZONE, QuestionGroup, unanswered_groups
from bot.questionlog.report import ADMINS_ONLY_REPLY
from bot.questionlog.store import QuestionLog, hash_user
from bot.telegram.admin_stats import DEFAULT_DAYS, UsageError, parse_count, parse_days
from bot.telegram.keyboards import entry_question, label
from bot.telegram.service import App, Context, acknowledge, reply_html, send_html, user_language

logger = logging.getLogger(__name__)

# Runs before the TelegramBot handlers (group 0); an update handled here stops there.
HANDLER_GROUP = -1
# Callback data of this module's buttons: "k:<verb>:<key>". bot.telegram.keyboards uses other first
# fields (a, h, t, u, T); a test keeps them apart.
CALLBACK_PREFIX = "k"
APPLY, CANCEL, ADD_PHRASING, DISMISS = "a", "c", "p", "d"
PROPOSAL_TTL_SECONDS = 30 * 60
LIST_TTL_SECONDS = 24 * 60 * 60
MAX_PENDING = 200
DEFAULT_GROUPS = 10
MAX_GROUPS = 30
HISTORY_ROWS = 15
# Room left under Telegram's message limit for the frame around a list.
_TEXT_BUDGET = MESSAGE_LIMIT - 200
_KEY_BYTES = 6

T = TypeVar("T")


class Expiring(Generic[T]):
    """Values under short random keys, each usable once, gone after ``ttl`` seconds."""

    def __init__(
        self, ttl: float, *, limit: int = MAX_PENDING, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.limit = limit
        self._clock = clock
        self._values: OrderedDict[str, tuple[float, T]] = OrderedDict()

    def put(self, value: T) -> str:
        """Keep ``value``; returns its key (12 hex digits)."""
        self._expire()
        while len(self._values) >= self.limit:
            self._values.popitem(last=False)
        key = secrets.token_hex(_KEY_BYTES)
        self._values[key] = (self._clock() + self.ttl, value)
        return key

    def peek(self, key: str) -> T | None:
        """The value under ``key``, kept; None when unknown, taken or expired."""
        self._expire()
        kept = self._values.get(key)
        return kept[1] if kept is not None else None

    def take(self, key: str) -> T | None:
        """The value under ``key``, removed; None when unknown, taken or expired."""
        self._expire()
        kept = self._values.pop(key, None)
        return kept[1] if kept is not None else None

    def __len__(self) -> int:
        self._expire()
        return len(self._values)

    def _expire(self) -> None:
        now = self._clock()
        for key in [k for k, (deadline, _) in self._values.items() if deadline <= now]:
            del self._values[key]


@dataclass(frozen=True, slots=True)
class Upload:
    """A proposal behind its Apply / Cancel buttons, and the admin who sent it."""

    proposal: Proposal
    # Only the admin who uploaded may apply or cancel it (and is credited in the history).
    uploader_id: int
    uploader: str


@dataclass(frozen=True, slots=True)
class GroupChoice:
    """One ``/unanswered`` group behind its buttons."""

    representative: str
    phrasing: str
    # The entry the phrasing would be added to; None when no entry is near.
    entry_id: str | None


def callback(verb: str, key: str) -> str:
    """The callback data of one of this module's buttons."""
    return f"{CALLBACK_PREFIX}:{verb}:{key}"


def parse_knowledge_callback(data: str | None) -> tuple[str, str] | None:
    """(verb, key) of this module's callback data, else None."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != CALLBACK_PREFIX or not parts[2]:
        return None
    if parts[1] not in (APPLY, CANCEL, ADD_PHRASING, DISMISS):
        return None
    return parts[1], parts[2]


def fit_lines(lines: Sequence[str], language: Language, budget: int = _TEXT_BUDGET) -> list[str]:
    """As many of ``lines`` as fit in ``budget`` (as Telegram counts), then "… and N more"."""
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        more = say("tg_kn_more", language, count=str(len(lines) - index))
        if used + telegram_length(line) + 1 + telegram_length(more) + 1 > budget:
            kept.append(more)
            break
        kept.append(line)
        used += telegram_length(line) + 1
    return kept


def problems_html(head: str, problems: Sequence[str], language: Language) -> str:
    """``head``, then the problems one a line in a preformatted block; escaped, cut to fit."""
    text = escape(head)
    if problems:
        budget = _TEXT_BUDGET - telegram_length(head)
        text += "\n<pre>" + escape("\n".join(fit_lines(problems, language, budget))) + "</pre>"
    return text


def refusal_html(error: ChangeError, language: Language) -> str:
    """A refused change: why, then its problems (file:line: field: problem)."""
    reason = storage_reason(error, language) if isinstance(error, StorageError) else error.message
    return problems_html(say("tg_kn_refused", language, reason=reason), error.problems, language)


def storage_reason(error: StorageError, language: Language) -> str:
    """A refused write in plain words: "the disk is full (/data/knowledge-history) …"."""
    return say(
        f"tg_kn_storage_{error.kind}", language, folder=str(error.folder), detail=error.detail
    )


def diff_html(proposal: Proposal, language: Language) -> str:
    """A proposal as an admin reviews it: versions; entries added, removed, changed; each
    changed answer (zh, en) and fact field old → new."""
    diff = proposal.diff
    lines = [
        say(
            "tg_kn_diff_title",
            language,
            file=proposal.file,
            old=proposal.base_version,
            new=proposal.new_version,
        )
    ]
    for key, items in (
        ("tg_kn_diff_added", diff.added),
        ("tg_kn_diff_removed", diff.removed),
        ("tg_kn_diff_changed", diff.changed),
    ):
        if items:
            lines.append(say(key, language, count=str(len(items))))
            lines += [f"  • {item}" for item in items]
    if diff.answers:
        lines.append(say("tg_kn_diff_answers", language))
        for answer in diff.answers:
            old, new = changed_excerpts(answer.old, answer.new)
            lines.append(f"  • {answer.entry} ({answer.language}): {old} → {new}")
    if diff.fields:
        lines.append(say("tg_kn_diff_fields", language))
        for change in diff.fields:
            old, new = changed_excerpts(change.old, change.new)
            lines.append(f"  • {change.fact}.{change.field}: {old} → {new}")
    if diff.empty:
        lines.append(say("tg_kn_diff_empty", language))
    question = say("tg_kn_diff_question", language)
    kept = fit_lines(lines, language, _TEXT_BUDGET - telegram_length(question))
    return escape("\n".join([*kept, "", question]))


def period(days: int | None, language: Language) -> str:
    """``all time`` or ``last N days``, in ``language`` (as ``/stats`` says it)."""
    if days is None:
        return say("tg_period_all", language)
    return say("tg_period_days", language, days=str(days))


def local_time(moment: datetime) -> str:
    """``moment`` as the admins read it: UTC+8, to the minute."""
    return moment.astimezone(REPORT_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def actor_of(user: User) -> str:
    """How an admin is named in the history and the audit table: name and Telegram id."""
    return f"{user.full_name} ({user.id})"


# An alert (the answer to a button) holds at most 200 characters; a name takes at most this.
_NAME_IN_ALERT = 40


def shorten(name: str, limit: int = _NAME_IN_ALERT) -> str:
    """``name`` cut to ``limit`` characters (with "…"), to fit an alert."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def phrasing_language(text: str) -> str:
    """The FAQ's language key (``zh`` or ``en``) a phrasing belongs under."""
    return "en" if detect_language(text) is Language.ENGLISH else "zh"


def nearest_entry(engine: Engine, question: str) -> str | None:
    """The entry the engine finds nearest to ``question``: its answer, else its best suggestion.

    Small talk is skipped: a phrasing is only ever added to a real FAQ entry.
    """
    answer = engine.ask(question)
    candidates = [answer.entry_id] if answer.status is Status.ANSWERED else []
    candidates += [s.id for s in answer.suggestions]
    entries = engine.knowledge.entries
    return next(
        (i for i in candidates if i is not None and i in entries and entries[i].kind == "faq"),
        None,
    )


class KnowledgeCommands:
    """The admins' knowledge handlers, and the state they share."""

    def __init__(
        self,
        editor: KnowledgeEditor,
        *,
        admins: Collection[int],
        log: QuestionLog | None = None,
        user_hash_salt: str = "",
        proposal_ttl: float = PROPOSAL_TTL_SECONDS,
        list_ttl: float = LIST_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.editor = editor
        self.admins = frozenset(admins)
        self.log = log
        self._user_hash_salt = user_hash_salt
        self._uploads: Expiring[Upload] = Expiring(proposal_ttl, clock=clock)
        self._groups: Expiring[GroupChoice] = Expiring(list_ttl, clock=clock)
        # The language each admin last wrote in, for messages the bot starts (reload problems).
        self._languages: dict[int, Language] = {}
        self._disk_problems_told = False

    @property
    def live(self) -> LiveEngine:
        """The live engine the editor changes."""
        return self.editor.live

    # --- wiring ------------------------------------------------------------------------------

    def register(self, application: App, group: int = HANDLER_GROUP) -> None:
        """Add the handlers to ``application``, in ``group`` (before the TelegramBot's)."""
        new = filters.UpdateType.MESSAGE
        private = filters.ChatType.PRIVATE
        application.add_handlers(
            [
                MessageHandler(new & private & filters.Document.ALL, self.on_document),
                CommandHandler("reload", self.on_reload, filters=new & private),
                CommandHandler("rollback", self.on_rollback, filters=new & private),
                CommandHandler("history", self.on_history, filters=new & private),
                CommandHandler("unanswered", self.on_unanswered, filters=new & private),
                CallbackQueryHandler(self.on_button, pattern=f"^{CALLBACK_PREFIX}:"),
            ],
            group=group,
        )

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
                    context.bot, lambda language: self._disk_problem_html(result, language)
                )
            return
        if not result.changed:
            return
        logger.info(
            "knowledge changed on disk: version %s is live (was %s)",
            result.version,
            result.previous,
        )
        await self._copy_history_to_log()
        if self._disk_problems_told:
            self._disk_problems_told = False
            await self._tell_admins(
                context.bot,
                lambda language: escape(say("tg_kn_disk_fixed", language, version=result.version)),
            )

    async def on_reload(self, update: Update, context: Context) -> None:
        """``/reload``: load the knowledge folder now (recorded in the history like any change)."""
        message, user, language = await self._admin_message(update)
        result = await asyncio.to_thread(self.editor.sync, actor_of(user), "reload", force=True)
        await reply_html(message, self._reload_html(result, language))
        if result.refused or result.failure:
            # Told here; the watcher need not tell every admin the same thing again.
            self.editor.should_report(result)
        elif result.changed:
            await self._copy_history_to_log()
        raise ApplicationHandlerStop

    @staticmethod
    def _disk_problem_html(result: SyncResult, language: Language) -> str:
        """Why the files on disk did not go live: their problems, or the history's disk."""
        if result.failure is not None:
            reason = storage_reason(result.failure, language)
            return escape(
                say("tg_kn_disk_unrecorded", language, version=result.version, reason=reason)
            )
        return problems_html(
            say("tg_kn_disk_refused", language, version=result.version),
            problems_of(result.problems),
            language,
        )

    @classmethod
    def _reload_html(cls, result: SyncResult, language: Language) -> str:
        if result.refused or result.failure:
            return cls._disk_problem_html(result, language)
        if result.changed:
            return escape(
                say(
                    "tg_kn_reload_changed",
                    language,
                    version=result.version,
                    previous=result.previous,
                )
            )
        return escape(say("tg_kn_reload_unchanged", language, version=result.version))

    # --- uploads -----------------------------------------------------------------------------

    async def on_document(self, update: Update, context: Context) -> None:
        """A document in a private chat: an admin's upload; from anyone else, refused."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.document is None:
            return
        document = message.document
        name = document.file_name or ""
        language = user_language(user.language_code)
        if user.id not in self.admins:
            if not name.lower().endswith((".yaml", ".yml")):
                return  # Any other document: the TelegramBot asks for text.
            logger.warning(
                "refused an upload of %r to user %s: not an admin", name, self._pseudonym(user)
            )
            await reply_html(message, escape(say("tg_kn_not_admin", language)))
            raise ApplicationHandlerStop
        self._languages[user.id] = language
        try:
            proposal = await self._propose_upload(
                name, document.file_id, document.file_size, context.bot, language
            )
        except ChangeError as error:
            logger.info("upload of %r from admin %s refused: %s", name, user.id, error.message)
            await reply_html(message, refusal_html(error, language))
            raise ApplicationHandlerStop from None
        if proposal.new_version == proposal.base_version:
            text = say(
                "tg_kn_identical", language, file=proposal.file, version=proposal.new_version
            )
            await reply_html(message, escape(text))
            raise ApplicationHandlerStop
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
        raise ApplicationHandlerStop

    async def _propose_upload(
        self, name: str, file_id: str, declared_size: int | None, bot: Bot, language: Language
    ) -> Proposal:
        """Check the name and size, download, and propose; ``ChangeError`` when refused."""
        if not name:
            raise ChangeError(say("tg_kn_no_name", language))
        file = check_file_name(name)  # before anything is downloaded
        self._check_size(file, declared_size, language)
        try:
            telegram_file = await bot.get_file(file_id)
            self._check_size(file, telegram_file.file_size, language)
            content = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as error:
            logger.warning("could not download the upload %r: %s", name, error)
            raise ChangeError(say("tg_kn_download_failed", language)) from error
        self._check_size(file, len(content), language)
        # Validation, the diff and the regression gate take a while: off the event loop.
        return await asyncio.to_thread(self.editor.propose, file, content)

    def _check_size(self, file: str, size: int | None, language: Language) -> None:
        if size is not None and size > self.editor.max_bytes:
            raise ChangeError(
                say(
                    "tg_kn_too_big",
                    language,
                    file=file,
                    size=f"{size:,}",
                    limit=f"{self.editor.max_bytes:,}",
                )
            )

    # --- rollback and history ----------------------------------------------------------------

    async def on_rollback(self, update: Update, context: Context) -> None:
        """``/rollback``: restore the version live before the current one."""
        message, user, language = await self._admin_message(update)
        try:
            restored = await asyncio.to_thread(self.editor.rollback, actor_of(user))
        except ChangeError as error:
            await self._copy_history_to_log()  # an edit on disk may have been recorded first
            await reply_html(message, refusal_html(error, language))
            raise ApplicationHandlerStop from None
        # What was live: the version before, or an edit on disk recorded just before.
        previous = restored.replaced or ""
        logger.info(
            "admin %s rolled the knowledge back to %s (was %s)",
            user.id,
            restored.version,
            previous,
        )
        await self._copy_history_to_log()
        text = say("tg_kn_rolled_back", language, version=restored.version, previous=previous)
        await reply_html(message, escape(text))
        raise ApplicationHandlerStop

    async def on_history(self, update: Update, context: Context) -> None:
        """``/history``: the versions made live, who by and when, newest first."""
        message, _, language = await self._admin_message(update)
        live = self.live.current.version
        rows = await self._history_rows()
        unrecorded = not await asyncio.to_thread(self.editor.live_is_recorded)
        if not rows:
            await reply_html(message, escape(say("tg_kn_history_empty", language, version=live)))
            raise ApplicationHandlerStop
        lines = []
        marked = False
        for version, when, who, action, previous in rows:
            is_live = version == live and not marked
            marked = marked or is_live
            lines.append(
                say(
                    "tg_kn_history_line",
                    language,
                    version=version,
                    live=say("tg_kn_history_live", language) if is_live else "",
                    when=when,
                    who=who,
                    action=action,
                    was=say("tg_kn_history_was", language, previous=previous) if previous else "",
                )
            )
        if unrecorded:
            # Loaded at start and not changed since: recorded with the next change.
            lines.insert(
                0,
                say(
                    "tg_kn_history_unrecorded",
                    language,
                    version=live,
                    when=local_time(self.live.since),
                    origin=self.live.origin,
                ),
            )
        text = "\n".join([say("tg_kn_history_title", language), *fit_lines(lines, language)])
        await reply_html(message, escape(text))
        raise ApplicationHandlerStop

    async def _history_rows(self) -> list[tuple[str, str, str, str, str | None]]:
        """(version, when, who, action, what was live before), newest first, from the history
        folder: the one record /rollback also reads."""
        versions = await asyncio.to_thread(self.editor.versions)
        return [
            (
                v.version,
                local_time(datetime.fromisoformat(v.applied_at)),
                v.applied_by,
                v.action,
                v.replaced,
            )
            for v in versions[:HISTORY_ROWS]
        ]

    # --- learning from the log ---------------------------------------------------------------

    async def on_unanswered(self, update: Update, context: Context) -> None:
        """``/unanswered [n] [days]``: groups of unanswered questions, each with buttons."""
        message, _, language = await self._admin_message(update)
        if self.log is None:
            await reply_html(message, escape(say("tg_kn_no_log", language)))
            raise ApplicationHandlerStop
        try:
            n, days = unanswered_arguments(context.args or [])
        except UsageError:
            text = say(
                "tg_kn_unanswered_usage",
                language,
                max_count=str(MAX_GROUPS),
                default_count=str(DEFAULT_GROUPS),
                default_days=str(DEFAULT_DAYS),
            )
            await reply_html(message, escape(text))
            raise ApplicationHandlerStop from None
        groups = await unanswered_groups(self.log, n, days, hide_dismissed=True)
        if not groups:
            text = say("tg_kn_unanswered_none", language, period=period(days, language))
            await reply_html(message, escape(text))
            raise ApplicationHandlerStop
        text, markup = self._unanswered_message(groups, days, language)
        await reply_html(message, text, markup)
        raise ApplicationHandlerStop

    def _unanswered_message(
        self, groups: Sequence[QuestionGroup], days: int | None, language: Language
    ) -> tuple[str, InlineKeyboardMarkup]:
        engine = self.live.current
        blocks: list[str] = []
        rows: list[list[InlineKeyboardButton]] = []
        for rank, group in enumerate(groups, start=1):
            phrasing = " ".join(
                (group.examples[0] if group.examples else group.representative).split()
            )
            entry_id = nearest_entry(engine, phrasing)
            key = self._groups.put(GroupChoice(group.representative, phrasing, entry_id))
            lines = [
                say(
                    "tg_kn_unanswered_group",
                    language,
                    rank=str(rank),
                    count=f"{group.count:,}",
                    example=phrasing,
                )
            ]
            lines += [f"   – {example}" for example in group.examples[1:]]
            row = []
            if entry_id is not None:
                question = entry_question(engine.knowledge.entries[entry_id], language)
                lines.append(
                    say("tg_kn_unanswered_nearest", language, entry=entry_id, question=question)
                )
                row.append(
                    InlineKeyboardButton(
                        label(
                            say("tg_kn_button_add", language, rank=str(rank), question=question)
                        ),
                        callback_data=callback(ADD_PHRASING, key),
                    )
                )
            row.append(
                InlineKeyboardButton(
                    say("tg_kn_button_dismiss", language, rank=str(rank)),
                    callback_data=callback(DISMISS, key),
                )
            )
            rows.append(row)
            blocks.append("\n".join(lines))
        title = say("tg_kn_unanswered_title", language, period=period(days, language))
        kept = fit_lines(blocks, language, _TEXT_BUDGET - telegram_length(title))
        # Buttons only for the groups shown.
        shown = len(kept) if len(kept) == len(blocks) else len(kept) - 1
        return escape("\n".join([title, *kept])), InlineKeyboardMarkup(rows[:shown])

    # --- buttons -----------------------------------------------------------------------------

    async def on_button(self, update: Update, context: Context) -> None:
        """Apply, Cancel, add as a phrasing, dismiss."""
        query = update.callback_query
        if query is None:
            return
        parsed = parse_knowledge_callback(query.data)
        user = query.from_user
        language = user_language(user.language_code)
        if parsed is None or user.id not in self.admins:
            if parsed is not None:
                logger.warning(
                    "refused a knowledge button to user %s: not an admin", self._pseudonym(user)
                )
            await acknowledge(query, ADMINS_ONLY_REPLY if parsed else None, alert=True)
            raise ApplicationHandlerStop
        self._languages[user.id] = language
        verb, key = parsed
        if verb in (APPLY, CANCEL):
            await self._upload_button(query, verb, key, user, language)
        else:
            await self._group_button(query, verb, key, user, language)
        raise ApplicationHandlerStop

    async def _upload_button(
        self, query: CallbackQuery, verb: str, key: str, user: User, language: Language
    ) -> None:
        upload = self._uploads.peek(key)
        if upload is None:
            await acknowledge(query, say("tg_kn_expired", language), alert=True)
            await _drop_buttons(query)
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
        await _drop_buttons(query)
        if verb == CANCEL:
            logger.info("admin %s cancelled an upload of %s", user.id, proposal.file)
            await self._answer(query, escape(say("tg_kn_cancelled", language)))
            return
        try:
            applied = await asyncio.to_thread(self.editor.apply, proposal, actor_of(user))
        except ChangeError as error:
            logger.info("admin %s: applying %s refused: %s", user.id, proposal.file, error.message)
            await self._copy_history_to_log()  # an edit on disk may have been recorded first
            await self._answer(query, refusal_html(error, language))
            return
        logger.info(
            "admin %s applied %s: version %s is live", user.id, proposal.file, applied.version
        )
        await self._copy_history_to_log()
        text = say(
            "tg_kn_applied",
            language,
            file=proposal.file,
            version=applied.version,
            previous=proposal.base_version,
        )
        await self._answer(query, escape(text))

    async def _group_button(
        self, query: CallbackQuery, verb: str, key: str, user: User, language: Language
    ) -> None:
        choice = self._groups.take(key)
        if choice is None or (verb == ADD_PHRASING and choice.entry_id is None):
            await acknowledge(query, say("tg_kn_list_expired", language), alert=True)
            await _drop_row(query, key)
            return
        await acknowledge(query)
        if verb == DISMISS:
            await self._dismiss(choice, user, "dismissed")
            await _drop_row(query, key)
            await self._answer(
                query, escape(say("tg_kn_dismissed", language, phrasing=choice.phrasing))
            )
            return
        assert choice.entry_id is not None
        try:
            proposal = await asyncio.to_thread(
                self.editor.propose_phrasing,
                choice.entry_id,
                choice.phrasing,
                phrasing_language(choice.phrasing),
            )
            applied = await asyncio.to_thread(
                self.editor.apply,
                proposal,
                actor_of(user),
                f"add phrasing to {choice.entry_id}",
            )
        except ChangeError as error:
            # The group keeps its buttons' meaning: it can still be dismissed from a new list.
            await self._copy_history_to_log()
            await _drop_row(query, key)
            await self._answer(query, refusal_html(error, language))
            return
        previous = applied.replaced or ""
        logger.info(
            "admin %s added a phrasing to %s: version %s is live",
            user.id,
            choice.entry_id,
            applied.version,
        )
        await self._copy_history_to_log()
        await self._dismiss(choice, user, f"phrasing of {choice.entry_id}")
        await _drop_row(query, key)
        text = say(
            "tg_kn_phrasing_added",
            language,
            phrasing=choice.phrasing,
            entry=choice.entry_id,
            version=applied.version,
            previous=previous,
        )
        await self._answer(query, escape(text))

    # --- helpers -----------------------------------------------------------------------------

    async def _admin_message(self, update: Update) -> tuple[Message, User, Language]:
        """The message, its admin and their language; a non-admin is refused and stopped."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            raise ApplicationHandlerStop
        language = user_language(user.language_code)
        if user.id not in self.admins:
            command = (message.text or "").split(maxsplit=1)[0][:40]
            logger.warning("refused %s to user %s: not an admin", command, self._pseudonym(user))
            await reply_html(message, escape(ADMINS_ONLY_REPLY))
            raise ApplicationHandlerStop
        self._languages[user.id] = language
        return message, user, language

    def _pseudonym(self, user: User) -> str:
        """How a user who is not an admin appears in the process log: as in the question log."""
        if not self._user_hash_salt:
            return "(unsalted: id withheld)"
        return hash_user(user.id, self._user_hash_salt)

    async def _copy_history_to_log(self) -> None:
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

    async def _dismiss(self, choice: GroupChoice, user: User, resolution: str) -> None:
        if self.log is None:
            return
        await self.log.dismiss_question(
            choice.representative, choice.phrasing, actor_of(user), resolution
        )

    async def _tell_admins(self, bot: Bot, html: Callable[[Language], str]) -> None:
        """Send every admin ``html(their language)``; one unreachable admin stops no one."""
        for admin in sorted(self.admins):
            language = self._languages.get(admin, Language.SIMPLIFIED)
            try:
                await send_html(bot, admin, html(language))
            except TelegramError as error:
                logger.warning("could not tell admin %s about the knowledge: %s", admin, error)

    @staticmethod
    async def _answer(query: CallbackQuery, html: str) -> None:
        """Reply under the tapped message, or to the admin directly when it is out of reach."""
        message = query.message
        if isinstance(message, Message):
            await reply_html(message, html)
        else:
            await send_html(query.get_bot(), query.from_user.id, html)


def unanswered_arguments(args: Sequence[str]) -> tuple[int, int | None]:
    """``[n] [days]`` of ``/unanswered``, read as ``/top`` reads them; ``UsageError`` else."""
    if len(args) > 2:
        raise UsageError(" ".join(args))
    n = parse_count(args[0], MAX_GROUPS) if args else DEFAULT_GROUPS
    days = parse_days(args[1]) if len(args) > 1 else DEFAULT_DAYS
    return n, days


async def _drop_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the tapped message, so it cannot be tapped again."""
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramError as error:
            # The buttons already do nothing (their key was taken): the action goes on.
            logger.info("could not take the buttons off message %s: %s", message.id, error)


async def _drop_row(query: CallbackQuery, key: str) -> None:
    """Take the tapped group's buttons off an ``/unanswered`` list; keep the others."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        list(row)
        for row in message.reply_markup.inline_keyboard
        if not any(
            isinstance(button.callback_data, str) and button.callback_data.endswith(f":{key}")
            for button in row
        )
    ]
    try:
        await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(rows) if rows else None)
    except TelegramError as error:
        # The tapped row's key is taken, so its buttons already do nothing: the action goes on.
        logger.info("could not take a row off message %s: %s", message.id, error)


def problems_of(problems: Sequence[Problem]) -> list[str]:
    """Problems as lines, ``file:line: field: problem``."""
    return [str(p) for p in problems]
