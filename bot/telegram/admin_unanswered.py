"""Learning from the log: ``/unanswered`` lists what people asked and the bot could not answer,
grouped by similarity, each group with "➕ phrasing of …" and "Dismiss" buttons.

"➕ phrasing of …" adds the group's wording as a phrasing of the nearest entry through the same
check → gate → atomic write as an upload (``KnowledgeEditor``), in one tap; "Dismiss" hides the
group from later lists. Below the groups, the did-you-mean choices users tapped after an unsure
reply (``bot.questionlog.feedback.phrasing_evidence``) are offered the same way: "➕ add «question»
as a phrasing of X (tapped n×)", through the same path.

A ➕ is offered only when the phrasing would pass: the list's candidates go through the
regression gate together, once per knowledge version (``KnowledgeEditor.offerable``); a group
the gate would refuse keeps its Dismiss and says why. Should a tapped ➕ still be refused (the
knowledge changed since the list was made), the refusal is said once and the list's other ➕
are taken off with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import TelegramError

from bot.engine.answers import Language, Status
from bot.engine.pipeline import Engine
from bot.engine.render import telegram_length
from bot.engine.textnorm import detect_language
from bot.knowledge_admin.errors import ChangeError
from bot.knowledge_admin.proposals import Phrasing
from bot.messages import say
from bot.questionlog.analytics import QuestionGroup, unanswered_groups, window_start
from bot.questionlog.feedback import PhrasingEvidence, phrasing_evidence
from bot.telegram.admin_knowledge import KnowledgeCommands
from bot.telegram.admin_stats import DEFAULT_DAYS, UsageError, parse_count, parse_days
from bot.telegram.keyboards import entry_question, label
from bot.telegram.knowledge_html import actor_of, refusal_html
from bot.telegram.language import period_words
from bot.telegram.pending import (
    ADD_PHRASING,
    DISMISS,
    LIST_TTL_SECONDS,
    AdminTap,
    Expiring,
    GroupChoice,
    admin_tap,
    callback,
)
from bot.telegram.ptb import Context
from bot.telegram.sending import TEXT_BUDGET, acknowledge, answer_under, fit_lines, reply_html

logger = logging.getLogger(__name__)

DEFAULT_GROUPS = 10
MAX_GROUPS = 30
# Tapped did-you-mean choices offered under a /unanswered list, most taps first.
MAX_EVIDENCE = 5
# How much of a question an evidence button shows, so the entry and the count still fit.
_EVIDENCE_QUESTION_CHARS = 16


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


def group_phrasing(group: QuestionGroup) -> str:
    """The wording a group's ➕ would add: its first example, on one line."""
    return " ".join((group.examples[0] if group.examples else group.representative).split())


@dataclass(frozen=True, slots=True)
class Listing:
    """What one ``/unanswered`` list was worked out against: the engine, each group's phrasing
    and nearest entry, and the phrasings the regression gate lets through."""

    engine: Engine
    phrasings: Sequence[str]
    nearest: Sequence[str | None]
    offered: frozenset[Phrasing]

    def offers(self, entry_id: str, phrasing: str) -> bool:
        """Whether adding ``phrasing`` to ``entry_id`` gets a ➕ button."""
        return Phrasing(entry_id, phrasing, phrasing_language(phrasing)) in self.offered


