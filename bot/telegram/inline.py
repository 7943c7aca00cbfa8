"""Inline mode: ``@bot question`` in any chat, answered with up to a few cited answer cards.

Telegram sends an inline query at each pause in typing, so inline queries have a flood budget
of their own, a few times the questions-per-minute limit. Every question the engine answers
here is logged like any other (channel ``inline``), through ``TelegramBot.log_question``. A card
that answers carries 👍/👎 for its entry (``bot.telegram.card_votes``).
"""

from __future__ import annotations

import time
from html import escape

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode

from bot.engine.answers import Answer, Status
from bot.engine.pipeline import Engine
from bot.engine.render import answer_html, cut_text, fit_html, telegram_length
from bot.questionlog.records import Channel
from bot.telegram.card_votes import card_keyboard
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.keyboards import id_hash
from bot.telegram.language import user_language
from bot.telegram.ptb import Context
from bot.telegram.questions import TelegramBot

MAX_INLINE_CARDS = 3
# Telegram sends an inline query at each pause in typing, so one question typed inline is a few
# queries: the inline budget per user is this many times the questions-per-minute limit.
INLINE_QUERIES_PER_QUESTION = 3
INLINE_CACHE_SECONDS = 60
MAX_CARD_DESCRIPTION = 120


class InlineAnswers:
    """The inline query handler, answering from the engine and limits of a ``TelegramBot``."""

    def __init__(self, bot: TelegramBot, limiter: QuestionLimiter | None = None) -> None:
        self.bot = bot
        self.limiter = limiter or QuestionLimiter(
            bot.limits.questions_per_minute * INLINE_QUERIES_PER_QUESTION
        )

    async def on_inline_query(self, update: Update, context: Context) -> None:
        """``@bot question`` in any chat: up to a few cited answer cards."""
        query = update.inline_query
        if query is None:
            return
        if self.limiter.admit(query.from_user.id) is not Admission.ALLOWED:
            # Nothing, personal and uncached: Telegram must not show it to anyone else, nor
            # keep it for this text once the user may ask again.
            await query.answer([], cache_time=0, is_personal=True)
            return
        text = query.query.strip()
        engine = self.bot.engine()
        if not text:
            language = user_language(query.from_user.language_code)
            ids = [s.id for s in engine.examples(language)]
        elif telegram_length(text) > self.bot.limits.max_question_chars:
            await query.answer([], cache_time=INLINE_CACHE_SECONDS)
            return
        else:
            started = time.perf_counter()
            answer = engine.ask(text)
            latency_ms = (time.perf_counter() - started) * 1000
            self.bot.log_question(answer, query.from_user, Channel.INLINE, latency_ms)
            language = answer.language
            ids = [answer.entry_id] if answer.status is Status.ANSWERED and answer.entry_id else []
            ids += [s.id for s in answer.suggestions if s.id not in ids]
        cards = [engine.answer_entry(i, language) for i in ids]
        answered = [c for c in cards if c is not None and c.status is Status.ANSWERED]
        results = [self._card(card, engine) for card in answered[:MAX_INLINE_CARDS]]
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS)

    def _card(self, answer: Answer, engine: Engine) -> InlineQueryResultArticle:
        """An inline result: the question in bold, then the cited answer; 👍/👎 under an
        entry's answer."""
        html = answer_html(answer, engine.knowledge.primary_source)
        votes = None
        if answer.status is Status.ANSWERED and answer.entry_id is not None:
            votes = card_keyboard(answer.entry_id, answer.language)
        return InlineQueryResultArticle(
            id=id_hash(answer.entry_id or answer.question),
            title=" ".join(answer.question.split()),
            description=cut_text(answer.text, MAX_CARD_DESCRIPTION),
            input_message_content=InputTextMessageContent(
                fit_html(f"<b>{escape(answer.question)}</b>\n{html}"),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            ),
            reply_markup=votes,
        )

    # --- errors ------------------------------------------------------------------------------
