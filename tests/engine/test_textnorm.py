"""Normalising questions as people type them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers import Language
from bot.engine.pipeline import load_engine
from bot.engine.textnorm import (
    detect_language,
    normalize,
    numerals_to_digits,
    parse_chinese_number,
    taiwan_wording,
    to_simplified,
    to_traditional,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("投资六十五亿的是哪个项目", "投资65亿的是哪个项目"),
        ("营收增长百分之十四点五", "营收增长14.5%"),
        ("明年二百亿", "明年200亿"),
        ("两百亿元", "200亿元"),
        ("盘活楼宇十万平方米", "盘活楼宇10万平方米"),
        ("八十个重点项目", "80个重点项目"),
        ("百分之一百四十", "140%"),
    ],
)
def test_chinese_numbers_become_digits(text: str, expected: str) -> None:
    """Chinese numerals that are numbers are rewritten as digits."""
    assert numerals_to_digits(text) == expected


@pytest.mark.parametrize(
    "text",
    ["五大产业", "三个方面", "一批专精特新", "一企一策", "九龙坡区", "五大百亿级产业", "三季度"],
)
def test_numeral_words_stay_words(text: str) -> None:
    """Words containing numeral characters (五大, 一企一策, 九龙坡) are not mangled."""
    assert numerals_to_digits(text) == text


def test_normalize_width_case_and_script() -> None:
    """Full-width digits, upper case and traditional script all reach one form."""
    assert normalize("重慶小麵ＧＤＰ　１３.６億") == "重庆小面gdp 13.6亿"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("重庆小面今年营收目标是多少", Language.SIMPLIFIED),
        ("重慶小麵今年營收目標是多少", Language.TRADITIONAL),
        ("What is the noodle revenue target?", Language.ENGLISH),
        ("ＨＥＬＬＯ", Language.ENGLISH),
        ("小面 revenue", Language.SIMPLIFIED),
    ],
)
def test_detect_language(text: str, language: Language) -> None:
    """The reply language follows the script the user wrote in."""
    assert detect_language(text) == language


def test_traditional_uses_common_character_forms() -> None:
    """Replies in traditional use 麵 (as in Taiwan and Hong Kong), not OpenCC's 麪."""
    assert to_traditional("重庆小面产业") == "重慶小麵產業"


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("十三点六", "13.6"),
        ("一百四十", "140"),
        ("十", "10"),
        ("两百", "200"),
        ("一千零五", "1005"),
        ("二零二三", "2023"),
        ("十十", None),
        ("点五", None),
    ],
)
def test_parse_chinese_number(text: str, digits: str | None) -> None:
    """Chinese numbers parse to their digits; malformed ones are left alone (None)."""
    assert parse_chinese_number(text) == digits


def test_english_amounts_become_yi_and_wan() -> None:
    """English billions and millions are written as the article writes amounts."""
    assert normalize("6.5 billion yuan") == "65亿"
    assert normalize("a 5-billion-yuan-level project") == "a 50亿级 project"
    assert normalize("500 million yuan") == "5亿"
    assert normalize("RMB 3 million") == "300万"


def test_dialect_how_many_is_duoshao() -> None:
    """Chongqing "好多" asking a quantity reads as 多少; "好多企业" (many firms) stays."""
    assert normalize("江苏血透项目投资好多") == "江苏血透项目投资多少"
    assert normalize("营收是好多嘛") == "营收是多少嘛"
    assert normalize("好多企业") == "好多企业"


def test_dialect_when_is_shenme_shihou() -> None:
    """Chongqing "好久" before what is to happen asks when; "好久不见" keeps its sense."""
    assert normalize("华韶智算中心好久建成") == "华韶智算中心什么时候建成"
    assert normalize("好久不见") == "好久不见"


def test_a_rough_count_is_no_number() -> None:
    """ "一两个例子" is one or two, not 12; "十二个" is still 12."""
    assert normalize("各举一两个例子") == "各举一两个例子"
    assert normalize("十二个项目") == "12个项目"


def test_those_several_is_not_how_many() -> None:
    """ "那几个狠抓" points at them (那些), it does not count them."""
    assert normalize("区长说的那几个狠抓是啥子") == "区长说的那些狠抓是啥子"
    assert normalize("有几个项目") == "有几个项目"


