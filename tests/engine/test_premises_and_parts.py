"""Wrong counts and periods corrected, and a later question that needs no borrowed subject."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers import Status
from bot.engine.clauses import clauses
from bot.engine.pipeline import Engine, load_engine

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the project's real knowledge."""
    return load_engine(KNOWLEDGE)


@pytest.mark.parametrize(
    ("question", "figure", "wrong"),
    [
        ("下半年要新引育软件企业500家 好凶哦", "50家", "500"),
        ("34个未开工的重点项目三季度要全部开工？", "24个", "34"),
        ("下半年打算招5个50亿级项目，是这样不", "1个", "5个"),
    ],
)
def test_a_count_the_article_never_states_is_corrected(
    engine: Engine, question: str, figure: str, wrong: str
) -> None:
    """A stated count the article lacks is a premise: "不对" with the article's count, and
    the user's wrong count is not repeated."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert figure in answer.text
    assert wrong not in answer.text


def test_a_count_in_a_which_question_is_still_looked_up(engine: Engine) -> None:
    """ "哪个有500家" asks for the thing with that count: none, so no answer."""
    assert engine.ask("哪个产业有500家企业？").status is not Status.ANSWERED


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("下半年小面产业营收13.6亿元，增长了多少？", "14.5%"),
        ("一季度赛马榜上大渡口开工率74.4% 是一季度的噻", "74.4%"),
    ],
)
def test_a_wrong_period_anchored_by_a_stated_figure_is_corrected(
    engine: Engine, question: str, figure: str
) -> None:
    """A stated (not only asked) wrong period next to the article's own figure is corrected
    with the article's period; Chongqing's 噻/嗦 ask for confirmation like 吗."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert figure in answer.text


def test_a_later_question_with_its_own_period_needs_no_borrowed_subject(engine: Engine) -> None:
    """ "另外二季度开工率是多少" after a question about 华韶 is answered on its own."""
    answer = engine.ask("华韶投资多少？另外二季度开工率是多少")
    assert answer.status is Status.ANSWERED
    assert "65亿元" in answer.text
    assert "74.4%" in answer.text


def test_a_bare_measure_after_a_subject_keeps_the_subject(engine: Engine) -> None:
    """ "啥时候完工" after 万吨 asks about 万吨 (not stated), not about the article's date."""
    answer = engine.ask("万吨商旅融合项目建在哪里，啥时候完工？")
    assert answer.status is not Status.ANSWERED
    assert "2023" not in answer.text


@pytest.mark.parametrize(
    "question",
    ["黄红是大渡口区委书记对吧？", "黄红是大渡口区委书记嗦", "Is Huang Hong the party secretary?"],
)
def test_a_wrong_title_is_corrected_with_the_articles_title(engine: Engine, question: str) -> None:
    """A wrong title of the person the article names gets "不对" and the article's titles."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.entry_id == "huang-hong"
    assert answer.text.startswith(("不对", "Not quite"))


def test_a_title_the_article_gives_nobody_is_not_answered_with_huang_hong(engine: Engine) -> None:
    """ "区委书记是谁": the article names no 区委书记, so 黄红 is not the answer."""
    answer = engine.ask("大渡口区委书记是谁")
    assert answer.status is not Status.ANSWERED
    assert "黄红" not in answer.text


def test_asking_a_name_the_article_lacks_is_not_answered(engine: Engine) -> None:
    """ "酒店叫啥名字": a name is a measure; the article names no hotel."""
    assert engine.ask("首家五星级酒店叫啥子名字").status is not Status.ANSWERED


def test_a_name_asked_beside_a_figure_is_a_reverse_question(engine: Engine) -> None:
    """ "投了六十五亿的中心叫什么名字" names the thing stating that figure."""
    answer = engine.ask("大渡口那个投了六十五亿的中心叫什么名字？")
    assert answer.status is Status.ANSWERED
    assert "华韶" in answer.text


def test_the_district_head_asked_by_name(engine: Engine) -> None:
    """ "区长叫啥名字" is answered with 黄红, not offered as a choice of entries."""
    answer = engine.ask("区长叫啥名字？")
    assert answer.status is Status.ANSWERED
    assert "黄红" in answer.text


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("你係邊個？可以做咩？", "about-bot"),
        ("呢篇報道係邊日出嘅？", "article-source"),
        ("小麵今年目標係幾多？", "noodle-target-2023"),
    ],
)
def test_cantonese_function_words_are_read_as_mandarin(
    engine: Engine, question: str, entry: str
) -> None:
    """Hong Kong readers' 邊個/係/幾多/嘅 are understood like 谁/是/多少/的."""
    assert engine.ask(question).entry_id == entry


