"""Inline keyboards and the callback data their buttons carry.

Callback data is stateless: a button names what it stands for (an entry or a topic, and the
language to answer in), never an index into something held in memory, so a button tapped
after a restart or a knowledge update still means what it said — and when its entry is gone,
the bot can say so. Telegram allows 1–64 bytes of callback data; ids too long for that are
carried as a hash and resolved against the current knowledge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.answers import Language, Suggestion
from bot.engine.knowledge import Entry, Topic
from bot.engine.textnorm import to_traditional
from bot.messages import say

MAX_CALLBACK_BYTES = 64
# Long button labels are cut: Telegram clients show about this much of a button on a phone.
MAX_LABEL_CHARS = 40
_HASH_CHARS = 20

_LANGUAGE_CODES = {
    Language.SIMPLIFIED: "s",
    Language.TRADITIONAL: "t",
    Language.ENGLISH: "e",
}
_CODE_LANGUAGES = {code: language for language, code in _LANGUAGE_CODES.items()}


class Action(StrEnum):
    """What a button asks for; the first field of its callback data."""

    ANSWER = "a"  # answer an entry
    ANSWER_HASHED = "h"  # answer an entry whose id was too long to carry
    TOPIC = "t"  # list a topic's entries
    TOPIC_HASHED = "u"  # the same, by hash
    TOPICS = "T"  # list the topics
    ASK_EDITORS = "E"  # send the question the message answered to the editors


@dataclass(frozen=True, slots=True)
class Callback:
    """Decoded callback data. ``key`` is an id, or a hash of one for the hashed actions."""

    action: Action
    language: Language
    key: str = ""

    def encode(self) -> str:
        """The callback data string."""
        return f"{self.action.value}:{_LANGUAGE_CODES[self.language]}:{self.key}"

    def matches(self, ident: str) -> bool:
        """True when this callback stands for ``ident`` (directly or by hash)."""
        if self.action in (Action.ANSWER_HASHED, Action.TOPIC_HASHED):
            return id_hash(ident) == self.key
        return ident == self.key


def id_hash(ident: str) -> str:
    """A short, stable stand-in for an id too long for callback data."""
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:_HASH_CHARS]


def _by_id(action: Action, hashed: Action, language: Language, ident: str) -> Callback:
    callback = Callback(action, language, ident)
    if len(callback.encode().encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return callback
    return Callback(hashed, language, id_hash(ident))


def answer_callback(entry_id: str, language: Language) -> Callback:
    """The callback of a button that answers ``entry_id``."""
    return _by_id(Action.ANSWER, Action.ANSWER_HASHED, language, entry_id)


def topic_callback(topic_id: str, language: Language) -> Callback:
    """The callback of a button that lists a topic's entries."""
    return _by_id(Action.TOPIC, Action.TOPIC_HASHED, language, topic_id)


def parse_callback(data: str | None) -> Callback | None:
    """Decode callback data; None for anything this bot did not write."""
    if not data:
        return None
    parts = data.split(":", 2)
    if len(parts) != 3:
        return None
    action_code, language_code, key = parts
    try:
        action = Action(action_code)
    except ValueError:
        return None
    language = _CODE_LANGUAGES.get(language_code)
    if language is None or (not key and action not in (Action.TOPICS, Action.ASK_EDITORS)):
        return None
    return Callback(action, language, key)


def resolve(callback: Callback, idents: Iterable[str]) -> str | None:
    """The id among ``idents`` that ``callback`` stands for, or None when it is gone."""
    return next((ident for ident in idents if callback.matches(ident)), None)


def label(text: str) -> str:
    """A button label: one line, cut to fit."""
    line = " ".join(text.split())
    if len(line) <= MAX_LABEL_CHARS:
        return line
    return line[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def localised(zh: str, en: str, language: Language) -> str:
    """``zh`` or ``en`` in ``language``; traditional Chinese is derived from ``zh``."""
    if language is Language.ENGLISH:
        return en or zh
    return to_traditional(zh) if language is Language.TRADITIONAL else zh


def suggestions_keyboard(
    suggestions: Sequence[Suggestion], language: Language
) -> InlineKeyboardMarkup | None:
    """One button per suggested entry, one per row (questions are long); None when empty."""
    if not suggestions:
        return None
    rows = [
        [
            InlineKeyboardButton(
                label(s.question), callback_data=answer_callback(s.id, language).encode()
            )
        ]
        for s in suggestions
    ]
    return InlineKeyboardMarkup(rows)


def topics_keyboard(topics: Sequence[Topic], language: Language) -> InlineKeyboardMarkup:
    """The topics, two to a row."""
    buttons = [
        InlineKeyboardButton(
            label(localised(t.zh, t.en, language)),
            callback_data=topic_callback(t.id, language).encode(),
        )
        for t in topics
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def entries_keyboard(entries: Sequence[Entry], language: Language) -> InlineKeyboardMarkup:
    """A topic's entries as their first question, then a button back to the topics."""
    rows = [
        [
            InlineKeyboardButton(
                label(entry_question(e, language)),
                callback_data=answer_callback(e.id, language).encode(),
            )
        ]
        for e in entries
    ]
    back = Callback(Action.TOPICS, language).encode()
    rows.append([InlineKeyboardButton(say("tg_back_to_topics", language), callback_data=back)])
    return InlineKeyboardMarkup(rows)


def entry_question(entry: Entry, language: Language) -> str:
    """An entry's first phrasing in ``language``."""
    english = entry.questions_en[0] if entry.questions_en else ""
    return localised(entry.questions_zh[0] if entry.questions_zh else english, english, language)


def with_ask_editors(
    markup: InlineKeyboardMarkup | None, language: Language
) -> InlineKeyboardMarkup:
    """``markup`` (or none) with a last row holding the "ask the editors" button.

    The button names nothing: the message it is under is the one whose question it sends.
    """
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    data = Callback(Action.ASK_EDITORS, language).encode()
    rows.append([InlineKeyboardButton(say("tg_ed_button", language), callback_data=data)])
    return InlineKeyboardMarkup(rows)
