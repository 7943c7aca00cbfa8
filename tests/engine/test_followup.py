"""Follow-ups read in the context of the question they follow, on the shipped knowledge."""

from __future__ import annotations

import pytest

from bot.engine.answers import Answer, Language, Status
from bot.engine.followup import ask_follow_up
from bot.engine.pipeline import Engine, load_engine
from tests.engine.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the project's real knowledge."""
    return load_engine(KNOWLEDGE)


def quotes(answer: Answer) -> list[str]:
    """The article's words an answer cites."""
    return [citation.quote for citation in answer.citations]


def test_next_year_after_this_years_target_gets_only_next_years(engine: Engine) -> None:
    """ "那明年呢" after this year's noodle target is next year's target, without this year's."""
    answer = ask_follow_up(engine, "那明年呢", "重庆小面今年的营收目标是多少")
    assert answer.status is Status.ANSWERED
    assert answer.entry_id == "noodle-target-2024"
    assert "200亿元" in answer.text
    assert "50亿" not in answer.text
    assert quotes(answer) == ["明年力争达到200亿元"]
    assert answer.question == "那明年呢"


def test_this_year_after_next_years_target(engine: Engine) -> None:
    """ "那今年呢" after next year's target is this year's alone (by itself it is ambiguous)."""
    assert engine.ask("那今年呢").status is Status.AMBIGUOUS
    answer = ask_follow_up(engine, "那今年呢", "小面明年营收目标")
    assert answer.entry_id == "noodle-target-2023"
    assert "200亿" not in answer.text


def test_next_year_after_an_investment_is_declined(engine: Engine) -> None:
    """After 华韶's investment, "那明年呢" gets no figure: not the noodle target it gets alone."""
    assert engine.ask("那明年呢").entry_id == "noodle-target-2024"
    answer = ask_follow_up(engine, "那明年呢", "华韶智算中心投资多少")
    assert answer.status is Status.NO_ANSWER
    assert answer.citations == ()
    assert "亿" not in answer.text


def test_a_measure_asked_of_the_previous_subject(engine: Engine) -> None:
    """ "投资多少", "增长了多少" (ambiguous alone) ask that measure of the previous subject."""
    assert engine.ask("投资多少").status is Status.AMBIGUOUS
    investment = ask_follow_up(engine, "投资多少", "华韶智算中心是什么")
    assert investment.entry_id == "huashao-center"
    assert "65亿元" in investment.text
    growth = ask_follow_up(engine, "增长了多少", "上半年小面产业营收多少")
    assert growth.entry_id == "noodle-revenue-h1"
    assert "14.5%" in growth.text
    software = ask_follow_up(engine, "增长了多少", "软信产业营收目标")
    assert software.entry_id == "software-revenue"
    assert "140%" in software.text


def test_a_measure_the_article_does_not_state_of_the_subject(engine: Engine) -> None:
    """ "增长了多少" of 华韶's centre, or H2 noodle revenue, is declined: the article lacks it."""
    for previous, text in [
        ("华韶智算中心投资多少", "增长了多少"),
        ("上半年小面营收多少", "那下半年呢"),
    ]:
        answer = ask_follow_up(engine, text, previous)
        assert answer.status is Status.NO_ANSWER, previous
        assert answer.reason != "unsure", previous
        assert answer.citations == (), previous


def test_english_follow_up_is_answered_in_english(engine: Engine) -> None:
    """ "what about next year?" after a Chinese or English question gets English, 200亿元."""
    for previous in (
        "重庆小面今年的营收目标是多少",
        "What is the noodle revenue target for this year?",
    ):
        answer = ask_follow_up(engine, "what about next year?", previous)
        assert answer.language is Language.ENGLISH, previous
        assert answer.entry_id == "noodle-target-2024", previous
        assert "200亿元" in answer.text, previous
    declined = ask_follow_up(
        engine, "what about next year?", "How much is invested in the Huashao computing center?"
    )
    assert declined.status is Status.NO_ANSWER
    assert declined.language is Language.ENGLISH


def test_script_neutral_follow_up_keeps_the_previous_script(engine: Engine) -> None:
    """ "那明年呢" (the same in both scripts) after a traditional question is answered in it."""
    answer = ask_follow_up(engine, "那明年呢", "重慶小麵今年營收目標是多少")
    assert answer.language is Language.TRADITIONAL
    assert "200億元" in answer.text
    simplified = ask_follow_up(engine, "那明年的营收呢", "重慶小麵今年營收目標是多少")
    assert simplified.language is Language.SIMPLIFIED


def test_previous_question_with_slips(engine: Engine) -> None:
    """The previous question's sound-alike slips (小棉, 营受目表) still give its subject."""
    answer = ask_follow_up(engine, "明年呢", "大度口今年小棉产业营受目表是好多")
    assert answer.entry_id == "noodle-target-2024"


def test_follow_up_naming_its_own_subject_is_answered_on_it(engine: Engine) -> None:
    """ "万吨商旅融合项目呢", "签约项目有哪些" are about what they name, not the previous."""
    wandun = ask_follow_up(engine, "万吨商旅融合项目呢", "华韶智算中心投资多少")
    assert wandun.entry_id == "wandun-project"
    signed = ask_follow_up(engine, "签约项目有哪些", "24个未开工的重点项目什么时候开工")
    assert signed.entry_id == "signed-projects"


def test_previous_subject_settles_what_a_vague_follow_up_means(engine: Engine) -> None:
    """ "什么时候开工" (three entries alone) after 万吨's investment is 万吨's start."""
    assert engine.ask("什么时候开工").status is Status.AMBIGUOUS
    answer = ask_follow_up(engine, "什么时候开工", "万吨商旅融合项目投资多少")
    assert answer.entry_id == "wandun-project"
    assert "下半年开工" in answer.text


def test_another_thing_like_the_previous_is_not_answered_with_it(engine: Engine) -> None:
    """ "签约的呢" after the projects under negotiation offers the choice, not those again."""
    answer = ask_follow_up(engine, "签约的呢", "在谈的重点项目有好多个")
    assert answer.status is Status.AMBIGUOUS
    assert "signed-projects" in {s.id for s in answer.suggestions}


def test_small_talk_and_no_previous_question_are_answered_alone(engine: Engine) -> None:
    """ "谢谢" after a question is small talk; with a blank previous question, the plain reply."""
    thanks = ask_follow_up(engine, "谢谢", "小面今年目标")
    assert thanks.status is Status.SMALLTALK
    assert thanks.citations == ()
    assert ask_follow_up(engine, "那明年呢", "  ") == engine.ask("那明年呢")


def test_a_follow_up_of_a_follow_up(engine: Engine) -> None:
    """The ``normalized`` reading of a follow-up's answer serves as the next one's previous."""
    first = ask_follow_up(engine, "那明年呢", "小面今年目标")
    second = ask_follow_up(engine, "那今年呢", first.normalized)
    assert (first.entry_id, second.entry_id) == ("noodle-target-2024", "noodle-target-2023")


def test_a_foreign_place_in_a_follow_up_is_declined(engine: Engine) -> None:
    """ "沙坪坝区呢" is declined for the place, not answered with Dadukou's figure."""
    answer = ask_follow_up(engine, "沙坪坝区呢", "华韶智算中心投资多少")
    assert answer.status is Status.NO_ANSWER
    assert "沙坪坝" in answer.text