class UnansweredCommands:
    """``/unanswered`` and its buttons; changes go through the knowledge admin's editor."""

    def __init__(
        self,
        knowledge: KnowledgeCommands,
        *,
        list_ttl: float = LIST_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.knowledge = knowledge
        self.admins = knowledge.admins
        self._groups: Expiring[GroupChoice] = Expiring(list_ttl, clock=clock)

    async def on_unanswered(self, update: Update, context: Context) -> None:
        """``/unanswered [n] [days]``: groups of unanswered questions, each with buttons."""
        request = self.admins.request(update)
        if request is None:
            return
        message, _, language = request
        if self.knowledge.log is None:
            await reply_html(message, escape(say("tg_kn_no_log", language)))
            return
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
            return
        groups = await unanswered_groups(self.knowledge.log, n, days, hide_dismissed=True)
        evidence = await phrasing_evidence(self.knowledge.log, MAX_EVIDENCE, window_start(days))
        entries = self.knowledge.live.current.knowledge.entries
        evidence = [e for e in evidence if e.entry_id in entries]
        if not groups and not evidence:
            text = say("tg_kn_unanswered_none", language, period=period_words(days, language))
            await reply_html(message, escape(text))
            return
        engine = self.knowledge.live.current
        phrasings = [group_phrasing(group) for group in groups]
        # Matching and the regression gate take a while: off the event loop.
        nearest = await asyncio.to_thread(lambda: [nearest_entry(engine, p) for p in phrasings])
        candidates = [
            Phrasing(entry_id, phrasing, phrasing_language(phrasing))
            for phrasing, entry_id in zip(phrasings, nearest, strict=True)
            if entry_id is not None
        ] + [Phrasing(e.entry_id, e.text, phrasing_language(e.text)) for e in evidence]
        offered = await asyncio.to_thread(self.knowledge.editor.offerable, candidates)
        listing = Listing(engine, phrasings, nearest, offered)
        text, markup = self._unanswered_message(groups, days, language, evidence, listing)
        await reply_html(message, text, markup)

    def _unanswered_message(
        self,
        groups: Sequence[QuestionGroup],
        days: int | None,
        language: Language,
        evidence: Sequence[PhrasingEvidence],
        listing: Listing,
    ) -> tuple[str, InlineKeyboardMarkup]:
        engine = listing.engine
        blocks: list[str] = []
        rows: list[list[InlineKeyboardButton]] = []
        for rank, group in enumerate(groups, start=1):
            phrasing, entry_id = listing.phrasings[rank - 1], listing.nearest[rank - 1]
            offered = entry_id is not None and listing.offers(entry_id, phrasing)
            choice = GroupChoice(group.representative, phrasing, entry_id if offered else None)
            key = self._groups.put(choice)
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
                if not offered:
                    lines.append(say("tg_kn_unanswered_not_offered", language))
            if offered:
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
        for rank, tapped in enumerate(evidence, start=len(groups) + 1):
            offered = listing.offers(tapped.entry_id, tapped.text)
            first = rank == len(groups) + 1
            block, row = self._evidence_item(rank, tapped, language, first=first, offered=offered)
            blocks.append(block)
            rows.append(row)
        title = say("tg_kn_unanswered_title", language, period=period_words(days, language))
        kept = fit_lines(blocks, language, TEXT_BUDGET - telegram_length(title))
        # Buttons only for the groups shown.
        shown = len(kept) if len(kept) == len(blocks) else len(kept) - 1
        markup = InlineKeyboardMarkup([row for row in rows[:shown] if row])
        return escape("\n".join([title, *kept])), markup

    def _evidence_item(
        self,
        rank: int,
        tapped: PhrasingEvidence,
        language: Language,
        *,
        first: bool,
        offered: bool,
    ) -> tuple[str, list[InlineKeyboardButton]]:
        """The line and the button of one tapped choice; the button adds the phrasing the way a
        group's does (check, gate, atomic write), and then hides it like a dismissal. A choice
        the gate would refuse is listed without a button."""
        values = {"rank": str(rank), "entry": tapped.entry_id, "taps": str(tapped.taps)}
        line = say("tg_kn_evidence_item", language, question=tapped.text, **values)
        head = say("tg_kn_evidence_title", language) + "\n" if first else ""
        if not offered:
            return head + line + "\n" + say("tg_kn_unanswered_not_offered", language), []
        key = self._groups.put(GroupChoice(tapped.normalized, tapped.text, tapped.entry_id))
        short = " ".join(tapped.text.split())
        if len(short) > _EVIDENCE_QUESTION_CHARS:
            short = short[: _EVIDENCE_QUESTION_CHARS - 1].rstrip() + "…"
        button = say("tg_kn_button_evidence", language, question=short, **values)
        return head + line, [
            InlineKeyboardButton(button, callback_data=callback(ADD_PHRASING, key))
        ]

    async def on_group_button(self, update: Update, context: Context) -> None:
        """ "➕ phrasing of …" or "Dismiss", tapped by an admin."""
        tap = admin_tap(update, self.admins)
        if tap is not None:
            await self._group_button(tap)

    async def _group_button(self, tap: AdminTap) -> None:
        query, verb, key, user, language = tap.query, tap.verb, tap.key, tap.user, tap.language
        choice = self._groups.take(key)
        if choice is None or (verb == ADD_PHRASING and choice.entry_id is None):
            await acknowledge(query, say("tg_kn_list_expired", language), alert=True)
            await _drop_row(query, key)
            return
        await acknowledge(query)
        if verb == DISMISS:
            await self._dismiss(choice, user, "dismissed")
            await _drop_row(query, key)
            await answer_under(
                query, escape(say("tg_kn_dismissed", language, phrasing=choice.phrasing))
            )
            return
        assert choice.entry_id is not None
        try:
            proposal = await asyncio.to_thread(
                self.knowledge.editor.propose_phrasing,
                choice.entry_id,
                choice.phrasing,
                phrasing_language(choice.phrasing),
            )
            applied = await asyncio.to_thread(
                self.knowledge.editor.apply,
                proposal,
                actor_of(user),
                f"add phrasing to {choice.entry_id}",
            )
        except ChangeError as error:
            # The list was gated against a version that is no longer live: its other ➕ would
            # be refused too, so they all go, and the refusal is said once. The group keeps its
            # buttons' meaning: it can still be dismissed from a new list.
            await self.knowledge.copy_history_to_log()
            await _drop_row(query, key, offers_too=True)
            withdrawn = escape(say("tg_kn_offers_withdrawn", language))
            await answer_under(query, f"{refusal_html(error, language)}\n{withdrawn}")
            return
        previous = applied.replaced or ""
        logger.info(
            "admin %s added a phrasing to %s: version %s is live",
            user.id,
            choice.entry_id,
            applied.version,
        )
        await self.knowledge.copy_history_to_log()
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
        await answer_under(query, escape(text))

    async def _dismiss(self, choice: GroupChoice, user: User, resolution: str) -> None:
        if self.knowledge.log is None:
            return
        await self.knowledge.log.dismiss_question(
            choice.representative, choice.phrasing, actor_of(user), resolution
        )


def unanswered_arguments(args: Sequence[str]) -> tuple[int, int | None]:
    """``[n] [days]`` of ``/unanswered``, read as ``/top`` reads them; ``UsageError`` else."""
    if len(args) > 2:
        raise UsageError(" ".join(args))
    n = parse_count(args[0], MAX_GROUPS) if args else DEFAULT_GROUPS
    days = parse_days(args[1]) if len(args) > 1 else DEFAULT_DAYS
    return n, days


async def _drop_row(query: CallbackQuery, key: str, *, offers_too: bool = False) -> None:
    """Take the tapped group's buttons off an ``/unanswered`` list; keep the others (but, with
    ``offers_too``, not their ➕)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    offer = callback(ADD_PHRASING, "")
    rows = [
        [
            button
            for button in row
            if not (offers_too and str(button.callback_data).startswith(offer))
        ]
        for row in message.reply_markup.inline_keyboard
        if not any(
            isinstance(button.callback_data, str) and button.callback_data.endswith(f":{key}")
            for button in row
        )
    ]
    rows = [row for row in rows if row]
    try:
        await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(rows) if rows else None)
    except TelegramError as error:
        # The tapped row's key is taken, so its buttons already do nothing: the action goes on.
        logger.info("could not take a row off message %s: %s", message.id, error)
