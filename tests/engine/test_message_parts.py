"""The questions of one message that lean on the one before them: "X呢", a question with no
subject of its own, and English follow-ups after a question mark."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers import Status
from bot.engine.clauses import clauses, is_elliptical, sets_aside, split_compared
from bot.engine.pipeline import Engine, load_engine

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the project's real knowledge."""
    return load_engine(KNOWLEDGE)


@pytest.mark.parametrize(
    ("text", "elliptical"),
    [
        ("北星电子呢", True),
        ("那九龙坡的呢", True),
        ("and the Wandun project?", True),
        ("what about hotpot", True),
        ("明年又是好多呢", False),
        ("what is the target", False),
        ("北星电子是做什么的", False),
    ],
)
def test_a_question_naming_only_a_thing_is_elliptical(text: str, elliptical: bool) -> None:
    """ "X呢" and "and X?" ask nothing of their own; a question word asks its own thing."""
    assert is_elliptical(text) is elliptical


def test_x_ne_asks_the_previous_questions_measure_of_x(engine: Engine) -> None:
    """ "春风动力投资多少？北星电子呢" asks 北星电子's investment, which the article does not
    give: declined, not answered with the entry that merely names 北星电子."""
    answer = engine.ask("春风动力那个项目投资额多少？北星电子呢")
    assert answer.status is Status.NO_ANSWER
    assert answer.reason == "not stated"
    assert "10个" not in answer.text


def test_x_ne_is_answered_when_the_article_states_the_measure_of_x(engine: Engine) -> None:
    """ "华韶投资多少？万吨商旅融合项目呢" gets both investments, each cited."""
    answer = engine.ask("华韶智算中心投资多少？万吨商旅融合项目呢")
    assert answer.status is Status.ANSWERED
    assert "65亿元" in answer.text
    assert "36亿元" in answer.text
    assert {p.entry_id for p in answer.parts} == {"huashao-center", "wandun-project"}


def test_an_english_follow_up_after_a_question_mark_is_a_question(engine: Engine) -> None:
    """ "How much did Huashao cost? and the Wandun project?": the second sentence asks too."""
    found = clauses("How much did Huashao cost? and the Wandun project?")
    assert [c.asks for c in found] == [True, True]
    answer = engine.ask("How much did Huashao cost? and the Wandun project?")
    assert "65亿元" in answer.text
    assert "36亿元" in answer.text


def test_a_subjectless_question_is_not_answered_with_another_subjects_fact(
    engine: Engine,
) -> None:
    """ "江苏血透投资多少？年产值预计多少亿元": the output asked is 江苏血透's, so the
    district's new industrial output (30亿元) is not the answer."""
    answer = engine.ask("江蘇血透喺大渡口投資幾多？年產值預計幾多億元？")
    assert answer.status is not Status.ANSWERED
    assert "30億元" not in answer.text


def test_a_subjectless_question_still_takes_the_answer_about_the_contexts_subject(
    engine: Engine,
) -> None:
    """A context naming the noodle industry lets "要丰富啥子消费平台" take the noodle
    platforms' answer."""
    answer = engine.ask(
        "我是跑外卖的，每天要送好多单小面，站点旁边的面馆老板说大渡口在搞小面产业，"
        "还把这篇文章发到群里。我就想问一哈，文章里说要丰富啥子消费平台？"
    )
    assert answer.status is Status.ANSWERED
    assert "电商产业园" in answer.text


@pytest.mark.parametrize(
    ("question", "things"),
    [
        ("华韶智算和万吨商旅两个项目哪个投资大", ["华韶智算投资多少", "万吨商旅投资多少"]),
        ("华韶和万吨这两个哪个投资多", ["华韶投资多少", "万吨投资多少"]),
        ("哪个大项目投资多", []),
    ],
)
def test_a_comparison_without_more_names_each_thing_not_the_count(
    question: str, things: list[str]
) -> None:
    """ "A和B两个项目哪个投资大" compares A and B (更 is optional; "两个项目" names nothing)."""
    assert split_compared(question) == things


def test_a_comparison_and_each_figure_are_answered_with_both(engine: Engine) -> None:
    """ "…两个项目哪个投资大？分别多少" gets both cited investments."""
    answer = engine.ask("华韶智算和万吨商旅两个项目哪个投资大？分别多少")
    assert answer.status is Status.ANSWERED
    assert "65亿元" in answer.text
    assert "36亿元" in answer.text


def test_an_english_question_of_two_things_gets_each_answer(engine: Engine) -> None:
    """ "targets for new software companies and software revenue growth" gets both cited
    targets (50家 and 140%以上)."""
    answer = engine.ask(
        "What are Dadukou's H2 targets for new software companies and software & IT revenue"
        " growth?"
    )
    assert answer.status is Status.ANSWERED
    assert "50家" in answer.text
    assert "140%以上" in answer.text


