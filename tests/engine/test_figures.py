"""Finding the figures a text states."""

from __future__ import annotations

from bot.engine.figures import chinese_quantities, english_numbers, figures_in


def test_arabic_figures_keep_unit_and_qualifier() -> None:
    """Amounts keep their unit and 以上, rates their percent sign."""
    assert figures_in("力争新增工业产值30亿元以上，开工率74.4%") == ["30亿元以上", "74.4%"]


def test_chinese_counts_are_figures() -> None:
    """五大, 三个方面, 三张清单 and 首家 are counts the facts must carry."""
    assert figures_in("五大百亿级产业、三个方面、三张清单、首家五星级酒店") == [
        "五大",
        "百亿级",
        "三个方面",
        "三张清单",
        "首家",
        "五星级",
    ]


def test_words_with_numeral_characters_are_not_figures() -> None:
    """一批, 一企一策, 之一 and the place name 万吨 are words, not figures."""
    assert figures_in("一批爆款产品，“一企一策”，城市名片之一，万吨商旅融合项目") == []


def test_chinese_figures_convert_to_english_amounts() -> None:
    """亿 and 万 scale the number, 以上 is "over", a percent stays one, 百亿级 is 10 billion."""
    converted = {
        figure: [q.english() for q in chinese_quantities(figure)]
        for figure in (
            "50亿元以上",
            "10万平方米以上",
            "13.6亿元",
            "5亿级",
            "74.4%",
            "百亿级",
            "4个以上",
            "8月14日",
            "五大",
        )
    }
    assert converted == {
        "50亿元以上": ["over 5 billion"],
        "10万平方米以上": ["over 100,000"],
        "13.6亿元": ["1.36 billion"],
        "5亿级": ["500 million"],
        "74.4%": ["74.4%"],
        "百亿级": ["10 billion"],
        "4个以上": ["over 4"],
        "8月14日": ["8", "14"],
        "五大": [],
    }


def test_english_numbers_carry_scale_percent_and_qualifier() -> None:
    """Scales in words, hyphens, separators, "or more"; digits in words (Q2) are not numbers."""
    text = (
        "over 5 billion, 5,000,000,000, a 5-billion-yuan level, 4 or more, 74.4%, Q2, 2023-08-15"
    )
    found = [(n.text, n.quantity.english()) for n in english_numbers(text)]
    assert found == [
        ("over 5 billion", "over 5 billion"),
        ("5,000,000,000", "5 billion"),
        ("5-billion", "5 billion"),
        ("4 or more", "over 4"),
        ("74.4%", "74.4%"),
        ("2023-08-15", "2023-08-15"),
    ]
