"""Find the figures a text states: the unit of "never a wrong figure".

Used three ways: to prove every figure in the article body is carried by a fact, to prove every
figure in an answer is carried by a fact the answer cites, and by the benchmark to check
answers. A figure is an Arabic number with its unit and qualifier (``50亿元以上``, ``74.4%``,
``8月14日``) or a Chinese count with its classifier (``五大``, ``三个方面``, ``首家``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_UNITS = "万平方米|平方米|亿元|万元|亿级|百亿级|亿|万|元|个|家|张|项|倍|%|％|月|日|号|年|季度|星级"
_ARABIC_FIGURE = re.compile(rf"\d+(?:\.\d+)?(?:-\d+)*(?:{_UNITS})?(?:\d+日)?(?:以上|以下|左右)?")
# Chinese numerals written as counts in prose. Words that merely contain a numeral character
# (一批, 一企一策, 一体, 之一, 万吨 the place name) are not figures.
_CHINESE_FIGURE = re.compile(
    r"(?:[一二三四五六七八九十两]+(?:大|个方面|张清单|季度|星级)|首家|百亿级|[一二三四五六七八九十]+个)"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_AMOUNT = re.compile(r"[万亿%.]")


def is_amount(figure: str) -> bool:
    """Whether a figure is an amount or rate (36亿, 47.4%), not a bare count or year: one
    that names a single fact of the article when it states it."""
    return bool(_AMOUNT.search(figure))


def figures_in(text: str) -> list[str]:
    """The figures ``text`` states, in order, as written."""
    return [figure for _, _, figure in figure_spans(text)]


def figure_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, figure) of each figure ``text`` states, in order."""
    found = [(m.start(), m.end(), m.group()) for m in _ARABIC_FIGURE.finditer(text)]
    found += [(m.start(), m.end(), m.group()) for m in _CHINESE_FIGURE.finditer(text)]
    return sorted(found)


def numbers_in(text: str) -> set[str]:
    """The bare Arabic numbers in ``text`` (``"50"``, ``"13.6"``), for checking English."""
    return set(_NUMBER.findall(text))


# --- figures in English: what a Chinese figure is, written the English way -------------------
# An English answer keeps each Chinese figure as written ("(50亿元以上)") and renders it in digits
# and words ("over 5 billion yuan"); validation checks that the rendering is the figure's exact
# conversion, so "over 50 billion yuan (50亿元以上)" — ten times the figure — is refused.

OVER, UNDER, ABOUT = "over", "under", "about"
_QUALIFIERS = {"以上": OVER, "以下": UNDER, "左右": ABOUT}
# 万平方米, 万元, 亿元, 亿级 …: the multiplier is the first character of the unit.
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_SCALES = {
    "hundred": Decimal(100),
    "thousand": Decimal(1_000),
    "million": Decimal(1_000_000),
    "billion": Decimal(1_000_000_000),
}
_CHINESE_PARTS = re.compile(r"^(\d+(?:\.\d+)?)(.*)$")
_ENGLISH_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.,\-])"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<dashes>(?:-\d+)+(?![A-Za-z]))?"
    r"(?:[ -]+(?P<scale>hundred|thousand|million|billion)\b)?"
    r"(?P<percent> ?(?:%|％|per ?cent\b))?"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_BEFORE = {
    OVER: re.compile(
        r"\b(?:over|more than|above|at least|exceeding|upwards of|in excess of) $", re.I
    ),
    UNDER: re.compile(
        r"\b(?:under|less than|fewer than|below|at most|up to|no more than) $", re.I
    ),
    ABOUT: re.compile(r"\b(?:about|around|approximately|roughly|nearly|almost|some) $", re.I),
}
_AFTER = {
    OVER: re.compile(r"^ or (?:more|above)\b", re.I),
    UNDER: re.compile(r"^ or (?:less|fewer|below)\b", re.I),
}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure's amount: 50亿元以上 is 5,000,000,000, qualified "over"."""

    value: Decimal
    percent: bool = False
    qualifier: str = ""
    # Dates and codes ("2023-08-15") are compared as written.
    literal: str = ""

    def english(self) -> str:
        """The amount as an English answer writes it: "over 5 billion", "74.4%", "100,000"."""
        if self.literal:
            return self.literal
        words = {OVER: "over ", UNDER: "under ", ABOUT: "about "}.get(self.qualifier, "")
        if self.percent:
            return f"{words}{_plain(self.value)}%"
        for name in ("billion", "million"):
            scale = _SCALES[name]
            if self.value >= scale:
                return f"{words}{_plain(self.value / scale)} {name}"
        whole, _, fraction = _plain(self.value).partition(".")
        grouped = f"{int(whole):,}" if int(whole) >= 10_000 else whole
        return f"{words}{grouped}" + (f".{fraction}" if fraction else "")


@dataclass(frozen=True, slots=True)
class EnglishNumber:
    """A number an English text states, with what it is: "over 5 billion" at 21–35."""

    text: str
    start: int
    end: int
    quantity: Quantity


def _plain(value: Decimal) -> str:
    """``value`` without exponent or trailing zeros: 5, 1.36, 100000."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def chinese_quantities(figure: str) -> list[Quantity]:
    """The amounts a Chinese figure states (``figures_in``'s output): 50亿元以上 → over 5e9.

    A date (8月14日) states its numbers as they are; a count in Chinese numerals (五大) states
    no digits, so no amount; 百亿级 is 10,000,000,000.
    """
    if figure == "百亿级":
        return [Quantity(Decimal(10_000_000_000))]
    parts = _CHINESE_PARTS.match(figure)
    if parts is None:
        return []
    digits, rest = parts.groups()
    if rest.startswith("-"):
        return [Quantity(Decimal(0), literal=figure)]
    if "月" in rest or "日" in rest or "号" in rest:
        return [Quantity(Decimal(n)) for n in _NUMBER.findall(figure)]
    qualifier = next((q for word, q in _QUALIFIERS.items() if rest.endswith(word)), "")
    value = Decimal(digits) * _MULTIPLIERS.get(rest[:1], Decimal(1))
    return [Quantity(value, percent=rest.startswith(("%", "％")), qualifier=qualifier)]


def english_numbers(text: str) -> list[EnglishNumber]:
    """The numbers an English text states, each with its scale, percent sign and qualifier.

    "over 5 billion", "5,000,000,000", "5-billion-yuan", "4 or more", "74.4%", "2023-08-15";
    digits inside words (Q2, 5G) are not numbers.
    """
    found = []
    for match in _ENGLISH_NUMBER.finditer(text):
        start, end = match.start(), match.end()
        if match.group("dashes"):
            literal = match.group("digits") + match.group("dashes")
            found.append(EnglishNumber(literal, start, end, Quantity(Decimal(0), literal=literal)))
            continue
        value = Decimal(match.group("digits").replace(",", ""))
        scale = match.group("scale")
        if scale:
            value *= _SCALES[scale.lower()]
        qualifier = ""
        for name, pattern in _BEFORE.items():
            before = pattern.search(text[max(0, start - 20) : start])
            if before:
                qualifier, start = name, start - len(before.group())
                break
        if not qualifier:
            for name, pattern in _AFTER.items():
                after = pattern.match(text[end : end + 20])
                if after:
                    qualifier, end = name, end + after.end()
                    break
        quantity = Quantity(value, bool(match.group("percent")), qualifier)
        found.append(EnglishNumber(text[start:end], start, end, quantity))
    return found