def test_an_and_inside_one_entrys_name_is_not_two_questions(engine: Engine) -> None:
    """ "digital workshops and smart factories" are one fact: one answer, no combined parts."""
    answer = engine.ask("How many new digital workshops and smart factories are planned?")
    assert answer.status is Status.ANSWERED
    assert not answer.parts
    assert "4个以上" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "How much is the noodle 200亿 target in HKD or USD?",
        "Which listed company produce the Dadukou noodle? can I buy its stock in Hong Kong?",
        "A股里哪些票受益大渡口小面产业？给推荐几只",
    ],
)
def test_stock_tips_and_currency_conversions_are_declined(engine: Engine, question: str) -> None:
    """The article gives no stocks or exchange rates: declined, no figure shown."""
    answer = engine.ask(question)
    assert answer.status is Status.NO_ANSWER
    assert "亿元" not in answer.text


def test_commas_inside_brackets_do_not_cut_a_question() -> None:
    """ "(5bn, 10bn, 20bn)" lists inside one question: one clause."""
    found = clauses("How many projects of each size (5bn, 10bn, 20bn) does Dadukou want?")
    assert len(found) == 1


def test_an_auxiliary_asks_only_at_the_start_of_a_clause() -> None:
    """ "will it start" asks; "the center will be a model" states."""
    assert [c.asks for c in clauses("Will the Wandun project start in H2")] == [True]
    assert [c.asks for c in clauses("the Huashao center will be a model for AI")] == [False]


def test_an_english_news_frame_and_a_spaced_dash_end_the_context() -> None:
    """ "The article says X - which …?": X is context without the frame, the question after
    the dash asks."""
    found = clauses("The article says the Huashao center will be a model - which industries?")
    assert [c.text for c in found] == ["the Huashao center will be a model", "which industries"]
    assert [c.asks for c in found] == [False, True]


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("在吗，想核几个大渡口的数", None),
        ("哪个项目被说成是引领重庆AI产业发展的典范？", "huashao-center"),
        ("区里重点发展的那几个产业里头，跟医药沾边的是哪个？", "five-industries"),
    ],
)
def test_a_few_numbers_ai_and_industry_shorthand_are_read(
    engine: Engine, question: str, entry: str | None
) -> None:
    """ "核几个数" is an opening (no count asked), AI is 人工智能, 医药 the biomedicine
    industry, and 被说成是 is no quote of anyone."""
    answer = engine.ask(question)
    if entry is None:
        assert answer.status is Status.SMALLTALK
    else:
        assert answer.entry_id == entry


def test_each_thing_asked_respectively_is_asked_the_last_ones_measure(engine: Engine) -> None:
    """ "新材料和生医今年营收目标分别多少": 新材料 is asked its revenue this year too (not
    answered with the list of industries), and "跟小面比呢" gets the noodle target."""
    answer = engine.ask("新材料和生医今年营收目标分别多少？跟小面比呢")
    assert "五大百亿级产业是" not in answer.text
    assert "“新材料今年营收多少”" in answer.text
    assert "50亿元以上" in answer.text


@pytest.mark.parametrize(
    ("text", "about_writer"),
    [
        ("I run a food trading company in Singapore", True),
        ("we make packaged noodles in Penang", True),
        ("I think the deadline is Q4", False),
        ("I heard the noodle target is 10bn", False),
    ],
)
def test_what_the_writer_does_is_about_the_writer(text: str, about_writer: bool) -> None:
    """ "I run a company in Singapore" is the writer's own business (its place declines
    nothing); "I think …" and "I heard …" state claims."""
    assert clauses(text)[0].about_writer is about_writer


def test_a_video_frame_is_cut_and_an_emoji_tag_still_checks_the_claim(engine: Engine) -> None:
    """ "刷到个短视频说…破50亿了？？真的假的😮": what the video says is the claim, the tag
    (emoji and all) checks it, and the article's 13.6亿元 corrects it."""
    found = clauses("刷到个短视频说大渡口小面上半年赢收已经破50亿了？？真的假的😮")
    assert len(found) == 1
    assert found[0].framed
    answer = engine.ask("刷到个短视频说大渡口小面上半年赢收已经破50亿了？？真的假的😮")
    assert answer.text.startswith("不对")
    assert "13.6亿元" in answer.text


def test_money_words_ask_an_amount_the_article_must_state(engine: Engine) -> None:
    """ "区财政安排了多少专项资金" asks an amount: the workshops' count is no answer."""
    answer = engine.ask("新增数字车间、智能工厂，区财政安排了多少专项资金？")
    assert answer.status is Status.NO_ANSWER
    assert "4个以上" not in answer.text


def test_what_a_question_sets_aside_is_no_context() -> None:
    """ "除了营收目标" names what is not asked; "besides the targets" likewise."""
    assert sets_aside("除了营收目标")
    assert sets_aside("besides the revenue targets")
    assert not sets_aside("小面的营收目标")


def test_the_investment_horse_race_ranking_is_the_rankings_name(engine: Engine) -> None:
    """ "the Q2 investment 'horse race' ranking" names 赛马榜; "investment" asks nothing."""
    answer = engine.ask(
        "What was Dadukou's project start rate in the Q2 investment 'horse race' ranking?"
    )
    assert answer.entry_id == "project-start-rate"
    assert "74.4%" in answer.text
