"""Finding the figures a text states."""

from __future__ import annotations

from bot.figures import figures_in


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
