"""Render an ``Answer`` for people: HTML for Telegram, plain text for the terminal.

Every piece of text that came from a user or from the knowledge files is escaped; only the
tags written here reach Telegram's HTML parser.
"""

from __future__ import annotations

from html import escape

from bot.answers import Answer, Citation, Language
from bot.knowledge import Source
from bot.messages import say


def _source_line(citation: Citation, language: Language, source: Source | None) -> str:
    newspaper_en = source.newspaper_en if source is not None else citation.source
    return say(
        "citation_source",
        language,
        newspaper=citation.source,
        newspaper_en=newspaper_en,
        date=citation.date,
    )


def _distinct_quotes(answer: Answer) -> list[Citation]:
    """One citation per quote: several facts often share a sentence."""
    seen: set[str] = set()
    distinct = []
    for citation in answer.citations:
        if citation.quote not in seen:
            seen.add(citation.quote)
            distinct.append(citation)
    return distinct


def answer_html(answer: Answer, source: Source | None = None) -> str:
    """The answer, then each quote in a blockquote and the newspaper and date; a message
    that asked several things gets each answer with its own quotes."""
    parts = []
    citations = []
    for piece in answer.parts or (answer,):
        parts.append(escape(piece.text))
        for citation in _distinct_quotes(piece):
            if citation not in citations:
                parts.append(f"<blockquote>{escape(citation.quote)}</blockquote>")
                citations.append(citation)
    if citations:
        parts.append(f"— {escape(_source_line(citations[0], answer.language, source))}")
    return "\n".join(parts)


def answer_text(answer: Answer, source: Source | None = None) -> str:
    """The answer for a terminal: quotes in 「」, source line, numbered suggestions."""
    lines = []
    citations = []
    for piece in answer.parts or (answer,):
        lines.append(piece.text)
        for citation in _distinct_quotes(piece):
            if citation not in citations:
                lines.append(f"  「{citation.quote}」")
                citations.append(citation)
    if citations:
        lines.append(f"  — {_source_line(citations[0], answer.language, source)}")
    if answer.suggestions:
        if answer.status.value == "answered":
            lines.append(say("suggestions_heading", answer.language))
        lines.extend(f"  {i}. {s.question}" for i, s in enumerate(answer.suggestions, 1))
    return "\n".join(lines)
