"""What a person sees of an answer: its quotes, suggestions and small talk, in HTML and text."""

from __future__ import annotations

import re

import pytest

from bot.engine.answers import Answer, Citation, Language, Status, Suggestion
from bot.engine.knowledge import Source
from bot.engine.pipeline import Engine, load_engine
from bot.engine.render import answer_html, answer_text, split_html, telegram_length
from tests.engine.conftest import KNOWLEDGE

_QUOTE = re.compile(r"<blockquote(?: expandable)?>(.*?)</blockquote>")


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The engine over the project's real knowledge."""
    return load_engine(KNOWLEDGE)


@pytest.fixture(scope="module")
def source(engine: Engine) -> Source:
    """The article the knowledge quotes."""
    return engine.knowledge.primary_source


def shown_quotes(html: str) -> list[str]:
    """The quotes an HTML reply shows, in order."""
    return _QUOTE.findall(html)


def text_quotes(text: str) -> list[str]:
    """The quotes a terminal reply shows, in order."""
    return re.findall(r"「(.*?)」", text)


def assert_no_quote_inside_another(quotes: list[str]) -> None:
    """No shown quote repeats, or is part of, another shown quote."""
    for i, quote in enumerate(quotes):
        for j, other in enumerate(quotes):
            assert i == j or quote not in other, (quote, other)


def test_a_quote_inside_another_is_shown_once(engine: Engine, source: Source) -> None:
    """「下半年有哪些量化目标」 cites five quotes, one the start of another: four are shown."""
    answer = engine.ask("下半年有哪些量化目标")
    # The answer keeps every fact's own quote (ten facts share five quotes).
    assert len({c.quote for c in answer.citations}) == 5
    for quotes in (shown_quotes(answer_html(answer, source)), text_quotes(answer_text(answer))):
        assert len(quotes) == 4
        assert_no_quote_inside_another(quotes)
        assert all(quote in source.article.body for quote in quotes)
        assert all(any(c.quote in q for q in quotes) for c in answer.citations)


def test_overlapping_quotes_are_merged_into_the_articles_span(
    engine: Engine, source: Source
) -> None:
    """华韶's two quotes (one ends with what the other starts with) are one span of the article."""
    answer = engine.ask("华韶智算中心投资多少")
    assert [c.quote for c in answer.citations] == [
        "投资65亿元打造的重庆华韶智算中心",
        "重庆华韶智算中心，将成为引领重庆地区人工智能科技领域产业发展的典范",
    ]
    merged = "投资65亿元打造的重庆华韶智算中心，将成为引领重庆地区人工智能科技领域产业发展的典范"
    assert merged in source.article.body
    assert shown_quotes(answer_html(answer, source)) == [merged]
    assert text_quotes(answer_text(answer, source)) == [merged]
    # Without the article to check the span against, both are shown as cited.
    assert len(text_quotes(answer_text(answer))) == 2


def test_quotes_that_only_look_overlapping_are_not_merged(source: Source) -> None:
    """Two quotes sharing an end and a start but not adjacent in the article stay apart."""
    answer = Answer(
        "q",
        Status.ANSWERED,
        "a",
        Language.SIMPLIFIED,
        citations=(
            Citation("f1", "力促今年实现重庆小面产业营收50亿元以上", "重庆日报", "2023-08-15"),
            Citation("f2", "以上项目", "重庆日报", "2023-08-15"),
        ),
    )
    assert text_quotes(answer_text(answer, source)) == [
        "力促今年实现重庆小面产业营收50亿元以上",
        "以上项目",
    ]


def test_multi_part_reply_shows_each_quote_once_after_its_first_part(
    engine: Engine, source: Source
) -> None:
    """A part whose quote is inside another part's shows it once, after the first part."""
    answer = engine.ask("新增多少数字车间？软信产业营收增长目标是多少？")
    workshops, software = answer.parts
    assert workshops.citations[0].quote in software.citations[0].quote
    for render in (answer_html, answer_text):
        shown = render(answer, source)
        quotes = shown_quotes(shown) or text_quotes(shown)
        assert quotes == [software.citations[0].quote]
        assert shown.index(workshops.text) < shown.index(quotes[0]) < shown.index(software.text)


def test_related_questions_never_offer_what_was_answered(engine: Engine) -> None:
    """Neither a plain reply nor a multi-part one suggests an entry it answers."""
    for question in [
        "万吨商旅融合项目投资多少，啥时候开工？",
        "万吨商旅融合项目投资多少，啥时候开工？还有签约项目有几个？",
        "春风动力在大渡口是啥状态？签了没",
        "重庆小面今年的营收目标是多少",
    ]:
        answer = engine.ask(question)
        assert answer.status is Status.ANSWERED, question
        answered = {answer.entry_id} | {p.entry_id for p in answer.parts}
        assert answered.isdisjoint(s.id for s in answer.suggestions), question


