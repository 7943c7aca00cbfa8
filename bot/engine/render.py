"""Render an ``Answer`` for people: HTML for Telegram, plain text for the terminal; and measure
and fit text to Telegram's limits as Telegram counts them.

Every piece of text that came from a user or from the knowledge files is escaped; only the
tags written here reach Telegram's HTML parser.
"""

from __future__ import annotations

import re
from html import escape, unescape

from bot.engine.answers import Answer, Citation, Language
from bot.engine.knowledge import Source
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


# --- Telegram's measure of text ------------------------------------------------------------------
#
# Telegram's limits count UTF-16 code units of the text *after* entity parsing: an emoji (or any
# character outside the Basic Multilingual Plane) counts two, a tag nothing, ``&amp;`` one. Every
# length check of text meant for Telegram goes through ``telegram_length``.

MESSAGE_LIMIT = 4096  # a message, and an inline result's message text
CAPTION_LIMIT = 1024  # a photo's or document's caption
CALLBACK_ANSWER_LIMIT = 200  # the toast or alert answering a tapped button
ELLIPSIS = "…"

_TAG = re.compile(r"<[^>]*>")
# A tag, an entity, a line break, or one character: the units a cut may fall between.
_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]\w*);|[^<&]|[<&]", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def telegram_length(text: str, *, html: bool = False) -> int:
    """The length Telegram checks against its limits: UTF-16 units of the text as shown
    (for ``html``, with the tags taken out and the entities read)."""
    if html:
        text = unescape(_TAG.sub("", text))
    return utf16_length(text)


def cut_text(text: str, limit: int) -> str:
    """Plain ``text`` if it fits ``limit``, else as much as fits with "…" at the end."""
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(ELLIPSIS)
    used = 0
    for index, character in enumerate(text):
        used += utf16_length(character)
        if used > budget:
            return text[:index].rstrip() + ELLIPSIS
    return text  # not reached: the whole text was over the limit


def split_html(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Telegram HTML cut into messages of at most ``limit`` (as ``telegram_length`` counts).

    Cuts fall between lines where a line can end the part; a line longer than a whole part is
    cut between characters. Never inside a tag or an entity: a tag open at a cut is closed at
    the end of the part and opened again at the start of the next, so every part is valid.
    """
    if telegram_length(html, html=True) <= limit:
        return [html]
    parts: list[str] = []
    # Opening tags the current part starts inside of, and those open at the current point.
    reopened: list[str] = []
    opened: list[tuple[str, str]] = []
    body: list[str] = []
    used = 0
    # Where the last line break in ``body`` is: its index, the tags open there, units before it.
    line_break: tuple[int, list[tuple[str, str]], int] | None = None

    def close(tags: list[tuple[str, str]]) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(tags))

    def emit(pieces: list[str]) -> None:
        part = "".join(pieces)
        if telegram_length(part, html=True) and unescape(_TAG.sub("", part)).strip():
            parts.append(part)

    for token in _TOKEN.findall(html):
        is_tag = len(token) > 1 and token.startswith("<")
        weight = 0 if is_tag else utf16_length(unescape(token))
        while used + weight > limit and used > 0:
            if line_break is not None:
                at, tags, before = line_break
                emit([*reopened, *body[:at], close(tags)])
                reopened = [opening for _, opening in tags]
                body = body[at + 1 :]
                used -= before + 1
            else:
                emit([*reopened, *body, close(opened)])
                reopened = [opening for _, opening in opened]
                body = []
                used = 0
            line_break = None
        body.append(token)
        used += weight
        if is_tag:
            _track(token, opened)
        elif token == "\n":
            line_break = (len(body) - 1, list(opened), used - 1)
    emit([*reopened, *body])
    return parts


def _track(tag: str, opened: list[tuple[str, str]]) -> None:
    """Update the stack of open tags (name, opening tag) for ``tag``."""
    match = _TAG_NAME.match(tag)
    if match is None:
        return
    name = match.group(1).lower()
    if not tag.startswith("</"):
        opened.append((name, tag))
    elif opened and opened[-1][0] == name:
        opened.pop()


def fit_html(html: str, limit: int = MESSAGE_LIMIT) -> str:
    """Telegram HTML for one message: ``html`` if it fits, else its first part and "…"."""
    if telegram_length(html, html=True) <= limit:
        return html
    return split_html(html, limit - utf16_length(ELLIPSIS))[0] + ELLIPSIS


def replace_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (which JSON allows and UTF-8 cannot encode) replaced
    by U+FFFD; a pair of surrogates standing for one character becomes that character."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text