def test_cantonese_reading_leaves_words_with_xi_alone() -> None:
    """系 (係) → 是 never breaks 体系, and Mandarin text is untouched."""
    from bot.engine.textnorm import cantonese_to_mandarin

    assert cantonese_to_mandarin("33618体系系咩") == "33618体系是什么"
    assert cantonese_to_mandarin("现代制造业集群体系") == "现代制造业集群体系"


def test_a_question_about_another_place_beside_one_about_dadukou(engine: Engine) -> None:
    """Each question naming its place: Dadukou's answered, 九龙坡's declined in the same reply."""
    answer = engine.ask("大渡口的项目开工率是多少？九龙坡呢？")
    assert answer.status is Status.ANSWERED
    assert "74.4%" in answer.text
    assert len(answer.parts) == 2


def test_another_place_with_an_unplaced_question_is_declined(engine: Engine) -> None:
    """ "沙坪坝…？有哪五大产业？": the second question names no place, so nothing is answered."""
    assert engine.ask("沙坪坝区的产业发展怎么样？有哪五大产业？").status is not Status.ANSWERED


def test_hearsay_does_not_dilute_a_wrong_figure(engine: Engine) -> None:
    """ "有人说…才47% 好撇哦": who said it is no content; the wrong rate is corrected."""
    answer = engine.ask("有人说大渡口开工率才47% 好撇哦")
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert "74.4%" in answer.text


def test_a_how_big_clause_is_a_question_of_its_own(engine: Engine) -> None:
    """ "投资好多 算力有好大": the investment answered, the computing power noted as absent."""
    answer = engine.ask("华韶智算中心投资好多 算力有好大")
    assert answer.status is Status.ANSWERED
    assert "65亿元" in answer.text
    assert [p.status for p in answer.parts] == [Status.ANSWERED, Status.NO_ANSWER]


def test_ge_after_a_list_asks_of_each_thing(engine: Engine) -> None:
    """ "A和B各投资多少" is one question about each, like 分别."""
    answer = engine.ask("华韶智算中心和万吨商旅融合项目各投资多少？")
    assert "65亿元" in answer.text
    assert "36亿元" in answer.text


@pytest.mark.parametrize(
    "message",
    [
        "What is the investment in the Huashao intelligent computing center, and which "
        "industries is it expected to drive?",
        "喂喂 那个 我想问一下 华韶那个智算中心 投了好多钱 建起来要带动啥子产业嘛",
    ],
)
def test_a_later_question_leans_on_the_earlier_ones_subject(engine: Engine, message: str) -> None:
    """ "…and which industries is it expected to drive?": "it" is the centre asked about
    first, and the second answer is the industries, not the investment again."""
    answer = engine.ask(message)
    assert answer.status is Status.ANSWERED
    assert [p.entry_id for p in answer.parts] == ["huashao-center", "huashao-industries"]


def test_a_choice_another_question_of_the_message_asks_is_not_this_ones(engine: Engine) -> None:
    """Of "in negotiation or signed?", the signed projects asked next leave the negotiating
    ones for the first question."""
    answer = engine.ask(
        "How many projects under negotiation will be pushed to sign, and how many signed "
        "projects need to speed up investment?"
    )
    assert [p.entry_id for p in answer.parts] == ["negotiating-projects", "signed-projects"]
    assert "25" in answer.text


