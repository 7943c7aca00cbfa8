"""What a question that leans on the one before it borrows of it: the earlier question's
lexicon terms, less those the later one replaces, written in the later one's language.

Used by follow-ups ("那明年呢" replying to an answer, ``bot.engine.followup``) and by the
questions of one message ("华韶智算中心投资多少，它带动哪些产业？", ``bot.engine.message``).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.answers import Language
from bot.engine.knowledge import Lexicon
from bot.engine.textnorm import to_traditional


def asked_for(lexicon: Lexicon) -> frozenset[str]:
    """The terms a question asks for: measures, and periods (the exclusive terms the lexicon
    relates by implication, as matching counts them)."""
    related = {term for pair in lexicon.implies.items() for term in pair}
    periods = {
        term for group in lexicon.exclusive if related.intersection(group) for term in group
    }
    return frozenset(lexicon.measures).union(periods)


def kept_terms(
    lexicon: Lexicon,
    later: frozenset[str],
    earlier: frozenset[str],
    *,
    subject_only: bool = False,
) -> list[str]:
    """The earlier question's terms the later one does not replace (a period for a period, an
    industry for an industry, a measure for a measure); with ``subject_only`` none of what the
    earlier one asked for is kept either (the later question asks its own thing)."""
    replaced: set[str] = set()
    for group in lexicon.exclusive:
        if later.intersection(group):
            replaced.update(group)
    if subject_only:
        replaced.update(asked_for(lexicon))
    elif later.intersection(lexicon.measures):
        replaced.update(lexicon.measures)
    return sorted(earlier - replaced)


def asked_terms(lexicon: Lexicon, later: frozenset[str], earlier: frozenset[str]) -> list[str]:
    """What the earlier question asked for (its measures and periods) that the later one does
    not replace: "春风动力投资多少？北星电子呢" asks 北星电子's investment."""
    kept = set(kept_terms(lexicon, later, earlier))
    return sorted(kept & asked_for(lexicon))


def written(terms: Iterable[str], lexicon: Lexicon, language: Language) -> str:
    """Terms written so that the engine reads them in ``language`` (one clause each)."""
    if language is Language.ENGLISH:
        words = [_english(term, lexicon) for term in terms]
        return " ".join(word for word in words if word)
    joined = " ".join(terms)
    return to_traditional(joined) if language is Language.TRADITIONAL else joined


def _english(term: str, lexicon: Lexicon) -> str:
    """An English word the lexicon reads as ``term``; "" for a period or measure it has none
    for (the reply would turn Chinese), the Chinese term for a subject (it must stay)."""
    for surface in lexicon.synonyms.get(term, ()):
        if surface.isascii():
            return surface
    return "" if term in asked_for(lexicon) else term
