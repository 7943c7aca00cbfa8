"""Loading refuses an inconsistent knowledge set and says where each problem is."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.engine.figure_checks import HAS_CJK, english_disagreements
from bot.engine.figures import english_numbers, figure_spans
from bot.engine.knowledge import KnowledgeError, load_knowledge
from tests.engine.conftest import FACTS, FAQ, KNOWLEDGE, LEXICON, write_knowledge


def problems_of(directory: Path, overrides: dict[str, bytes] | None = None) -> list[str]:
    """Every problem loading ``directory`` reports, as printed."""
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory, overrides)
    return [str(p) for p in caught.value.problems]


def test_small_knowledge_is_valid(small_knowledge: Path) -> None:
    """The fixture itself loads, so every other test here breaks exactly one thing."""
    knowledge = load_knowledge(small_knowledge)
    assert set(knowledge.facts) == {
        "noodle-revenue-target-2023",
        "noodle-revenue-target-2024",
        "huashao-investment",
    }
    assert len(knowledge.version) == 12


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    """A YAML syntax error is reported at the line the parser stopped."""
    directory = write_knowledge(tmp_path, facts_yaml=FACTS + "- id: [unclosed\n")
    [problem] = problems_of(directory)
    assert problem.startswith("facts.yaml:36: file: YAML syntax")


def test_aliases_are_refused(tmp_path: Path) -> None:
    """Anchors and aliases are refused, which rules out alias bombs."""
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    [problem] = problems_of(write_knowledge(tmp_path, lexicon_yaml=bomb))
    assert problem == "lexicon.yaml:1: file: anchors and aliases (& and *) are not allowed"


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    """A list where text belongs names the field and its line."""
    facts = FACTS.replace("  measure: 营收\n", "  measure: [营收]\n", 1)
    assert problems_of(write_knowledge(tmp_path, facts_yaml=facts)) == [
        "facts.yaml:4: noodle-revenue-target-2023.measure: expected text, got a list"
    ]


def test_unknown_field_is_reported(tmp_path: Path) -> None:
    """A misspelt field is an error, not silently ignored."""
    facts = FACTS.replace("  kind: target\n", "  kind: target\n  kinds: target\n", 1)
    assert problems_of(write_knowledge(tmp_path, facts_yaml=facts)) == [
        "facts.yaml:11: noodle-revenue-target-2023.kinds: unknown field"
    ]


def test_duplicate_fact_id(tmp_path: Path) -> None:
    """Two facts with one id are refused at the second one's line; the first one stays."""
    facts = FACTS.replace("id: noodle-revenue-target-2024", "id: noodle-revenue-target-2023")
    assert problems_of(write_knowledge(tmp_path, facts_yaml=facts)) == [
        "facts.yaml:13: noodle-revenue-target-2023.id: duplicate id",
        "faq.yaml:27: noodle-revenue-next-year.facts: unknown fact 'noodle-revenue-target-2024'",
    ]


def test_unknown_fact_id_in_faq(tmp_path: Path) -> None:
    """An entry citing a fact that does not exist is refused."""
    faq = FAQ.replace("facts: [huashao-investment]", "facts: [huashao-invest]")
    assert problems_of(write_knowledge(tmp_path, faq_yaml=faq)) == [
        "faq.yaml:37: huashao.facts: unknown fact 'huashao-invest'"
    ]


def test_quote_must_be_verbatim(tmp_path: Path) -> None:
    """A quote that is not word for word in the article is refused."""
    facts = FACTS.replace("quote: 明年力争达到200亿元", "quote: 明年力争达到200亿元以上")
    assert problems_of(write_knowledge(tmp_path, facts_yaml=facts)) == [
        "facts.yaml:23: noodle-revenue-target-2024.quote: not found verbatim in cqrb-2023-08-15"
    ]


def test_value_must_be_in_its_quote(tmp_path: Path) -> None:
    """A fact's value must be written in its own quote."""
    facts = FACTS.replace("value: 65亿元", "value: 56亿元")
    assert problems_of(write_knowledge(tmp_path, facts_yaml=facts)) == [
        "facts.yaml:30: huashao-investment.value: '56亿元' is not in the quote",
        "facts.yaml:31: huashao-investment.value_en: "
        "'6.5 billion' is not the value 56亿元, which is '5.6 billion'",
        "faq.yaml:35: huashao.answer.zh: figure '65亿元' is not carried by any cited fact",
        "faq.yaml:36: huashao.answer.en: figure '65亿元' is not carried by any cited fact",
    ]


