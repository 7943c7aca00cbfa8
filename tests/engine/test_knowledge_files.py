"""The shipped knowledge folder: valid, complete, and faithful to the article."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.engine.figures import figures_in
from bot.engine.knowledge import Knowledge, load_knowledge
from tests.engine.conftest import KNOWLEDGE


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    """The knowledge the bot ships with."""
    return load_knowledge(KNOWLEDGE)


def test_every_figure_in_the_body_is_carried_by_a_fact(knowledge: Knowledge) -> None:
    """Each figure in the article body is some fact's value or period, quoted in context."""
    body = knowledge.primary_source.article.body
    carried = [(f"{f.value} {f.period}", f.quote) for f in knowledge.facts.values()]
    uncovered = [
        figure
        for figure in figures_in(body)
        if not any(figure in fields and figure in quote for fields, quote in carried)
    ]
    assert uncovered == []


def test_body_figures_found_are_the_article_figures(knowledge: Knowledge) -> None:
    """The extractor sees every number the article states (guards the coverage test above)."""
    found = Counter(figures_in(knowledge.primary_source.article.body))
    for figure in ("30亿元以上", "74.4%", "65亿元", "13.6亿元", "14.5%", "200亿元", "三张清单"):
        assert found[figure] >= 1
    assert found["五大"] == 3


def test_every_quote_is_verbatim(knowledge: Knowledge) -> None:
    """Every fact's quote is a substring of the clean article (re-checked independently)."""
    text = knowledge.primary_source.article.citable_text
    assert all(f.quote in text for f in knowledge.facts.values())


def test_every_fact_is_cited_by_some_entry(knowledge: Knowledge) -> None:
    """No fact is unreachable: each one is cited by at least one FAQ entry."""
    cited = {fact for entry in knowledge.entries.values() for fact in entry.facts}
    assert set(knowledge.facts) - cited == set()


def test_every_entry_has_english_and_several_phrasings(knowledge: Knowledge) -> None:
    """Every FAQ entry has English phrasings and at least three Chinese ones."""
    for entry in knowledge.entries.values():
        assert entry.questions_en, entry.id
        if entry.kind == "faq":
            assert len(entry.questions_zh) >= 3, entry.id


def test_periods_are_kept_apart(knowledge: Knowledge) -> None:
    """上半年 achieved, this year's target and next year's target are separate facts."""
    by_value = {f.value: f for f in knowledge.facts.values()}
    assert (by_value["13.6亿元"].period, by_value["13.6亿元"].kind) == ("上半年", "achieved")
    assert (by_value["50亿元以上"].period, by_value["50亿元以上"].kind) == ("今年", "target")
    assert by_value["200亿元"].period == "明年"