def test_a_checked_period_with_no_figure_is_corrected_by_the_entry_of_another(
    engine: Engine,
) -> None:
    """ "…是不是要求四季度全部开工？": the entry stating 三季度 corrects the claimed quarter."""
    answer = engine.ask("未开工的重点项目是不是要求四季度全部开工？")
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert "三季度" in answer.text


def test_a_checked_period_of_something_the_article_never_dates_is_declined(
    engine: Engine,
) -> None:
    """ "华韶智算中心是不是明年建成": the article gives no date for it; no correction made up."""
    assert engine.ask("华韶智算中心是不是明年建成").status is not Status.ANSWERED


@pytest.mark.parametrize(
    "rumour",
    [
        "听说海康要搬离大渡口，是真的吗",
        "听说中元汇吉要上市了 真的吗",
        "I hear Haikang company will move out from Dadukou, is true?",
    ],
)
def test_hearsay_the_article_does_not_bear_out_is_declined(engine: Engine, rumour: str) -> None:
    """A rumour about a firm the article names, in words the article never uses, is "the
    article does not say" with that firm's entry offered, not the entry as if it confirmed."""
    answer = engine.ask(rumour)
    assert answer.status is Status.NO_ANSWER
    assert [s.id for s in answer.suggestions] == ["leading-companies"]


def test_hearsay_the_article_bears_out_is_answered(engine: Engine) -> None:
    """ "听说大渡口要建智算中心 是真的吗": every word is the article's; the entry answers."""
    assert engine.ask("听说大渡口要建智算中心 是真的吗").entry_id == "huashao-center"


def test_an_out_of_scope_topic_declines_only_the_question_asking_it(engine: Engine) -> None:
    """ "…软件企业的目标是多少家？入驻楼宇有没有租金减免？": the target is answered and the rent
    relief (a topic the article does not cover) noted, not the whole message declined."""
    answer = engine.ask(
        "我们公司是做软件外包的，考虑把团队搬到大渡口，想了解区里下半年新引育软件企业的目标是"
        "多少家？入驻楼宇有没有租金减免？"
    )
    assert answer.status is Status.ANSWERED
    assert "50家" in answer.text
    assert [p.status for p in answer.parts] == [Status.ANSWERED, Status.NO_ANSWER]


def test_an_out_of_scope_place_still_declines_the_whole_message(engine: Engine) -> None:
    """ "沙坪坝下半年新引育软件企业多少家？" is about another district: declined."""
    assert engine.ask("沙坪坝下半年新引育软件企业多少家？工资多少？").status is Status.NO_ANSWER


def test_an_either_or_clause_is_a_question(engine: Engine) -> None:
    """ "…是签约项目还是在谈项目？" after a clause about the writer is asked, not context."""
    answer = engine.ask("我是应届生在找工作，北星电子在大渡口是签约项目还是在谈项目？工资多少？")
    assert answer.parts[0].entry_id == "signed-projects"


@pytest.mark.parametrize(
    "question", ["大渡口现在有多少家小面馆？", "大数据智能化产业有多少家企业？"]
)
def test_a_count_of_businesses_needs_a_figure_in_jia(engine: Engine, question: str) -> None:
    """ "多少家小面馆" is not answered by an entry whose only count is the five industries."""
    assert engine.ask(question).status is not Status.ANSWERED


def test_which_firms_is_a_list_not_a_count(engine: Engine) -> None:
    """ "哪几家企业" asks for names: the entry naming 中元 and 海康 answers it."""
    answer = engine.ask("稳工业那块，区里重点跟踪服务的龙头企业是哪几家？")
    assert answer.entry_id == "leading-companies"


