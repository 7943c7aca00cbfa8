"""Guest mode (Bot API 10.0): ``@bot question`` in a chat the bot has not joined.

Telegram sends such a mention as a ``guest_message`` update carrying a ``guest_query_id``; the
bot answers it once, with ``answerGuestQuery`` and one inline result, which Telegram posts in
that chat. The result is the card inline mode would offer first (``bot.telegram.inline``): the
question in bold, then the cited answer. A question the article does not answer gets its plain
reply as the card; a bare mention gets how to ask. Logged like any question (channel
``guest``); flood control is the questions' (one mention, one question), and over the limit
nothing is posted in someone else's chat.
"""

from __future__ import annotations

import time
from html import escape

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update, User
from telegram.constants import ParseMode

from bot.engine.answers import Answer, Status
from bot.engine.pipeline import Engine
from bot.engine.render import cut_text, telegram_length
from bot.messages import say
from bot.questionlog.records import Channel
from bot.telegram.flood import Admission
from bot.telegram.inline import MAX_CARD_DESCRIPTION, InlineAnswers
from bot.telegram.keyboards import id_hash
from bot.telegram.language import user_language
from bot.telegram.ptb import Context
from bot.telegram.questions import TelegramBot


class GuestAnswers(InlineAnswers):
    """The guest message handler: inline mode's cards, one per mention."""

    async def on_guest_message(self, update: Update, context: Context) -> None:
        """Post the first card inline mode would offer for the mention's question."""
        message = update.guest_message
        if message is None or message.guest_query_id is None:
            return
        user = message.from_user
        limiter = self.bot.question_limiter
        if user is not None and limiter.admit(user.id) is not Admission.ALLOWED:
            return
        question = TelegramBot._without_own_mentions(message, context.bot).strip()
        engine = self.bot.engine()
        if not question or telegram_length(question) > self.bot.limits.max_question_chars:
            language = user_language(user.language_code if user else None)
            examples = engine.examples(language)
            text = say(
                "tg_guest_usage",
                language,
                username=context.bot.username,
                example=examples[0].question if examples else "",
            )
            await message.answer_guest_query(_plain_card(text))
            return
        answer = self._answered(engine, question, user)
        await message.answer_guest_query(self._first_card(answer, engine))

    def _answered(self, engine: Engine, question: str, user: User | None) -> Answer:
        """The engine's answer, logged (channel ``guest``) when the asker is known."""
        started = time.perf_counter()
        answer = engine.ask(question)
        latency_ms = (time.perf_counter() - started) * 1000
        if user is not None:
            self.bot.log_question(answer, user, Channel.GUEST, latency_ms)
        return answer

    def _first_card(self, answer: Answer, engine: Engine) -> InlineQueryResultArticle:
        """Inline mode's first card for ``answer``: its entry's, else its first suggestion's
        that still answers; else the reply itself as the card."""
        ids = [answer.entry_id] if answer.status is Status.ANSWERED and answer.entry_id else []
        ids += [s.id for s in answer.suggestions if s.id not in ids]
        for ident in ids:
            card = engine.answer_entry(ident, answer.language)
            if card is not None and card.status is Status.ANSWERED:
                return self._card(card, engine)
        return self._card(answer, engine)


def _plain_card(text: str) -> InlineQueryResultArticle:
    """A card holding one plain sentence (escaped)."""
    return InlineQueryResultArticle(
        id=id_hash(text),
        title=cut_text(" ".join(text.split()), MAX_CARD_DESCRIPTION),
        input_message_content=InputTextMessageContent(escape(text), parse_mode=ParseMode.HTML),
    )
