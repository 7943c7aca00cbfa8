"""Derive the clean article from the file as received.

The seed is the article as a website served it after an automatic simplified-to-traditional
conversion: traditional characters, pinyin after many of them (``區(qū)``), half-width
punctuation, and the site's header and footer around the story. The newspaper printed
simplified Chinese, so the clean text is what citations quote and what users are shown.

Every step is deterministic and pure, so the same raw bytes always give the same clean text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import opencc

# A pinyin annotation is a parenthesised run of Latin letters (with tone marks) written
# straight after a CJK character: ``區(qū)``. Real parentheses hold CJK text or digits
# (``網出證(渝)字``, ``(2016)``) and are left alone.
_PINYIN_ANNOTATION = re.compile(r"(?<=[\u3400-\u9fff])\((?:[a-zA-Z\u00c0-\u024f\u0300-\u036f]+)\)")

# The converter turned the newspaper's full-width punctuation into ASCII; restore it where it
# sits between Chinese text (never inside numbers such as 74.4% or 023-61520695).
_CJK_OR_QUOTE = r"[\u3400-\u9fff\u201c\u201d\u3001\u3002\d%]"
_HALF_WIDTH_PUNCTUATION = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_PUNCT_BETWEEN_CJK = re.compile(rf"(?<={_CJK_OR_QUOTE})\s*([,:;?!])\s*(?=[\u3400-\u9fff\u201c])")

# The dateline the website puts under the title: "2023-08-15 09:23:04  來源:重慶日報".
_DATELINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})\s+(?P<time>\d{2}:\d{2}:\d{2})\s+(?:來源|来源)\s*[:：]\s*(?P<source>\S+)$"
)
# The website's footer starts with a stray "?" line or its "about us" links.
_FOOTER_START = re.compile(r"^(?:[?？]|(?:關於|關于|关于)我們|关于我们|Copyright)")


class ArticleFormatError(ValueError):
    """The raw file does not have the shape of the website's article page."""


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """The article as the newspaper printed it, plus what the page said about it."""

    title: str
    newspaper: str
    date: str
    time: str
    paragraphs: tuple[str, ...]

    @property
    def dateline(self) -> str:
        """The dateline as the page printed it, in the clean script."""
        return f"{self.date} {self.time} 来源：{self.newspaper}"

    @property
    def body(self) -> str:
        """The body paragraphs separated by newlines: the text citations quote."""
        return "\n".join(self.paragraphs)

    @property
    def citable_text(self) -> str:
        """Everything a quote may come from: title, dateline and body."""
        return "\n".join((self.title, self.dateline, *self.paragraphs))


@cache
def _traditional_to_simplified() -> opencc.OpenCC:
    # tw2s rather than t2s: plain t2s keeps 著 (a valid simplified character) in 盯著, while the
    # Taiwan-variant table also maps the aspect particle to 着, as the newspaper printed it.
    return opencc.OpenCC("tw2s")


def strip_pinyin(text: str) -> str:
    """Remove the converter's pinyin annotations, keeping real parentheses."""
    return _PINYIN_ANNOTATION.sub("", text)


def to_simplified(text: str) -> str:
    """Convert traditional Chinese to simplified the way the newspaper wrote it."""
    return str(_traditional_to_simplified().convert(text))


def restore_full_width_punctuation(text: str) -> str:
    """Put back the full-width commas, colons and semicolons between Chinese text."""
    return _PUNCT_BETWEEN_CJK.sub(lambda m: _HALF_WIDTH_PUNCTUATION[m.group(1)], text)


def clean_line(line: str) -> str:
    """Clean one line: pinyin out, simplified script, newspaper punctuation."""
    return restore_full_width_punctuation(to_simplified(strip_pinyin(line.strip())))


def clean_article(raw: str) -> CleanArticle:
    """Turn the page as received into the article: title, dateline and body only."""
    lines = [clean_line(line) for line in raw.splitlines()]
    dateline_at = next((i for i, line in enumerate(lines) if _DATELINE.match(line)), None)
    if dateline_at is None:
        raise ArticleFormatError("no dateline (YYYY-MM-DD HH:MM:SS 来源:…) found")
    dateline = _DATELINE.match(lines[dateline_at])
    assert dateline is not None  # matched just above
    title = next((line for line in reversed(lines[:dateline_at]) if line), "")
    if not title:
        raise ArticleFormatError("no title line above the dateline")
    paragraphs: list[str] = []
    for line in lines[dateline_at + 1 :]:
        if _FOOTER_START.match(line):
            break
        if line:
            paragraphs.append(line)
    if not paragraphs:
        raise ArticleFormatError("no body paragraphs between the dateline and the footer")
    return CleanArticle(
        title=re.sub(r"：\s+", "：", title),
        newspaper=dateline.group("source"),
        date=dateline.group("date"),
        time=dateline.group("time"),
        paragraphs=tuple(paragraphs),
    )