def test_english_misspellings_are_read_as_the_lexicons_words(engine: Engine) -> None:
    """ "revenu", "yeer", "Dadukuo" (one edit or a swap away) read as revenue, year, Dadukou."""
    answer = engine.ask("whats the xiaomian revenu target for this yeer in Dadukuo")
    assert answer.entry_id == "noodle-target-2023"
    assert "50亿元以上" in answer.text


def test_english_words_the_knowledge_uses_are_not_corrected(engine: Engine) -> None:
    """A word of the lexicon's ("data") is never turned into its neighbour ("date")."""
    assert "时间" not in engine.terms_of("big data")
    assert "时间" in engine.terms_of("date")


def test_a_numbered_list_is_one_question_per_item(engine: Engine) -> None:
    """ "1) … 2) … 3) …": every item is asked, the one without a question word too."""
    answer = engine.ask(
        "Few questions: 1) how many software company they plan to bring 2) software & info "
        "industry revenue growth target 3) how much building space to revitalize?"
    )
    assert [p.entry_id for p in answer.parts] == [
        "software-companies",
        "software-revenue",
        "mantianxing",
    ]


def test_a_decimal_is_no_list_marker() -> None:
    """ "1.5亿元" and a lone "1)" do not cut a message."""
    assert [c.text for c in clauses("投资1.5亿元的项目是哪个")] == ["投资1.5亿元的项目是哪个"]


def test_cantonese_right_or_wrong_checks_a_title(engine: Engine) -> None:
    """ "黃紅係大渡口區委書記，啱唔啱？" (啱唔啱 = 对不对) is corrected with her titles, in
    traditional script."""
    answer = engine.ask("黃紅係大渡口區委書記，啱唔啱？")
    assert answer.entry_id == "huang-hong"
    assert answer.text.startswith("不對")


def test_cantonese_questions_are_cut_and_asked(engine: Engine) -> None:
    """ "…分咗邊三張清單？仲有幾多個未開工？" asks two things (邊 哪, 仲有 还有, 幾多 多少)."""
    answer = engine.ask("80個重點項目分咗邊三張清單？仲有幾多個未開工？")
    assert [p.entry_id for p in answer.parts] == ["key-projects-lists", "unstarted-projects"]


@pytest.mark.parametrize("thanks", ["唔該晒，好有用！", "thanks ah bro 👍"])
def test_cantonese_and_singlish_thanks_are_small_talk(engine: Engine, thanks: str) -> None:
    """Thanks in Cantonese (唔該晒) or with Singlish particles (ah, bro) is small talk."""
    assert engine.ask(thanks).entry_id == "thanks"


def test_phone_fillers_do_not_dilute_a_question(engine: Engine) -> None:
    """ "喂喂那个黄宏区长说的那几个狠抓是啥子": fillers and a misheard name still find the four."""
    assert engine.ask("喂喂那个黄宏区长说的那几个狠抓是啥子").entry_id == "four-henzhua"


def test_a_misheard_last_character_is_corrected_by_sound(engine: Engine) -> None:
    """ "开工绿" is 开工率 (绿 and 率 sound alike), not the word 开工 and one more character."""
    assert "开工率" in engine.terms_of("大渡口的开工绿是好多")
    assert engine.ask("那个赛马棒上面大渡口的开工绿是好多哈").entry_id == "project-start-rate"


def test_hearsay_after_a_clause_about_the_writer_is_the_subject(engine: Engine) -> None:
    """ "我是学酒店管理的，…，听说大渡口要建首家五星级酒店，请问什么时候开工？": what the
    writer heard names the hotel the question asks about."""
    answer = engine.ask(
        "我是学酒店管理的，正在找工作，听说大渡口要建首家五星级酒店，请问什么时候开工？"
    )
    assert answer.entry_id == "five-star-hotel"


