"""Every piece of user-facing wording, one module per audience, merged into ``MESSAGES``.

Each message has a simplified Chinese and an English text; traditional Chinese is derived
from the simplified text with OpenCC, so the two Chinese versions can never drift apart.
Placeholders use ``str.format`` names. Values put into messages are plain text: renderers
escape them for HTML. English counts agree with their number: ``{count:entry|entries}`` is the
first word when ``count`` is exactly 1 and the second otherwise (Chinese needs no such thing).

The audiences: ``replies`` (the engine's answers, citations, the terminal chat),
``telegram_users`` (what Telegram users read), ``telegram_admins`` (the question-log commands,
reports and digest) and ``knowledge_admins`` (changing the knowledge). A key lives in exactly
one of them: a key defined twice would silently let one wording replace the other, so merging
refuses it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from bot.engine.answers import Language
from bot.engine.textnorm import to_traditional
from bot.messages.knowledge_admins import KNOWLEDGE_ADMINS
from bot.messages.replies import REPLIES
from bot.messages.telegram_admins import TELEGRAM_ADMINS
from bot.messages.telegram_users import TELEGRAM_USERS

# The languages every message is written in (traditional Chinese is derived from "zh").
WRITTEN_LANGUAGES = ("zh", "en")


def merge_messages(
    tables: Mapping[str, Mapping[str, dict[str, str]]],
) -> dict[str, dict[str, str]]:
    """The tables (named by their module) as one, refusing a key defined in two of them or a
    message missing one of ``WRITTEN_LANGUAGES``."""
    merged: dict[str, dict[str, str]] = {}
    home: dict[str, str] = {}
    for module, table in tables.items():
        for key, texts in table.items():
            if key in home:
                raise ValueError(f"message {key!r} is defined in both {home[key]} and {module}")
            if sorted(texts) != sorted(WRITTEN_LANGUAGES):
                raise ValueError(
                    f"message {key!r} in {module} has languages {sorted(texts)}, "
                    f"not {list(WRITTEN_LANGUAGES)}"
                )
            home[key] = module
            merged[key] = texts
    return merged


MESSAGES: dict[str, dict[str, str]] = merge_messages(
    {
        "replies": REPLIES,
        "telegram_users": TELEGRAM_USERS,
        "telegram_admins": TELEGRAM_ADMINS,
        "knowledge_admins": KNOWLEDGE_ADMINS,
    }
)


class _CountFormatter(string.Formatter):
    """``str.format`` plus the ``{count:one|many}`` spec: the word agreeing with ``count``."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, many = format_spec.split("|", 1)
            # Values arrive as text, thousands separated ("1", "1,204"): only "1" is singular.
            return one if str(value).strip() == "1" else many
        return str(super().format_field(value, format_spec))


_FORMATTER = _CountFormatter()


def say(key: str, language: Language, **values: str) -> str:
    """The message ``key`` in ``language``, with ``values`` filled in."""
    texts = MESSAGES[key]
    if language is Language.ENGLISH:
        return _FORMATTER.format(texts["en"], **values)
    text = _FORMATTER.format(texts["zh"], **values)
    # Values (a title, a name the user typed) are converted along with the template.
    return to_traditional(text) if language is Language.TRADITIONAL else text


def counted(count: int, one: str, many: str) -> str:
    """``1 problem`` / ``3 problems``: an English count with the word agreeing, for the
    command line's own English lines."""
    return f"{count:,} {one if count == 1 else many}"
