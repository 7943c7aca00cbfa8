"""Messages as people write them: several questions, context first, slips, wrong premises."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers import UNSURE, Status
from bot.engine.clauses import clauses, split_compared, split_respectively
from bot.engine.homophones import HomophoneCorrector
from bot.engine.pipeline import Engine, load_engine
from bot.engine.render import answer_html

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the project's real knowledge."""
    return load_engine(KNOWLEDGE)


def test_clauses_tell_questions_from_context() -> None:
    """Context clauses, the writer's own, and asking clauses are told apart."""
    found = clauses("我是退休老师哈，平时喜欢吃小面，想问下今年小面营收目标是好多嘛")
    assert [(c.asks, c.about_writer) for c in found] == [
        (False, True),
        (False, True),
        (True, False),
    ]


def test_clauses_split_english_questions_but_not_numbers() -> None:
    """ ", and what …" starts a second question; the comma in 10,000 does not split."""
    found = clauses("What's the investment in the 10,000-ton project, and what's the start rate?")
    assert [c.text for c in found] == [
        "What's the investment in the 10,000-ton project",
        "what's the start rate",
    ]


def test_respectively_gives_one_question_per_thing() -> None:
    """ "A和B的投资额分别是多少" asks the measure of A and of B."""
    assert split_respectively("华韶智算中心和万吨商旅融合项目的投资额分别是多少") == [
        "华韶智算中心的投资额是多少",
        "万吨商旅融合项目的投资额是多少",
    ]
    assert split_respectively("小面今年营收目标是多少") == ["小面今年营收目标是多少"]


def test_homophone_slips_become_vocabulary_words() -> None:
    """Sound-alike slips sharing a character are corrected; real words and question words stay."""
    corrector = HomophoneCorrector(
        {"小面": "小面", "营收": "营收", "目标": "目标", "进度": "进度", "称为": "称为"},
        protected={"多少"},
    )
    assert corrector.correct("小棉营受目表") == "小面营收目标"
    assert corrector.correct("引进多少") == "引进多少"  # 进多 would split 多少
    assert corrector.correct("成为典范") == "成为典范"  # 成为 is a word of its own


def test_several_typos_in_one_question_are_answered(engine: Engine) -> None:
    """「大度口今年小棉产业营受目表是好多」 is the noodle target for this year."""
    answer = engine.ask("大度口今年小棉产业营受目表是好多")
    assert answer.status is Status.ANSWERED
    assert "50亿元以上" in answer.text


def test_two_questions_get_two_cited_answers(engine: Engine) -> None:
    """Each question of a message is answered with its own quote, in one reply."""
    answer = engine.ask("在谈的重点项目有好多个？签约的又有好多个？")
    assert answer.status is Status.ANSWERED
    assert [p.status for p in answer.parts] == [Status.ANSWERED, Status.ANSWERED]
    assert "25个" in answer.parts[0].text
    assert "10个" in answer.parts[1].text
    html = answer_html(answer)
    assert html.index("25个") < html.index("<blockquote>") < html.index("10个")


def test_respectively_question_answers_both(engine: Engine) -> None:
    """ "…的投资额分别是多少" states both investments."""
    answer = engine.ask("华韶智算中心和万吨商旅融合项目的投资额分别是多少?")
    assert "65亿元" in answer.text
    assert "36亿元" in answer.text


def test_part_the_article_does_not_answer_is_named(engine: Engine) -> None:
    """A message with one answerable and one unanswerable question says which is which."""
    answer = engine.ask("小面产业上半年营收多少？另外新材料产业上半年营收多少？")
    assert answer.status is Status.ANSWERED
    assert "13.6亿元" in answer.text
    assert "新材料产业上半年营收多少" in answer.parts[-1].text
    assert answer.parts[-1].status is Status.NO_ANSWER


def test_context_first_does_not_dilute_the_question(engine: Engine) -> None:
    """A long preamble about the writer leaves the question at its end answerable."""
    answer = engine.ask(
        "我女儿大学学计算机的，明年毕业想回重庆找工作，听说大渡口在搞软件产业，"
        "想问下下半年软件企业要新引育好多家"
    )
    assert answer.status is Status.ANSWERED
    assert "50家" in answer.text


