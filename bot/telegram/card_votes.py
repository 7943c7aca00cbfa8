"""👍/👎 on inline and guest cards (``bot.telegram.inline``, ``bot.telegram.guest``).

Why the buttons name the card's entry and not a record id: Telegram caches inline results
(``INLINE_CACHE_SECONDS``, and not personal), so one card is offered to whoever types the same
query, sent by many users into many chats, and tapped by anyone who reads it there. A record id
in its buttons would count every tapper's vote against the question of whoever asked first, and
the cards of an empty query (examples) answer no question at all. So a tap counts in
``card_votes``, once per user per entry whoever asked; tapping again changes the vote. Not per
entry and language: a card's answer is the entry's, the same in every script, and one user's
verdict on it is one. Per-entry helpfulness (``/stats``, ``/top``, the digest, ``bot report``)
adds these votes to the votes under answers in chats.

A tap on a card arrives with an ``inline_message_id`` and neither message nor chat; the card's
only buttons are its 👍/👎, so the row is redrawn whole, with the counts, by that id. Cards are
offered with bare 👍/👎: counting every card of every inline query (one at each pause in typing)
would put a read in the hottest path, for numbers Telegram's cache would keep showing stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from telegram import InlineKeyboardMarkup, Update

from bot.engine.answers import Language
from bot.messages import say
from bot.questionlog.feedback import Helpfulness, card_votes_on, record_card_vote
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.telegram.feedback import NO_VOTES, feedback_row, parse_vote_callback, redraw
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.keyboards import id_hash
from bot.telegram.ptb import Context
from bot.telegram.sending import acknowledge

CARD_VOTE_PREFIX = "c"
# The pattern of the cards' vote buttons (registered before the catch-all handler for taps).
CARD_VOTE_BUTTONS = f"^{CARD_VOTE_PREFIX}:"
# Entry ids are [a-z0-9-]: "#" cannot begin one, so it marks a hashed id.
_HASHED = "#"


def card_key(entry_id: str) -> str:
    """What a card's buttons carry for ``entry_id``: the id, or a hash when it is too long."""
    row = feedback_row(entry_id, Language.SIMPLIFIED, prefix=CARD_VOTE_PREFIX)
    return entry_id if row is not None else _HASHED + id_hash(entry_id)


def card_keyboard(
    entry_id: str, language: Language, votes: Helpfulness = NO_VOTES
) -> InlineKeyboardMarkup:
    """A card's keyboard: its 👍/👎 row, with the counts once there are votes."""
    row = feedback_row(card_key(entry_id), language, votes, prefix=CARD_VOTE_PREFIX)
    # A hashed key always fits (a prefix, three characters and a 21-character key).
    assert row is not None
    return InlineKeyboardMarkup([row])


def entry_of(key: str, entry_ids: Iterable[str]) -> str | None:
    """The entry among ``entry_ids`` that a card's key stands for; None when it is gone."""
    if key.startswith(_HASHED):
        return next((ident for ident in entry_ids if id_hash(ident) == key[1:]), None)
    return key if key in set(entry_ids) else None


class CardVotes:
    """The handler of 👍/👎 taps on inline and guest cards."""

    def __init__(
        self,
        log: QuestionLog,
        *,
        user_hash_salt: str,
        entry_ids: Callable[[], Iterable[str]],
        limiter: QuestionLimiter | None = None,
    ) -> None:
        if not user_hash_salt:
            raise ValueError("card votes need a user hash salt (BOT_USER_HASH_SALT)")
        self.log = log
        self._user_hash_salt = user_hash_salt
        # The current knowledge's entry ids, to resolve a hashed key (and skip a gone entry).
        self._entry_ids = entry_ids
        self._limiter = limiter

    async def on_vote(self, update: Update, context: Context) -> None:
        """👍 or 👎 tapped on a card: record once per user per entry, thank, redraw."""
        query = update.callback_query
        parsed = parse_vote_callback(query.data if query else None, prefix=CARD_VOTE_PREFIX)
        if query is None or parsed is None:
            return
        vote, language, key = parsed
        limiter = self._limiter
        if limiter is not None and limiter.admit(query.from_user.id) is not Admission.ALLOWED:
            await acknowledge(query, say("tg_flood", language))
            return
        entry_id = entry_of(key, self._entry_ids())
        if entry_id is None:
            # The entry left the knowledge since the card was sent: nothing left to rate.
            await acknowledge(query, say("tg_card_vote_gone", language))
            return
        user_hash = hash_user(query.from_user.id, self._user_hash_salt)
        await record_card_vote(self.log, entry_id, user_hash, vote)
        await acknowledge(query, say("tg_feedback_thanks", language))
        votes = await card_votes_on(self.log, entry_id)
        # With an inline_message_id PTB edits by it: the card sent in inline mode or posted
        # for a guest query.
        await redraw(query.edit_message_reply_markup(card_keyboard(entry_id, language, votes)))
