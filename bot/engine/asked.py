"""A question as far as the steps have taken it, and the shape of one step.

Shared by the question's own steps (bot.engine.question) and the premise steps
(bot.engine.premises), which take turns on the same ``Asked``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.engine.analysis import Analysis
from bot.engine.answers import Answer, Language
from bot.engine.compose import Premise


@dataclass(frozen=True, slots=True)
class Asked:
    """A question as far as the steps have taken it."""

    question: str
    recall: bool
    language: Language = Language.SIMPLIFIED
    normalized: str = ""
    # None when the text holds nothing meaningful (emoji, punctuation).
    analysis: Analysis | None = None
    # The analysis as asked, before claimed figures were set aside.
    stated: Analysis | None = None
    premise: Premise = field(default_factory=Premise)
    # Matching's answer to a confirmation it could not answer: a claimed period may be wrong.
    unconfirmed: Answer | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One named step; ``switch`` is the optional step it belongs to, if any."""

    name: str
    run: Callable[[Asked], Answer | Asked]
    switch: str | None = None


def analysis_of(asked: Asked) -> Analysis:
    """The analysis of a question past "nothing to look up" (which ends those without one)."""
    if asked.analysis is None:
        raise AssertionError("a step after 'nothing to look up' met a question without features")
    return asked.analysis