def test_writers_own_town_is_not_the_subject(engine: Engine) -> None:
    """ "I'm an investor in Hangzhou" does not decline a question about Dadukou."""
    answer = engine.ask(
        "I'm an investor in Hangzhou looking at AI. Which industries is the Huashao "
        "computing centre supposed to drive?"
    )
    assert answer.status is Status.ANSWERED


def test_another_place_as_the_subject_is_still_declined(engine: Engine) -> None:
    """沙坪坝 named in the question, not about the writer, declines the whole message."""
    answer = engine.ask("沙坪坝区也在搞产业，想问下他们的五大产业是哪些")
    assert answer.status is Status.NO_ANSWER


def test_wrong_figure_is_corrected_with_the_articles(engine: Engine) -> None:
    """A wrong premise gets "不对" and the article's figure, never the user's."""
    answer = engine.ask("小面明年目标500亿 好凶哦 是真的噻")
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert "200亿元" in answer.text
    assert "500" not in answer.text


def test_right_figure_is_confirmed(engine: Engine) -> None:
    """A confirmation with the article's figure gets "对"."""
    answer = engine.ask("小面今年营收目标是50亿吗")
    assert answer.text.startswith("对")


def test_unstated_measure_of_a_known_subject_is_not_stated(engine: Engine) -> None:
    """华韶's computing power: the subject is understood, the article lacks the measure."""
    answer = engine.ask("华韶智算中心的算力有多少")
    assert answer.status is Status.NO_ANSWER
    assert answer.reason != UNSURE
    assert "没有提到" in answer.text


def test_question_not_understood_is_unsure_not_absent(engine: Engine) -> None:
    """Gibberish near the article's words gets the unsure wording, never "没有提到"."""
    answer = engine.ask("小面好吃不")
    assert answer.status is Status.NO_ANSWER
    assert answer.reason == UNSURE
    assert "没有提到" not in answer.text
    assert answer.suggestions  # its best guesses, offered as choices


def test_wrong_period_in_a_claim_is_corrected(engine: Engine) -> None:
    """ "24 unstarted projects by Q4, correct?" gets "Not quite" and the article's 三季度."""
    answer = engine.ask(
        "So Dadukou wants its 24 unstarted key projects to break ground by Q4, correct?"
    )
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("Not quite")
    assert "三季度" in answer.text


def test_claim_about_an_unstated_period_is_not_corrected_from_another(engine: Engine) -> None:
    """ "2024年实际营收达到200亿了吗" is not "corrected" with the first half's revenue."""
    assert engine.ask("2024年小面产业实际营收达到200亿了吗？").status is not Status.ANSWERED


def test_english_amounts_are_the_articles_units(engine: Engine) -> None:
    """ "100 billion yuan" is read as 1000亿 and corrected with the article's target."""
    answer = engine.ask("I read the noodle target for this year is 100 billion yuan — right?")
    assert answer.status is Status.ANSWERED
    assert "50亿元以上" in answer.text


class _FixedNeighbours:
    """A semantic signal that always finds the same entries nearest."""

    def __init__(self, *nearest: tuple[str, float]) -> None:
        self.nearest_entries = list(nearest)
        self.asked: list[str] = []

    def index(self, knowledge: object) -> _FixedNeighbours:
        return self

    def nearest(self, question: str, k: int = 5) -> list[tuple[str, float]]:
        self.asked.append(question)
        return self.nearest_entries[:k]


def test_semantic_recall_answers_what_matching_ranked_but_was_unsure_of() -> None:
    """A clear semantic neighbour that lexical matching also ranks turns unsure into an answer."""
    question = "How many municipal and district level key projects does Dadukou have in total?"
    plain = load_engine(KNOWLEDGE)
    assert plain.ask(question).reason == UNSURE
    signal = _FixedNeighbours(("key-projects-lists", 0.8), ("projects-measures", 0.6))
    answer = Engine(plain.knowledge, signal).ask(question)
    assert answer.status is Status.ANSWERED
    assert "80个" in answer.text


