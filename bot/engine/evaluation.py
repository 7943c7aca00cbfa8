"""The labelled question set and how an answer is judged against a label.

Used by the regression test, the benchmark, and the gate that refuses a knowledge change
that would turn right answers wrong. Labels name figures and names as the article writes them
(simplified), never entry ids, so the set stays valid however the FAQ is reorganised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.engine.answers import Answer, Status
from bot.engine.knowledge import QUESTIONS_FILE, Problem, parse_document
from bot.engine.textnorm import to_simplified

CATEGORIES = (
    "direct",
    "paraphrase",
    "colloquial",
    "traditional",
    "typo",
    "numerals",
    "english",
    "reverse",
    "out_of_scope",
    "hard_negative",
    "ambiguous",
    "smalltalk",
    # Added with the seventh set: several questions in one message, a wrong premise to correct
    # (or to decline when the article gives no basis), a long message with its context first.
    "multi",
    "premise",
    "context",
)
EXPECTATIONS = ("answered", "no_answer", "ambiguous", "smalltalk")


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """One question with what a right reply must do."""

    question: str
    category: str
    split: str
    expect: str
    figures: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a reply was right, and whether it stated figures it should not have."""

    correct: bool
    # Declined, ambiguous or small talk where that was expected, or any of them for a question
    # that must not be answered: the user was not given a figure.
    not_answered: bool
    wrong_answer: bool
    detail: str


class QuestionSetError(ValueError):
    """The labelled set is malformed."""


def load_questions(path: Path) -> list[LabelledQuestion]:
    """Read ``questions.yaml``; raise ``QuestionSetError`` naming the first bad item."""
    problems: list[Problem] = []
    document = parse_document(QUESTIONS_FILE, path.read_bytes(), problems)
    if document is None:
        raise QuestionSetError(str(problems[0]))
    if not isinstance(document.data, list):
        raise QuestionSetError(f"{path}: expected a list of questions")
    questions = []
    for index, item in enumerate(document.data):
        line = document.line_of((index,))
        try:
            labelled = LabelledQuestion(
                question=str(item["q"]),
                category=str(item["category"]),
                split=str(item["split"]),
                expect=str(item["expect"]),
                figures=tuple(str(f) for f in item.get("figures") or ()),
                mentions=tuple(str(m) for m in item.get("mentions") or ()),
            )
        except (KeyError, TypeError) as error:
            raise QuestionSetError(f"{path}:{line}: missing or wrong field {error}") from error
        if labelled.category not in CATEGORIES or labelled.expect not in EXPECTATIONS:
            raise QuestionSetError(f"{path}:{line}: unknown category or expect")
        if labelled.split not in ("tune", "held"):
            raise QuestionSetError(f"{path}:{line}: split must be tune or held")
        questions.append(labelled)
    return questions


def judge(answer: Answer, label: LabelledQuestion) -> Verdict:
    """Judge one reply against its label."""
    not_answered = answer.status is not Status.ANSWERED
    if label.expect == "answered":
        if not_answered:
            return Verdict(False, True, False, f"{answer.status.value}, expected an answer")
        # Replies may be in traditional script; labels are in the article's simplified script.
        text = to_simplified(answer.text)
        missing = [f for f in (*label.figures, *label.mentions) if f not in text]
        if missing:
            return Verdict(False, False, True, f"answer lacks {', '.join(missing)}")
        return Verdict(True, False, False, "")
    if answer.status is Status.ANSWERED:
        return Verdict(
            False, False, True, f"answered ({answer.entry_id}), expected {label.expect}"
        )
    correct = answer.status.value == label.expect or (
        label.expect == "no_answer" and answer.status is Status.AMBIGUOUS
    )
    detail = "" if correct else f"{answer.status.value}, expected {label.expect}"
    return Verdict(correct, True, False, detail)


@dataclass(frozen=True, slots=True)
class Score:
    """Counts for one group of questions."""

    total: int
    correct: int
    wrong_answers: int

    @property
    def accuracy(self) -> float:
        """Share judged correct."""
        return self.correct / self.total if self.total else 0.0


def score(
    questions: Iterable[LabelledQuestion], ask: Callable[[str], Answer]
) -> list[tuple[LabelledQuestion, Answer, Verdict]]:
    """Ask every question and judge it."""
    results = []
    for label in questions:
        answer = ask(label.question)
        results.append((label, answer, judge(answer, label)))
    return results


def summarise(results: Iterable[tuple[LabelledQuestion, Answer, Verdict]]) -> Score:
    """Totals over a group of judged questions."""
    items = list(results)
    return Score(
        total=len(items),
        correct=sum(1 for _, _, v in items if v.correct),
        wrong_answers=sum(1 for _, _, v in items if v.wrong_answer),
    )
