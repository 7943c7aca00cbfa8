"""Figures in answers checked against the cited facts: every Chinese figure carried, every
English number the exact conversion of one ("over 5 billion yuan (50亿元以上)")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from bot.engine.figures import (
    EnglishNumber,
    Quantity,
    chinese_quantities,
    english_numbers,
    figure_spans,
    figures_in,
)
from bot.engine.knowledge_model import Fact

HAS_CJK = re.compile(r"[\u3400-\u9fff]")


def uncarried_figures(text: str, cited: list[Fact], *, english: bool) -> list[str]:
    """Chinese figures in an answer that no cited fact carries.

    English keeps each Chinese figure as written ("(50亿元以上)"): those must be carried as
    written too; its own numbers are checked by ``english_disagreements``.
    """
    carried = " ".join(f"{f.value} {f.period} {f.value_en} {f.period_en}" for f in cited)
    figures = figures_in(text)
    if english:
        figures = [f for f in figures if HAS_CJK.search(f)]
    return list(dict.fromkeys(f for f in figures if f not in carried))


Figure = tuple[str, Quantity]


def quantities(figures: Iterable[str]) -> list[Figure]:
    """Each figure with each amount it states (a date states two)."""
    return [(figure, q) for figure in figures for q in chinese_quantities(figure)]


def english_disagreements(text: str, cited: list[Fact]) -> list[str]:
    """Numbers in an English answer that are not the exact conversion of a cited figure.

    A number right before a parenthesised Chinese figure ("over 5 billion yuan (50亿元以上)")
    must be that figure's conversion; any other number must be the conversion of some figure
    of the cited facts' values and periods, or a number their English period states (a year,
    "Q2 2023").
    """
    spans = [(start, end, f) for start, end, f in figure_spans(text) if HAS_CJK.search(f)]
    masked = text
    for start, end, _ in spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    allowed = quantities(
        f for fact in cited for f in (*figures_in(fact.value), *figures_in(fact.period))
    )
    allowed += [
        (fact.period_en, n.quantity) for fact in cited for n in english_numbers(fact.period_en)
    ]
    problems = []
    for number in english_numbers(masked):
        beside = quantities(_figures_beside(text, number.end, spans))
        wrong = disagreement(
            number, beside or allowed, beside="{figure} beside it" if beside else ""
        )
        if wrong:
            problems.append(wrong)
    return list(dict.fromkeys(problems))


# How far after a number its Chinese figure may follow: "1 project at the 5-billion-yuan level
# (50亿级项目1个)" is 30 characters. A clause's end (", ", "; ", ". ") or the end of the
# parentheses the number is in ("(今年, 2023) and … (200亿元)") comes first.
_BESIDE_CHARACTERS = 40
_CLAUSE_END = re.compile(r"[,;.] |[,;.]$|\)")


def _figures_beside(text: str, end: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """The Chinese figures in the parentheses that follow a number in its clause."""
    window = text[end : end + _BESIDE_CHARACTERS]
    clause = _CLAUSE_END.search(window)
    window = window[: clause.start()] if clause else window
    opening = window.find("(")
    if opening < 0:
        return []
    start = end + opening
    closing = text.find(")", start)
    closing = len(text) if closing < 0 else closing
    return [f for s, _, f in spans if start < s < closing and chinese_quantities(f)]


def disagreement(number: EnglishNumber, figures: list[Figure], *, beside: str) -> str | None:
    """Why ``number`` is not the English conversion of one of ``figures``; None when it is.

    ``beside`` names where ``figures`` come from when they are the only ones the number can be
    ("{figure} beside it", "the value {figure}"); empty when they are every figure of the
    cited facts.
    """
    said = number.quantity
    if said.literal:
        if any(q.literal == said.literal for _, q in figures):
            return None
        return f"{number.text!r} is not a figure of the cited facts"
    same = [
        (figure, q)
        for figure, q in figures
        if not q.literal and q.value == said.value and q.percent == said.percent
    ]
    if not same:
        if beside and figures:
            # The figure nearest in size is the one meant: "3 projects … (20亿级项目2个)" is 2个.
            figure, meant = min(figures, key=lambda f: _distance(f[1].value, said.value))
            where = beside.format(figure=figure)
            return f"{number.text!r} is not {where}, which is {meant.english()!r}"
        if beside:
            return f"{number.text!r} is not a figure of {beside.format(figure='')}".rstrip()
        digits = _significant(said.value)
        near = [(f, q) for f, q in figures if not q.literal and _significant(q.value) == digits]
        hint = "".join(f"; {f} is {q.english()!r}" for f, q in near[:2])
        return (
            f"{number.text!r} is not a figure of the cited facts or its English conversion{hint}"
        )
    if any(q.qualifier == said.qualifier for _, q in same):
        return None
    figure, meant = same[0]
    if meant.qualifier and not said.qualifier:
        return f"{number.text!r} drops the qualifier of {figure}: write {meant.english()!r}"
    if said.qualifier and not meant.qualifier:
        return f"{number.text!r} says {said.qualifier!r}, but {figure} has no 以上, 以下 or 左右"
    return f"{number.text!r} says {said.qualifier!r}, but {figure} is {meant.english()!r}"


def _distance(one: Decimal, other: Decimal) -> float:
    """How far apart two amounts are in orders of magnitude."""
    if one <= 0 or other <= 0:
        return float("inf")
    return abs(float(one.log10() - other.log10()))


def _significant(value: Decimal) -> str:
    """The significant digits of ``value``: 5e9 and 50 share "5"; 1.36e9 and 13.6 "136"."""
    return f"{value:f}".replace(".", "").strip("0")
