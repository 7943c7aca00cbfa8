"""Answer composition and decisions on a small knowledge set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers import Language, Status
from bot.engine.pipeline import Engine, load_engine


@pytest.fixture
def engine(small_knowledge: Path) -> Engine:
    """An engine over the three-fact knowledge folder."""
    return load_engine(small_knowledge)


def test_direct_question_is_answered_with_citation(engine: Engine) -> None:
    """A question an entry covers is answered, citing the quote, newspaper and date."""
    answer = engine.ask("重庆小面今年营收目标是多少？")
    assert answer.status is Status.ANSWERED
    assert answer.entry_id == "noodle-revenue-target"
    assert "50亿元以上" in answer.text
    [citation] = answer.citations
    assert citation.quote == "力促今年实现重庆小面产业营收50亿元以上"
    assert (citation.source, citation.date) == ("重庆日报", "2023-08-15")
    assert [s.id for s in answer.suggestions] == ["noodle-revenue-next-year"]


def test_periods_are_never_confused(engine: Engine) -> None:
    """明年 gets next year's target, not this year's, and 去年 gets no figure at all."""
    assert engine.ask("小面明年营收目标").entry_id == "noodle-revenue-next-year"
    last_year = engine.ask("小面去年营收是多少")
    assert last_year.status is not Status.ANSWERED


def test_traditional_in_traditional_out(engine: Engine) -> None:
    """A question in traditional script is answered in traditional script."""
    answer = engine.ask("重慶小麵今年營收目標是多少")
    assert answer.status is Status.ANSWERED
    assert answer.language is Language.TRADITIONAL
    assert "50億元以上" in answer.text
    assert "重慶小麵" in answer.text


def test_english_in_english_out(engine: Engine) -> None:
    """An English question gets the English answer keeping the Chinese figure."""
    answer = engine.ask("What is the noodle revenue target for this year?")
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("Dadukou aims")
    assert "(50亿元以上)" in answer.text


def test_numerals_and_typos(engine: Engine) -> None:
    """Chinese numerals and a known homophone typo reach the right entry."""
    assert engine.ask("投资六十五亿元的是哪个项目").entry_id == "huashao"
    assert engine.ask("小面今年赢收目标").entry_id == "noodle-revenue-target"


def test_other_place_is_declined(engine: Engine) -> None:
    """The same question about another district is declined, naming what is out of scope."""
    answer = engine.ask("沙坪坝区的小面今年营收目标是多少")
    assert answer.status is Status.NO_ANSWER
    assert "沙坪坝" in answer.text
    assert answer.citations == ()


def test_unknown_subject_is_declined(engine: Engine) -> None:
    """A subject the knowledge never mentions is not answered with a near entry's figure."""
    answer = engine.ask("重庆麻辣烫产业今年营收目标是多少")
    assert answer.status is not Status.ANSWERED


def test_vague_question_is_ambiguous(engine: Engine) -> None:
    """A question several entries fit equally offers them as choices."""
    answer = engine.ask("营收目标是多少")
    assert answer.status is Status.AMBIGUOUS
    assert {s.id for s in answer.suggestions} == {
        "noodle-revenue-target",
        "noodle-revenue-next-year",
    }


def test_smalltalk_points_to_the_article(engine: Engine) -> None:
    """A greeting gets a short reply and example questions, but no figures."""
    answer = engine.ask("你好")
    assert answer.status is Status.SMALLTALK
    assert "大渡口区：推动五大百亿级产业高质量发展" in answer.text
    assert answer.citations == ()
    assert answer.suggestions


@pytest.mark.parametrize("question", ["", "   ", "？？？", "\x00", "😀" * 50, "请问什么"])
def test_empty_or_meaningless_input(engine: Engine, question: str) -> None:
    """Input with nothing to look up gets a prompt with examples, never a figure or an error."""
    answer = engine.ask(question)
    assert answer.status is Status.SMALLTALK
    assert answer.citations == ()
    assert answer.suggestions


def test_huge_input_does_not_crash(engine: Engine) -> None:
    """Very long input is cut to a bounded length and answered or declined."""
    answer = engine.ask("小面" * 100_000)
    assert answer.status in set(Status)


def test_answer_entry_for_tapped_suggestion(engine: Engine) -> None:
    """A tapped suggestion is answered in the user's language; a vanished entry gives None."""
    answer = engine.answer_entry("huashao", Language.ENGLISH)
    assert answer is not None
    assert answer.status is Status.ANSWERED
    assert "(65亿元)" in answer.text
    assert engine.answer_entry("no-such-entry", Language.SIMPLIFIED) is None


def test_json_shape(engine: Engine) -> None:
    """The JSON form has exactly the stable keys of `ask --json`."""
    data = engine.ask("华韶智算中心投资多少").to_json()
    assert list(data) == [
        "question",
        "status",
        "answer",
        "citations",
        "confidence",
        "id",
        "suggestions",
        "parts",
    ]
    assert data["citations"] == [
        {
            "fact": "huashao-investment",
            "quote": "投资65亿元打造的重庆华韶智算中心",
            "source": "重庆日报",
            "date": "2023-08-15",
        }
    ]


def test_unknown_figure_is_declined(engine: Engine) -> None:
    """A figure the article never states (2025年, 70%) is not answered with a near entry."""
    assert engine.ask("小面2025年营收目标是多少").status is not Status.ANSWERED
    assert engine.ask("投资80亿元的是哪个项目").status is not Status.ANSWERED


def test_confirmation_with_a_wrong_figure_gets_the_right_one(engine: Engine) -> None:
    """ "是不是300亿" is answered with the figure the article states, not declined."""
    answer = engine.ask("小面明年营收目标是不是300个亿？")
    assert answer.status is Status.ANSWERED
    assert "200亿元" in answer.text
    assert "300" not in answer.text


def test_unknown_name_before_a_head_word_is_declined(engine: Engine) -> None:
    """An unknown word before 产业 / 区 names something the article does not cover."""
    answer = engine.ask("麻辣烫产业今年营收目标是多少")
    assert answer.status is Status.NO_ANSWER
    assert "麻辣烫" in answer.text


def test_reverse_question_from_a_figure(engine: Engine) -> None:
    """A question that starts from a figure finds the entry stating it."""
    answer = engine.ask("65亿元是哪个项目？")
    assert answer.entry_id == "huashao"