def test_an_answer_drops_a_suggestion_of_its_own_entry() -> None:
    """Built with its own entry among the suggestions, an answer keeps only the others."""
    own = Suggestion("noodle-target-2023", "今年小面营收目标")
    other = Suggestion("noodle-target-2024", "明年小面营收目标")
    answer = Answer(
        "q", Status.ANSWERED, "a", Language.SIMPLIFIED, entry_id=own.id, suggestions=(own, other)
    )
    assert answer.suggestions == (other,)
    assert answer.to_json()["suggestions"] == [{"id": other.id, "question": other.question}]
    choices = Answer("q", Status.AMBIGUOUS, "a", Language.SIMPLIFIED, suggestions=(own, other))
    assert choices.suggestions == (own, other)


@pytest.mark.parametrize(
    ("greeting", "article"),
    [
        ("你好", "大渡口区：推动五大百亿级产业高质量发展"),
        ("在嗎", "大渡口區：推動五大百億級產業高質量發展"),
        ("hello", "Dadukou District"),
    ],
)
def test_greeting_is_one_sentence(engine: Engine, greeting: str, article: str) -> None:
    """A greeting is a hello and one sentence naming the article, before the examples."""
    answer = engine.ask(greeting)
    assert answer.status is Status.SMALLTALK
    assert answer.suggestions
    sentences = [s for s in re.split(r"(?<=[。！？!?])|(?<=\.)\s", answer.text) if s.strip()]
    assert len(sentences) == 2, sentences  # "你好！" and what the bot answers about
    assert article in sentences[1]


def test_traditional_reply_quotes_in_traditional(engine: Engine, source: Source) -> None:
    """A traditional question's quotes are shown in traditional; the answer keeps the article's."""
    answer = engine.ask("重慶小麵今年營收目標是多少")
    assert answer.language is Language.TRADITIONAL
    [citation] = answer.citations
    assert citation.quote == "力促今年实现重庆小面产业营收50亿元以上"
    assert answer.to_json()["citations"] == [
        {
            "fact": citation.fact,
            "quote": citation.quote,
            "source": "重庆日报",
            "date": "2023-08-15",
        }
    ]
    html = answer_html(answer, source)
    assert shown_quotes(html) == ["力促今年實現重慶小麵產業營收50億元以上"]
    assert html.endswith("— 《重慶日報》2023-08-15")
    assert text_quotes(answer_text(answer, source)) == ["力促今年實現重慶小麵產業營收50億元以上"]
    simplified = engine.ask("重庆小面今年的营收目标是多少")
    assert shown_quotes(answer_html(simplified, source)) == [citation.quote]


def test_long_quotes_are_expandable_in_html_only(engine: Engine, source: Source) -> None:
    """Long quotes collapse in HTML (short ones stay plain); the terminal shows them all."""
    many = answer_html(engine.ask("下半年有哪些量化目标"), source)
    openings = re.findall(r"<blockquote[^>]*>", many)
    assert "<blockquote expandable>" in openings
    assert "<blockquote>" in openings  # 「力争新增工业产值30亿元以上」 stays open
    short = answer_html(engine.ask("重庆小面今年的营收目标是多少"), source)
    assert "expandable" not in short
    long_one = answer_html(engine.ask("软信产业营收增长目标"), source)
    assert len(shown_quotes(long_one)) == 1
    assert "<blockquote expandable>" in long_one
    assert "expandable" not in answer_text(engine.ask("下半年有哪些量化目标"), source)


def test_split_html_cuts_outside_a_blockquote_when_it_can() -> None:
    """A quote that would straddle a cut moves whole to the next part, its tag as it was."""
    quote = "<blockquote expandable>" + "\n".join(["重庆小面" * 5] * 3) + "</blockquote>"
    html = "\n".join(["大渡口" * 10, "小面" * 10, quote, "— 《重庆日报》2023-08-15"])
    parts = split_html(html, limit=80)
    assert all(telegram_length(part, html=True) <= 80 for part in parts)
    assert parts[0] == "大渡口" * 10 + "\n" + "小面" * 10
    assert parts[1] == quote
    assert parts[2] == "— 《重庆日报》2023-08-15"


def test_split_html_cuts_a_quote_longer_than_a_part_and_reopens_it() -> None:
    """A quote longer than a whole part is cut between its lines, reopened expandable."""
    quote = "<blockquote expandable>" + "\n".join(["重庆小面" * 5] * 6) + "</blockquote>"
    parts = split_html("开头\n" + quote, limit=50)
    assert len(parts) >= 3
    for part in parts[1:]:
        assert part.startswith("<blockquote expandable>")
        assert part.endswith("</blockquote>")
        assert telegram_length(part, html=True) <= 50
