"""A follow-up read in the context of the question it follows: "那明年呢", "增长了多少",
"what about next year?" after "重庆小面今年的营收目标是多少".

A follow-up that names no subject of its own borrows the previous question's: its lexicon terms,
less those the follow-up replaces (a period for a period, an industry for an industry, a measure
for a measure), go before it as context, and the engine's clause machinery reads the two as one
question with its context. So "那明年呢" after this year's noodle target asks for next year's
target and never gets this year's figure with it, and after "华韶智算中心投资多少" it is declined
(the article states no investment for next year) instead of being answered with the noodle
target a bare "明年呢" would get.

Plain engine-side code: the front end finds the previous question (the answer a message
replies to) and calls ``ask_follow_up``.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine.answers import Answer, Language, Status
from bot.engine.borrowing import asked_for, kept_terms, written
from bot.engine.pipeline import Engine
from bot.engine.textnorm import detect_language, to_simplified, to_traditional


def ask_follow_up(engine: Engine, text: str, previous_question: str) -> Answer:
    """Answer ``text``, a message written as a follow-up to ``previous_question``.

    A follow-up that names its own subject ("万吨商旅融合项目呢", "签约项目有哪些") is answered
    on its own words; when those alone are not enough, the previous question's subject may
    settle which of the entries it could mean is meant. One that names none ("那明年呢",
    "增长了多少") is read with the previous question's subject, the terms it replaces left out:
    it is never answered with a figure it did not ask for (this year's target for "明年呢"),
    and what the article does not state of that subject is declined. Small talk ("谢谢") and
    a blank ``previous_question`` get the answer ``text`` gets alone. The reply follows the
    follow-up's script, or the previous question's when the follow-up's characters do not tell
    (a traditional question, then "那明年呢"). The answer's ``question`` is ``text``; its
    ``normalized`` is the reading with the borrowed subject, which can be the
    ``previous_question`` of a follow-up to this answer.
    """
    alone = engine.ask(text)
    if not previous_question.strip() or (
        alone.status is Status.SMALLTALK and alone.entry_id is not None
    ):
        return alone
    own_subject = engine.names_subject(text)
    if own_subject and alone.status is Status.ANSWERED:
        return alone
    language = _reply_language(text, previous_question)
    context = _borrowed_context(engine, text, previous_question, language)
    if not context:
        return alone
    read = replace(engine.ask(f"{context} {text}"), question=text)
    if not own_subject:
        return read
    # Its own subject fits several entries: the previous subject picks one of them. Back to
    # the entry just answered only when asked something new of it ("什么时候开工" after its
    # investment), not for another thing like it ("在谈项目有几个" → "签约的呢").
    offered = {suggestion.id for suggestion in alone.suggestions}
    if read.status is not Status.ANSWERED or read.entry_id not in offered:
        return alone
    if (
        _asks_for_something(engine, text)
        or read.entry_id != engine.ask(previous_question).entry_id
    ):
        return read
    return alone


def _asks_for_something(engine: Engine, text: str) -> bool:
    """Whether ``text`` asks for a measure or a period (什么时候, 投资多少, 明年)."""
    return bool(engine.terms_of(text) & asked_for(engine.knowledge.lexicon))


def _borrowed_context(engine: Engine, text: str, previous: str, language: Language) -> str:
    """The previous question's terms the follow-up does not replace, written so that the
    engine reads them in ``language`` (one clause each: the follow-up's context)."""
    lexicon = engine.knowledge.lexicon
    kept = kept_terms(lexicon, engine.terms_of(text), engine.terms_of(previous))
    return written(kept, lexicon, language)


def _reply_language(text: str, previous: str) -> Language:
    """The follow-up's language, or the previous question's script when the follow-up's
    characters are the same in both scripts ("那明年呢" after a traditional question)."""
    own = detect_language(text)
    if own is Language.ENGLISH or to_simplified(text) != to_traditional(text):
        return own
    before = detect_language(previous)
    return before if before.is_chinese else own
