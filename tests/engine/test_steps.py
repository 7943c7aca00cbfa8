"""The engine's thresholds, its optional steps, and the two-owner lexicon."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine.answers import Status
from bot.engine.knowledge import KnowledgeError, load_knowledge
from bot.engine.lexicon import CODE_SECTIONS, MATCHING_CONFIG_FILE
from bot.engine.pipeline import Engine
from bot.engine.steps import OPTIONAL_STEPS
from bot.engine.thresholds import DEFAULT_THRESHOLDS

from .conftest import LEXICON, write_knowledge

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "bot" / "engine"
# Modules that decide; a tuned number in one of them would be a second source of truth.
DECIDING = ("pipeline", "question", "message", "decision", "compose", "matching", "analysis")


def test_no_tuned_number_outside_the_thresholds() -> None:
    """The deciding modules hold no float literal but 0 and 1: every tuned number is a field."""
    for name in DECIDING:
        tree = ast.parse((ENGINE / f"{name}.py").read_text(encoding="utf-8"))
        floats = [
            (name, node.lineno, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, float)
            and node.value not in (0.0, 1.0)
        ]
        assert floats == []


def test_a_changed_threshold_changes_the_decision(small_knowledge: Path) -> None:
    """A paraphrase answered with the default answer_score is not answered with a higher one."""
    knowledge = load_knowledge(small_knowledge)
    question = "小面今年营收目标"
    assert Engine(knowledge).ask(question).entry_id == "noodle-revenue-target"
    strict = Engine(knowledge, thresholds=replace(DEFAULT_THRESHOLDS, answer_score=0.999))
    assert strict.ask(question).status is not Status.ANSWERED


def test_the_question_length_limit_is_a_threshold(small_knowledge: Path) -> None:
    """max_question_chars cuts the message before it is read."""
    knowledge = load_knowledge(small_knowledge)
    cut = Engine(knowledge, thresholds=replace(DEFAULT_THRESHOLDS, max_question_chars=2))
    assert cut.ask("小面今年营收目标").question == "小面"


def test_a_step_switched_off_by_name(small_knowledge: Path) -> None:
    """Without "names", a question about an out-of-scope place is no longer declined for it."""
    knowledge = load_knowledge(small_knowledge)
    question = "北京今年营收目标是多少"
    assert Engine(knowledge).ask(question).reason == "out of scope: 北京"
    without = Engine(knowledge, disabled_steps={"names"})
    assert not without.ask(question).reason.startswith("out of scope")
    assert without.for_knowledge(knowledge).disabled_steps == {"names"}


def test_slip_corrections_switched_off(small_knowledge: Path) -> None:
    """A slip (中信 for 中心) is corrected by either of "typos" and "homophones"; with both off
    it is not, and the question goes unanswered."""
    knowledge = load_knowledge(small_knowledge)
    question = "华韶智算中信投资多少"
    for disabled in (set(), {"typos"}, {"homophones"}):
        assert Engine(knowledge, disabled_steps=disabled).ask(question).entry_id == "huashao"
    slipped = Engine(knowledge, disabled_steps={"typos", "homophones"}).ask(question)
    assert slipped.status is Status.NO_ANSWER


def test_an_unknown_step_name_is_refused(small_knowledge: Path) -> None:
    """A misspelt step name is an error naming the steps, never silently ignored."""
    knowledge = load_knowledge(small_knowledge)
    with pytest.raises(ValueError, match="unknown step 'semantics'") as raised:
        Engine(knowledge, disabled_steps={"semantics"})
    assert all(step in str(raised.value) for step in OPTIONAL_STEPS)


@pytest.mark.parametrize("section", CODE_SECTIONS)
def test_a_code_owned_section_in_the_lexicon_is_refused(tmp_path: Path, section: str) -> None:
    """lexicon.yaml may hold only the admins' words: a matching rule there is a located problem."""
    lexicon = f"{LEXICON}{section}: []\n"
    line = lexicon.count("\n")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(write_knowledge(tmp_path, lexicon_yaml=lexicon))
    assert [str(p) for p in raised.value.problems] == [
        f"lexicon.yaml:{line}: {section}: not admin-editable: it is part of the matching "
        f"configuration owned by the code ({MATCHING_CONFIG_FILE}); remove it from lexicon.yaml"
    ]


def test_the_matching_configuration_comes_from_the_package(small_knowledge: Path) -> None:
    """A lexicon with only synonyms and names still gets the shipped stop words and periods."""
    lexicon = load_knowledge(small_knowledge).lexicon
    assert "请问" in lexicon.stopwords_zh
    assert any("上半年" in group and "明年" in group for group in lexicon.exclusive)
    assert lexicon.implies["上半年"] == "今年"


def test_the_shipped_configuration_names_the_lexicons_terms() -> None:
    """Every measure and implication of the shipped configuration is a term of the shipped
    lexicon (a misspelt term there would silently never match)."""
    lexicon = load_knowledge(REPO / "knowledge").lexicon
    named = {*lexicon.measures, *lexicon.implies, *lexicon.implies.values()}
    assert sorted(named - lexicon.synonyms.keys()) == []