def test_answer_figure_not_carried_by_cited_facts(tmp_path: Path) -> None:
    """An answer stating a figure none of its facts carries is refused (zh and en)."""
    faq = FAQ.replace("营收50亿元以上。", "营收60亿元以上。").replace(
        "(50亿元以上) this year", "(50亿元以上) this year, up 14.5%"
    )
    assert problems_of(write_knowledge(tmp_path, faq_yaml=faq)) == [
        "faq.yaml:15: noodle-revenue-target.answer.zh: "
        "figure '60亿元以上' is not carried by any cited fact",
        "faq.yaml:16: noodle-revenue-target.answer.en: "
        "'14.5%' is not a figure of the cited facts or its English conversion",
    ]


def test_missing_translation(tmp_path: Path) -> None:
    """An answer without its English translation is refused."""
    faq = FAQ.replace("      en: Hello!\n", "")
    assert problems_of(write_knowledge(tmp_path, faq_yaml=faq)) == [
        "faq.yaml:45: greeting.answer.en: missing"
    ]


def test_empty_phrasing(tmp_path: Path) -> None:
    """An empty phrasing would match anything, so it is refused."""
    faq = FAQ.replace("zh: [你好, 在吗]", "zh: [你好, '']")
    assert problems_of(write_knowledge(tmp_path, faq_yaml=faq)) == [
        "faq.yaml:42: greeting.questions.zh[1]: empty"
    ]


def test_unknown_related_and_topic(tmp_path: Path) -> None:
    """Related entries and topics must exist."""
    faq = FAQ.replace("related: [noodle-revenue-next-year]", "related: [nope]").replace(
        "topic: digital", "topic: digits"
    )
    assert problems_of(write_knowledge(tmp_path, faq_yaml=faq)) == [
        "faq.yaml:18: noodle-revenue-target.related: unknown entry 'nope'",
        "faq.yaml:30: huashao.topic: unknown topic 'digits'",
    ]


def test_out_of_scope_name_used_by_article(tmp_path: Path) -> None:
    """An out-of-scope name the article itself uses would decline answerable questions."""
    lexicon = LEXICON.replace("industries: [火锅]", "industries: [火锅, 新材料]")
    assert problems_of(write_knowledge(tmp_path, lexicon_yaml=lexicon)) == [
        "lexicon.yaml:15: out_of_scope.industries: '新材料' appears in the article"
    ]


