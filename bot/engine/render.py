"""Render an ``Answer`` for people: HTML for Telegram, plain text for the terminal; and measure
and fit text to Telegram's limits as Telegram counts them.

Every piece of text that came from a user or from the knowledge files is escaped; only the
tags written here reach Telegram's HTML parser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape, unescape

from bot.engine.answers import Answer, Citation, Language
from bot.engine.knowledge import Source
from bot.engine.textnorm import to_traditional
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


# A quote longer than this is shown collapsed (``<blockquote expandable>``, Bot API 7.4+):
# about four lines on a phone, and Telegram's collapsed quote shows three. When a reply shows
# more quotes than ``MANY_QUOTES``, those over two lines are collapsed too, so the answers
# themselves stay in view.
EXPANDABLE_QUOTE = 80
MANY_QUOTES = 2
EXPANDABLE_AMONG_MANY = 40


def _quote_spans(quotes: list[str], paragraphs: Sequence[str]) -> list[str]:
    """The quotes to show, in order: each once, none that another contains, and two that
    overlap in one paragraph of the article (one's end is the other's start) merged into the
    article's span they cover. Without ``paragraphs`` nothing is merged."""
    spans = list(dict.fromkeys(quote for quote in quotes if quote))
    while (reduced := _reduce_once(spans, paragraphs)) is not None:
        spans = reduced
    return spans


def _reduce_once(spans: list[str], paragraphs: Sequence[str]) -> list[str] | None:
    """``spans`` with one contained quote dropped or one overlapping pair merged (at the
    first one's place); None when there is none."""
    for i, first in enumerate(spans):
        for j in range(i + 1, len(spans)):
            second = spans[j]
            if second in first:
                kept = first
            elif first in second:
                kept = second
            else:
                merged = _merged(first, second, paragraphs)
                if merged is None:
                    continue
                kept = merged
            return [*spans[:i], kept, *spans[i + 1 : j], *spans[j + 1 :]]
    return None


def _merged(first: str, second: str, paragraphs: Sequence[str]) -> str | None:
    """The span of one paragraph two overlapping quotes cover, either way round."""
    for before, after in ((first, second), (second, first)):
        for overlap in range(min(len(before), len(after)) - 1, 0, -1):
            if before.endswith(after[:overlap]):
                span = before + after[overlap:]
                if any(span in paragraph for paragraph in paragraphs):
                    return span
    return None


def _quotes_by_piece(answer: Answer, source: Source | None) -> list[tuple[str, list[str]]]:
    """Each piece of the reply (the answer, or each part of one asking several things) with
    the quotes shown after it: every quote of the reply once, after the first piece citing
    any of its words, in the reply's script. Verification keeps the citations' own quotes;
    only the display is merged and converted."""
    pieces = answer.parts or (answer,)
    paragraphs = source.article.citable_text.split("\n") if source is not None else ()
    cited = [[citation.quote for citation in piece.citations] for piece in pieces]
    spans = _quote_spans([quote for quotes in cited for quote in quotes], paragraphs)
    shown: list[tuple[str, list[str]]] = []
    for piece, quotes in zip(pieces, cited, strict=True):
        mine = [span for span in spans if any(quote in span for quote in quotes)]
        spans = [span for span in spans if span not in mine]
        if answer.language is Language.TRADITIONAL:
            mine = [to_traditional(span) for span in mine]
        shown.append((piece.text, mine))
    return shown


def _first_citation(answer: Answer) -> Citation | None:
    return next((c for piece in answer.parts or (answer,) for c in piece.citations), None)


def answer_html(answer: Answer, source: Source | None = None) -> str:
    """The answer, then each quote in a blockquote (a long one collapsed) and the newspaper
    and date; a message that asked several things gets each answer with its own quotes."""
    pieces = _quotes_by_piece(answer, source)
    count = sum(len(quotes) for _, quotes in pieces)
    collapse_over = EXPANDABLE_AMONG_MANY if count > MANY_QUOTES else EXPANDABLE_QUOTE
    lines = []
    for text, quotes in pieces:
        lines.append(escape(text))
        for quote in quotes:
            opening = "<blockquote expandable>" if len(quote) > collapse_over else "<blockquote>"
            lines.append(f"{opening}{escape(quote)}</blockquote>")
    first = _first_citation(answer)
    if first is not None and count:
        lines.append(f"— {escape(_source_line(first, answer.language, source))}")
    return "\n".join(lines)


def answer_text(answer: Answer, source: Source | None = None) -> str:
    """The answer for a terminal: quotes in 「」, source line, numbered suggestions."""
    lines = []
    count = 0
    for text, quotes in _quotes_by_piece(answer, source):
        lines.append(text)
        lines.extend(f"  「{quote}」" for quote in quotes)
        count += len(quotes)
    first = _first_citation(answer)
    if first is not None and count:
        lines.append(f"  — {_source_line(first, answer.language, source)}")
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

    Cuts fall between lines where a line can end the part, outside a blockquote where one can
    (a quote is not cut in two); a line longer than a whole part is cut between characters.
    Never inside a tag or an entity: a tag open at a cut is closed at the end of the part and
    opened again at the start of the next (``<blockquote expandable>`` as it was), so every
    part is valid.
    """
    if telegram_length(html, html=True) <= limit:
        return [html]
    parts: list[str] = []
    # Opening tags the current part starts inside of, and those open at the current point.
    reopened: list[str] = []
    opened: list[tuple[str, str]] = []
    body: list[str] = []
    used = 0
    # The line breaks in ``body``: each one's index, the tags open there, units before it.
    breaks: list[tuple[int, list[tuple[str, str]], int]] = []

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
            outside = [b for b in breaks if all(name != "blockquote" for name, _ in b[1])]
            if outside or breaks:
                at, tags, before = (outside or breaks)[-1]
                emit([*reopened, *body[:at], close(tags)])
                reopened = [opening for _, opening in tags]
                body = body[at + 1 :]
                used -= before + 1
                breaks = [(i - at - 1, t, u - before - 1) for i, t, u in breaks if i > at]
            else:
                emit([*reopened, *body, close(opened)])
                reopened = [opening for _, opening in opened]
                body = []
                used = 0
        body.append(token)
        used += weight
        if is_tag:
            _track(token, opened)
        elif token == "\n":
            breaks.append((len(body) - 1, list(opened), used - 1))
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