def test_the_writers_own_words_may_name_the_it_of_the_first_question(engine: Engine) -> None:
    """ "想去重庆华韶智算中心工作，想先了解它会带动哪些产业发展？": "它" is the centre."""
    answer = engine.ask(
        "我是计算机专业应届生，想去重庆华韶智算中心工作，想先了解它会带动哪些产业发展？"
        "另外它有没有校招计划？"
    )
    assert answer.entry_id == "huashao-industries"


def test_the_writers_foreign_trade_never_becomes_the_subject(engine: Engine) -> None:
    """ "我在杭州做投资的，想问下投资多少？": 杭州 is the writer's, and is not asked about."""
    answer = engine.ask("我在杭州做投资的，想问下华韶智算中心投资多少？")
    assert answer.entry_id == "huashao-center"


def test_a_rough_count_does_not_become_a_figure(engine: Engine) -> None:
    """ "…又有多少个？各举一两个例子": 一两个 is no figure 12; both counts are answered."""
    answer = engine.ask("在谈的重点项目有多少个？已经签约的又有多少个？各举一两个例子")
    assert [p.entry_id for p in answer.parts] == ["negotiating-projects", "signed-projects"]


def test_jiduo_asks_how_many_without_a_cantonese_marker(engine: Engine) -> None:
    """ "华韶智算中心投资几多？" asks the amount (几多 = 多少) in any Chinese message."""
    assert "65亿元" in engine.ask("我在新加坡做data center的，华韶智算中心投资几多？").text


def test_a_question_about_the_article_is_not_taken_for_small_talk(engine: Engine) -> None:
    """ "Where is the Wandun project? Who is developer?" is not answered about the bot."""
    answer = engine.ask(
        "Where exactly the Wandun project is located, which street? Who is developer?"
    )
    assert answer.status is Status.NO_ANSWER


@pytest.mark.parametrize(
    "question",
    [
        "五大产业里有没有汽车产业？",
        "群里有人转发说大渡口五大产业是大数据智能化、生物医药、新能源汽车、新材料和重庆小面，"
        "这个名单对吗？",
    ],
)
def test_an_industry_claimed_for_the_five_is_corrected_with_the_five(
    engine: Engine, question: str
) -> None:
    """An industry the article does not cover, asked of or claimed for its list, gets "不对"
    and the article's five industries."""
    answer = engine.ask(question)
    assert answer.entry_id == "five-industries"
    assert answer.text.startswith("不对")


def test_an_uncovered_industrys_own_question_is_still_declined(engine: Engine) -> None:
    """ "大渡口火锅产业有没有发展目标" asks about hotpot itself: declined, not the list."""
    assert engine.ask("大渡口火锅产业有没有发展目标").status is Status.NO_ANSWER


def test_every_reply_keeps_the_message_as_asked(engine: Engine) -> None:
    """The answer's question is the user's message verbatim (the log stores it)."""
    for message in ("五大产业里有没有汽车产业？", "重庆小面和火锅，哪个算大渡口的百亿级产业？"):
        assert engine.ask(message).question == message


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("朋友说华韶智算中心投了一百个亿 有那么多没得", "65亿元"),
        ("小面明年要搞到300亿 真有这么多吗", "200亿元"),
        ("听说大渡口下半年要引五百家软件企业 吹牛的哦", "50家"),
    ],
)
def test_doubting_a_claimed_figure_is_checking_it(
    engine: Engine, question: str, figure: str
) -> None:
    """ "有那么多没得" or "吹牛的哦" after a claimed figure asks whether it is so: "不对" and
    the article's figure."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.text.startswith("不对")
    assert figure in answer.text


def test_calling_the_article_a_boast_without_a_figure_is_not_answered(engine: Engine) -> None:
    """ "是不是吹的" asks an opinion, not a figure: no answer."""
    assert engine.ask("是不是吹的").status is not Status.ANSWERED


def test_a_figure_named_twice_is_still_one_bare_figure(engine: Engine) -> None:
    """ "50是啥子的50" is as ambiguous as "50是啥": several of the article's figures begin so."""
    assert engine.ask("文章那个50是啥子的50哦").status is Status.AMBIGUOUS