def test_edited_source_is_refused(tmp_path: Path) -> None:
    """The raw article must stay as received: its checksum is verified."""
    directory = write_knowledge(tmp_path)
    raw = directory / "sources" / "000_e6fdde9305940f0c.txt"
    raw.write_text(raw.read_text(encoding="utf-8").replace("80個", "90個"), encoding="utf-8")
    [problem] = problems_of(directory)
    assert problem.endswith(
        "cqrb-2023-08-15.sha256: does not match raw_file: the source must stay as received"
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Problems in several files are all listed together, not one per run."""
    faq = FAQ.replace("topic: digital", "topic: digits")
    facts = FACTS.replace("kind: fact", "kind: guess")
    problems = problems_of(write_knowledge(tmp_path, faq_yaml=faq, facts_yaml=facts))
    assert [p.split(":")[0] for p in problems] == ["facts.yaml", "faq.yaml"]


def test_non_utf8_and_oversized_uploads(small_knowledge: Path) -> None:
    """Bytes that are not UTF-8, or far too many of them, are refused before parsing."""
    assert problems_of(small_knowledge, {"faq.yaml": b"topics: \xff\xfe\n"}) == [
        "faq.yaml:1: file: not UTF-8 text"
    ]
    [problem] = problems_of(small_knowledge, {"faq.yaml": b"#" * 10_000_000})
    assert problem.startswith("faq.yaml:1: file: too large")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param(
            "over 5 billion yuan (50亿元以上)",
            "over 50 billion yuan (50亿元以上)",
            "faq.yaml:16: noodle-revenue-target.answer.en: "
            "'over 50 billion' is not 50亿元以上 beside it, which is 'over 5 billion'",
            id="ten-times-the-figure",
        ),
        pytest.param(
            "over 5 billion yuan (50亿元以上)",
            "5 billion yuan (50亿元以上)",
            "faq.yaml:16: noodle-revenue-target.answer.en: "
            "'5 billion' drops the qualifier of 50亿元以上: write 'over 5 billion'",
            id="以上-left-out",
        ),
        pytest.param(
            "a 6.5 billion yuan (65亿元)",
            "a more than 6.5 billion yuan (65亿元)",
            "faq.yaml:36: huashao.answer.en: "
            "'more than 6.5 billion' says 'over', but 65亿元 has no 以上, 以下 or 左右",
            id="over-added",
        ),
        pytest.param(
            "the aim is 20 billion yuan (200亿元)",
            "the aim is 6.5 billion yuan (200亿元)",
            "faq.yaml:26: noodle-revenue-next-year.answer.en: "
            "'6.5 billion' is not 200亿元 beside it, which is '20 billion'",
            id="wrong-figure-beside",
        ),
        pytest.param(
            "(50亿元以上) this year",
            "(50亿元以上) this year; 500 million last year",
            "faq.yaml:16: noodle-revenue-target.answer.en: '500 million' is not a figure of "
            "the cited facts or its English conversion; 50亿元以上 is 'over 5 billion'",
            id="figure-of-no-cited-fact",
        ),
    ],
)
def test_english_figures_must_be_the_cited_facts_exact_conversion(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    """An English answer whose number is not its Chinese figure's conversion is refused."""
    assert old in FAQ
    faq = FAQ.replace(old, new)
    assert problems_of(write_knowledge(tmp_path, faq_yaml=faq)) == [problem]


@pytest.mark.parametrize(
    "english",
    [
        "over 5,000,000,000 yuan (50亿元以上)",
        "more than 5 billion yuan (50亿元以上)",
        "at least 5-billion yuan (50亿元以上)",
    ],
)
def test_english_conversions_written_other_ways_pass(tmp_path: Path, english: str) -> None:
    """Digits with thousands separators, "more than", "at least" and hyphens are the figure."""
    faq = FAQ.replace("over 5 billion yuan (50亿元以上)", english)
    load_knowledge(write_knowledge(tmp_path, faq_yaml=faq))


def test_counts_are_checked_against_the_figure_they_describe() -> None:
    """Swapping two counts of the shipped project targets is caught, not just figures' sizes."""
    knowledge = load_knowledge(KNOWLEDGE)
    entry = knowledge.entries["attraction-targets"]
    swapped = entry.answer_en.replace("2 projects at the 2-billion", "3 projects at the 2-billion")
    assert swapped != entry.answer_en
    cited = [knowledge.facts[f] for f in entry.facts]
    assert english_disagreements(swapped, cited) == ["'3' is not 2个 beside it, which is '2'"]


def test_fact_value_en_must_be_the_value_converted(tmp_path: Path) -> None:
    """value_en is what English answers lean on, so it must agree with value."""
    facts = FACTS.replace("value_en: over 5 billion yuan", "value_en: over 50 billion yuan")
    assert problems_of(write_knowledge(tmp_path, facts_yaml=facts)) == [
        "facts.yaml:7: noodle-revenue-target-2023.value_en: "
        "'over 50 billion' is not the value 50亿元以上, which is 'over 5 billion'"
    ]


def test_every_english_figure_of_the_shipped_faq_is_checked() -> None:
    """Each number in the real English answers, made ten times larger, would be refused."""
    knowledge = load_knowledge(KNOWLEDGE)
    checked = 0
    for entry in knowledge.entries.values():
        cited = [knowledge.facts[f] for f in entry.facts]
        masked = entry.answer_en
        for start, end, figure in figure_spans(masked):
            if HAS_CJK.search(figure):
                masked = masked[:start] + " " * (end - start) + masked[end:]
        for number in english_numbers(masked):
            if number.quantity.literal:
                continue
            digits = re.search(r"\d[\d,]*(?:\.\d+)?", masked[number.start : number.end])
            assert digits is not None
            at, to = number.start + digits.start(), number.start + digits.end()
            tenfold = Decimal(digits.group().replace(",", "")) * 10
            answer = f"{entry.answer_en[:at]}{tenfold:f}{entry.answer_en[to:]}"
            assert english_disagreements(answer, cited), (entry.id, answer)
            checked += 1
    assert checked >= 75  # every amount, count, rate and year the answers state in digits
