"""Claims put forward by hearsay, memory or a tag question are checked against the article."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers import Status
from bot.engine.pipeline import Engine, load_engine
from bot.engine.premises import claims

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the project's real knowledge."""
    return load_engine(KNOWLEDGE)


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("听说小面今年目标是100亿？", "50亿元以上"),
        ("我记得小面今年目标是100亿", "50亿元以上"),
        ("5亿级项目我记的是要招5个，没错吧", "7个"),
    ],
)
def test_hearsay_and_memory_are_claims_corrected_with_the_articles_figure(
    engine: Engine, question: str, figure: str
) -> None:
    """What the writer heard or remembers is corrected ("不对") with the article's figure."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert figure in answer.text


@pytest.mark.parametrize(
    ("text", "claimed"),
    [
        ("听说小面今年目标是100亿", True),
        ("I remember the start rate was 47.4%", True),
        ("the 24 projects start by q4, yes?", True),
        ("听说要修五星级酒店 啥时候开工", False),
        ("听说要盘活楼宇 到底要盘活好大一片", False),
        ("小面今年目标是多少", False),
    ],
)
def test_hearsay_followed_by_a_lookup_asks_rather_than_claims(text: str, claimed: bool) -> None:
    """Hearsay claims only when the message asks nothing else ("听说…，啥时候开工" asks when)."""
    assert claims(text) is claimed


@pytest.mark.parametrize(
    ("question", "right_period"),
    [
        ("Dadukou start rate was 47.4% in Q1 horse race ranking, correct?", "Q2"),
        ("开工率一季度是47.4%对吗", "二季度"),
        ("未开工重点项目34个，四季度全部开工，这个口径对吗", "三季度"),
        ("The 24 not-started key projects, I think deadline is Q4 end of year, yes?", "third"),
    ],
)
def test_a_claim_wrong_in_figure_and_period_is_corrected_by_the_periods_entry(
    engine: Engine, question: str, right_period: str
) -> None:
    """A wrong figure in a wrong period is corrected with the article's period and figure."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith(("不对", "Not quite"))
    assert right_period in answer.text
    assert "47.4" not in answer.text
    assert "34个" not in answer.text


def test_the_articles_figure_claimed_of_the_wrong_period_says_what_it_is() -> None:
    """ "今年目标200亿？": corrected with this year's target, and 200亿元 shown, cited, as next
    year's."""
    answer = load_engine(KNOWLEDGE).ask("听说小面今年的目标是200亿？")
    assert answer.entry_id == "noodle-target-2023"
    assert answer.text.startswith("不对")
    assert "50亿元以上" in answer.text
    assert "明年" in answer.text
    assert "200亿元" in answer.text
    quotes = " ".join(c.quote for c in answer.citations)
    assert "200亿元" in quotes
    assert "50亿元以上" in quotes


def test_an_amount_claimed_of_the_wrong_project_names_whose_it_is(engine: Engine) -> None:
    """ "华韶投资36亿对吗": 65亿元 corrects it, and 36亿元 is shown as the 万吨 project's."""
    answer = engine.ask("华韶智算中心投资36亿对吗")
    assert answer.entry_id == "huashao-center"
    assert "65亿元" in answer.text
    assert "万吨商旅融合项目" in answer.text


def test_a_bare_count_claimed_wrongly_adds_nothing_of_other_entries(engine: Engine) -> None:
    """A wrong small count (5个) names no other fact: only the correction is shown."""
    answer = engine.ask("5亿级项目要招5个，没错吧")
    assert answer.text.startswith("不对")
    assert "另一件事" not in answer.text


@pytest.mark.parametrize(
    ("question", "owner_figure"),
    [
        ("首家五星酒店那个项目投资36亿是吧？", "36亿元"),
        ("2024年小面产业实际营收达到200亿了吗？", "200亿元"),
    ],
)
def test_a_claim_the_article_lacks_shows_what_its_figure_is_for(
    engine: Engine, question: str, owner_figure: str
) -> None:
    """The article does not say it (not answered), and the claimed figure is shown, cited,
    as the article's figure for something else."""
    answer = engine.ask(question)
    assert answer.status is Status.NO_ANSWER
    assert answer.text.startswith("这篇报道没有提到这一点")
    assert owner_figure in answer.text
    assert any(owner_figure in c.quote for c in answer.citations)


def test_a_claimed_figure_the_article_never_states_gets_a_plain_decline(engine: Engine) -> None:
    """ "首家五星级酒店投资47亿对吗": no fact states 47亿, so nothing else is shown."""
    answer = engine.ask("首家五星级酒店投资47亿对吗")
    assert answer.status is Status.NO_ANSWER
    assert not answer.citations


@pytest.mark.parametrize(
    "question",
    ["明年软件企业还要再引多少家 有数吗", "明年软件企业要新引育多少家，有数吗"],
)
def test_asking_whether_the_article_gives_a_figure_is_no_claim(
    engine: Engine, question: str
) -> None:
    """ "明年…多少家，有数吗" asks whether there is a figure for next year: not stated, not
    "不对" with the second half's target."""
    answer = engine.ask(question)
    assert answer.status is Status.NO_ANSWER
    assert "50家" not in answer.text


def test_a_context_setting_the_period_keeps_the_decline(engine: Engine) -> None:
    """ "到2025年，小面产业营收要达到多少": the article has no 2025 target; this year's 50亿元
    is not the answer."""
    answer = engine.ask("到2025年，大渡口区重庆小面产业营收要达到多少？")
    assert answer.status is Status.NO_ANSWER
    assert "50亿元" not in answer.text


def test_what_the_writer_read_is_a_claim_to_check(engine: Engine) -> None:
    """ "I read … 500亿 next year, is that what the article says?" is corrected with the
    article's next-year target."""
    answer = engine.ask(
        "I read somewhere the district wants noodle revenue of 500亿 next year,"
        " is that what the article says?"
    )
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("Not quite")
    assert "200亿元" in answer.text


def test_a_bare_figure_named_as_a_target_could_be_any_of_its_figures(engine: Engine) -> None:
    """ "文中那个“50”的目标" names no thing: 50家, 50亿元以上 and 50亿级 are offered."""
    answer = engine.ask("文中那个“50”的目标具体指的是什么？")
    assert answer.status is Status.AMBIGUOUS
    assert len(answer.suggestions) >= 2
