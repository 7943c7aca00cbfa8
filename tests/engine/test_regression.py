"""The labelled question set's tuning part, as a regression test with floors."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.engine.evaluation import CATEGORIES, LabelledQuestion, load_questions, score, summarise
from bot.engine.figures import figures_in
from bot.engine.pipeline import Engine, load_engine
from bot.engine.textnorm import to_simplified
from tests.engine.conftest import KNOWLEDGE

# Floors sit a little under what the engine reaches today (scripts/bench_engine.py), so a
# change that makes answers worse fails here instead of reaching users.
OVERALL_FLOOR = 0.95
IN_SCOPE_FLOOR = 0.95
DECLINE_FLOOR = 0.95


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the shipped knowledge."""
    return load_engine(KNOWLEDGE)


@pytest.fixture(scope="module")
def tuning() -> list[LabelledQuestion]:
    """The tuning half of knowledge/questions.yaml."""
    return [q for q in load_questions(KNOWLEDGE / "questions.yaml") if q.split == "tune"]


def test_question_set_is_large_and_covers_every_category() -> None:
    """At least 200 labelled questions, every category present in both halves."""
    questions = load_questions(KNOWLEDGE / "questions.yaml")
    assert len(questions) >= 200
    by_split: dict[str, set[str]] = defaultdict(set)
    for question in questions:
        by_split[question.split].add(question.category)
    assert by_split["tune"] == by_split["held"] == set(CATEGORIES)


def test_tuning_accuracy_floor(engine: Engine, tuning: list[LabelledQuestion]) -> None:
    """The tuning questions are answered, declined or disambiguated as labelled."""
    results = score(tuning, engine.ask)
    overall = summarise(results)
    in_scope = summarise(r for r in results if r[0].expect == "answered")
    declines = [
        r for r in results if r[0].category in ("out_of_scope", "hard_negative", "ambiguous")
    ]
    declined = sum(1 for r in declines if r[2].not_answered) / len(declines)
    failures = [f"{q.question}: {v.detail}" for q, _, v in results if not v.correct]
    assert overall.accuracy >= OVERALL_FLOOR, failures
    assert in_scope.accuracy >= IN_SCOPE_FLOOR, failures
    assert declined >= DECLINE_FLOOR, failures


def test_no_answer_states_a_figure_its_citations_lack(
    engine: Engine, tuning: list[LabelledQuestion]
) -> None:
    """Every figure in every answered reply (each answered part of a message asking several
    things; the notes on other parts quote the user) is written in one of the quotes it cites."""
    for label in tuning:
        answer = engine.ask(label.question)
        if answer.status.value != "answered" or answer.language.value == "en":
            continue
        for part in answer.parts or (answer,):
            if part.status.value != "answered":
                continue
            quoted = " ".join(c.quote for c in part.citations)
            for figure in figures_in(to_simplified(part.text)):
                assert figure in quoted, (label.question, figure)