def test_semantic_signal_never_overrides_a_precision_decline(engine: Engine) -> None:
    """Another district, or a measure the entry lacks, stays declined whatever is nearest."""
    signal = _FixedNeighbours(("five-industries", 0.99), ("noodle-why", 0.1))
    semantic = Engine(engine.knowledge, signal)
    assert semantic.ask("沙坪坝区的五大产业是什么").status is Status.NO_ANSWER
    assert semantic.ask("华韶智算中心的算力有多少").status is Status.NO_ANSWER


def test_semantic_neighbours_are_offered_when_unsure(engine: Engine) -> None:
    """When still unsure, the semantic neighbours come first among the offered guesses."""
    signal = _FixedNeighbours(("huashao-industries", 0.5), ("huashao-center", 0.45))
    answer = Engine(engine.knowledge, signal).ask("小面好吃不")
    assert answer.reason == UNSURE
    assert answer.suggestions[0].id == "huashao-industries"


def test_thanks_with_filler_is_small_talk(engine: Engine) -> None:
    """ "Thanks, that's really helpful!" is small talk, not a question the bot is unsure of."""
    assert engine.ask("Thanks, that's really helpful!").status is Status.SMALLTALK


def test_a_yes_no_question_in_x_bu_x_form_is_not_context(engine: Engine) -> None:
    """ "会不会变好" asks something: the clause before it is not answered on its own."""
    answer = engine.ask("大渡口搞这些产业，我们打车生意会不会变好？")
    assert answer.status is not Status.ANSWERED


def test_every_later_version_keeps_the_semantic_signal() -> None:
    """An edit or rollback builds its engine (and the upload gate's) with the same signal."""
    signal = _FixedNeighbours(("key-projects-lists", 0.8))
    first = load_engine(KNOWLEDGE, signal)
    later = first.for_knowledge(first.knowledge)
    assert later.semantic is signal
    question = "How many municipal and district level key projects does Dadukou have in total?"
    assert later.ask(question).status is Status.ANSWERED


def test_a_bare_number_several_figures_begin_with_is_ambiguous(engine: Engine) -> None:
    """ "50是指什么" may mean 50家, 50亿元以上 or 50亿级: choices; "50家" is one: answered."""
    bare = engine.ask("50是指什么？")
    assert bare.status is Status.AMBIGUOUS
    assert {s.id for s in bare.suggestions} == {
        "software-companies",
        "noodle-target-2023",
        "attraction-targets",
    }
    assert engine.ask("50家指的是什么？").entry_id == "software-companies"
    assert engine.ask("74.4%是什么").status is Status.ANSWERED


def test_semantic_recall_is_shown_the_question_without_the_writers_clauses() -> None:
    """The semantic signal reads the message with the writer's own clauses set aside."""
    question = "我是香港记者，想问下半年经济工作从哪三方面去抓？"
    plain = load_engine(KNOWLEDGE)
    assert plain.ask(question).reason == UNSURE
    signal = _FixedNeighbours(("three-aspects", 0.9), ("digital-measures", 0.5))
    answer = Engine(plain.knowledge, signal).ask(question)
    assert signal.asked == ["想问下半年经济工作从哪三方面去抓"]
    assert answer.status is Status.ANSWERED
    assert "稳工业保大盘" in answer.text
    assert answer.question == question


def test_a_clause_of_a_cantonese_message_reads_as_cantonese_without_markers_of_its_own() -> None:
    """ "見到大渡口呢篇" in a Cantonese message means "this article", not a question."""
    found = clauses("我係香港記者，做緊一個專題嘅，見到大渡口呢篇。想問吓佢下半年經濟點樣抓？")
    assert [c.asks for c in found] == [False, False, False, True]