def test_a_question_without_a_place_before_another_place_is_the_articles(
    engine: Engine,
) -> None:
    """The writer asks of the article first, then of another district: the first is
    answered, the other district's declined, in one reply."""
    answer = engine.ask("上半年小面营收好多 江北区的又是好多嘛")
    assert answer.status is Status.ANSWERED
    assert "13.6亿元" in answer.text
    assert [p.status for p in answer.parts] == [Status.ANSWERED, Status.NO_ANSWER]


def test_a_question_without_a_place_after_another_place_is_about_that_place(
    engine: Engine,
) -> None:
    """ "what about hotpot, any target for that?": the last question is hotpot's, declined;
    the first, about the article's noodles, is answered."""
    answer = engine.ask("noodle revenue target this year? what about hotpot, any target for it?")
    assert answer.status is Status.ANSWERED
    assert "50亿元以上" in answer.text
    first, *others = answer.parts
    assert first.status is Status.ANSWERED
    assert others
    assert all(p.status is Status.NO_ANSWER for p in others)


def test_another_places_questions_stay_declined_whole(engine: Engine) -> None:
    """A message about another district that then asks without naming a place is declined."""
    assert engine.ask("九龙坡区的五大产业是什么？有多少个重点项目？").status is Status.NO_ANSWER


def test_a_whole_sentence_ending_in_a_question_mark_asks(engine: Engine) -> None:
    """ "noodle target next year? …": a question mark makes a sentence a question without
    a question word, but not the tail of a sentence asking something else."""
    assert [c.asks for c in clauses("noodle target for next year? what about hotpot?")] == [
        True,
        True,
    ]
    tail = clauses("What was the revenue in H1, not just the growth target?")
    assert [c.asks for c in tail] == [True, False]


def test_a_persons_age_is_beyond_the_article(engine: Engine) -> None:
    """The article names 黄红's offices, not her age or career: declined, not her entry."""
    assert engine.ask("黄红区长今年好大年纪 以前在哪点工作").status is Status.NO_ANSWER


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("呢篇文入面嗰個區長叫咩名？", "huang-hong"),
        ("區長話要狠抓邊四樣嘢？", "four-henzhua"),
    ],
)
def test_cantonese_speech_words_are_read_as_mandarin(
    engine: Engine, question: str, entry: str
) -> None:
    """嗰 (that), 嘢 (thing), 入面 (inside), 叫咩名 (what is … called) are understood."""
    answer = engine.ask(question)
    assert answer.entry_id == entry


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("How much new industrial output is Dadukou aiming to add?", "30亿元以上"),
        ("how many key projects havent started yet?", "24个"),
    ],
)
def test_english_verb_forms_and_bare_negations_are_understood(
    engine: Engine, question: str, figure: str
) -> None:
    """ "aiming", "started" are read by their stems and "havent" as "haven't"."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert figure in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "the noodle target is 30 billion yuan, right?",
        "小面目标是1000亿吗",
        "小面的目标是八百亿，对吧？",
    ],
)
def test_a_wrong_figure_for_several_targets_is_checked_against_all_of_them(
    engine: Engine, question: str
) -> None:
    """A wrong claim about "the noodle target" (this year's or next's) is corrected with the
    entry stating both, not answered with a choice of targets."""
    answer = engine.ask(question)
    assert answer.status is Status.ANSWERED
    assert answer.entry_id == "noodle-targets"
    assert answer.text.startswith(("不对", "Not quite"))


def test_a_confirmation_tag_checks_the_claims_before_it() -> None:
    """ "…50家，…40%，对吗？": the tag is no question of its own; each claim before it asks."""
    found = clauses("软件企业新引育50家，软信营收增长40%，对吗？")
    assert [c.asks for c in found] == [True, True]
    assert all(c.text.endswith("对吗") for c in found)