def test_dialect_who_of_a_person_is_shui() -> None:
    """Chongqing "哪个" after a person's title asks who; before a noun it still asks which."""
    assert normalize("区长是哪个") == "区长是谁"
    assert normalize("区长是哪个项目的负责人") == "区长是哪个项目的负责人"


def test_a_nul_does_not_cut_text_short() -> None:
    """Script conversion keeps what follows a NUL; normalising turns control codes into spaces."""
    assert to_simplified("小麵\x00營收") == "小面\x00营收"
    assert to_traditional("营收\x00目标") == "營收\x00目標"
    assert normalize("小面\x00营收\x1b[2J目标\x85") == "小面 营收 [2j目标"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("how much is the 江苏血透 deal worth?", Language.ENGLISH),
        ("Wah the noodle target 今年50亿 then next year 100亿 is it?", Language.ENGLISH),
        ("大渡口的GDP growth rate是多少", Language.SIMPLIFIED),
        ("小面的revenue是多少", Language.SIMPLIFIED),
    ],
)
def test_english_carrying_a_chinese_name_is_english(text: str, language: Language) -> None:
    """An English sentence with a Chinese name in it is answered in English; Chinese with an
    English word or two stays Chinese."""
    assert detect_language(text) is language


@pytest.mark.parametrize(
    ("text", "expected"),
    [("增长了几个点", "增长了多少"), ("涨了几个百分点", "涨了多少"), ("几点开始", "几点开始")],
)
def test_percentage_points_ask_how_much(text: str, expected: str) -> None:
    """ "几个点" asks a rate (how much), not a count; "几点" (what time) is left alone."""
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我听楼下张孃孃说大渡口要搞", "我听说大渡口要搞"),
        ("隔壁王大爷说有100个", "听说有100个"),
        ("听他们说话", "听他们说话"),
        ("报道说", "报道说"),
    ],
)
def test_hearsay_passed_on_by_someone_is_hearsay(text: str, expected: str) -> None:
    """Who passed a claim on (楼下张孃孃, 隔壁王大爷) is no part of the question."""
    assert normalize(text) == expected


def test_the_ten_billion_yuan_level_is_written_as_the_article_names_it() -> None:
    """ "10-billion-yuan-level" is 百亿级 (the level's name), "5-billion-yuan-level" 50亿级."""
    assert normalize("five 10-billion-yuan-level industries") == "five 百亿级 industries"
    assert normalize("5-billion-yuan-level projects") == "50亿级 projects"


@pytest.mark.parametrize(
    ("mainland", "regional"),
    [("软件", "软体"), ("项目", "专案"), ("信息", "资讯"), ("人工智能", "人工智慧")],
)
def test_taiwan_wording_of_mainland_words(mainland: str, regional: str) -> None:
    """Mainland words are given as Taiwan writes them, in simplified characters."""
    assert taiwan_wording(mainland) == regional


def test_taiwan_words_in_a_question_are_read_as_the_lexicons_terms() -> None:
    """ "軟體企業" asks of 软件企业: the software-company target is the answer."""
    engine = load_engine(Path(__file__).resolve().parents[2] / "knowledge")
    answer = engine.ask("新引育軟體企業幾多家？")
    assert answer.entry_id == "software-companies"
    assert "50家" in answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how many square meters", "how much square meters"),
        ("how many billion yuan", "how much billion yuan"),
        ("how many companies", "how many companies"),
    ],
)
def test_how_many_of_a_unit_asks_an_amount(text: str, expected: str) -> None:
    """ "how many square meters" asks an area, not a count; "how many companies" a count."""
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("“十四五”末的目标", "“十四五”末的目标"), ("十四五规划", "十四五规划"), ("十五亿", "15亿")],
)
def test_a_five_year_plans_name_is_not_a_number(text: str, expected: str) -> None:
    """十四五 names a plan (not 15); other numbers still become digits."""
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("投了好几十亿", "投了几十亿"),
        ("几十个亿", "几十亿"),
        ("数十亿", "几十亿"),
        ("十亿", "10亿"),
    ],
)
def test_tens_of_yi_stay_a_vague_amount(text: str, expected: str) -> None:
    """好几十亿 / 几十个亿 / 数十亿 are one vague amount, not 10亿."""
    assert normalize(text) == expected
