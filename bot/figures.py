"""Find the figures a text states: the unit of "never a wrong figure".

Used three ways: to prove every figure in the article body is carried by a fact, to prove every
figure in an answer is carried by a fact the answer cites, and by the benchmark to check
answers. A figure is an Arabic number with its unit and qualifier (``50亿元以上``, ``74.4%``,
``8月14日``) or a Chinese count with its classifier (``五大``, ``三个方面``, ``首家``).
"""

from __future__ import annotations

import re

_UNITS = "万平方米|平方米|亿元|万元|亿级|百亿级|亿|万|元|个|家|张|项|倍|%|％|月|日|号|年|季度|星级"
_ARABIC_FIGURE = re.compile(rf"\d+(?:\.\d+)?(?:-\d+)*(?:{_UNITS})?(?:\d+日)?(?:以上|以下|左右)?")
# Chinese numerals written as counts in prose. Words that merely contain a numeral character
# (一批, 一企一策, 一体, 之一, 万吨 the place name) are not figures.
_CHINESE_FIGURE = re.compile(
    r"(?:[一二三四五六七八九十两]+(?:大|个方面|张清单|季度|星级)|首家|百亿级|[一二三四五六七八九十]+个)"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def figures_in(text: str) -> list[str]:
    """The figures ``text`` states, in order, as written."""
    found = [(m.start(), m.group()) for m in _ARABIC_FIGURE.finditer(text)]
    found += [(m.start(), m.group()) for m in _CHINESE_FIGURE.finditer(text)]
    return [figure for _, figure in sorted(found)]


def numbers_in(text: str) -> set[str]:
    """The bare Arabic numbers in ``text`` (``"50"``, ``"13.6"``), for checking English."""
    return set(_NUMBER.findall(text))