def test_a_placing_verb_is_no_part_of_a_name(engine: Engine) -> None:
    """ "纳入市区级重点的项目" names no unknown place; "落户沙坪坝区" still names 沙坪坝."""
    assert not engine.ask("全区纳入市区级重点的项目一共有多少个？").reason.startswith("unknown")
    assert "沙坪坝" in engine.ask("落户沙坪坝区的项目有几个").reason


def test_software_and_it_services_is_the_software_industry(engine: Engine) -> None:
    """The usual English name of 软件和信息技术服务业 is read as the article's 软信产业."""
    answer = engine.ask("By how much is the software and IT services industry's revenue to grow?")
    assert answer.status is Status.ANSWERED
    assert "140%以上" in answer.text


def test_a_person_introduced_without_wo_is_the_writer() -> None:
    """ "退休老钢铁工人一个，在重钢干了三十多年" is about the writer, like "我是…"."""
    found = clauses("退休老钢铁工人一个，在重钢干了三十多年，五大百亿级产业是哪五个？")
    assert [c.about_writer for c in found] == [True, True, False]


def test_what_the_news_says_is_the_content_not_its_frame() -> None:
    """ "现在新闻天天说五大百亿级产业" is context about 五大百亿级产业 and ends the writer's."""
    found = clauses("我是本地人，现在新闻天天说五大百亿级产业，到底是哪五个嘛")
    assert [(c.text, c.about_writer) for c in found] == [
        ("我是本地人", True),
        ("五大百亿级产业", False),
        ("到底是哪五个嘛", False),
    ]


def test_the_writers_own_trade_and_a_question_about_the_listed_industries(engine: Engine) -> None:
    """A steelworker asking which five industries, and whether steel is one, is told the five."""
    answer = engine.ask(
        "退休老钢铁工人一个，在重钢干了三十多年，厂子搬走以后大渡口变化大得很。"
        "现在新闻天天说五大百亿级产业，到底是哪五个嘛？里头还有没有钢铁？"
    )
    assert answer.status is Status.ANSWERED
    assert "大数据智能化" in answer.text
    assert "重庆小面" in answer.text


def test_a_question_after_another_places_does_not_lean_on_it(engine: Engine) -> None:
    """ "成都那边小面产业搞得咋样 有大渡口大不" compares with 成都: nothing of the article's."""
    assert engine.ask("成都那边小面产业搞得咋样 有大渡口大不").status is not Status.ANSWERED


def test_a_question_clear_alone_is_answered_when_its_context_only_blurs_it(
    engine: Engine,
) -> None:
    """Context that leaves the bot unsure, with the question's own answer among its guesses,
    does not stop the answer."""
    answer = engine.ask(
        "我是跑外卖的，站点旁边的面馆老板说大渡口在搞小面产业。我就想问一哈，要丰富啥子消费平台？"
    )
    assert answer.status is Status.ANSWERED
    assert "重庆小面电商产业园" in answer.text


def test_municipal_and_district_key_projects_are_the_articles_key_projects(
    engine: Engine,
) -> None:
    """ "key municipal/district projects" is the article's 80个市区级重点项目, no unknown name."""
    answer = engine.ask("how many key municipal/district projects does dadukou have?")
    assert answer.status is Status.ANSWERED
    assert "80个" in answer.text


def test_a_count_of_something_the_article_never_mentions_is_not_stated(engine: Engine) -> None:
    """ "How many beds will the first five-star hotel have?": the hotel is the article's, its
    beds are not; a modifier before the counted noun ("municipal") is no such thing."""
    beds = engine.ask("How many beds will the first five-star hotel have?")
    assert beds.status is Status.NO_ANSWER
    assert beds.reason == "not stated"
    projects = engine.ask("How many municipal and district level key projects does Dadukou have?")
    assert projects.status is Status.ANSWERED
    assert "80个" in projects.text


def test_cfmoto_is_the_articles_chunfeng_dongli(engine: Engine) -> None:
    """An English name of a firm the article names is that firm: its investment is not stated."""
    answer = engine.ask("How much is CFMOTO investing in its Dadukou project?")
    assert answer.status is Status.NO_ANSWER
    assert answer.reason == "not stated"


