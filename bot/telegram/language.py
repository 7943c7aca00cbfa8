"""Whose language a reply is in, and the words for a period, said one way everywhere.

A user is greeted in the language of their Telegram ``language_code``; an admin is answered in
Chinese unless their Telegram is in English (``admin_language``). The admin messages have no
traditional variant of their own: traditional is derived like every other message, so a zh-Hant
admin reads traditional.
"""

from __future__ import annotations

from bot.engine.answers import Language
from bot.questionlog.report import period_label


def user_language(language_code: str | None) -> Language:
    """The language to greet a user in, from Telegram's ``language_code``.

    Chinese by default (no code); traditional for zh-Hant/TW/HK/MO; English for English and
    for every other language, whose speakers are more likely to read English than Chinese.
    """
    if not language_code:
        return Language.SIMPLIFIED
    code = language_code.lower().replace("_", "-")
    if code.startswith("zh"):
        traditional = any(tag in code.split("-") for tag in ("hant", "tw", "hk", "mo"))
        return Language.TRADITIONAL if traditional else Language.SIMPLIFIED
    return Language.ENGLISH


def admin_language(language_code: str | None) -> Language:
    """The language to answer an admin in: English when Telegram's ``language_code`` is
    English (``en``, ``en-GB`` …), else Chinese (traditional for zh-Hant/TW/HK/MO).

    The bot's admins are the newsroom's editors: Chinese is their default, whatever language
    their phone happens to be set to, unless it is English.
    """
    language = user_language(language_code)
    return (
        Language.SIMPLIFIED
        if language is Language.ENGLISH and not _english(language_code)
        else language
    )


def _english(language_code: str | None) -> bool:
    return (language_code or "").lower().startswith("en")


def period_words(days: int | None, language: Language) -> str:
    """``last 7 days`` / ``last day`` / ``all time`` (``最近 7 天`` / ``全部记录``) in
    ``language``: the reports' own wording, so a period reads the same everywhere."""
    return period_label(days, language)