def test_comparing_two_things_cites_each_ones_figure(engine: Engine) -> None:
    """ "A和B哪个投资更大" (and "…比，哪个投资更大？各多少") answers with both cited figures."""
    for message in (
        "万吨商旅融合和华韶智算中心 哪个投资更大",
        "华韶智算中心和万吨商旅融合项目比，哪个投资更大？各多少",
    ):
        answer = engine.ask(message)
        assert answer.status is Status.ANSWERED
        assert "36亿元" in answer.text
        assert "65亿元" in answer.text
        assert len(answer.parts) == 2


def test_a_comparison_is_one_question_per_thing_compared() -> None:
    """ "沙坪坝和大渡口哪个开工率更高" asks each one's rate; "哪个投资更大" compares nothing."""
    assert split_compared("沙坪坝和大渡口哪个开工率更高") == [
        "沙坪坝开工率多少",
        "大渡口开工率多少",
    ]
    assert split_compared("哪个投资更大") == []


def test_a_claim_already_reached_is_checked_against_the_result_not_the_target(
    engine: Engine,
) -> None:
    """ "小面今年营收已经破50亿了吗" claims a result: the article's (13.6亿元) corrects it."""
    answer = engine.ask("小面今年营收已经破50亿了吗")
    assert answer.text.startswith("不对")
    assert "13.6亿元" in answer.text


def test_a_roughly_remembered_count_is_a_claim_to_check(engine: Engine) -> None:
    """ "好像是七十几个" is corrected with the article's 80个, not declined for a 70 it lacks."""
    answer = engine.ask("市区级重点项目好像是七十几个?")
    assert answer.text.startswith("不对")
    assert "80个" in answer.text


def test_what_a_firm_does_is_not_stated_but_what_a_project_is_for_is(engine: Engine) -> None:
    """The article names 北星电子 without its business; it says what 华韶智算中心 is for."""
    firm = engine.ask("北星电子是做啥子的哦")
    assert firm.status is Status.NO_ANSWER
    assert firm.reason == "not stated"
    assert engine.ask("华韶智算中心是干什么的").entry_id == "huashao-center"


def test_a_long_message_shows_the_semantic_signal_its_questions_only() -> None:
    """Over 80 characters, the encoder (whose time grows with the text) reads only the
    message's asking clauses, not its long context."""
    question = (
        "我们家在九宫庙开了十几年的面馆，最近听街坊说区里头要大搞小面产业，"
        "又是招商又是电商的，街上好多人都在摆这个龙门阵，茶馆里头天天都在说，"
        "隔壁子卖菜的嬢嬢也跟到说，楼上退休的老师也在摆，"
        "区里打算咋个把这个面条整成大产业嘛？"
    )
    signal = _FixedNeighbours(("noodle-development", 0.5), ("noodle-chain", 0.45))
    Engine(load_engine(KNOWLEDGE).knowledge, signal).ask(question)
    assert signal.asked
    for shown in signal.asked:
        assert shown.endswith("区里打算咋个把这个面条整成大产业嘛")
        assert "招商" not in shown
        assert len(shown) < len(question) // 2


@pytest.mark.parametrize(
    "question",
    ["文章里那个投资几十个亿的大项目叫啥名字？", "投资好几十个亿那个项目叫啥子"],
)
def test_a_vague_amount_offers_every_investment_it_fits(engine: Engine, question: str) -> None:
    """ "几十个亿的项目" fits both tens-of-亿 investments (华韶 65亿元, 万吨 36亿元): a choice,
    not the district's new industrial output."""
    answer = engine.ask(question)
    assert answer.status is Status.AMBIGUOUS
    assert {s.id for s in answer.suggestions} == {"huashao-center", "wandun-project"}


def test_a_vague_amount_beside_a_named_thing_is_no_choice(engine: Engine) -> None:
    """ "华韶投资几十亿吗" names its project: answered with its 65亿元."""
    answer = engine.ask("华韶投资几十亿吗")
    assert answer.entry_id == "huashao-center"
